# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034 # the variables are for the sourcing scripts
#
# Helpers shared by the end-to-end tests (sourced).

E2E_LIBRARY=memnif_checksum_nif
E2E_DRIVER=memnif_checksum_drv
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_FAILURES=0

log() { echo "[$E2E_NAME] $*"; }
die() { echo "[$E2E_NAME] ERROR: $*" >&2; exit 2; }
pass() { echo "[$E2E_NAME] PASS: $*"; }
fail() { echo "[$E2E_NAME] FAIL: $*" >&2; E2E_FAILURES=$((E2E_FAILURES + 1)); }
skip() { echo "[$E2E_NAME] SKIP: $*"; exit 77; }
# A failed check that later ones build on: ends the test.
fail_now() { fail "$*"; finish; }

# Ends the test: exit status 1 if any check failed.
finish() {
    if [ "$E2E_FAILURES" -ne 0 ]; then
        echo "[$E2E_NAME] $E2E_FAILURES check(s) failed"
        exit 1
    fi
    echo "[$E2E_NAME] all checks passed"
    exit 0
}

# A scratch directory removed on exit (kept with E2E_KEEP=1, for debugging).
make_scratch() {
    E2E_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/memnif-e2e.XXXXXX")
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        log "scratch directory kept: $E2E_SCRATCH"
    else
        trap 'rm -rf "$E2E_SCRATCH"' EXIT
    fi
}

# The OTP at $1 must be the patched one: its code module has priv_nif/2 and
# its emulator loads NIF libraries from memory.
require_patched_otp() {
    local otp=$1
    [ -x "$otp/bin/erl" ] || die "$otp/bin/erl not found (build the otp target first)"
    "$otp/bin/erl" -noshell -eval '
        case erlang:function_exported(code, priv_nif, 2) of
            true -> halt(0);
            false -> halt(1)
        end.' \
        || die "$otp lacks code:priv_nif/2: lib/patches/*.patch are not in that build (rebuild the otp target)"
    local beam
    beam=$(find "$otp" -name beam.smp -print -quit)
    grep -q erts_sys_ddll_open_mem "$beam" \
        || die "$beam cannot load NIF libraries from memory (erts/patches are not in that build)"
}

# Test data in directory $1: files of assorted sizes, written by python3.
# Prints their paths, one a line.
make_test_files() {
    local dir=$1
    mkdir -p "$dir"
    python3 - "$dir" <<'EOF'
import os, random, sys
d = sys.argv[1]
rng = random.Random(4476)
files = {
    "check-string.txt": b"123456789",
    "empty.bin": b"",
    # Larger than the NIF's dirty-scheduler threshold and than one 1 MiB
    # read, with an odd tail.
    "random-5MiB-plus.bin": rng.randbytes(5 * 1024 * 1024 + 4093),
    "with space.txt": b"The quick brown fox jumps over the lazy dog",
}
for name, data in files.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    print(os.path.join(d, name))
EOF
}

# The output lines the program must print for the files given: the CRC-32
# as computed independently by python3's zlib.
expected_lines() {
    python3 - "$@" <<'EOF'
import sys, zlib
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    print(f"crc32 {zlib.crc32(data):08x} {len(data)} {path}")
EOF
}

# check_crc_output OUTPUT_FILE FILE... : the crc32 lines of OUTPUT_FILE are
# exactly the expected ones, in order.
check_crc_output() {
    check_tagged_crc_output "" "$@"
}

# check_tagged_crc_output TAG OUTPUT_FILE FILE... : the same for the lines
# that start with "TAG crc32 " (TAG "driver": computed by the driver).
check_tagged_crc_output() {
    local tag=${1:+$1 } output=$2
    shift 2
    local want got
    want=$(expected_lines "$@" | sed "s/^/$tag/")
    got=$(grep "^${tag}crc32 " "$output" || true)
    if [ "$got" = "$want" ]; then
        pass "${tag}CRC-32 of $# files matches python3 zlib.crc32"
    else
        fail "${tag}CRC-32 output differs from python3 zlib.crc32"
        diff <(echo "$want") <(echo "$got") | sed 's/^/    /' >&2 || true
    fi
}

# check_memory_traces TRACE_PREFIX WHAT LIBRARY... : each LIBRARY (a NIF
# library or a driver, by name) was loaded from a memfd in the strace of
# TRACE_PREFIX, which opened no file of it and created none (check_trace.py;
# its mode archive with TRACE_MODE=archive, for a load by a path into an
# escript's archive; TRACE_WRITES_UNDER=PREFIX allows the program's own
# files there).
check_memory_traces() {
    local trace=$1 what=$2 lib
    shift 2
    for lib in "$@"; do
        if python3 "$E2E_DIR/check_trace.py" "$trace" "$lib" "${TRACE_MODE:-memory}" \
               ${TRACE_WRITES_UNDER:+--writes-allowed-under "$TRACE_WRITES_UNDER"} | sed 's/^/    /'; then
            pass "$what ($lib): memfd + /proc/PID/fd, no file created, only system shared objects"
        else
            fail "$what ($lib): see the violations above"
        fi
    done
}

# build_nif_for <erl-bin-dir> <source.c> <out.so>: a NIF library built
# against the erl_nif.h of the Erlang/OTP in <erl-bin-dir> (the oldest NIF
# API of those a test runs on; newer runtimes load it too).
build_nif_for() {
    local include
    include=$("$1/erl" -noshell -eval \
        'io:format("~s", [filename:join([code:root_dir(), "usr", "include"])]), halt().')
    gcc -shared -fPIC -O2 -I"$include" -o "$3" "$2"
}

# pack_escript <erl-bin-dir> <main module> <escript> <lib dir> <file in it>...:
# an executable escript (escript:create/2) whose archive holds the files,
# under the paths given, and whose main module is <main module>.
pack_escript() {
    local bin=$1 main=$2
    shift 2
    "$bin/erl" -noshell -eval '
        [Main, Out, Lib | Files] = init:get_plain_arguments(),
        Entries = [{F, element(2, {ok, _} = file:read_file(filename:join(Lib, F)))}
                   || F <- Files],
        ok = escript:create(Out, [shebang, {emu_args, "-escript main " ++ Main},
                                  {archive, Entries, []}]),
        halt().' -extra "$main" "$@"
    chmod +x "$1"
}
