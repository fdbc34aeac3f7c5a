#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make-loader-patch.sh [--root <project-root>] [<otp-version>...]
# make-loader-patch.sh [--root <project-root>] --check [<otp-version>...]
# make-loader-patch.sh [--root <project-root>] --stdout <otp-version>
# make-loader-patch.sh [--root <project-root>] --path <otp-version>
#
# The first commit of every OTP series adds the files that
# erts/patches/MANIFEST lists (the loader, erl_dlopen_mem*.{h,cpp}). This
# script makes that commit's patch from the files as they are, the way
# `git format-patch` writes it, and always the same bytes for the same files:
# fixed author, date and message (below), a throw-away repository that reads
# no git configuration, no signature. The patch is the first entry of the
# version's series file (erts/patches/otp-<version>/series) and is named
# from its subject: erts/patches/otp-<version>/0001-erts-Add-a-loader-....
#
#   (no mode)  writes the patch into each version's directory (every version
#              that has a series file, or the ones given), if it changed;
#   --check    writes nothing, fails naming every committed patch that
#              differs from what the files give (test
#              series.loader_patch_current);
#   --stdout   prints the patch for one version (prepare-source.sh applies it
#              in place of the committed one);
#   --path     prints its project-relative path for one version.
#
# <project-root> defaults to the directory two levels above this script.
set -euo pipefail

die() { echo "make-loader-patch: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=write
versions=()
while [ $# -gt 0 ]; do
    case $1 in
        --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$(cd "$2" && pwd); shift 2 ;;
        --check) mode=check; shift ;;
        --stdout) mode=stdout; shift ;;
        --path) mode=path; shift ;;
        -h|--help) sed -n '3,7p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) versions+=("$1"); shift ;;
    esac
done
if [ "$mode" = stdout ] || [ "$mode" = path ]; then
    [ ${#versions[@]} -eq 1 ] || die "--$mode takes exactly one OTP version"
fi

# The commit. Its subject names the patch file.
author_name="Seed f4317cee maintainers"
author_email="maintainers@users.noreply.h-seed-f4317cee.example"
author_date="Sat, 21 Nov 2026 09:28:30 +0000"
message="erts: Add a loader for shared objects held in memory

erl_dlopen_mem.cpp, behind the C header erl_dlopen_mem.h, adds
erts_dlopen_mem(), which loads the ELF shared object held in a buffer,
and erts_dlclose_mem(), which unloads it and releases what holds it. It
is the base for letting erlang:load_nif/2 load a NIF library from a
binary: an escript, a release packed as one file or a module sent to
another node cannot carry its native code as a file today, and
extracting it to a temporary file fails on noexec mounts and leaves
files behind.

glibc's dlopen() is not a validator: a truncated image kills the
process with SIGBUS and corrupt tables with SIGSEGV. The image is
therefore checked first, by erts_dlopen_mem_validate() in
erl_dlopen_mem_validate.cpp (the ELF header, the program headers and
loaded segments, the dynamic section and the tables it points to), then
copied into a sealed memfd (where memfds are refused, an unlinked POSIX
shared memory object or temporary file) and opened with dlopen() through
/proc/<pid>/fd/N. The handle is an ordinary dlopen() handle.

The loader is C++ without exceptions or RTTI and uses nothing from
libstdc++, so that it also links into the emu flavour, which links with
\$(CC). On other systems than Linux it refuses every image. Nothing
uses it yet; the next commit builds it into erts."

manifest=$root/erts/patches/MANIFEST
[ -f "$manifest" ] || die "$manifest not found"
mapfile -t files < <(sed -e 's/[[:space:]]*#.*$//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$manifest" | grep -v '^$' || true)
[ ${#files[@]} -gt 0 ] || die "$manifest lists no files"
for f in "${files[@]}"; do
    case $f in /*|*..*) die "$manifest: '$f' is not a relative path inside the project" ;; esac
    [ -f "$root/$f" ] || die "$manifest names $f, which does not exist"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A repository that sees no user or system configuration, and the commit.
export HOME=$tmp GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null XDG_CONFIG_HOME=$tmp
export GIT_CEILING_DIRECTORIES=$tmp LC_ALL=C TZ=UTC
export GIT_AUTHOR_NAME=$author_name GIT_AUTHOR_EMAIL=$author_email GIT_AUTHOR_DATE=$author_date
export GIT_COMMITTER_NAME=$author_name GIT_COMMITTER_EMAIL=$author_email GIT_COMMITTER_DATE=$author_date
repo=$tmp/repo
git init -q "$repo"
for f in "${files[@]}"; do
    mkdir -p "$repo/$(dirname "$f")"
    cp "$root/$f" "$repo/$f"
    chmod 644 "$repo/$f"
    [ ! -x "$root/$f" ] || chmod 755 "$repo/$f"
done
git -C "$repo" add -- "${files[@]}"
git -C "$repo" -c core.abbrev=7 commit -q -F - <<< "$message"
mkdir "$tmp/out"
name=$(git -C "$repo" -c core.abbrev=7 format-patch --root -1 --no-signature \
           --no-numbered -o "$tmp/out" HEAD)
name=$(basename "$name")
# Unnumbered, as the rest of the series: the same patch for every version.
patch=$tmp/out/$name

series_entries() {   # <version>: the series file's entries
    local list=$root/erts/patches/otp-$1/series
    [ -f "$list" ] || die "no series file $list"
    sed -e 's/[[:space:]]*#.*$//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$list" | grep -v '^$' || true
}
rel_path() { echo "erts/patches/otp-$1/$name"; }
check_first() {      # <version>: the series starts with this patch
    local first
    first=$(series_entries "$1" | head -n 1)
    [ "$first" = "$(rel_path "$1")" ] \
        || die "erts/patches/otp-$1/series must start with $(rel_path "$1") (it starts with '${first:-nothing}')"
}

case $mode in
    path) check_first "${versions[0]}"; rel_path "${versions[0]}"; exit 0 ;;
    stdout) check_first "${versions[0]}"; cat "$patch"; exit 0 ;;
esac

if [ ${#versions[@]} -eq 0 ]; then
    for d in "$root"/erts/patches/otp-*/; do
        v=$(basename "$d"); v=${v#otp-}
        if [ -f "$d/series" ]; then
            versions+=("$v")
        else
            echo "make-loader-patch: OTP $v has no series file yet; skipped" >&2
        fi
    done
    [ ${#versions[@]} -gt 0 ] || die "no erts/patches/otp-*/series file"
fi

stale=()
for v in "${versions[@]}"; do
    check_first "$v"
    rel=$(rel_path "$v")
    if cmp -s "$patch" "$root/$rel"; then
        echo "make-loader-patch: $rel is up to date" >&2
    elif [ "$mode" = check ]; then
        stale+=("$rel")
        if [ -f "$root/$rel" ]; then
            echo "make-loader-patch: STALE: $rel differs from what the files in erts/patches/MANIFEST give:" >&2
            diff -u "$root/$rel" "$patch" | head -n 40 >&2 || true
        else
            echo "make-loader-patch: MISSING: $rel" >&2
        fi
    else
        cp "$patch" "$root/$rel"
        echo "make-loader-patch: wrote $rel" >&2
    fi
done
if [ ${#stale[@]} -gt 0 ]; then
    die "stale: ${stale[*]}; run cmake/otp/make-loader-patch.sh and commit the result"
fi
