#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# remote_module_test.sh <otp-root> <embedded-beam> <plain-beam> <nif-so>
#
# Runs remote_module_test.escript with the patched Erlang/OTP: a peer node on
# 127.0.0.1 loads the self-contained NIF module sent to it as a binary, and
# its NIF works. Then checks the peer's system calls: its NIF library came
# from a memfd, no shared object but the system's was opened and no file
# was created.
set -euo pipefail
# shellcheck disable=SC2034 # used by lib.sh
E2E_NAME=remote_module
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

[ $# -eq 4 ] || die "usage: $0 <otp-root> <embedded-beam> <plain-beam> <nif-so>"
otp=$(cd "$1" && pwd)
for f in "$2" "$3" "$4"; do [ -f "$f" ] || die "$f not found (build the examples first)"; done
command -v strace > /dev/null || die "strace not found (apt-get install strace)"
require_patched_otp "$otp"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

make_scratch
if "$otp/bin/escript" "$E2E_DIR/remote_module_test.escript" "$2" "$3" "$4" "$E2E_SCRATCH/peer-trace" \
       2>&1 | sed "s/^/[$E2E_NAME] /"; then
    pass "remote_module_test.escript"
else
    fail "remote_module_test.escript"
fi
if python3 "$E2E_DIR/check_trace.py" "$E2E_SCRATCH/peer-trace" "$E2E_LIBRARY" memory | sed 's/^/    /'; then
    pass "strace of the peer: memfd + /proc/PID/fd, no file created, only system shared objects"
else
    fail "strace of the peer: see the violations above"
fi
finish
