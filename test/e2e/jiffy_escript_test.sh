#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# jiffy_escript_test.sh OTP_ROOT REBAR3 DSC PLUGIN_DIR
#
# DSC is the .dsc of the source package, or a file that holds its path (as
# cmake/otp/FetchDebianSource.cmake's RESULT_FILE does).
#
# A real NIF library, as it is written: jiffy (JSON; its module loads
# jiffy.so by a path under code:priv_dir(jiffy)), from Debian's source
# package DSC, on the patched Erlang/OTP in OTP_ROOT:
#   1. jiffy.so built from the package's C and C++ sources as its
#      rebar.config's port_specs say, its modules and its own eunit tests
#      compiled by OTP_ROOT's erlc;
#   2. the tests run from the source directory, jiffy.so loaded from its
#      file: the reference counts;
#   3. a rebar3 project (REBAR3, offline, with the plugin in PLUGIN_DIR)
#      whose main application holds jiffy's test modules and depends on
#      jiffy, escriptized; the escript is copied into a directory that holds
#      nothing else but the data files the tests read from ./test/cases, and
#      runs them there under strace: the same counts as from the source
#      directory, jiffy.so from a memfd, no .so opened or created
#      (check_trace.py, mode archive), nothing left behind.
# The library is not changed. Its rebar.config.script, which fetches the
# port compiler plugin to build jiffy.so, is left out of the rebar3 project
# (it runs offline; jiffy.so is built in step 1).
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=jiffy_escript
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $0 OTP_ROOT REBAR3 DSC PLUGIN_DIR"
otp=$1 rebar3=$2 dsc=$3 plugin=$4
require_patched_otp "$otp"
[ -x "$rebar3" ] || die "$rebar3 not found (build the memnif_checksum_rebar3 target first)"
[ -f "$dsc" ] || die "$dsc not found (build the e2e_debian_jiffy target first)"
case $dsc in *.dsc) ;; *) dsc=$(cat "$dsc") ;; esac
[ -f "$dsc" ] || die "$dsc not found (build the e2e_debian_jiffy target again)"
for tool in dpkg-source strace g++; do
    command -v "$tool" > /dev/null || die "$tool not found (cmake/install-debian-deps.sh installs it)"
done

