#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run_suite.sh <src-dir> <install-prefix> <file-results> <memory-results> <suite> [library...]
#
# Runs one of OTP's suites (OTP_TEST_APP, OTP_TEST_FLAVOR as for
# cmake/otp/run-otp-suite.sh) on the memtest emulator, which loads every NIF
# library and driver the suite opens by path from memory, and compares it
# with the same suite's run on the ordinary emulator, whose results
# run-otp-suite.sh left in <file-results>. Fails when
#   - a case's result differs (ok, failed, skipped, auto-skipped): those
#     cases are listed; or the run from memory failed (the run from files,
#     a CTest fixture, passed);
#   - the loader's validation refused a library that the suite loads, or one
#     of the libraries named (file names, e.g. crypto.so) was not loaded from
#     memory, or none at all was (the switch was not on). Every VM of the
#     run is a memtest one (ct_run's own node, its peers, erlc), so a
#     library counts wherever in the run it was loaded.
# Prints one line of counts per mode and what was loaded from memory.
set -euo pipefail

die() { echo "memory-everywhere: error: $*" >&2; exit 2; }

[ $# -ge 5 ] || die "usage: $0 <src-dir> <install-prefix> <file-results> <memory-results> <suite> [library...]"
src=$1 prefix=$2 file_results=$3 memory_results=$4 suite=$5
shift 5
expected=("$@")
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$file_results/counts" ] \
    || die "no $file_results/counts: run the suite on the ordinary emulator first (its otp test)"

rm -rf "$memory_results"
mkdir -p "$memory_results"
memory_results=$(cd "$memory_results" && pwd)
log=$memory_results/memtest.log
status=0
ERTS_MEMTEST_LOG=$log OTP_TEST_EMU_TYPE=memtest \
    bash "$here/../../cmake/otp/run-otp-suite.sh" "$src" "$prefix" "$memory_results" "$suite" \
    > "$memory_results/run.log" 2>&1 || status=$?
[ -f "$memory_results/counts" ] || { tail -40 "$memory_results/run.log" >&2; die "the memtest run wrote no counts"; }

read -r fo ff fu fa < "$file_results/counts"
read -r mo mf mu ma < "$memory_results/counts"
echo "$suite file:   $fo ok, $ff failed, $fu skipped by the suite, $fa auto-skipped"
echo "$suite memory: $mo ok, $mf failed, $mu skipped by the suite, $ma auto-skipped (run-otp-suite exit $status)"

loaded=0 refused=0
[ ! -f "$log" ] || {
    loaded=$(grep -c '^memory ' "$log" || true)
    refused=$(grep -c '^refused ' "$log" || true)
    echo "loaded from memory: $loaded ($(grep '^memory ' "$log" | sed 's|.*/||' | sort -u | wc -l) distinct names);" \
        "by file: $(grep -c '^file ' "$log" || true); refused by validation: $refused;" \
        "refused by the dynamic linker: $(grep -c '^failed ' "$log" || true)"
}

fail=0
if [ "$loaded" -eq 0 ]; then
    echo "memory-everywhere: no library was loaded from memory ($log)" >&2
    fail=1
fi
for name in "${expected[@]}"; do
    if ! grep -q "^memory .*/${name//./\\.}\$" "$log" 2> /dev/null; then
        echo "memory-everywhere: $name was not loaded from memory ($log)" >&2
        fail=1
    fi
done
if [ "$refused" -ne 0 ]; then
    echo "memory-everywhere: the loader refused libraries the suite loads:" >&2
    grep '^refused ' "$log" >&2
    fail=1
fi
if ! cmp -s "$file_results/cases" "$memory_results/cases"; then
    echo "memory-everywhere: cases whose results differ (< file, > memory):" >&2
    diff "$file_results/cases" "$memory_results/cases" >&2 || true
    fail=1
fi
if [ "$status" -ne 0 ]; then
    echo "memory-everywhere: the run from memory failed (exit $status):" >&2
    tail -20 "$memory_results/run.log" >&2
    fail=1
fi
if [ "$fail" -ne 0 ]; then
    echo "memory-everywhere: logs: $memory_results/ct_logs/index.html" >&2
    exit 1
fi
echo "memory-everywhere: $suite: every case gave the same result from memory as from files"
