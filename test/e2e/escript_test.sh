#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# escript_test.sh <otp-root> <escript> <name>
#
# The single-file program test: a copy of <escript> alone in an empty
# directory, run by the patched escript of <otp-root>, must
#   1. print the right CRC-32 for a set of files (checked against python3's
#      zlib), computed by its NIF library and by its linked-in driver
#      (--driver), and say that both were loaded from memory;
#   2. under strace: create a memfd named after the library and one named
#      after the driver and have the dynamic linker open each through
#      /proc/PID/fd/N, open no shared object but the system's, and create no
#      file anywhere (no temporary file in /tmp, $TMPDIR or /dev/shm);
#   3. show the library as "/memfd:memnif_checksum_nif (deleted)" (and the
#      driver as "/memfd:memnif_checksum_drv (deleted)") in /proc/PID/maps:
#      seen from inside (--show-maps) and from outside while the program
#      waits (--wait);
#   4. leave its directory as it found it: the escript alone.
# With E2E_EMU_FLAVOR=emu in the environment, on that emulator flavour.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=${3:-escript}
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: $0 <otp-root> <escript> <name>"
otp=$(cd "$1" && pwd)
escript_file=$2
[ -f "$escript_file" ] || die "$escript_file not found (build the examples first)"
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
escript="$otp/bin/escript"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true
if [ -n "${E2E_EMU_FLAVOR:-}" ]; then
    export ERL_AFLAGS="-emu_flavor $E2E_EMU_FLAVOR"
    flavor=$("$otp/bin/erl" -noshell -eval 'io:format("~s", [erlang:system_info(emu_flavor)]), halt().') \
        || die "$otp has no emulator flavour $E2E_EMU_FLAVOR"
    [ "$flavor" = "$E2E_EMU_FLAVOR" ] || die "asked for flavour $E2E_EMU_FLAVOR, got $flavor"
    log "on the $flavor flavour of the emulator (ERL_AFLAGS=$ERL_AFLAGS)"
fi

make_scratch
run_dir=$E2E_SCRATCH/run
mkdir -p "$run_dir"
cp "$escript_file" "$run_dir/memnif_checksum"
mapfile -t files < <(make_test_files "$E2E_SCRATCH/data")
log "running a copy of $escript_file alone in $run_dir"

# 1 + 2: the CRC-32s, under strace.
status=0
(cd "$run_dir" && strace -f -ff -qq -s 4096 -o "$E2E_SCRATCH/trace" \
    -e trace=open,openat,openat2,creat,memfd_create,mkdir,mkdirat,link,linkat,symlink,symlinkat,rename,renameat,renameat2,mknod,mknodat,unlink,unlinkat \
    "$escript" ./memnif_checksum --driver --verbose --show-maps "${files[@]}") \
    > "$E2E_SCRATCH/out" 2> "$E2E_SCRATCH/err" || status=$?
sed 's/^/    | /' "$E2E_SCRATCH/out" "$E2E_SCRATCH/err"
if [ "$status" -eq 0 ]; then pass "exit status 0"; else fail "exit status $status"; fi
check_crc_output "$E2E_SCRATCH/out" "${files[@]}"
check_tagged_crc_output driver "$E2E_SCRATCH/out" "${files[@]}"

# "nif memnif_checksum_nif loaded from memory: ..." and the same for the driver
for kind_lib in "nif $E2E_LIBRARY" "driver $E2E_DRIVER"; do
    label="$run_dir/memnif_checksum/memnif_checksum/priv/${kind_lib#* }"
    line=$(grep "^$kind_lib " "$E2E_SCRATCH/out" || true)
    case $line in
        "$kind_lib loaded from memory: "*" bytes labelled $label")
            pass "$kind_lib was loaded from memory, labelled with its path in the escript" ;;
        *)
            fail "expected '$kind_lib loaded from memory: N bytes labelled $label', got '$line'" ;;
    esac
done

check_memory_traces "$E2E_SCRATCH/trace" strace "$E2E_LIBRARY" "$E2E_DRIVER"

# 3a: the mapping, seen from inside.
for lib in "$E2E_LIBRARY" "$E2E_DRIVER"; do
    if grep -qE "^maps .* /memfd:$lib \(deleted\)\$" "$E2E_SCRATCH/out"; then
        pass "/proc/self/maps maps /memfd:$lib (deleted)"
    else
        fail "/proc/self/maps has no /memfd:$lib (deleted) mapping"
    fi
done
if grep -E "^maps " "$E2E_SCRATCH/out" \
        | grep -vqE "/memfd:($E2E_LIBRARY|$E2E_DRIVER) \(deleted\)\$"; then
    fail "the library or the driver is also mapped from somewhere else"
fi

# 3b: the mapping, seen from outside while the program waits on stdin.
coproc program { cd "$run_dir" && exec "$escript" ./memnif_checksum --driver --wait "${files[0]}" 2>&1; }
# shellcheck disable=SC2154 # program_PID is set by coproc
program_pid=$program_PID
# A program that has already exited leaves no coproc descriptors.
program_out=${program[0]:-}
pid=""
while [ -n "$program_out" ] && IFS= read -r -t 60 line <&"$program_out"; do
    case $line in waiting\ *) pid=${line#waiting }; break ;; esac
done
if [ -n "$pid" ] && [ -r "/proc/$pid/maps" ]; then
    for lib in "$E2E_LIBRARY" "$E2E_DRIVER"; do
        if grep -qE " /memfd:$lib \(deleted\)\$" "/proc/$pid/maps"; then
            pass "/proc/$pid/maps (read from outside) maps /memfd:$lib (deleted)"
        else
            fail "/proc/$pid/maps has no /memfd:$lib (deleted) mapping"
        fi
        held=no
        for fd in "/proc/$pid/fd/"*; do
            [ "$(readlink "$fd" 2>/dev/null)" = "/memfd:$lib (deleted)" ] && held=yes
        done
        if [ "$held" = yes ]; then
            pass "the memfd of $lib is held open by the process (/proc/$pid/fd)"
        else
            fail "no open fd of /proc/$pid/fd is the memfd of $lib"
        fi
    done
else
    fail "the program did not report its pid while waiting"
fi
# If the program has exited already, the write fails (SIGPIPE ignored for
# it, or it would end this script), or the coproc's descriptors are gone.
if [ -n "${program[1]:-}" ]; then
    trap '' PIPE
    echo 1>&"${program[1]}" 2> /dev/null || true
    trap - PIPE
fi
status=0
wait "$program_pid" || status=$?
if [ "$status" -ne 0 ]; then fail "the waiting run exited with status $status"; fi

# 4: nothing left next to the escript.
leftovers=$(find "$run_dir" -mindepth 1 ! -path "$run_dir/memnif_checksum" -printf '%P ')
if [ -z "$leftovers" ]; then
    pass "the run directory holds only the escript"
else
    fail "files left in the run directory: $leftovers"
fi

finish
