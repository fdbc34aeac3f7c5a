#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# series.sh <project-root> <otp-version>
#
# Prints the project's patch series for OTP <otp-version>, one path a line,
# in the order it applies: {erts,lib}/patches/otp-<version>/*.patch, numbered
# once across both directories. Fails, naming the versions that have a
# series, when <otp-version> has none.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <project-root> <otp-version>" >&2; exit 2; }
root=$1 version=$2
dirs=("$root/erts/patches/otp-$version" "$root/lib/patches/otp-$version")
if [ ! -d "${dirs[0]}" ]; then
    supported=$(cd "$root/erts/patches" && ls -d otp-* 2>/dev/null | sed 's/^otp-//' | tr '\n' ' ')
    echo "series: no patch series for OTP $version (erts/patches/otp-$version); supported: ${supported:-none}" >&2
    exit 1
fi
for d in "${dirs[@]}"; do
    [ ! -d "$d" ] || find "$d" -maxdepth 1 -type f -name '*.patch' -printf '%f\t%p\n'
done | LC_ALL=C sort | cut -f2-
