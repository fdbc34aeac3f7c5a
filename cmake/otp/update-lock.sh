#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# update-lock.sh <pin> [<suite>] [<lock-file>]
#
# <pin> is an OTP version (the source package `erlang`) or
# <package>-<version> for another source package (erlang-jiffy-1.1.2). Pins
# the newest Debian revision of it that the signed Sources index of <suite>
# (and <suite>-security) lists and the archive serves: downloads it with the
# ordinary apt client, which checks every file against the signed index,
# and writes its files' sizes and SHA-256 into the lock file (default:
# debian-sources.lock beside this script) as the first choice for <pin>,
# keeping the older pins after it. Prints what
# changed. <suite> defaults to the one the lock file already names.
#
# apt runs with a PRIVATE state (its own sources list, lists/, archives/) in
# a temporary directory, so the machine's apt setup is never changed; the
# archive URIs are taken from the machine's own apt sources.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/dsc.sh"

die() { echo "update-lock: error: $*" >&2; exit 1; }
log() { echo "update-lock: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] && [ $# -le 3 ] || die "usage: $0 <otp-version>|<package>-<version> [<suite>] [<lock-file>]"
pin=$1
case $pin in
    [0-9]*) pkg=erlang upstream_version=$pin ;;
    *-[0-9]*) pkg=${pin%-*} upstream_version=${pin##*-} ;;
    *) die "$pin is neither an OTP version nor <package>-<version>" ;;
esac
lock=${3:-$here/debian-sources.lock}
suite=${2:-$(awk -v v="$pin" '$1 == v { print $2; exit }' "$lock")}
[ -n "$suite" ] || die "$pin is not in $lock yet: name its Debian suite (e.g. trixie, sid)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
state=$work/apt
src_dir=$work/src
mkdir -p "$src_dir"

# --- private apt state -------------------------------------------------------

