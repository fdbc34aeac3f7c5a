#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch_test.sh <case> <lock-file> <otp-version> <scratch-dir> [<filled-cache>]
#
# Tests cmake/otp/FetchDebianSource.cmake on real files of the lock file:
#   download   (needs the network) from an empty cache: every pinned file is
#              downloaded and verified; a cached file with one byte changed
#              is then refused, named and downloaded again
#   offline    (no network at all: a new network namespace) from a cache
#              filled with the pinned files (hard links to <filled-cache>):
#              every file is taken from the cache; from an empty cache: one
#              error naming each file, the URL tried and its answer, and the
#              two ways out, within seconds
set -euo pipefail

die() { echo "fetch_test: FAIL: $*" >&2; exit 1; }
log() { echo "fetch_test: $*" >&2; }

[ $# -ge 4 ] || die "usage: $0 <case> <lock-file> <otp-version> <scratch-dir> [<filled-cache>]"
case_name=$1 lock=$2 version=$3 scratch=$4 filled=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fetch_script=$here/../../cmake/otp/FetchDebianSource.cmake
cmake=${CMAKE_COMMAND:-cmake}

rm -rf "$scratch"
mkdir -p "$scratch"

# The files the lock pins for $version (first Debian version), as "name size sha256".
mapfile -t pinned < <(awk -v v="$version" '!/^#/ && $1 == v { if (d == "") d = $3; if ($3 == d) print $4, $5, $6 }' "$lock")
[ ${#pinned[@]} -ge 3 ] || die "$lock pins fewer than 3 files for $version"

# fetch <cache> <log> [prefix command...]: runs the fetch, its output into <log>.
fetch() {
    local cache=$1 out=$2; shift 2
    "$@" "$cmake" -DPIN="$version" -DLOCK_FILE="$lock" -DCACHE_DIR="$cache" \
        -DRESULT_FILE="$cache/result" -P "$fetch_script" > "$out" 2>&1
}

expect_in_log() {
    grep -qF -- "$2" "$1" || { cat "$1" >&2; die "expected in $(basename "$1"): $2"; }
}

check_cache() {
    local cache=$1 name size sum
    for line in "${pinned[@]}"; do
        read -r name size sum <<< "$line"
        [ -f "$cache/$name" ] || die "$name not in $cache"
        [ "$(sha256sum "$cache/$name" | cut -d' ' -f1)" = "$sum" ] || die "$name in $cache does not match the lock"
    done
    [ "$(cat "$cache/result")" = "$cache/${pinned[0]%% *}" ] || die "result is $(cat "$cache/result"), not the .dsc"
    [ -z "$(find "$cache" -name '*.part')" ] || die "a .part file was left in $cache"
}

no_network() {
    command -v unshare > /dev/null || { log "SKIP: no unshare"; exit 77; }
    unshare -n true 2> /dev/null || { log "SKIP: cannot make a network namespace (not root?)"; exit 77; }
}

case $case_name in
download)
    cache=$scratch/cache
    fetch "$cache" "$scratch/download.log" || { cat "$scratch/download.log" >&2; die "download from an empty cache failed"; }
    check_cache "$cache"
    for line in "${pinned[@]}"; do
        expect_in_log "$scratch/download.log" "${line%% *}: downloaded from "
    done
    log "downloaded and verified ${#pinned[@]} files"

    # One byte changed in the largest file: refused by name, fetched again.
    victim=$(for line in "${pinned[@]}"; do echo "$line"; done | sort -k2,2n | tail -n 1 | cut -d' ' -f1)
    printf 'X' | dd of="$cache/$victim" bs=1 seek=4096 conv=notrunc status=none
    fetch "$cache" "$scratch/refetch.log" || { cat "$scratch/refetch.log" >&2; die "refetch failed"; }
    expect_in_log "$scratch/refetch.log" "cached $victim refused (SHA-256 "
    expect_in_log "$scratch/refetch.log" "$victim: downloaded from "
    check_cache "$cache"
    log "a corrupted $victim was refused and downloaded again"
    ;;
offline)
    no_network
    [ -n "$filled" ] || die "offline needs <filled-cache>"
    cache=$scratch/cache
    mkdir -p "$cache"
    for line in "${pinned[@]}"; do
        ln "$filled/${line%% *}" "$cache/" 2>/dev/null || cp "$filled/${line%% *}" "$cache/" \
            || die "$filled has no ${line%% *}"
    done
    fetch "$cache" "$scratch/offline.log" unshare -n || { cat "$scratch/offline.log" >&2; die "fetch from a filled cache without network failed"; }
    check_cache "$cache"
    for line in "${pinned[@]}"; do
        expect_in_log "$scratch/offline.log" "${line%% *}: in the cache, SHA-256 ok"
    done
    log "filled cache, no network: ${#pinned[@]} files taken from the cache"

    empty=$scratch/empty
    start=$SECONDS
    if fetch "$empty" "$scratch/empty.log" unshare -n; then
        die "fetch from an empty cache without network succeeded"
    fi
    took=$((SECONDS - start))
    for line in "${pinned[@]}"; do
        expect_in_log "$scratch/empty.log" "  ${line%% *}: "
    done
    expect_in_log "$scratch/empty.log" "/pool/main/e/erlang/"
    expect_in_log "$scratch/empty.log" "Couldn't resolve host name"
    expect_in_log "$scratch/empty.log" "Either put these files"
    expect_in_log "$scratch/empty.log" "-DOTP_SOURCE_DIR="
    [ -z "$(find "$empty" -type f ! -name result)" ] || die "files were left in the empty cache: $(ls "$empty")"
    log "empty cache, no network: failed in $took s naming each file and URL"
    ;;
*)
    die "unknown case $case_name"
    ;;
esac
echo "fetch_test $case_name: 1 passed, 0 failed"
