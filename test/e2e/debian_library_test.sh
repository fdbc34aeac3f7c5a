#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# debian_library_test.sh OTP_ROOT REBAR3 PLUGIN_DIR LIBRARY SOURCE [P1_UTILS_SOURCE]
#
# A real NIF library or driver, as it is written (its module loads its
# library by a path under code:priv_dir/1, with erlang:load_nif/2 or
# erl_ddll:load/2), from Debian's source package SOURCE (its .dsc, or the
# upstream .orig.tar.* alone where the archive serves only that), on the
# patched Erlang/OTP in OTP_ROOT. LIBRARY is one this script has a recipe
# for: jiffy, stringprep, fast_yaml, fast_xml, mqtree, ezlib or sqlite3 (a
# linked-in driver).
#   1. its shared libraries built from the package's sources as its
#      rebar.config's port_specs and port_env say (the port compiler plugin
#      that would do it cannot be fetched offline), its modules and its own
#      eunit tests compiled by OTP_ROOT's erlc;
#   2. the tests run from the source directory, the library loaded from its
#      file: the reference counts;
#   3. a rebar3 project (REBAR3, offline, with the plugin in PLUGIN_DIR)
#      whose main application holds the test modules and depends on the
#      library, escriptized; the escript is copied into a directory that
#      holds nothing else but the data files the tests read from ./test,
#      and runs them there under strace: the same counts as from the source
#      directory, each library from a memfd, no .so opened or created
#      (check_trace.py, mode archive; no file created but what the tests
#      write themselves), nothing left in TMPDIR.
# The library is not changed. Its rebar.config.script, which fetches that
# plugin, is left out of the rebar3 project.
#
# ProcessOne's NIF libraries (all but jiffy and sqlite3) find theirs with
# p1_utils: P1_UTILS_SOURCE is its upstream tarball from Debian.
#
# SOURCE and P1_UTILS_SOURCE may also be files that hold the path (as
# cmake/otp/FetchDebianSource.cmake's RESULT_FILE does).
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=debian.${4:-}
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -ge 5 ] && [ $# -le 6 ] || die "usage: $0 OTP_ROOT REBAR3 PLUGIN_DIR LIBRARY SOURCE [P1_UTILS_SOURCE]"
otp=$1 rebar3=$2 plugin=$3 library=$4 source=$5 p1_utils_source=${6:-}
require_patched_otp "$otp"
[ -x "$rebar3" ] || die "$rebar3 not found (build the memnif_checksum_rebar3 target first)"
resolve() {  # <.dsc, .orig.tar.* or a file holding its path>
    local file=$1
    [ -f "$file" ] || die "$file not found (build the e2e_debian_sources target first)"
    case $file in *.dsc | *.orig.tar.*) ;; *) file=$(cat "$file") ;; esac
    [ -f "$file" ] || die "$file not found (build the e2e_debian_sources target again)"
    echo "$file"
}
source=$(resolve "$source")
for tool in dpkg-source dpkg-deb strace g++; do
    command -v "$tool" > /dev/null || die "$tool not found (cmake/install-debian-deps.sh installs it)"
done

# --- the recipes: what port_specs and port_env say, and where the tests are
# specs: one "LIBRARY SOURCE..." per port_specs entry (patterns relative to
# the source tree, expanded there: quoted here)
specs=() cflags=() libs=() data=() tests_in_src=() writes_under="" needs_p1_utils=true
case $library in
    jiffy)
        # -Werror left out: a newer compiler's warnings are not this test's
        # business; debian/rules adds -fsigned-char.
        app=jiffy needs_p1_utils=false
        specs=('priv/jiffy.so c_src/*.c c_src/*.cc c_src/double-conversion/*.cc')
        cflags=(-O3 -Wall -fsigned-char -Ic_src) libs=(-lstdc++) data=(test/cases) ;;
    stringprep)
        app=stringprep specs=('priv/lib/stringprep.so c_src/stringprep.cpp')
        cflags=(-O3 -Wall) libs=(-lstdc++) ;;
    fast_yaml)
        # Its tests are in the module itself, under -ifdef(TEST).
        app=fast_yaml specs=('priv/lib/fast_yaml.so c_src/fast_yaml.c')
        # They write test/temp_test.yml, and remove it.
        libs=(-lyaml) data=('test/*.yml') tests_in_src=(fast_yaml) writes_under=test/ ;;
    fast_xml)
        # Two libraries; its test starts the application, whose supervisor
        # loads both.
        app=fast_xml specs=('priv/lib/fxml.so c_src/fxml.c' 'priv/lib/fxml_stream.so c_src/fxml_stream.c')
        libs=(-lexpat) ;;
    mqtree)
        app=mqtree specs=('priv/lib/mqtree.so c_src/mqtree.c')
        cflags=(-std=c99 -O2 -Wall) libs=(-lpthread) ;;
    ezlib)
        # Not linked with libz, as upstream builds it: it takes zlib's
        # symbols from the emulator's own, which a library from memory sees
        # as one from its file does.
        app=ezlib specs=('priv/lib/ezlib.so c_src/ezlib.c') ;;
    sqlite3)
        # A linked-in driver, loaded by erl_ddll:load(code:priv_dir(sqlite3), ...).
        app=sqlite3 needs_p1_utils=false specs=('priv/sqlite3_drv.so c_src/*.c')
        cflags=(-Wall -Wextra -Wno-unused-parameter) libs=(-lsqlite3 -lei) ;;
    *) die "no recipe for $library (jiffy, stringprep, fast_yaml, fast_xml, mqtree, ezlib, sqlite3)" ;;