# The machine's Debian archive and security archive, from its apt sources:
# apt-get indextargets prints each index's Base-URI, <archive>/dists/<suite>/.
find_archive_uris() {
    local uri
    main_uri="" security_uri=""
    while read -r uri; do
        case $uri in
            */dists/*-security/) [ -n "$security_uri" ] || security_uri=${uri%/dists/*} ;;
            */dists/*/) [ -n "$main_uri" ] || main_uri=${uri%/dists/*} ;;
        esac
    done < <(apt-get indextargets --no-release-info --format '$(BASE_URI)' | sort -u)
}

# apt-get/apt-cache pointed at the private state only. The machine's apt.conf
# (proxies, auth, Check-Valid-Until, ...) still applies; its sources,
# preferences, lists, caches and dpkg status do not.
apt_opts=(
    -o "Dir::Etc::SourceList=$state/etc/sources.list"
    -o "Dir::Etc::SourceParts=$state/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$state/etc/preferences"
    -o "Dir::Etc::PreferencesParts=$state/etc/preferences.d"
    -o "Dir::State=$state/state"
    -o "Dir::State::Lists=$state/state/lists"
    -o "Dir::State::status=$state/state/status"
    -o "Dir::Cache=$state/cache"
    -o "Dir::Cache::Archives=$state/cache/archives"
    -o "Acquire::Languages=none"
    -o "APT::Get::List-Cleanup=true"
)
if [ "$(id -u)" = 0 ]; then
    # As root apt drops to the _apt user for downloads, which cannot write
    # into a cache under a private home directory; signatures and hashes are
    # still checked by apt itself.
    apt_opts+=(-o "APT::Sandbox::User=root")
fi

setup_private_state() {
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f "$keyring" ] || die "$keyring not found (install debian-archive-keyring)"
    find_archive_uris
    [ -n "$main_uri" ] || die "could not find Debian's main archive in the machine's apt sources"
    mkdir -p "$state/etc/sources.list.d" "$state/etc/preferences.d" \
             "$state/state/lists/partial" "$state/cache/archives/partial"
    : > "$state/etc/sources.list"
    : > "$state/state/status"
    local f=$state/etc/sources.list.d/erlang-src.sources
    security_suite=$suite-security
    case $suite in sid|unstable|testing|experimental) security_suite="" ;; esac
    [ -n "$security_uri" ] || security_suite=""
    {
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
            "$main_uri" "$suite" "$keyring"
        # Unstable and testing have no security suite.
        if [ -n "$security_uri" ] && [ -n "$security_suite" ]; then
            printf '\nTypes: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
                "$security_uri" "$security_suite" "$keyring"
        fi
    } > "$f.new"
    mv "$f.new" "$f"
    log "private apt state in $state: $suite${security_suite:+ and $security_suite}"
}

# Debian versions of $pkg in the private lists whose upstream part (without
# epoch, Debian revision and +dfsg-style suffix) is $upstream_version, newest
# first.
matching_versions() {
    local v up sorted=() i j t
    while read -r v; do
        up=${v#*:}; up=${up%-*}; up=${up%%+*}; up=${up%%~*}
        [ "$up" = "$upstream_version" ] && sorted+=("$v")
    done < <(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null \
             | awk '/^Version:/ { print $2 }' | sort -u)
    # Insertion sort by Debian's own version ordering (a handful of entries).
    for ((i = 1; i < ${#sorted[@]}; i++)); do
        for ((j = i; j > 0; j--)); do
            dpkg --compare-versions "${sorted[j]}" gt "${sorted[j-1]}" || break
            t=${sorted[j]}; sorted[j]=${sorted[j-1]}; sorted[j-1]=$t
        done
    done
    [ ${#sorted[@]} -eq 0 ] || printf '%s\n' "${sorted[@]}"
}

# Checks the .dsc against the SHA-256 the signed Sources index gives for it.
# Returns 2 when the index is not at hand (nothing to compare with).
verify_dsc_against_index() {
    local dsc=$1 version=$2 name want have
    name=$(basename "$dsc")
    [ -d "$state/state/lists" ] || return 2
    # showsrc takes no =version: pick the stanza of that version.
    want=$(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null \
        | awk -v n="$name" -v v="$version" '
            /^$/ { ver = ""; s = 0; next }
            /^Version:/ { ver = $2 }
            /^Checksums-Sha256:/ { s = 1; next }
            s && /^ / { if (ver == v && $3 == n) { print $1; exit } next }
            { s = 0 }')
    [ -n "$want" ] || return 2
    have=$(sha256sum "$dsc" | cut -d' ' -f1)
    [ "$want" = "$have" ]
}


# --- main ----------------------------------------------------------------------

setup_private_state
log "apt-get update (private state)"
apt-get "${apt_opts[@]}" -q update >&2 || die "apt-get update failed in the private state"

mapfile -t versions < <(matching_versions)
[ ${#versions[@]} -gt 0 ] || die "no source package $pkg with upstream version $upstream_version in $suite${security_suite:+ or $security_suite} (listed: $(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null | awk '/^Version:/ { printf "%s ", $2 }')none else)"

# apt-get source checks each file against the signed Sources index. An index
# may list a revision whose files the archive does not serve: try older ones.
version=""
for v in "${versions[@]}"; do
    log "trying Debian version $v"
    if (cd "$src_dir" && apt-get "${apt_opts[@]}" -q source --download-only "$pkg=$v" >&2); then
        version=$v
        break
    fi
    log "WARNING: the index lists $pkg=$v but it could not be downloaded"
done
[ -n "$version" ] || die "could not download any of: ${versions[*]}"
dsc=$src_dir/${pkg}_${version#*:}.dsc
[ -f "$dsc" ] || die "expected $dsc after download"
verify_dsc_against_index "$dsc" "$version" || die "$(basename "$dsc") does not match the signed Sources index"

# The new lines: the .dsc first, then the files it lists.
new=$work/new-lines
{
    printf '%-10s %-9s %-25s %-44s %-9s %s\n' "$pin" "$suite" "$version" \
        "$(basename "$dsc")" "$(stat -c %s "$dsc")" "$(sha256sum "$dsc" | cut -d' ' -f1)"
    dsc_checksums "$dsc" |
    while read -r sum size name; do
        [ "$(sha256sum "$src_dir/$name" | cut -d' ' -f1)" = "$sum" ] || die "$name does not match $dsc"
        printf '%-10s %-9s %-25s %-44s %-9s %s\n' "$pin" "$suite" "$version" "$name" "$size" "$sum"
    done
} > "$new"

# Old pins of this Debian version go; other revisions stay, after the new one.
updated=$work/lock
awk -v v="$pin" -v d="$version" -v new="$new" '
    function emit() { while ((getline l < new) > 0) print l; done = 1 }
    !/^#/ && $1 == v && !done { emit() }
    !/^#/ && $1 == v && $3 == d { next }
    { print }
    END { if (!done) emit() }' "$lock" > "$updated"
if cmp -s "$lock" "$updated"; then
    log "$lock already pins $pkg $version first for $pin; nothing changed"
else
    diff -u "$lock" "$updated" || true
    cp "$updated" "$lock"
    log "$lock now pins $pkg $version for $pin"
fi