make_scratch
work=$E2E_SCRATCH
bin=$otp/bin
otp_release=$("$bin/erl" -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')

# --- 1. the library and its tests, built ------------------------------------
dpkg-source --no-check -x "$dsc" "$work/jiffy" > "$work/dpkg-source.log" 2>&1 \
    || { cat "$work/dpkg-source.log"; die "dpkg-source -x $dsc failed"; }
src=$work/jiffy
include=$("$bin/erl" -noshell -eval \
    'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')
mkdir -p "$src/priv" "$src/ebin" "$work/objects" "$work/test_ebin"
# port_specs: c_src/*.c, c_src/*.cc, c_src/double-conversion/*.cc; port_env:
# -Ic_src/ -g -Wall -O3 (-Werror left out: a newer compiler's warnings are
# not this test's business), linked with -lstdc++; debian/rules adds
# -fsigned-char.
flags=(-fPIC -g -Wall -O3 -fsigned-char -I"$src/c_src" -I"$include")
for source in "$src"/c_src/*.c "$src"/c_src/*.cc "$src"/c_src/double-conversion/*.cc; do
    object=$work/objects/$(basename "$(dirname "$source")")-$(basename "$source").o
    case $source in
        *.c) gcc "${flags[@]}" -c "$source" -o "$object" ;;
        *) g++ "${flags[@]}" -c "$source" -o "$object" ;;
    esac
done
g++ -shared -o "$src/priv/jiffy.so" "$work"/objects/*.o -lstdc++
cp "$src/src/jiffy.app.src" "$src/ebin/jiffy.app"
"$bin/erlc" -o "$src/ebin" "$src"/src/*.erl
"$bin/erlc" -W0 -I "$src/test" -o "$work/test_ebin" "$src"/test/*.erl
mapfile -t test_modules < <(find "$src/test" -name "jiffy_*_tests.erl" -printf "%f\n" | sed "s/\\.erl$//" | sort)
log "jiffy $(sed -n 's/.*{vsn, "\(.*\)"}.*/\1/p' "$src/src/jiffy.app.src") from $(basename "$dsc"), OTP $otp_release: ${#test_modules[@]} test modules"

# eunit's summary line as "passed failed skipped" (0 0 0 when there is none).
counts() {
    sed -n -e 's/^ *All \([0-9]*\) tests passed\..*/\1 0 0/p' \
        -e 's/^ *Failed: \([0-9]*\)\. *Skipped: \([0-9]*\)\. *Passed: \([0-9]*\)\..*/\3 \1 \2/p' \
        -e 's/^ *Test passed\./1 0 0/p' "$1" | tail -n 1
}
modules_list=$(IFS=,; echo "${test_modules[*]}")

# --- 2. from the source directory: jiffy.so from its file -------------------
(cd "$src" && "$bin/erl" -noshell -pa "$src/ebin" -pa "$work/test_ebin" -eval "
    halt(case eunit:test([$modules_list], []) of ok -> 0; _ -> 1 end)." \
    > "$work/directory.log" 2>&1) || { cat "$work/directory.log"; fail_now "the tests fail from the source directory"; }
reference=$(counts "$work/directory.log")
read -r ref_passed _ _ <<< "$reference"
[ "${ref_passed:-0}" -gt 0 ] || { cat "$work/directory.log"; fail_now "no eunit summary from the source directory"; }
log "from the source directory (jiffy.so from its file): passed, failed, skipped: $reference"

# --- 3. one escript, with nothing beside it but the tests' data ----------------
project=$work/project
mkdir -p "$project/src" "$project/_checkouts"
cp -r "$src" "$project/_checkouts/jiffy"
rm -rf "$project/_checkouts/jiffy/ebin" "$project/_checkouts/jiffy/rebar.config.script"
ln -s "$plugin" "$project/_checkouts/rebar3_priv_nif"
cp "$src"/test/*.erl "$src"/test/*.hrl "$project/src/"
cat > "$project/src/escript_eunit.app.src" <<'EOF'
{application, escript_eunit,
 [{description, "jiffy's own eunit tests, as an escript"}, {vsn, "1.0.0"},
  {registered, []}, {applications, [kernel, stdlib, jiffy]}, {env, []},
  {modules, []}]}.
EOF
cat > "$project/src/escript_eunit.erl" <<EOF
-module(escript_eunit).
-export([main/1]).
main(_) ->
    halt(case eunit:test([$modules_list], []) of ok -> 0; _ -> 1 end).
EOF
cat > "$project/rebar.config" <<'EOF'
{deps, [jiffy]}.
{plugins, [rebar3_priv_nif]}.
{escript_main_app, escript_eunit}.
{escript_incl_apps, [jiffy]}.
EOF
(cd "$project" && env -i PATH="$bin:/usr/bin:/bin" HOME="$work/home" REBAR_OFFLINE=1 \
     REBAR_CACHE_DIR="$work/cache" REBAR_GLOBAL_CONFIG_DIR="$work/global" \
     "$rebar3" escriptize) > "$work/rebar3.log" 2>&1 \
    || { cat "$work/rebar3.log"; fail_now "rebar3 escriptize failed"; }
escript_file=$project/_build/default/bin/escript_eunit
[ -f "$escript_file" ] || fail_now "rebar3 wrote no $escript_file"

run=$work/run
mkdir -p "$run/test" "$run.tmp"
cp -r "$src/test/cases" "$run/test/"
cp "$escript_file" "$run/escript_eunit"
(cd "$run" && env -i PATH="$bin:/usr/bin:/bin" TMPDIR="$run.tmp" \
     strace -f -ff -qq -s 4096 -o "$work/trace" ./escript_eunit > "$work/escript.log" 2>&1) \
    || { cat "$work/escript.log"; fail_now "the tests fail from the escript"; }
from_escript=$(counts "$work/escript.log")
if [ "$from_escript" = "$reference" ]; then
    pass "from the escript (jiffy.so from memory): $from_escript, as from the source directory"
else
    cat "$work/escript.log"
    fail "from the escript: $from_escript; from the source directory: $reference"
fi
TRACE_MODE=archive check_memory_traces "$work/trace" "the escript's strace" jiffy
[ -z "$(ls -A "$run.tmp")" ] || fail "the escript left files in TMPDIR: $(ls -A "$run.tmp")"
[ "$(ls -A "$run")" = "$(printf 'escript_eunit\ntest')" ] || fail "the escript left files in its directory: $(ls -A "$run")"
finish
