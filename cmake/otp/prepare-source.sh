#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# prepare-source.sh <dsc-or-otp-dir> <dest-src-dir> <project-root>
#
# Produces the OTP tree that gets built, <dest-src-dir>:
#   1. the base tree: Debian's source package extracted once with
#      `dpkg-source -x` (Debian's patch series, CVE fixes included, applied)
#      into <dest-src-dir>.pristine; or the user's own OTP tree, copied so that
#      it is never modified;
#   2. the project's patch series for the base tree's OTP version (its
#      OTP_VERSION file), as export-series.sh writes it into
#      <dest-src-dir>.series (its first patch made from the loader's files as
#      they are now), applied with `git apply` (no fuzz; any rejected hunk is
#      fatal). Nothing else of the project reaches OTP.
#
# Incremental: only the files the series touches (now or on the previous
# run) are recomputed, in a staging directory, and written into
# <dest-src-dir> only where their content changed, with a fresh mtime so make
# rebuilds exactly what depends on them. Everything else keeps its mtime.
set -euo pipefail

die() { echo "prepare-source: error: $*" >&2; exit 1; }
log() { echo "prepare-source: $*" >&2; }

[ $# -eq 3 ] || die "usage: $0 <dsc-or-otp-dir> <dest-src-dir> <project-root>"
input=$1
dest=$2
root=$(cd "$3" && pwd)

mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
meta=$dest/.erts-dlopen-mem          # our bookkeeping inside the tree
staging=$dest.staging

# common_test's jquery files are removed from Debian's "dfsg" tarball, and
# ct_run fails to write its logs without them (priv_file_error). Debian's
# javascript.patch only drops them from `make install`; its binary package
# then links them to libjs-jquery and libjs-jquery-tablesorter. Do the same,
# or write a stub (log pages lose table sorting only) when those are absent.
supply_jquery() {
    local priv=$1/lib/common_test/priv name target
    [ -d "$priv" ] || return 0
    for name in jquery-latest.js jquery.tablesorter.min.js; do
        [ -e "$priv/$name" ] && continue
        case $name in
            jquery-latest.js) target=/usr/share/javascript/jquery/jquery.min.js ;;
            *) target=/usr/share/javascript/jquery-tablesorter/jquery.tablesorter.min.js ;;
        esac
        rm -f "$priv/$name"     # a dangling link
        if [ -f "$target" ]; then
            ln -s "$target" "$priv/$name"
        else
            log "WARNING: $target not found (install libjs-jquery / libjs-jquery-tablesorter); writing a stub $name"
            printf '/* stub: %s is not in the dfsg source; see cmake/otp/prepare-source.sh */\n' "$name" > "$priv/$name"
        fi
    done
}

# --- 1. base tree -----------------------------------------------------------------

if [ -f "$input" ]; then
    case $input in *.dsc) ;; *) die "$input is not a .dsc" ;; esac
    dsc=$(cd "$(dirname "$input")" && pwd)/$(basename "$input")
    base=$dest.pristine
    identity="dsc $(sha256sum "$dsc" | cut -d' ' -f1) $(basename "$dsc")"
    if [ "$(cat "$base/.erts-dlopen-mem-extracted" 2>/dev/null || true)" != "$identity" ]; then
        log "extracting $(basename "$dsc") with dpkg-source -x (applies Debian's patch series)"
        rm -rf "$base" "$base.tmp"
        # Every file was checked against debian-sources.lock; the signature
        # check is left to dpkg-source (it only warns without debian-keyring);
        # --no-copy keeps it from copying the orig tarball next to the tree.
        dpkg-source --no-copy -x "$dsc" "$base.tmp" >&2 || die "dpkg-source -x $dsc failed"
        [ -f "$base.tmp/OTP_VERSION" ] || die "$dsc did not unpack into an OTP tree"
        supply_jquery "$base.tmp"
        echo "$identity" > "$base.tmp/.erts-dlopen-mem-extracted"
        mv "$base.tmp" "$base"
    fi
elif [ -d "$input" ]; then
    base=$(cd "$input" && pwd)
    [ -f "$base/OTP_VERSION" ] || die "$base does not look like an OTP source tree (no OTP_VERSION)"
    case "$dest/" in "$base/"*) die "the destination $dest lies inside the OTP tree $base" ;; esac
    identity="dir $base"
else
    die "$input: no such .dsc file or OTP directory"
fi

# Lists the base tree's files (relative, NUL-separated) for copying: for a git
# checkout, tracked and untracked-but-not-ignored files, so the user's build
# outputs stay behind; otherwise everything but VCS metadata.
list_base_files() {
    if [ -d "$base/.git" ] || [ -f "$base/.git" ]; then
        git -C "$base" ls-files -z --cached --others --exclude-standard
    else
        (cd "$base" && find . \( -name .git -o -name .pc \) -prune -o \( -type f -o -type l \) -print0 | sed -z 's|^\./||')
    fi
}

