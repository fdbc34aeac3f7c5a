#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# check-series.sh <dsc> <project-root> <scratch-dir>
#
# (<dsc> may also be a file holding the .dsc's path, as the build writes it.)
#
# Checks that the project's patch series for the OTP version of <dsc> applies
# with plain `git apply` (no fuzz, no 3-way merge), patch after patch, to both
# trees a user may have: Debian's source (the .dsc unpacked by dpkg-source,
# Debian's own patches applied) and the bare upstream tree of its
# .orig.tar.xz (what an OTP maintainer would `git am` onto).
set -euo pipefail

die() { echo "check-series: FAIL: $*" >&2; exit 1; }
log() { echo "check-series: $*" >&2; }

[ $# -eq 3 ] || die "usage: $0 <dsc> <project-root> <scratch-dir>"
dsc=$1 root=$(cd "$2" && pwd) scratch=$3
. "$(dirname "${BASH_SOURCE[0]}")/dsc.sh"
dsc=$(dsc_path "$dsc")
orig=$(dsc_orig_tarball "$dsc") && [ -f "$orig" ] || die "no .orig tarball listed in $dsc found beside it"

rm -rf "$scratch"
mkdir -p "$scratch/bare" "$scratch/debian"
log "unpacking $(basename "$orig") (bare upstream tree)"
tar -xf "$orig" -C "$scratch/bare" --strip-components=1
log "unpacking $(basename "$dsc") with dpkg-source -x (Debian's patches applied)"
dpkg-source --no-copy -x "$dsc" "$scratch/debian/tree" > "$scratch/dpkg-source.log" 2>&1 \
    || { cat "$scratch/dpkg-source.log" >&2; die "dpkg-source -x failed"; }

version=$(tr -d '[:space:]' < "$scratch/bare/OTP_VERSION")
series_list=$(bash "$(dirname "${BASH_SOURCE[0]}")/export-series.sh" "$root" "$version" "$scratch/series") \
    || die "no series to check"
mapfile -t series <<< "$series_list"

# No enclosing repository may change what git apply does.
export GIT_CEILING_DIRECTORIES=$scratch
failed=0
for tree in "$scratch/bare" "$scratch/debian/tree"; do
    for p in "${series[@]}"; do
        if (cd "$tree" && git apply --whitespace=nowarn -p1 "$p") 2> "$scratch/apply.err"; then
            log "ok: ${p##*/} on ${tree#"$scratch/"}"
        else
            cat "$scratch/apply.err" >&2
            log "FAILED: ${p##*/} on ${tree#"$scratch/"}"
            failed=$((failed + 1))
            break
        fi
    done
done
rm -rf "$scratch"
[ "$failed" -eq 0 ] || die "the OTP $version series does not apply to $failed of 2 trees"
echo "check-series OTP $version: ${#series[@]} patches on 2 trees: 2 passed, 0 failed"
