#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# priv_nif_helper_test.sh OTP_ROOT STOCK_BIN NIF_SOURCE HELPER_SOURCE
#
# The priv_nif helper (lib/priv_nif) on the patched Erlang/OTP in OTP_ROOT and
# on the stock one whose erl, erlc and escript are in STOCK_BIN (Debian's OTP
# 25). A NIF module (module seed_c_nif, library NIF_SOURCE) whose on_load
# calls priv_nif:load/3 is shipped in an escript and as an application
# directory; each program runs alone in an empty directory with a fresh
# TMPDIR, and prints its NIF's answer and the mapping its library came from:
#   patched, escript     from memory (/memfd:), nothing written to TMPDIR
#   stock, escript       from a private file under TMPDIR, gone after the run
#   stock, directory     from the library's file in priv
#   stock, escript, TMPDIR mounted noexec   one line naming noexec and TMPDIR
#   stock and patched, library not packed   what is missing (stock: one
#                                            line; patched: the on_load report)
#   stock and patched, application misspelt  the name and the fix (likewise)
# Exits 77 (skipped) if STOCK_BIN has no escript.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=priv_nif_helper
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || { echo "usage: $0 OTP_ROOT STOCK_BIN NIF_SOURCE HELPER_SOURCE" >&2; exit 2; }
otp=$1 stock=$2 nif_src=$3 helper_src=$4
[ -x "$stock/escript" ] || skip "no $stock/escript"

make_scratch
work=$E2E_SCRATCH

build_nif_for "$stock" "$nif_src" "$work/seed_c_nif.so"

cp "$(dirname "$0")/priv_nif_seed/seed_c_nif.erl" "$work/seed_c_nif.erl"

# build <bin-dir> <out-dir> <packed: yes|no> [<erlc option>...]: the beams,
# an application directory and an escript, by that Erlang/OTP.
build() {
    local bin=$1 out=$2 packed=$3; shift 3
    mkdir -p "$out/lib/myapp/ebin" "$out/lib/myapp/priv" "$out/lib/priv_nif/ebin"
    "$bin/erlc" "$@" -o "$out/lib/myapp/ebin" "$work/seed_c_nif.erl"
    "$bin/erlc" -o "$out/lib/priv_nif/ebin" "$helper_src"
    cp "$work/seed_c_nif.so" "$out/lib/myapp/priv/"
    "$bin/erl" -noshell -eval '
        [Out, Packed] = init:get_plain_arguments(),
        Lib = filename:join(Out, "lib"),
        Files = [{filename:join(App, F), element(2, {ok, _} = file:read_file(filename:join([Lib, App, F])))}
                 || {App, F} <- [{"myapp", "ebin/seed_c_nif.beam"}, {"priv_nif", "ebin/priv_nif.beam"}]
                                ++ [{"myapp", "priv/seed_c_nif.so"} || Packed =:= "yes"]],
        ok = escript:create(filename:join(Out, "prog"),
                            [shebang, {emu_args, "-escript main seed_c_nif"}, {archive, Files, []}]),
        halt().' -extra "$out" "$packed"
    chmod +x "$out/prog"
}

# run <name> <escript-bin-dir> <command...>: in an empty directory, with a
# fresh TMPDIR ($work/<name>.tmp); output in $work/<name>.out.
run() {
    local name=$1 bin=$2; shift 2
    local dir=$work/$name.run
    mkdir -p "$dir" "$work/$name.tmp"
    set +e
    (cd "$dir" && env -i PATH="$bin:/usr/bin:/bin" TMPDIR="$work/$name.tmp" "$@") \
        > "$work/$name.out" 2>&1
    echo "exit status $?" >> "$work/$name.out"
    set -e
    echo "--- $name:"
    cat "$work/$name.out"
}
expect() { grep -qF -- "$2" "$work/$1.out" || fail_now "$1: no '$2' in its output"; }
tmp_empty() { [ -z "$(ls -A "$work/$1.tmp")" ] || fail_now "$1: left $(ls -A "$work/$1.tmp") in TMPDIR"; }

build "$otp/bin" "$work/patched" yes
build "$stock" "$work/stock" yes
build "$stock" "$work/stock_unpacked" no
build "$otp/bin" "$work/patched_unpacked" no
build "$stock" "$work/stock_misspelt" yes -DAPP=my_app
build "$otp/bin" "$work/patched_misspelt" yes -DAPP=my_app

run patched "$otp/bin" "$work/patched/prog"
expect patched '"hej" from /memfd:seed_c_nif'
expect patched 'exit status 0'
tmp_empty patched

run stock "$stock" "$work/stock/prog"
expect stock '"hej" from '"$work"'/stock.tmp/priv_nif-'
expect stock '/seed_c_nif.so (deleted)'
expect stock 'exit status 0'
tmp_empty stock

run stock_directory "$stock" erl -noshell -pa "$work/stock/lib/myapp/ebin" \
    -pa "$work/stock/lib/priv_nif/ebin" -eval 'seed_c_nif:main([]), halt().'
expect stock_directory '"hej" from '"$work"'/stock/lib/myapp/priv/seed_c_nif.so'
tmp_empty stock_directory

# The mount is private to the program's mount namespace.
run stock_noexec "$stock" unshare -m sh -c \
    'mount -t tmpfs -o noexec tmpfs "$TMPDIR" && exec "$0"' "$work/stock/prog"
expect stock_noexec 'priv_nif: cannot load NIF library seed_c_nif: it is inside the escript'"'"'s archive, this Erlang/OTP loads NIF libraries from files only, and TMPDIR ('"$work"'/stock_noexec.tmp) is on '"$work"'/stock_noexec.tmp, mounted noexec: set TMPDIR to a directory where files may be executed'
expect stock_noexec 'exit status 127'

run stock_unpacked "$stock" "$work/stock_unpacked/prog"
expect stock_unpacked 'priv_nif: '"$work"'/stock_unpacked/prog/myapp/priv/seed_c_nif.so is not in the escript'"'"'s archive: pack it (with rebar3, {escript_incl_priv, [{myapp, "*.so"}]} in rebar.config, or the plugin rebar3_priv_nif)'
expect stock_unpacked 'exit status 127'
tmp_empty stock_unpacked

run patched_unpacked "$otp/bin" "$work/patched_unpacked/prog"
expect patched_unpacked 'myapp/priv/seed_c_nif.so is not in the archive of '"$work"'/patched_unpacked/prog'
expect patched_unpacked 'exit status 127'

run stock_misspelt "$stock" "$work/stock_misspelt/prog"
expect stock_misspelt 'priv_nif: application my_app is not in the code path: pass priv_nif:load/3 the name of the application that has the library in its priv directory (the App of App/ebin or App-Vsn/ebin in the code path)'
expect stock_misspelt 'exit status 127'

run patched_misspelt "$otp/bin" "$work/patched_misspelt/prog"
expect patched_misspelt 'no application my_app is in the code path, so no priv directory holds seed_c_nif.so. Pass code:priv_nif/2 the name of the application that has the library in its priv directory (the App of App/ebin or App-Vsn/ebin in the code path)'
expect patched_misspelt 'exit status 127'

pass "all 8 cases printed what they should"
finish