managed_file=$meta/managed
if [ "$(cat "$meta/identity" 2>/dev/null || true)" != "$identity" ]; then
    # New base (first run, other OTP version, other user tree): fresh copy;
    # everything rebuilds anyway.
    log "copying the base tree into $dest"
    rm -rf "$dest"
    mkdir -p "$dest"
    if [ "${identity%% *}" = dsc ]; then
        cp -a "$base/." "$dest/"
        rm -f "$dest/.erts-dlopen-mem-extracted"
    else
        list_base_files | rsync -a --from0 --files-from=- "$base/" "$dest/"
    fi
    mkdir -p "$meta"
    : > "$managed_file"
    echo "$identity" > "$meta/identity"
elif [ "${identity%% *}" = dir ]; then
    # The user's tree may have changed since: bring changes over (rsync keeps
    # their mtimes, so make sees them as new), but leave alone the files we
    # manage, which are recomputed below. Files deleted there stay here.
    list_base_files | tr '\0' '\n' | { grep -vxF -f "$managed_file" || true; } | tr '\n' '\0' \
        | rsync -a --from0 --files-from=- "$base/" "$dest/"
fi
[ "${identity%% *}" = dsc ] || supply_jquery "$dest"

# --- 2. the project's patch series ---------------------------------------------------

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
otp_version=$(tr -d '[:space:]' < "$base/OTP_VERSION")
series=$(bash "$here/export-series.sh" "$root" "$otp_version" "$dest.series") \
    || die "cannot apply the project's patches"
mapfile -t patches <<< "$series"

# Paths (relative to the OTP top) that a patch touches, from git headers and
# from plain unified-diff headers.
patch_paths() {
    awk '
        function clean(p) { sub(/\t.*$/, "", p); return p }
        /^diff --git a\// { n = split($0, f, " "); a = substr(f[3], 3); b = substr(f[4], 3); print a; print b; next }
        /^--- a\//       { print clean(substr($0, 7)); next }
        /^\+\+\+ b\//    { print clean(substr($0, 7)); next }
        /^rename (from|to) / { print substr($0, index($0, $3)); next }
    ' "$1"
}

declare -A touched=()
for p in "${patches[@]}"; do
    while IFS= read -r path; do
        [ -n "$path" ] && [ "$path" != /dev/null ] && touched[$path]=1
    done < <(patch_paths "$p")
done

# Staging: the base versions of the touched files, then the series.
rm -rf "$staging"
mkdir -p "$staging"
for path in "${!touched[@]}"; do
    if [ -e "$base/$path" ] || [ -L "$base/$path" ]; then
        mkdir -p "$staging/$(dirname "$path")"
        cp -a "$base/$path" "$staging/$path"
    fi
done
# git apply must not see an enclosing repository (the build directory may lie
# inside one): from a subdirectory of a repository it silently skips paths.
GIT_CEILING_DIRECTORIES=$(dirname "$staging")
export GIT_CEILING_DIRECTORIES
for p in "${patches[@]}"; do
    log "applying ${p##*/}"
    if ! (cd "$staging" && git apply --whitespace=nowarn -p1 "$p") >&2; then
        die "patch ${p##*/} does not apply cleanly to the OTP tree (base: $identity)"
    fi
done

# Write the wanted content of every path managed now or on the previous run.
declare -A all=()
for path in "${!touched[@]}"; do all[$path]=1; done
while IFS= read -r path; do [ -z "$path" ] || all[$path]=1; done < "$managed_file"

changed=0
for path in "${!all[@]}"; do
    if [ -n "${touched[$path]:-}" ]; then want=$staging/$path; else want=$base/$path; fi
    have=$dest/$path
    if [ ! -e "$want" ] && [ ! -L "$want" ]; then
        if [ -e "$have" ] || [ -L "$have" ]; then
            rm -f "$have"; changed=$((changed + 1)); log "removed $path"
            # An empty directory left in lib/ would be taken for an application.
            rmdir -p --ignore-fail-on-non-empty "$(dirname "$have")" 2>/dev/null || true
        fi
        continue
    fi
    if [ -L "$want" ] || [ -L "$have" ]; then
        if [ "$(readlink "$want" 2>/dev/null)" != "$(readlink "$have" 2>/dev/null)" ] || [ ! -L "$have" ]; then
            mkdir -p "$(dirname "$have")"; rm -f "$have"; cp -P "$want" "$have"
            changed=$((changed + 1)); log "updated $path"
        fi
        continue
    fi
    if ! cmp -s "$want" "$have"; then
        # Fresh mtime on purpose: the file must look newer than its objects.
        mkdir -p "$(dirname "$have")"
        rm -f "$have"
        cp --preserve=mode "$want" "$have"
        changed=$((changed + 1)); log "updated $path"
    fi
done

printf '%s\n' "${!touched[@]}" | LC_ALL=C sort > "$managed_file.new"
mv "$managed_file.new" "$managed_file"
rm -rf "$staging"
log "${#patches[@]} patch(es); $changed file(s) changed in $dest"
