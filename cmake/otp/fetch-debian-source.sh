#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch-debian-source.sh <otp-version> <cache-dir>
#
# Obtains Debian's source package of `erlang` whose upstream version is
# <otp-version>, with the ordinary apt client but a PRIVATE apt state kept under
# <cache-dir> (its own sources list, lists/, archives/), so the machine's apt
# setup is never changed. The archive URIs are taken at run time from the
# machine's own apt sources (no host name is written anywhere).
#
# Every file the .dsc lists is checked against its Checksums-Sha256 (and the
# .dsc against the signed Sources index when that is at hand); a mismatch is
# fatal. Verified files are reused on later runs without any network access.
#
# The last line of stdout is the absolute path of the .dsc.
set -euo pipefail

die() { echo "fetch-debian-source: error: $*" >&2; exit 1; }
log() { echo "fetch-debian-source: $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 <otp-version> <cache-dir>"
otp_version=$1
cache_dir=$2
pkg=erlang

# Which Debian release carries which upstream OTP. The security suite of the
# same release is searched too (it may carry a newer revision).
case "$otp_version" in
    27.3.4.1) suite=trixie ;;
    25.2.3)   suite=bookworm ;;
    *) die "no Debian suite known for OTP $otp_version (known: 27.3.4.1 -> trixie, 25.2.3 -> bookworm); pass -DOTP_SOURCE_DIR=<your OTP tree> instead" ;;
esac

mkdir -p "$cache_dir"
cache_dir=$(cd "$cache_dir" && pwd)
src_dir=$cache_dir/src
state=$cache_dir/apt/$suite
mkdir -p "$src_dir"

# --- checksum verification -------------------------------------------------

# Prints "sha256 size name" for each file listed in the .dsc's Checksums-Sha256.
dsc_checksums() {
    awk '
        /^Checksums-Sha256:/ { in_sec = 1; next }
        in_sec && /^[ \t]/ { print $1, $2, $3; next }
        in_sec { in_sec = 0 }
    ' "$1"
}

# Succeeds when every file the .dsc lists is present with the right size and
# SHA-256. With "report" as $2, explains each failure on stderr.
verify_dsc() {
    local dsc=$1 report=${2:-} dir sum size name n=0 ok=0 actual
    dir=$(dirname "$dsc")
    while read -r sum size name; do
        n=$((n + 1))
        if [ ! -f "$dir/$name" ]; then
            [ -z "$report" ] || log "missing: $dir/$name"
            ok=1; continue
        fi
        actual=$(stat -c %s "$dir/$name")
        if [ "$actual" != "$size" ]; then
            [ -z "$report" ] || log "SIZE MISMATCH: $name is $actual bytes, .dsc says $size"
            ok=1; continue
        fi
        actual=$(sha256sum "$dir/$name" | cut -d' ' -f1)
        if [ "$actual" != "$sum" ]; then
            [ -z "$report" ] || log "SHA256 MISMATCH: $name is $actual, .dsc says $sum"
            ok=1; continue
        fi
        [ -z "$report" ] || log "sha256 ok: $name"
    done < <(dsc_checksums "$dsc")
    if [ "$n" -eq 0 ]; then
        [ -z "$report" ] || log "$dsc lists no Checksums-Sha256 entries"
        return 1
    fi
    return $ok
}

# --- private apt state -------------------------------------------------------

# Prints "URI<TAB>SUITE" for every enabled deb/deb-src entry of the machine's
# apt sources, in one-line (.list) and deb822 (.sources) formats.
machine_sources() {
    local sl sp f
    eval "$(apt-config shell sl Dir::Etc::sourcelist/f sp Dir::Etc::sourceparts/d)"
    {
        [ ! -f "$sl" ] || echo "$sl"
        for f in "$sp"/*.list "$sp"/*.sources; do [ ! -f "$f" ] || echo "$f"; done
    } | while read -r f; do
        case "$f" in
        *.sources)
            # deb822: stanzas separated by blank lines; fields may continue on
            # indented lines; "Enabled: no" switches a stanza off.
            awk '
                function flush() {
                    if (types ~ /(^| )deb(-src)?( |$)/ && enabled !~ /^(no|false)$/) {
                        nu = split(uris, u, " "); ns = split(suites, s, " ")
                        for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i] "\t" s[j]
                    }
                    types = uris = suites = enabled = ""; field = ""
                }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]/ { val = $0; gsub(/^[ \t]+|[ \t]+$/, "", val)
                           if (field == "types") types = types " " val
                           else if (field == "uris") uris = uris " " val
                           else if (field == "suites") suites = suites " " val
                           next }
                {
                    field = tolower(substr($0, 1, index($0, ":") - 1))
                    val = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", val)
                    if (field == "types") types = val
                    else if (field == "uris") uris = val
                    else if (field == "suites") suites = val
                    else if (field == "enabled") enabled = tolower(val)
                }
                END { flush() }
            ' "$f" ;;
        *)
            # one-line: deb [options] URI SUITE COMPONENT...
            awk '
                { sub(/#.*/, "") }
                $1 == "deb" || $1 == "deb-src" {
                    i = 2
                    if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if (i + 1 <= NF) print $i "\t" $(i + 1)
                }
            ' "$f" ;;
        esac
    done
}

