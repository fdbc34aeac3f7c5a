#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# export_test.sh <project-root> <scratch-dir>
#
# The series that cmake/otp/export-series.sh writes for every OTP version:
# the same bytes on every run; the `series` file names exactly the patches
# beside it, the generated loader patch first, then the committed patches
# unchanged in their order; that patch, applied to an empty tree, gives
# exactly the files erts/patches/MANIFEST lists, with their content; no
# committed patch adds a leftover of patching or building (.rej, .orig,
# objects, .beam, files at the tree's root) or a binary file;
# exported again into the same directory, unchanged files keep their mtime
# and a patch no longer listed goes; and a patch in a version's directory
# that its series file does not list makes the export fail, naming it.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <project-root> <scratch-dir>" >&2; exit 2; }
root=$(cd "$1" && pwd) scratch=$2
export=$root/cmake/otp/export-series.sh
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$scratch"
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
export GIT_CEILING_DIRECTORIES=$scratch GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

mapfile -t manifest < <(sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' "$root/erts/patches/MANIFEST")
[ ${#manifest[@]} -gt 0 ] || fail "erts/patches/MANIFEST lists no files"

versions=()
for d in "$root"/erts/patches/otp-*/; do
    [ -f "$d/series" ] || continue
    v=$(basename "$d"); versions+=("${v#otp-}")
done
[ ${#versions[@]} -gt 0 ] || fail "no erts/patches/otp-*/"

for v in "${versions[@]}"; do
    bash "$export" "$root" "$v" "$scratch/a/$v" > "$scratch/a.out" || fail "OTP $v: export failed"
    bash "$export" "$root" "$v" "$scratch/b/$v" > /dev/null || fail "OTP $v: second export failed"
    diff -r "$scratch/a/$v" "$scratch/b/$v" > /dev/null || fail "OTP $v: two exports differ"

    mapfile -t printed < "$scratch/a.out"
    mapfile -t listed < "$scratch/a/$v/series"
    [ "${printed[*]##*/}" = "${listed[*]}" ] || fail "OTP $v: printed paths and the series file differ"
    (cd "$scratch/a/$v" && ls -1 -- *.patch) | LC_ALL=C sort > "$scratch/present"
    printf '%s\n' "${listed[@]}" | LC_ALL=C sort > "$scratch/named"
    cmp -s "$scratch/present" "$scratch/named" || fail "OTP $v: the series file does not name exactly the patches beside it"
    case ${listed[0]} in 0001-erts-Add-a-loader-*) ;; *) fail "OTP $v: the series starts with ${listed[0]}" ;; esac
    # Then the committed patches, as they are, in the series file's order.
    mapfile -t committed < <(sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' \
                                 "$root/erts/patches/otp-$v/series")
    [ $((${#committed[@]} + 1)) -eq ${#listed[@]} ] || fail "OTP $v: not every committed patch was exported"
    for i in "${!committed[@]}"; do
        [ "${listed[i + 1]}" = "${committed[i]##*/}" ] \
            || fail "OTP $v: patch $((i + 2)) is ${listed[i + 1]}, not ${committed[i]##*/}"
        cmp -s "$root/${committed[i]}" "$scratch/a/$v/${listed[i + 1]}" \
            || fail "OTP $v: the exported ${listed[i + 1]} differs from the committed one"
        # Nothing left over from patching or building: no .rej, .orig,
        # object or .beam file, nothing at the tree's root, nothing binary.
        stray=$(sed -n 's|^diff --git a/[^ ]* b/||p' "$root/${committed[i]}" \
                    | grep -E '\.(rej|orig|o|so|beam)$|^[^/]+$' || true)
        [ -z "$stray" ] || fail "OTP $v: ${committed[i]} adds $stray"
        ! grep -q '^GIT binary patch$' "$root/${committed[i]}" \
            || fail "OTP $v: ${committed[i]} holds a binary file"
    done
    # Exported again into the same directory: unchanged files keep their
    # mtime, a patch no longer in the series goes.
    touch -d '2001-01-01' "$scratch/a/$v"/*.patch "$scratch/a/$v/series"
    touch "$scratch/a/$v/0999-stale.patch"
    bash "$export" "$root" "$v" "$scratch/a/$v" > /dev/null || fail "OTP $v: export over an export failed"
    [ ! -e "$scratch/a/$v/0999-stale.patch" ] || fail "OTP $v: a stale patch was left in the export"
    [ -z "$(find "$scratch/a/$v" -type f -newermt '2001-01-02')" ] \
        || fail "OTP $v: exporting again rewrote unchanged files: $(find "$scratch/a/$v" -type f -newermt '2001-01-02')"

    tree=$scratch/tree-$v
    mkdir -p "$tree"
    git -C "$tree" init -q
    git -C "$tree" apply "$scratch/a/$v/${listed[0]}" || fail "OTP $v: the loader patch does not apply to an empty tree"
    (cd "$tree" && find . -path ./.git -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort) > "$scratch/added"
    printf '%s\n' "${manifest[@]}" | LC_ALL=C sort > "$scratch/manifest"
    cmp -s "$scratch/added" "$scratch/manifest" || fail "OTP $v: the loader patch adds other files than the MANIFEST's"
    for f in "${manifest[@]}"; do
        cmp -s "$root/$f" "$tree/$f" || fail "OTP $v: the loader patch's $f differs from the project's"
    done
    echo "OTP $v: ${#listed[@]} patches, the loader patch adds the MANIFEST's ${#manifest[@]} files"
done

# An unlisted patch is an error that names it. A copy of the project's
# patch directories stands in for the tree.
copy=$scratch/project
mkdir -p "$copy/cmake" "$copy/erts" "$copy/lib"
cp -r "$root/cmake/otp" "$copy/cmake/"
cp -r "$root/erts/patches" "$root/erts/emulator" "$copy/erts/"
cp -r "$root/lib/patches" "$copy/lib/"
v=${versions[0]}
touch "$copy/erts/patches/otp-$v/0999-unlisted.patch"
if bash "$copy/cmake/otp/export-series.sh" "$copy" "$v" "$scratch/c" 2> "$scratch/c.err" > /dev/null; then
    fail "an unlisted patch was exported"
fi
grep -q "erts/patches/otp-$v/0999-unlisted.patch is not listed" "$scratch/c.err" \
    || { cat "$scratch/c.err" >&2; fail "the error does not name the unlisted patch"; }
echo "an unlisted patch is refused: $(cat "$scratch/c.err")"
rm -rf "$scratch"
