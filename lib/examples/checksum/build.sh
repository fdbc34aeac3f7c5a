#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build.sh <otp-root> <out-dir>
#
# Builds the memnif_checksum example with the Erlang/OTP installed in
# <otp-root> (its erlc and escript, and its erl_nif.h) and the system's C++
# compiler, into <out-dir>:
#
#   lib/memnif_checksum/{ebin,priv}   the application as a directory (release
#                                     or ERL_LIBS layout; priv holds the NIF
#                                     library and the driver)
#   memnif_checksum                   the escript (escript:create/2): one file,
#                                     the NIF library and the driver inside its
#                                     archive
#   embedded/memnif_checksum_nif.beam the NIF module with the NIF library's
#                                     image inside the .beam
#   embedded/memnif_checksum_drv.beam the driver's module with the driver's
#                                     image inside the .beam
#
# Incremental: make rebuilds the library, the rest is cheap and always redone.
set -euo pipefail

die() { echo "memnif_checksum build: error: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 <otp-root> <out-dir>"
here=$(cd "$(dirname "$0")" && pwd)
otp=$(cd "$1" && pwd) || die "$1: no such directory"
mkdir -p "$2"
out=$(cd "$2" && pwd)
erl=$otp/bin/erl
erlc=$otp/bin/erlc
escript=$otp/bin/escript
for tool in "$erl" "$erlc" "$escript"; do
    [ -x "$tool" ] || die "$tool not found (is <otp-root> an Erlang/OTP installation?)"
done
unset ERL_LIBS ERL_FLAGS ERL_AFLAGS ERL_ZFLAGS ERL_COMPILER_OPTIONS MAKEFLAGS MFLAGS MAKELEVEL || true

app=$out/lib/memnif_checksum
mkdir -p "$app/ebin" "$app/priv" "$out/embedded" "$out/tools-ebin"

# 1. The NIF library and the driver, against the erl_nif.h and erl_driver.h
#    of the runtime that will load them.
make -s -C "$here/c_src" ERL="$erl" PRIV_DIR="$app/priv" OBJ_DIR="$out/obj"

# 2. The modules. r25: an Erlang/OTP 25 can load them too, so that on a
#    runtime that cannot load NIF libraries from memory the escript gets as
#    far as saying so, instead of failing on an unknown instruction. The
#    compiler of OTP 29 and later no longer takes r25 (and what it compiles
#    needs OTP 26 or later): the oldest of r25 and r26 it takes is used.
compat=""
printf -- '-module(memnif_compat_probe).\n' > "$out/tools-ebin/memnif_compat_probe.erl"
for opt in r25 r26; do
    if "$erlc" "+$opt" -o "$out/tools-ebin" "$out/tools-ebin/memnif_compat_probe.erl" > /dev/null 2>&1; then
        compat=+$opt
        break
    fi
done
rm -f "$out/tools-ebin/memnif_compat_probe.erl" "$out/tools-ebin/memnif_compat_probe.beam"
# shellcheck disable=SC2086 # $compat is empty or one word
"$erlc" -W -Werror $compat +debug_info -o "$app/ebin" "$here"/src/memnif_checksum.erl \
    "$here"/src/memnif_checksum_nif.erl "$here"/src/memnif_checksum_drv.erl
modules=$(find "$app/ebin" -maxdepth 1 -name '*.beam' -printf '%f\n' | sed 's|\.beam$||' | sort | paste -sd, -)
sed "s/{modules, \[\]}/{modules, [$modules]}/" "$here/src/memnif_checksum.app.src" > "$app/ebin/memnif_checksum.app"

# 3. The escript: one file, the NIF library in its archive.
"$escript" "$here/tools/create_escript.escript" "$out/memnif_checksum" "$app"

# 4. The self-contained modules: the NIF library's and the driver's images
#    compiled into their .beam as literals by the memnif_embed parse
#    transform.
"$erlc" -W -Werror -o "$out/tools-ebin" "$here/embed/memnif_embed.erl"
"$erlc" -W -Werror -pa "$out/tools-ebin" \
    -DEMBED_NIF_IMAGE="\"$app/priv/memnif_checksum_nif.so\"" \
    -o "$out/embedded" "$here/src/memnif_checksum_nif.erl"
"$erlc" -W -Werror -pa "$out/tools-ebin" \
    -DEMBED_DRIVER_IMAGE="\"$app/priv/memnif_checksum_drv.so\"" \
    -o "$out/embedded" "$here/src/memnif_checksum_drv.erl"
echo "built in $out: memnif_checksum (escript), lib/memnif_checksum, embedded/memnif_checksum_{nif,drv}.beam"
