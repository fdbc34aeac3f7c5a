#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# demo.sh <otp-root> <out-dir> [file] [rebar3-escript]
#
# Shows the three ways the memnif_checksum example runs, with the example
# built by build.sh into <out-dir> and the Erlang/OTP in <otp-root>:
#   1. from a directory, as in a release: the NIF library and the driver
#      loaded from their files;
#   2. as one file, an escript copied alone into an empty directory: the NIF
#      library and the driver loaded from memory, out of the escript's archive;
#   3. as one module sent to another node: the NIF library, or the driver,
#      inside the .beam.
# [file] defaults to the runtime's beam.smp. Exits non-zero unless every way
# printed the CRC-32 that python3's zlib computes.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 <otp-root> <out-dir> [file] [rebar3-escript]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
otp=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
file=${3:-$(find "$otp" -name beam.smp -print -quit)}
file=$(readlink -f "$file")
rebar3_escript=${4:-}
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS || true

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/memnif-demo.XXXXXX")
log=$run_dir.log
trap 'rm -rf "$run_dir" "$log"' EXIT

if [ -t 1 ]; then bold=$'\033[1m' normal=$'\033[0m'; else bold="" normal=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$normal"; }
# Prints a command, runs it, and keeps its output for the final check.
show() { printf '$ %s\n' "$*"; "$@" | tee -a "$log"; }

say "The file: $file"
want=$(python3 -c 'import sys, zlib; d = open(sys.argv[1], "rb").read(); print(f"crc32 {zlib.crc32(d):08x} {len(d)} {sys.argv[1]}")' "$file")
echo "python3 zlib.crc32: $want"

say "1. From a directory (a release's lib/ layout): the NIF library and the driver are files"
ls -l "$out/lib/memnif_checksum/priv"
show env ERL_LIBS="$out/lib" "$otp/bin/erl" -noshell \
    -eval 'memnif_checksum:main(init:get_plain_arguments())' -extra --driver --verbose "$file"

say "2. One file: the escript, alone in an empty directory"
cp "$out/memnif_checksum" "$run_dir/"
cd "$run_dir"
show ls -l
echo '$ unzip -l memnif_checksum    # the escript'"'"'s archive'
# (unzip warns about the escript header before the archive: exit status 1)
unzip -l memnif_checksum 2>/dev/null | sed -n '/Length/,$p' || true
show "$otp/bin/escript" ./memnif_checksum --driver --verbose --show-maps "$file"
echo "(after the run the directory holds: $(ls -A))"
if [ -n "$rebar3_escript" ] && [ -f "$rebar3_escript" ]; then
    cp "$rebar3_escript" "$run_dir/memnif_checksum"
    echo "The escript built by rebar3 escriptize:"
    show "$otp/bin/escript" ./memnif_checksum --driver --verbose "$file"
fi
if [ -x /usr/bin/escript ]; then
    echo "The same escript on this system's stock Erlang/OTP (/usr/bin/escript):"
    printf '$ %s\n' "/usr/bin/escript ./memnif_checksum $file"
    /usr/bin/escript ./memnif_checksum "$file" || echo "(exit status $?)"
fi
cd - > /dev/null

say "3. One module sent to another node: the NIF library, or the driver, inside the .beam"
ls -l "$out"/embedded/memnif_checksum_{nif,drv}.beam "$out"/lib/memnif_checksum/priv/memnif_checksum_{nif,drv}.so
show "$otp/bin/escript" "$here/tools/remote_crc32.escript" "$out/embedded/memnif_checksum_nif.beam" "$file"
show "$otp/bin/escript" "$here/tools/remote_crc32.escript" "$out/embedded/memnif_checksum_drv.beam" "$file"

# Ways 1 and 2 (and the rebar3 escript) print the line twice, computed by
# the NIF and, prefixed with "driver ", by the driver; the two peers of way 3
# prefix it with their node name.
expected_runs=6
[ -z "$rebar3_escript" ] || [ ! -f "$rebar3_escript" ] || expected_runs=8
matches=$(grep -cxE "(peer [^ ]+: )?(driver )?$(printf '%s' "$want" | sed 's/[][\.*^$+?(){}|/]/\\&/g')" "$log" || true)
say "Result"
if [ "$matches" -eq "$expected_runs" ]; then
    echo "all $expected_runs runs printed \"$want\", as python3's zlib.crc32 computes it"
else
    echo "only $matches of $expected_runs runs printed \"$want\"" >&2
    exit 1
fi
