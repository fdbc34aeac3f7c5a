#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# export-series.sh <project-root> <otp-version> <dest-dir>
#
# Writes the project's complete patch series for OTP <otp-version> into
# <dest-dir>, as `git am` takes it: first the loader patch that
# make-loader-patch.sh makes from the files erts/patches/MANIFEST lists (it
# is not committed), then the patches that erts/patches/otp-<version>/series
# lists (project-relative paths, one a line; blank lines and `#` comments are
# ignored), and a file `series` naming them in order. Files whose content is
# unchanged keep their mtime; patches no longer in the series are removed.
# Prints the absolute paths of the patches, in order.
#
# Fails, saying why, when <otp-version> has no series file (naming the
# versions that have one), when the file names a patch that does not exist
# or twice, or when a .patch in erts/patches/otp-<version>/ or
# lib/patches/otp-<version>/ is not listed in it.
set -euo pipefail

die() { echo "export-series: $*" >&2; exit 1; }

[ $# -eq 3 ] || { echo "usage: $0 <project-root> <otp-version> <dest-dir>" >&2; exit 2; }
root=$(cd "$1" && pwd) version=$2 dest=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list=$root/erts/patches/otp-$version/series

if [ ! -f "$list" ]; then
    supported=$(cd "$root/erts/patches" && for d in otp-*/; do
                    [ ! -f "$d/series" ] || printf '%s ' "${d%/}"; done | sed 's/otp-//g')
    die "no series file for OTP $version (erts/patches/otp-$version/series); versions with one: ${supported:-none}"
fi

mapfile -t entries < <(sed -e 's/[[:space:]]*#.*$//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$list" | grep -v '^$' || true)
[ ${#entries[@]} -gt 0 ] || die "$list lists no patches"

failed=0
declare -A listed=() named=()
for e in "${entries[@]}"; do
    if [ ! -f "$root/$e" ]; then
        echo "export-series: erts/patches/otp-$version/series names $e, which does not exist" >&2
        failed=1
    fi
    [ -z "${listed[$e]:-}" ] || { echo "export-series: $e is listed twice in erts/patches/otp-$version/series" >&2; failed=1; }
    listed[$e]=1
    # One directory holds the exported series: names must differ.
    [ -z "${named[${e##*/}]:-}" ] || { echo "export-series: two patches are named ${e##*/}" >&2; failed=1; }
    named[${e##*/}]=1
done
for d in "erts/patches/otp-$version" "lib/patches/otp-$version"; do
    [ -d "$root/$d" ] || continue
    while IFS= read -r f; do
        if [ -z "${listed[$d/$f]:-}" ]; then
            echo "export-series: $d/$f is not listed in erts/patches/otp-$version/series" >&2
            failed=1
        fi
    done < <(find "$root/$d" -maxdepth 1 -type f -name '*.patch' -printf '%f\n' | LC_ALL=C sort)
done
[ "$failed" -eq 0 ] || exit 1

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
loader=$(bash "$here/make-loader-patch.sh" --root "$root" "$dest") \
    || die "cannot make the loader patch from erts/patches/MANIFEST"
[ -z "${named[${loader##*/}]:-}" ] \
    || die "erts/patches/otp-$version/series lists ${loader##*/}, the generated loader patch"
exported=("$loader")
for e in "${entries[@]}"; do
    cmp -s "$root/$e" "$dest/${e##*/}" || cp "$root/$e" "$dest/${e##*/}"
    exported+=("$dest/${e##*/}")
done

# The series file, and nothing else beside the patches.
printf '%s\n' "${exported[@]##*/}" > "$dest/series.new"
if cmp -s "$dest/series.new" "$dest/series"; then rm "$dest/series.new"; else mv "$dest/series.new" "$dest/series"; fi
find "$dest" -maxdepth 1 -type f -name '*.patch' -printf '%f\n' | while IFS= read -r f; do
    grep -qxF "$f" "$dest/series" || rm -f "$dest/$f"
done
printf '%s\n' "${exported[@]}"
