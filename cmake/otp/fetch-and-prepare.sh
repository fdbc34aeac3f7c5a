#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch-and-prepare.sh <otp-version> <download-cache> <dest-src-dir> <project-root> [<otp-source-dir>]
#
# The first step of the `otp` CMake target: without <otp-source-dir> (or with
# an empty one), fetches (or reuses from <download-cache>) Debian's verified
# source package of OTP <otp-version>; then prepares <dest-src-dir> from it, or
# from the user's own tree, with the project's patches and new files
# (prepare-source.sh). The optional argument comes last because CMake drops
# empty arguments.
set -euo pipefail

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
    echo "usage: $0 <otp-version> <download-cache> <dest-src-dir> <project-root> [<otp-source-dir>]" >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$1 cache=$2 dest=$3 root=$4 user_src=${5:-}

if [ -n "$user_src" ]; then
    input=$user_src
else
    # fetch-debian-source.sh prints the .dsc path on its last line.
    input=$("$here/fetch-debian-source.sh" "$version" "$cache" | tail -n 1)
    [ -f "$input" ] || { echo "fetch-and-prepare: no .dsc from fetch-debian-source.sh" >&2; exit 1; }
fi
exec "$here/prepare-source.sh" "$input" "$dest" "$root"
