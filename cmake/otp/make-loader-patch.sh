#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make-loader-patch.sh [--root <project-root>] <out-dir>
#
# The first commit of every OTP series adds the files that
# erts/patches/MANIFEST lists (the loader, erl_dlopen_mem*.{h,cpp}). The
# patch is not committed: this script makes it from the files as they are,
# the way `git format-patch` writes it, and always the same bytes for the
# same files: fixed author, date and message (below), a throw-away
# repository that reads no git configuration, no signature. It writes the
# patch into <out-dir> (export-series.sh puts it first in every version's
# series) and prints its path. The same patch serves every OTP version.
#
# <project-root> defaults to the directory two levels above this script.
set -euo pipefail

die() { echo "make-loader-patch: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=
while [ $# -gt 0 ]; do
    case $1 in
        --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$(cd "$2" && pwd); shift 2 ;;
        -h|--help) sed -n '4p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) [ -z "$out" ] || die "one <out-dir> only"; out=$1; shift ;;
    esac
done
[ -n "$out" ] || die "usage: $0 [--root <project-root>] <out-dir>"
mkdir -p "$out"
out=$(cd "$out" && pwd)

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
# Only when it changed, so that what depends on the file keeps its mtime.
cmp -s "$tmp/out/$name" "$out/$name" || cp "$tmp/out/$name" "$out/$name"
echo "$out/$name"
