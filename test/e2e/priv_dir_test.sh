#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# priv_dir_test.sh <otp-root> <lib-dir>
#
# The same NIF module, unchanged, from an application installed as a
# directory (<lib-dir>/memnif_checksum/{ebin,priv}, the layout of a release's
# lib/ directory, found through ERL_LIBS): code:priv_nif/2 gives the path, and
# the library is loaded from its file, not from memory. Checks the CRC-32s
# against python3's zlib, the reported origin, /proc/self/maps, and with
# strace that the .so file was opened and no memfd named after it created.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=priv_dir
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 <otp-root> <lib-dir>"
otp=$(cd "$1" && pwd)
lib_dir=$(cd "$2" && pwd)
so="$lib_dir/memnif_checksum/priv/$E2E_LIBRARY.so"
[ -f "$so" ] || die "$so not found (build the examples first)"
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
unset ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

make_scratch
mapfile -t files < <(make_test_files "$E2E_SCRATCH/data")

status=0
(cd "$E2E_SCRATCH" && ERL_LIBS=$lib_dir strace -f -ff -qq -s 4096 -o "$E2E_SCRATCH/trace" \
    -e trace=open,openat,openat2,creat,memfd_create,mkdir,mkdirat,link,linkat,symlink,symlinkat,rename,renameat,renameat2,mknod,mknodat,unlink,unlinkat \
    "$otp/bin/erl" -noshell -eval 'memnif_checksum:main(init:get_plain_arguments())' \
    -extra --verbose --show-maps "${files[@]}") \
    > "$E2E_SCRATCH/out" 2> "$E2E_SCRATCH/err" || status=$?
sed 's/^/    | /' "$E2E_SCRATCH/out" "$E2E_SCRATCH/err"
if [ "$status" -eq 0 ]; then pass "exit status 0"; else fail "exit status $status"; fi
check_crc_output "$E2E_SCRATCH/out" "${files[@]}"

if grep -qxF "nif $E2E_LIBRARY loaded from file $so" "$E2E_SCRATCH/out"; then
    pass "the NIF library was loaded from its file in the priv directory"
else
    fail "no line 'nif $E2E_LIBRARY loaded from file $so'"
fi
if grep -qE "^maps .* $(printf '%s' "$so" | sed 's/[][\.*^$]/\\&/g')\$" "$E2E_SCRATCH/out" \
   && ! grep -q "/memfd:$E2E_LIBRARY" "$E2E_SCRATCH/out"; then
    pass "/proc/self/maps maps the .so file, and no memfd"
else
    fail "/proc/self/maps does not map $so (or maps a memfd)"
fi
if python3 "$E2E_DIR/check_trace.py" "$E2E_SCRATCH/trace" "$E2E_LIBRARY" file | sed 's/^/    /'; then
    pass "strace: the .so file opened, no memfd for it, nothing created"
else
    fail "strace: see the violations above"
fi

finish
