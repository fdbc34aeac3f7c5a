#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# stock_vm_test.sh <stock-escript> <escript>...
#
# On an Erlang/OTP that cannot load NIF libraries from memory (Debian's own,
# /usr/bin/escript), each <escript> must fail cleanly: exit status 3, one
# clear message on stderr saying this Erlang/OTP cannot load NIF libraries
# from memory, nothing on stdout, and no crash (no "init terminating", no
# exception, no crash dump). Exits 77 (skipped) when <stock-escript> is not
# installed.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=stock_vm
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: $0 <stock-escript> <escript>..."
stock=$1
shift
if [ ! -x "$stock" ]; then
    skip "$stock is not installed (Debian: apt-get install erlang-base); cannot test a stock runtime"
fi
stock_erl=$(dirname "$(readlink -f "$stock")")/erl
# The runtime must really be a stock one, or the test proves nothing.
if "$stock_erl" -noshell -eval 'halt(case erlang:function_exported(code, priv_nif, 2) of true -> 0; false -> 1 end).'; then
    die "$stock belongs to an Erlang/OTP that has code:priv_nif/2: not a stock runtime"
fi
release=$("$stock_erl" -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')
log "stock runtime: $stock (Erlang/OTP $release)"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

# Whether the stock runtime can load the modules in the escript's archive at
# all: the compiler of OTP 29 and later emits code that needs OTP 26 or later
# (it no longer takes r25), so an older stock runtime fails on the modules
# themselves before the NIF library is ever tried. Such an escript proves
# nothing here and is skipped.
stock_can_load() {
    "$stock_erl" -noshell -eval '
        [Escript] = init:get_plain_arguments(),
        {ok, Sections} = escript:extract(Escript, []),
        {archive, Archive} = lists:keyfind(archive, 1, Sections),
        {ok, Files} = zip:extract(Archive, [memory]),
        Beams = [{list_to_atom(filename:basename(N, ".beam")), N, B}
                 || {N, B} <- Files, filename:extension(N) =:= ".beam"],
        %% prepare_loading/2 checks a module without loading it (nor
        %% running its on_load function).
        Bad = [N || {M, N, B} <- Beams,
                    case erlang:prepare_loading(M, B) of
                        {error, _} -> true;
                        _Prepared -> false
                    end],
        [io:format("~ts~n", [N]) || N <- Bad],
        halt(case Bad of [] -> 0; _ -> 1 end).' -extra "$1" > "$E2E_SCRATCH/load.out" 2>&1
}

make_scratch
printf '123456789' > "$E2E_SCRATCH/input.txt"
tested=0
for escript_file in "$@"; do
    [ -f "$escript_file" ] || die "$escript_file not found (build the examples first)"
    if ! stock_can_load "$escript_file"; then
        log "SKIP $escript_file: Erlang/OTP $release cannot load its modules (compiled for a newer runtime):"
        sed 's/^/    | /' "$E2E_SCRATCH/load.out"
        continue
    fi
    tested=$((tested + 1))
    run_dir=$(mktemp -d "$E2E_SCRATCH/run.XXXXXX")
    cp "$escript_file" "$run_dir/memnif_checksum"
    status=0
    (cd "$run_dir" && "$stock" ./memnif_checksum "$E2E_SCRATCH/input.txt") \
        > "$run_dir.out" 2> "$run_dir.err" || status=$?
    log "$escript_file: exit status $status"
    sed 's/^/    | /' "$run_dir.out" "$run_dir.err"
    if [ "$status" -eq 3 ]; then
        pass "exit status 3 (cannot load the NIF library)"
    else
        fail "exit status $status, expected 3"
    fi
    if grep -q "^memnif_checksum: error: this Erlang/OTP $release (erts-[0-9.]*) cannot load NIF libraries from memory: " "$run_dir.err" \
       && [ "$(wc -l < "$run_dir.err")" -eq 1 ]; then
        pass "one clear message on stderr"
    else
        fail "stderr is not the one expected message"
    fi
    if [ -s "$run_dir.out" ]; then fail "output on stdout"; else pass "nothing on stdout"; fi
    if grep -qiE "init terminating|exception|crash|badarg|undef" "$run_dir.out" "$run_dir.err" \
       || [ -e "$run_dir/erl_crash.dump" ]; then
        fail "signs of a crash"
    else
        pass "no crash"
    fi
done
if [ "$tested" -eq 0 ]; then
    skip "Erlang/OTP $release cannot load the modules of any of the escripts"
fi

finish
