#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# archive_path_test.sh OTP_ROOT NIF_SOURCE DRIVER_SO
#
# NIF libraries and drivers as they are written today, run from one escript.
# The module of archive_path/seed_c_nif.erl loads its library by the path that
# code:priv_dir(myapp) gives, and a linked-in driver from the same directory
# with erl_ddll:load/2. Packed with escript:create/2, copied alone into an
# empty directory and run by the patched escript of OTP_ROOT, on each emulator
# flavour installed there, under strace:
#   - the NIF answers and the driver's port opens, both mapped from memfds;
#   - check_trace.py archive: both came from memfds; no path naming them was
#     opened but the dynamic linker's attempt at the path into the archive,
#     failing with ENOTDIR; nothing was created anywhere;
#   - the run directory holds only the escript afterwards.
# Then an escript packed without the libraries: the on_load failure names the
# entry, the archive and the rebar3 option, and the escript exits 127.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=archive_path
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $0 OTP_ROOT NIF_SOURCE DRIVER_SO"
otp=$(cd "$1" && pwd) nif_src=$2 driver_so=$3
[ -f "$driver_so" ] || die "$driver_so not found (build the examples first)"
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

make_scratch
work=$E2E_SCRATCH
mkdir -p "$work/lib/myapp/ebin" "$work/lib/myapp/priv"
build_nif_for "$otp/bin" "$nif_src" "$work/lib/myapp/priv/seed_c_nif.so"
cp "$driver_so" "$work/lib/myapp/priv/memnif_checksum_drv.so"
"$otp/bin/erlc" -o "$work/lib/myapp/ebin" "$E2E_DIR/archive_path/seed_c_nif.erl"

pack_escript "$otp/bin" seed_c_nif "$work/prog" "$work/lib" myapp/ebin/seed_c_nif.beam \
    myapp/priv/seed_c_nif.so myapp/priv/memnif_checksum_drv.so
pack_escript "$otp/bin" seed_c_nif "$work/prog_unpacked" "$work/lib" myapp/ebin/seed_c_nif.beam

# The default flavour (the JIT where there is one), and the interpreter when
# it is installed beside it.
flavors=(default)
[ -z "$(find "$otp" -name beam.emu -print -quit)" ] || flavors+=(emu)
for flavor in "${flavors[@]}"; do
    flags=""
    [ "$flavor" = default ] || flags="-emu_flavor $flavor"
    run_dir=$work/run.$flavor
    mkdir -p "$run_dir"
    cp "$work/prog" "$run_dir/prog"
    status=0
    (cd "$run_dir" && ERL_AFLAGS="$flags" \
        strace -f -ff -qq -s 4096 -o "$work/trace.$flavor" \
        -e trace=open,openat,openat2,creat,memfd_create,mkdir,mkdirat,link,linkat,symlink,symlinkat,rename,renameat,renameat2,mknod,mknodat,unlink,unlinkat \
        "$otp/bin/escript" ./prog) > "$work/out.$flavor" 2>&1 || status=$?
    sed 's/^/    | /' "$work/out.$flavor"
    if [ "$status" -eq 0 ]; then pass "$flavor: exit status 0"; else fail "$flavor: exit status $status"; fi
    if grep -qxF '"hej" from /memfd:seed_c_nif (deleted)' "$work/out.$flavor"; then
        pass "$flavor: the NIF answers, mapped from its memfd"
    else
        fail "$flavor: no '\"hej\" from /memfd:seed_c_nif (deleted)'"
    fi
    if grep -qxF 'port of memnif_checksum_drv from /memfd:memnif_checksum_drv (deleted)' "$work/out.$flavor"; then
        pass "$flavor: the driver's port opened, mapped from its memfd"
    else
        fail "$flavor: no 'port of memnif_checksum_drv from /memfd:memnif_checksum_drv (deleted)'"
    fi
    for lib in seed_c_nif memnif_checksum_drv; do
        if python3 "$E2E_DIR/check_trace.py" "$work/trace.$flavor" "$lib" archive | sed 's/^/    /'; then
            pass "$flavor: $lib from a memfd; only the path into the archive probed; nothing created"
        else
            fail "$flavor: $lib: see the violations above"
        fi
    done
    leftovers=$(find "$run_dir" -mindepth 1 ! -path "$run_dir/prog" -printf '%P ')
    if [ -z "$leftovers" ]; then
        pass "$flavor: the run directory holds only the escript"
    else
        fail "$flavor: files left in the run directory: $leftovers"
    fi
done

run_dir=$work/run.unpacked
mkdir -p "$run_dir"
cp "$work/prog_unpacked" "$run_dir/prog"
status=0
(cd "$run_dir" && "$otp/bin/escript" ./prog) > "$work/out.unpacked" 2>&1 || status=$?
sed 's/^/    | /' "$work/out.unpacked"
if [ "$status" -eq 127 ]; then pass "unpacked: exit status 127"; else fail "unpacked: exit status $status"; fi
# The warning prints the term with ~p, so the quotes in the text are escaped.
want="Failed to load NIF library $run_dir/prog/myapp/priv/seed_c_nif: 'myapp/priv/seed_c_nif.so is not in the archive of $run_dir/prog, which has under myapp/priv: nothing. With rebar3, add {escript_incl_priv, [{myapp, \\\"*.so\\\"}]} to the escript's rebar.config'"
if grep -qF -- "$want" "$work/out.unpacked"; then
    pass "unpacked: the on_load failure says what the archive lacks and how to pack it"
else
    fail "unpacked: no '$want'"
fi
finish
