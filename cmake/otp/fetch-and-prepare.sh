#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch-and-prepare.sh <otp-version> <download-cache> <dest-src-dir> <project-root>
#                      <lock-file> <newest-listed:0|1> [<otp-source-dir>]
#
# The first step of the `otp` CMake target: without <otp-source-dir> (or with
# an empty one), obtains Debian's source package of OTP <otp-version> that
# <lock-file> pins, verified file by file (FetchDebianSource.cmake, which
# reuses <download-cache>); with <newest-listed> 1, first pins the newest
# revision the signed Sources index lists, in a copy of the lock beside
# <dest-src-dir> (update-lock.sh; an explicit opt-in, never the default).
# Then prepares <dest-src-dir> from that source, or from the user's own tree,
# with the project's series for its version (prepare-source.sh). The optional
# argument comes last because CMake drops empty arguments.
set -euo pipefail

if [ $# -lt 6 ] || [ $# -gt 7 ]; then
    echo "usage: $0 <otp-version> <download-cache> <dest-src-dir> <project-root> <lock-file> <newest-listed> [<otp-source-dir>]" >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$1 cache=$2 dest=$3 root=$4 lock=$5 newest=$6 user_src=${7:-}

if [ -n "$user_src" ]; then
    input=$user_src
else
    if [ "$newest" = 1 ]; then
        cp "$lock" "$dest.lock"
        lock=$dest.lock
        "$here/update-lock.sh" "$version" "" "$lock"
    fi
    result=$dest.dsc-path
    rm -f "$result"
    "${CMAKE_COMMAND:-cmake}" -DPIN="$version" -DLOCK_FILE="$lock" -DCACHE_DIR="$cache" \
          -DRESULT_FILE="$result" -P "$here/FetchDebianSource.cmake"
    input=$(cat "$result")
fi
exec "$here/prepare-source.sh" "$input" "$dest" "$root"
