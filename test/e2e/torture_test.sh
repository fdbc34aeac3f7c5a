#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# torture_test.sh OTP_ROOT LOAD_MUTATION_RUN LIBRARY COUNT REGIONS
#
# The VM torture test (e2e.torture): the regions of LIBRARY that REGIONS
# names (comma-separated, as load_mutation_run --regions takes them) are
# listed by load_mutation_run, and one VM of OTP_ROOT loads COUNT mutants of
# LIBRARY from memory (torture_test.escript).
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 OTP_ROOT LOAD_MUTATION_RUN LIBRARY COUNT REGIONS" >&2; exit 2; }
otp_root=$1 mutation_run=$2 library=$3 count=$4 regions=$5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mutation_run" --print-regions --regions "$regions" "$library" > "$work/regions"
echo "regions of $library:"
sed 's/^/  /' "$work/regions"
kept=$PWD/torture_last_mutant.so
if ! TORTURE_LAST_MUTANT=$kept \
        "$otp_root/bin/escript" "$(dirname "$0")/torture_test.escript" "$library" "$work/regions" "$count"; then
    echo "torture_test: the VM failed; the mutant it was loading is $kept" >&2
    exit 1
fi
rm -f "$kept"
