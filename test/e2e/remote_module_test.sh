#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# remote_module_test.sh <otp-root> <embedded-beam> <plain-beam> <nif-so>
#                       <driver-beam> <driver-so>
#
# Runs remote_module_test.escript with the patched Erlang/OTP: a peer node on
# 127.0.0.1 loads the self-contained NIF module, and the self-contained
# driver module, sent to it as binaries, and its NIF and driver work. Then
# checks the peer's system calls: its NIF library and driver came from
# memfds, no shared object but the system's was opened and no file was
# created.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=remote_module
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 6 ] || die "usage: $0 <otp-root> <embedded-beam> <plain-beam> <nif-so> <driver-beam> <driver-so>"
otp=$(cd "$1" && pwd)
for f in "$2" "$3" "$4" "$5" "$6"; do [ -f "$f" ] || die "$f not found (build the examples first)"; done
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

make_scratch
if "$otp/bin/escript" "$E2E_DIR/remote_module_test.escript" "$2" "$3" "$4" "$5" "$6" "$E2E_SCRATCH/peer-trace" \
       2>&1 | sed "s/^/[$E2E_NAME] /"; then
    pass "remote_module_test.escript"
else
    fail "remote_module_test.escript"
fi
check_memory_traces "$E2E_SCRATCH/peer-trace" "strace of the peer" "$E2E_LIBRARY" "$E2E_DRIVER"
finish
