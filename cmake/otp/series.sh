#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# series.sh <project-root> <otp-version>
#
# Prints the project's patch series for OTP <otp-version>, one absolute path
# a line, in the order it applies: the entries of
# erts/patches/otp-<version>/series (project-relative paths, one a line;
# blank lines and `#` comments are ignored). The first entry is the patch
# that adds the files of erts/patches/MANIFEST (make-loader-patch.sh).
#
# Fails, saying why, when <otp-version> has no series file (naming the
# versions that have one), when the file names a patch that does not exist,
# or when a .patch in erts/patches/otp-<version>/ or lib/patches/otp-<version>/
# is not listed in it.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <project-root> <otp-version>" >&2; exit 2; }
root=$(cd "$1" && pwd) version=$2
list=$root/erts/patches/otp-$version/series

if [ ! -f "$list" ]; then
    supported=$(cd "$root/erts/patches" && for d in otp-*/; do
                    [ ! -f "$d/series" ] || printf '%s ' "${d%/}"; done | sed 's/otp-//g')
    echo "series: no series file for OTP $version (erts/patches/otp-$version/series); versions with one: ${supported:-none}" >&2
    exit 1
fi

mapfile -t entries < <(sed -e 's/[[:space:]]*#.*$//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$list" | grep -v '^$' || true)
[ ${#entries[@]} -gt 0 ] || { echo "series: $list lists no patches" >&2; exit 1; }

failed=0
declare -A listed=()
for e in "${entries[@]}"; do
    if [ ! -f "$root/$e" ]; then
        echo "series: erts/patches/otp-$version/series names $e, which does not exist" >&2
        failed=1
    fi
    [ -z "${listed[$e]:-}" ] || { echo "series: $e is listed twice in erts/patches/otp-$version/series" >&2; failed=1; }
    listed[$e]=1
done
for d in "erts/patches/otp-$version" "lib/patches/otp-$version"; do
    [ -d "$root/$d" ] || continue
    while IFS= read -r f; do
        if [ -z "${listed[$d/$f]:-}" ]; then
            echo "series: $d/$f is not listed in erts/patches/otp-$version/series" >&2
            failed=1
        fi
    done < <(find "$root/$d" -maxdepth 1 -type f -name '*.patch' -printf '%f\n' | LC_ALL=C sort)
done
[ "$failed" -eq 0 ] || exit 1

for e in "${entries[@]}"; do
    echo "$root/$e"
done
