#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch-and-prepare.sh <otp-version> <download-cache> <otp-source-dir|""> <dest-src-dir> <project-root>
#
# The first step of the `otp` CMake target: with an empty <otp-source-dir>,
# fetches (or reuses from <download-cache>) Debian's verified source package of
# OTP <otp-version>; then prepares <dest-src-dir> from it, or from the user's
# own tree, with the project's patches and new files (prepare-source.sh).
set -euo pipefail

[ $# -eq 5 ] || { echo "usage: $0 <otp-version> <download-cache> <otp-source-dir|\"\"> <dest-src-dir> <project-root>" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$1 cache=$2 user_src=$3 dest=$4 root=$5

if [ -n "$user_src" ]; then
    input=$user_src
else
    # fetch-debian-source.sh prints the .dsc path on its last line.
    input=$("$here/fetch-debian-source.sh" "$version" "$cache" | tail -n 1)
    [ -f "$input" ] || { echo "fetch-and-prepare: no .dsc from fetch-debian-source.sh" >&2; exit 1; }
fi
exec "$here/prepare-source.sh" "$input" "$dest" "$root"