# Finds the machine's URIs of Debian's main archive and security archive:
# the main archive is the entry for this machine's own codename (or a
# stable/testing/unstable alias), the security archive the entry for
# <codename>-security. Sets main_uri and security_uri (may stay empty).
find_archive_uris() {
    local codename="" uri s entries
    if [ -r /etc/os-release ]; then
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    fi
    entries=$(machine_sources)
    main_uri="" security_uri=""
    while IFS=$'\t' read -r uri s; do
        [ -n "$uri" ] || continue
        if [ -z "$main_uri" ] && [ -n "$codename" ] && [ "$s" = "$codename" ]; then main_uri=$uri; fi
        if [ -z "$security_uri" ] && { [ "$s" = "$codename-security" ] || [ "$s" = "$codename/updates" ]; }; then
            security_uri=$uri
        fi
    done <<< "$entries"
    # Fallbacks for machines whose sources name suites by alias.
    while IFS=$'\t' read -r uri s; do
        [ -n "$uri" ] || continue
        case "$s" in
        stable|oldstable|testing|unstable|sid|trixie|bookworm|bullseye|forky)
            [ -n "$main_uri" ] || main_uri=$uri ;;
        *-security|*/updates)
            [ -n "$security_uri" ] || security_uri=$uri ;;
        esac
    done <<< "$entries"
    main_uri=${main_uri%/}
    security_uri=${security_uri%/}
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
    {
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
            "$main_uri" "$suite" "$keyring"
        if [ -n "$security_uri" ]; then
            printf '\nTypes: deb-src\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
                "$security_uri" "$suite" "$keyring"
        fi
    } > "$f.new"
    mv "$f.new" "$f"
    log "private apt state: $state (suite $suite${security_uri:+ and $suite-security})"
}

# Debian versions of $pkg in the private lists whose upstream part (without
# epoch, Debian revision and +dfsg-style suffix) is $otp_version, newest first.
matching_versions() {
    local v up sorted=() i j t
    while read -r v; do
        up=${v#*:}; up=${up%-*}; up=${up%%+*}; up=${up%%~*}
        [ "$up" = "$otp_version" ] && sorted+=("$v")
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

# Newest .dsc already in the cache for this upstream version (file names
# carry no epoch; "+dfsg" and similar suffixes are allowed).
cached_dsc() {
    local f v best="" bestv=""
    for f in "$src_dir/${pkg}_${otp_version}"-*.dsc "$src_dir/${pkg}_${otp_version}"[+~]*.dsc; do
        [ -f "$f" ] || continue
        v=$(awk '/^Version:/ { print $2; exit }' "$f")
        [ -n "$v" ] || continue
        if [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then best=$f bestv=$v; fi
    done
    echo "$best"
}

# --- main ----------------------------------------------------------------------

dsc=$(cached_dsc)
if [ -n "$dsc" ] && verify_dsc "$dsc"; then
    version=$(awk '/^Version:/ { print $2; exit }' "$dsc")
    log "using cached $(basename "$dsc") (Debian version $version); no download needed"
    rc=0; verify_dsc_against_index "$dsc" "$version" || rc=$?
    case $rc in
        0) log "sha256 ok: $(basename "$dsc") matches the signed Sources index" ;;
        2) log "note: Sources index not at hand; .dsc checked only by what it lists" ;;
        *) die "$(basename "$dsc") does not match the signed Sources index (delete $src_dir to refetch)" ;;
    esac
    verify_dsc "$dsc" report
    echo "$dsc"
    exit 0
fi

setup_private_state
log "apt-get update (private state)"
apt-get "${apt_opts[@]}" -q update >&2 || die "apt-get update failed in the private state $state"

mapfile -t versions < <(matching_versions)
[ ${#versions[@]} -gt 0 ] || die "no source package $pkg with upstream version $otp_version in $suite${security_uri:+/$suite-security}"

# apt-get source downloads into the current directory and checks each file
# against the signed Sources index; --download-only leaves unpacking to
# prepare-source.sh. Newest revision first; a mirror may list a revision in its
# index yet not serve its source files (seen with the security archive), so
# older revisions of the same upstream version are tried next, loudly.
version=""
for v in "${versions[@]}"; do
    log "trying Debian version $v"
    if (cd "$src_dir" && apt-get "${apt_opts[@]}" -q source --download-only "$pkg=$v" >&2); then
        version=$v
        break
    fi
    log "WARNING: could not download $pkg=$v; trying an older revision"
done
[ -n "$version" ] || die "could not download any of: ${versions[*]}"
[ "$version" = "${versions[0]}" ] || log "WARNING: using $version, not the newest listed revision ${versions[0]}"
log "Debian version: $version"

up_noepoch=${version#*:}
dsc=$src_dir/${pkg}_${up_noepoch}.dsc
[ -f "$dsc" ] || die "expected $dsc after download"

rc=0; verify_dsc_against_index "$dsc" "$version" || rc=$?
[ "$rc" -ne 1 ] || die "$(basename "$dsc") does not match the signed Sources index"
[ "$rc" -ne 0 ] || log "sha256 ok: $(basename "$dsc") matches the signed Sources index"
if ! verify_dsc "$dsc" report; then
    die "checksum verification of the files listed in $dsc FAILED"
fi
echo "$dsc"
