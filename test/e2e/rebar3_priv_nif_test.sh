#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# rebar3_priv_nif_test.sh REBAR3 STOCK_BIN NIF_SOURCE HELPER_DIR PLUGIN_DIR
#
# The rebar3 plugin lib/rebar3_priv_nif with Debian's rebar3 (REBAR3), run on
# the Erlang/OTP in STOCK_BIN, offline. A project whose application carries
# a NIF library (module seed_c_nif, NIF_SOURCE) in priv and loads it with the
# priv_nif helper (HELPER_DIR, a dependency in _checkouts), the plugin taken
# from a path (_checkouts too), is escriptized four ways:
#   no escript_incl_priv, without the plugin   the library is not packed
#   no escript_incl_priv, with the plugin      it is, and the escript runs
#   {myapp, "seed_c_nif"} (no extension)       a warning with the hint, and
#                                              the library is still packed
#   {myapp, "*.dll"}, {nosuchapp, "*.so"}      a warning for each (rebar3
#                                              then fails on nosuchapp)
# Exits 77 (skipped) if REBAR3 or STOCK_BIN's escript is missing.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=rebar3_priv_nif
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 5 ] || { echo "usage: $0 REBAR3 STOCK_BIN NIF_SOURCE HELPER_DIR PLUGIN_DIR" >&2; exit 2; }
rebar3=$1 stock=$2 nif_src=$3 helper=$4 plugin=$5
here=$(cd "$(dirname "$0")" && pwd)
for tool in "$rebar3" "$stock/escript"; do
    [ -x "$tool" ] || skip "no $tool"
done

make_scratch
work=$E2E_SCRATCH

# project <name> <rebar.config lines...>
project() {
    local dir=$work/$1; shift
    mkdir -p "$dir/src" "$dir/priv" "$dir/_checkouts"
    build_nif_for "$stock" "$nif_src" "$dir/priv/seed_c_nif.so"
    ln -s "$helper" "$dir/_checkouts/priv_nif"
    ln -s "$plugin" "$dir/_checkouts/rebar3_priv_nif"
    cat > "$dir/src/myapp.app.src" <<'EOF'
{application, myapp,
 [{description, "a NIF in an escript"}, {vsn, "1.0.0"}, {registered, []},
  {applications, [kernel, stdlib, priv_nif]}, {env, []}, {modules, []}]}.
EOF
    cat > "$dir/src/myapp.erl" <<'EOF'
-module(myapp).
-export([main/1]).
main(_) -> io:format("~p~n", [seed_c_nif:greeting(1)]).
EOF
    cp "$here/priv_nif_seed/seed_c_nif.erl" "$dir/src/"
    { echo '{deps, [priv_nif]}.'; echo '{escript_main_app, myapp}.'; printf '%s\n' "$@"; } \
        > "$dir/rebar.config"
    local status=0
    (cd "$dir" && env -i PATH="$stock:/usr/bin:/bin" HOME="$work/home" REBAR_OFFLINE=1 \
         REBAR_CACHE_DIR="$work/cache" REBAR_GLOBAL_CONFIG_DIR="$work/global" \
         "$rebar3" escriptize) > "$work/$(basename "$dir").log" 2>&1 || status=$?
    echo "rebar3 exit status $status" >> "$work/$(basename "$dir").log"
    echo "--- $(basename "$dir"): rebar3 escriptize"
    cat "$work/$(basename "$dir").log"
}
packed() {  # <name>: whether the escript's archive holds the library
    "$stock/erl" -noshell -eval '
        [Escript] = init:get_plain_arguments(),
        {ok, Sections} = escript:extract(Escript, []),
        {archive, Archive} = lists:keyfind(archive, 1, Sections),
        {ok, Files} = zip:extract(Archive, [memory]),
        halt(case lists:keymember("myapp/priv/seed_c_nif.so", 1, Files) of true -> 0; false -> 1 end).' \
        -extra "$work/$1/_build/default/bin/myapp"
}
expect_log() { grep -qF -- "$2" "$work/$1.log" || fail_now "$1: no '$2' in rebar3's output"; }

project without_plugin
expect_log without_plugin 'rebar3 exit status 0'
if packed without_plugin; then fail_now "without_plugin: the library was packed without the plugin"; fi

project with_plugin '{plugins, [rebar3_priv_nif]}.'
expect_log with_plugin 'rebar3 exit status 0'
packed with_plugin || fail_now "with_plugin: the library is not in the escript"
mkdir "$work/run" "$work/run.tmp"
out=$(cd "$work/run" && env -i PATH="$stock:/usr/bin:/bin" TMPDIR="$work/run.tmp" \
          "$work/with_plugin/_build/default/bin/myapp" 2>&1) || fail_now "with_plugin: the escript failed: $out"
echo "--- with_plugin: the escript on $("$stock/erl" -noshell -eval 'io:format("OTP ~s", [erlang:system_info(otp_release)]), halt().'): $out"
[ "$out" = '"hej"' ] || fail_now "with_plugin: the escript printed $out"
[ -z "$(ls -A "$work/run.tmp")" ] || fail_now "with_plugin: the escript left files in TMPDIR"

# The user's own entry for the library beside the default one: packed once.
project user_entry '{plugins, [rebar3_priv_nif]}.' '{escript_incl_priv, [{myapp, "*.so"}]}.'
expect_log user_entry 'rebar3 exit status 0'
packed user_entry || fail_now "user_entry: the library is not in the escript"

project no_extension '{plugins, [rebar3_priv_nif]}.' '{escript_incl_priv, [{myapp, "seed_c_nif"}]}.'
expect_log no_extension 'rebar3 exit status 0'
expect_log no_extension 'escript_incl_priv: {myapp,"seed_c_nif"} matches no file in '
expect_log no_extension '(did you mean "seed_c_nif.so"? escript_incl_priv names files with their extension)'
packed no_extension || fail_now "no_extension: the library is not in the escript"

project no_match '{plugins, [rebar3_priv_nif]}.' '{escript_incl_priv, [{myapp, "*.dll"}, {nosuchapp, "*.so"}]}.'
expect_log no_match 'escript_incl_priv: {myapp,"*.dll"} matches no file in '
# rebar3 itself then fails on the unknown application; the warning says why.
expect_log no_match 'escript_incl_priv: {nosuchapp,"*.so"} names no application of the project or its dependencies'

pass "all 5 projects built as they should"
finish