esac
if $needs_p1_utils; then
    [ -n "$p1_utils_source" ] || die "$library needs P1_UTILS_SOURCE"
    p1_utils_source=$(resolve "$p1_utils_source")
else
    p1_utils_source=""
fi
make_scratch
work=$E2E_SCRATCH
bin=$otp/bin
otp_release=$("$bin/erl" -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')
src=$work/$app
test_ebin=$work/test_ebin
erl_defs=()
[ ${#tests_in_src[@]} -eq 0 ] || erl_defs=(-DTEST)

# --- 1. the library and its tests, built ------------------------------------
case $source in
    *.dsc)
        dpkg-source --no-check -x "$source" "$src" > "$work/dpkg-source.log" 2>&1 \
            || { cat "$work/dpkg-source.log"; die "dpkg-source -x $source failed"; } ;;
    *) mkdir -p "$src" && tar -xf "$source" -C "$src" --strip-components=1 ;;
esac
code_path=(-pa "$src/ebin" -pa "$test_ebin")
checkouts=()
if [ -n "$p1_utils_source" ]; then
    # p1_utils, built as its rebar.config says, and for _checkouts too.
    p1=$work/p1_utils
    mkdir -p "$p1" && tar -xf "$p1_utils_source" -C "$p1" --strip-components=1
    rm -f "$p1/rebar.config.script"
    mkdir -p "$p1/ebin"
    "$bin/erlc" -W0 -I "$p1/include" -o "$p1/ebin" "$p1"/src/*.erl
    cp "$p1/src/p1_utils.app.src" "$p1/ebin/p1_utils.app"
    code_path+=(-pa "$p1/ebin")
    checkouts+=("$p1")
fi
include=$("$bin/erl" -noshell -eval \
    'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')
# ERL_EI_LIBDIR of port_env: erl_interface's libei.a
ei_libdir=$("$bin/erl" -noshell -eval \
    'io:format("~s", [filename:join(code:lib_dir(erl_interface), "lib")]), halt().')
mkdir -p "$src/ebin" "$work/objects" "$test_ebin"
library_names=()
for spec in "${specs[@]}"; do
    read -r -a patterns <<< "$spec"  # read does not expand the patterns
    so=${patterns[0]}
    objects=()
    for pattern in "${patterns[@]:1}"; do
        for file in "$src"/$pattern; do
            object=$work/objects/$(basename "$(dirname "$file")")-$(basename "$file").o
            case $file in
                *.c) (cd "$src" && gcc -fPIC -g "${cflags[@]}" -I"$include" -c "$file" -o "$object") ;;
                *) (cd "$src" && g++ -fPIC -g "${cflags[@]}" -I"$include" -c "$file" -o "$object") ;;
            esac
            objects+=("$object")
        done
    done
    mkdir -p "$(dirname "$src/$so")"
    g++ -shared -o "$src/$so" "${objects[@]}" -L"$ei_libdir" "${libs[@]}"
    library_names+=("$(basename "$so" .so)")
done
cp "$src/src/$app.app.src" "$src/ebin/$app.app"
# Parse transforms first (rebar3 orders them so too), then the rest.
erlc_app=("$bin/erlc" -W0 "${erl_defs[@]}" -I "$src/include" -pa "$src/ebin" -o "$src/ebin")
mapfile -t transforms < <(grep -l "^-export(\[parse_transform/2\])" "$src"/src/*.erl || true)
[ ${#transforms[@]} -eq 0 ] || "${erlc_app[@]}" "${transforms[@]}"
"${erlc_app[@]}" "$src"/src/*.erl
"$bin/erlc" -W0 -I "$src/include" -I "$src/test" -o "$test_ebin" "$src"/test/*.erl
mapfile -t test_modules < <(find "$src/test" -maxdepth 1 -name "*.erl" -printf "%f\n" | sed "s/\\.erl$//" | sort)
test_modules+=("${tests_in_src[@]}")
log "$app $(sed -n 's/.*{vsn, *"\(.*\)"}.*/\1/p' "$src/src/$app.app.src") from $(basename "$source"), OTP $otp_release: test modules ${test_modules[*]}"

# eunit's summary line as "passed failed skipped" (0 0 0 when there is none).
counts() {
    sed -n -e 's/^ *All \([0-9]*\) tests passed\..*/\1 0 0/p' \
        -e 's/^ *Failed: \([0-9]*\)\. *Skipped: \([0-9]*\)\. *Passed: \([0-9]*\)\..*/\3 \1 \2/p' \
        -e 's/^ *Test passed\./1 0 0/p' "$1" | tail -n 1
}
modules_list=$(IFS=,; echo "${test_modules[*]}")

# --- 2. from the source directory: the library from its file -----------------
(cd "$src" && "$bin/erl" -noshell "${code_path[@]}" -eval "
    halt(case eunit:test([$modules_list], []) of ok -> 0; _ -> 1 end)." \
    > "$work/directory.log" 2>&1) || { cat "$work/directory.log"; fail_now "the tests fail from the source directory"; }
reference=$(counts "$work/directory.log")
read -r ref_passed _ _ <<< "$reference"
[ "${ref_passed:-0}" -gt 0 ] || { cat "$work/directory.log"; fail_now "no eunit summary from the source directory"; }
log "from the source directory (${library_names[*]} from files): passed, failed, skipped: $reference"

# --- 3. one escript, with nothing beside it but the tests' data ----------------
project=$work/project
mkdir -p "$project/src" "$project/_checkouts"
cp -r "$src" "$project/_checkouts/$app"
rm -rf "$project/_checkouts/$app/ebin" "$project/_checkouts/$app/rebar.config.script"
for dir in "${checkouts[@]}"; do
    cp -r "$dir" "$project/_checkouts/"
    rm -rf "$project/_checkouts/$(basename "$dir")/ebin"
done
ln -s "$plugin" "$project/_checkouts/rebar3_priv_nif"
cp "$src"/test/*.erl "$project/src/"
cp "$src"/test/*.hrl "$project/src/" 2>/dev/null || true
# The headers the tests include from the library's include directory.
mkdir -p "$project/include"
cp "$src"/include/*.hrl "$project/include/" 2>/dev/null || true
# ezlib's test calls p1_nif_utils itself.
test_deps=""
! $needs_p1_utils || test_deps=", p1_utils"
cat > "$project/src/escript_eunit.app.src" <<EOF
{application, escript_eunit,
 [{description, "a NIF library's own eunit tests, as an escript"}, {vsn, "1.0.0"},
  {registered, []}, {applications, [kernel, stdlib, $app$test_deps]}, {env, []},
  {modules, []}]}.
EOF
cat > "$project/src/escript_eunit.erl" <<EOF
-module(escript_eunit).
-export([main/1]).
main(_) ->
    halt(case eunit:test([$modules_list], []) of ok -> 0; _ -> 1 end).
EOF
{
    echo "{deps, [$app]}."
    echo '{plugins, [rebar3_priv_nif]}.'
    echo '{escript_main_app, escript_eunit}.'
    [ ${#tests_in_src[@]} -eq 0 ] || echo "{overrides, [{add, $app, [{erl_opts, [{d, 'TEST'}]}]}]}."
} > "$project/rebar.config"
(cd "$project" && env -i PATH="$bin:/usr/bin:/bin" HOME="$work/home" REBAR_OFFLINE=1 \
     REBAR_CACHE_DIR="$work/cache" REBAR_GLOBAL_CONFIG_DIR="$work/global" \
     "$rebar3" escriptize) > "$work/rebar3.log" 2>&1 \
    || { cat "$work/rebar3.log"; fail_now "rebar3 escriptize failed"; }
escript_file=$project/_build/default/bin/escript_eunit
[ -f "$escript_file" ] || fail_now "rebar3 wrote no $escript_file"

run=$work/run
mkdir -p "$run" "$run.tmp"
for pattern in "${data[@]}"; do
    for file in "$src"/$pattern; do
        mkdir -p "$run/$(dirname "${file#"$src"/}")"
        cp -r "$file" "$run/${file#"$src"/}"
    done
done
cp "$escript_file" "$run/escript_eunit"
(cd "$run" && env -i PATH="$bin:/usr/bin:/bin" TMPDIR="$run.tmp" \
     strace -f -ff -qq -s 4096 -o "$work/trace" ./escript_eunit > "$work/escript.log" 2>&1) \
    || { cat "$work/escript.log"; fail_now "the tests fail from the escript"; }
from_escript=$(counts "$work/escript.log")
if [ "$from_escript" = "$reference" ]; then
    pass "from the escript (${library_names[*]} from memory): $from_escript, as from the source directory"
else
    cat "$work/escript.log"
    fail "from the escript: $from_escript; from the source directory: $reference"
fi
TRACE_MODE=archive TRACE_WRITES_UNDER=$writes_under check_memory_traces "$work/trace" "the escript's strace" "${library_names[@]}"
[ -z "$(ls -A "$run.tmp")" ] || fail "the escript left files in TMPDIR: $(ls -A "$run.tmp")"
finish
