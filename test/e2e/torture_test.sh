#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# torture_test.sh OTP_ROOT LOAD_MUTATION_RUN LIBRARY COUNT FAULT_REPORT_SO
#
# The VM torture test (e2e.torture): every region of LIBRARY that the
# dynamic linker and erts read (headers, dynamic section, symbol, relocation,
# hash, string and version tables, NIF entry) is listed by load_mutation_run,
# with the fields that only say where a reference goes,
# and VMs of OTP_ROOT load COUNT mutants of LIBRARY from memory, restarted
# after a death that the fault report attributes (torture_test.escript).
# Mutants whose outcome fails the test are kept in ./torture_failures.
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 OTP_ROOT LOAD_MUTATION_RUN LIBRARY COUNT FAULT_REPORT_SO" >&2; exit 2; }
otp_root=$1 mutation_run=$2 library=$3 count=$4 fault_report=$5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mutation_run" --print-regions "$library" > "$work/regions"
"$mutation_run" --print-reference-fields "$library" > "$work/reference_fields"
echo "regions of $library:"
sed 's/^/  /' "$work/regions"
keep=$PWD/torture_failures
rm -rf "$keep"
mkdir -p "$keep"
"$otp_root/bin/escript" "$(dirname "$0")/torture_test.escript" \
    "$library" "$work/regions" "$work/reference_fields" "$count" "$fault_report" "$keep"
rm -rf "$keep"
