#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build-rebar3.sh <otp-root> <out-dir> [rebar3]
#
# Builds the memnif_checksum escript with rebar3 (default: the rebar3 in
# PATH), run by the Erlang/OTP in <otp-root>: rebar3 is itself an escript and
# runs on the first `escript` in PATH, so <otp-root>/bin goes first. The
# project is copied to <out-dir>/project (rebar3 writes _build and priv/ into
# the project) and the escript ends up as <out-dir>/memnif_checksum.
set -euo pipefail

die() { echo "memnif_checksum rebar3 build: error: $*" >&2; exit 1; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then die "usage: $0 <otp-root> <out-dir> [rebar3]"; fi
here=$(cd "$(dirname "$0")" && pwd)
otp=$(cd "$1" && pwd) || die "$1: no such directory"
mkdir -p "$2"
out=$(cd "$2" && pwd)
rebar3=${3:-$(command -v rebar3 || true)}
if [ -z "$rebar3" ] || [ ! -x "$rebar3" ]; then die "rebar3 not found (Debian: apt-get install rebar3)"; fi
[ -x "$otp/bin/escript" ] || die "$otp/bin/escript not found"
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS ERL_COMPILER_OPTIONS MAKEFLAGS MFLAGS MAKELEVEL || true
export PATH=$otp/bin:$PATH
# Keep rebar3's cache and global config inside the build directory.
export REBAR_CACHE_DIR=$out/rebar3-cache
export REBAR_GLOBAL_CONFIG_DIR=$out/rebar3-config
export REBAR_OFFLINE=1

project=$out/project
mkdir -p "$project"
# Only what rebar3 needs; --delete drops files removed from the source.
rsync -a --delete --exclude _build --exclude priv --exclude c_obj \
    "$here/rebar.config" "$here/rebar.config.script" "$here/src" "$here/c_src" "$project/"

echo "$("$rebar3" version) (escript: $(command -v escript))"
log=$out/escriptize.log
if ! (cd "$project" && "$rebar3" escriptize) 2>&1 | tee "$log"; then
    die "rebar3 escriptize failed"
fi
# A clean build reports no error: rebar3 3.24 dates every file 1970,
# which OTP 29's zip reported as errors before the series' 0022.
if grep -q '^=ERROR REPORT' "$log"; then
    die "rebar3 escriptize printed error reports (see above)"
fi
cp "$project/_build/default/bin/memnif_checksum" "$out/memnif_checksum"
echo "built $out/memnif_checksum"
