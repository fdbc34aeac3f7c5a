#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# legal_images.sh <source-dir> <out-dir> <legal_image_check>
#
# Builds the NIF-shaped libraries legal_nif.c and legal_nif_cxx.cpp with
# every toolchain and flag variant below (gcc and clang; GNU ld, gold and
# lld; hash styles, RELR, no .eh_frame_hdr, -init/-fini, LTO, TLS
# descriptors, page sizes, -z flags, ld -N and -n, static libstdc++), then
# has legal_image_check load each from its file and from memory and
# compare: a library that loads from its file must load and answer the same
# from memory. A variant that does not build fails the test: the toolchains
# come from cmake/install-debian-deps.sh. Not here: lld 14's RELR, which
# glibc refuses from the file too (no GLIBC_ABI_DT_RELR dependency).
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 <source-dir> <out-dir> <legal_image_check>" >&2; exit 2; }
src=$1 out=$2 check=$3
rm -rf "$out"
mkdir -p "$out"

c=$src/legal_nif.c
cxx=$src/legal_nif_cxx.cpp
init_fini="-DLEGAL_INIT_FINI -Wl,-init=legal_set_up,-fini=legal_tear_down"
rwx=-Wl,-Bdynamic,--no-warn-rwx-segments
# name, compiler, source, then the flags (split at spaces)
variants=(
    "gcc-bfd                 gcc     $c   -fuse-ld=bfd"
    "gcc-bfd-hash-sysv       gcc     $c   -fuse-ld=bfd -Wl,--hash-style=sysv"
    "gcc-bfd-hash-gnu        gcc     $c   -fuse-ld=bfd -Wl,--hash-style=gnu"
    "gcc-bfd-hash-both       gcc     $c   -fuse-ld=bfd -Wl,--hash-style=both"
    "gcc-bfd-relr            gcc     $c   -fuse-ld=bfd -Wl,-z,pack-relative-relocs"
    "gcc-bfd-no-eh-frame-hdr gcc     $c   -fuse-ld=bfd -Wl,--no-eh-frame-hdr"
    "gcc-bfd-init-fini       gcc     $c   -fuse-ld=bfd $init_fini"
    "gcc-bfd-lto             gcc     $c   -fuse-ld=bfd -flto"
    "gcc-bfd-max-page-2m     gcc     $c   -fuse-ld=bfd -Wl,-z,max-page-size=0x200000"
    "gcc-bfd-page-64k        gcc     $c   -fuse-ld=bfd -Wl,-z,max-page-size=0x10000,-z,common-page-size=0x10000"
    "gcc-bfd-now             gcc     $c   -fuse-ld=bfd -Wl,-z,now"
    "gcc-bfd-norelro         gcc     $c   -fuse-ld=bfd -Wl,-z,norelro"
    "gcc-bfd-noseparate-code gcc     $c   -fuse-ld=bfd -Wl,-z,noseparate-code"
    "gcc-bfd-omagic          gcc     $c   -fuse-ld=bfd -Wl,-N $rwx"
    "gcc-bfd-nmagic          gcc     $c   -fuse-ld=bfd -Wl,-n $rwx"
    "gcc-bfd-debug           gcc     $c   -fuse-ld=bfd -O0 -g"
    "gcc-bfd-stripped        gcc     $c   -fuse-ld=bfd -s"
    "gcc-bfd-execstack       gcc     $c   -fuse-ld=bfd -Wl,-z,execstack"
    "gcc-gold                gcc     $c   -fuse-ld=gold"
    "gcc-gold-hash-both      gcc     $c   -fuse-ld=gold -Wl,--hash-style=both"
    "gcc-gold-now            gcc     $c   -fuse-ld=gold -Wl,-z,now"
    "gcc-gold-init-fini      gcc     $c   -fuse-ld=gold $init_fini"
    "gcc-lld                 gcc     $c   -fuse-ld=lld"
    "gcc-lld-hash-sysv       gcc     $c   -fuse-ld=lld -Wl,--hash-style=sysv"
    "gcc-lld-separate-code   gcc     $c   -fuse-ld=lld -Wl,-z,separate-code"
    "gcc-lld-init-fini       gcc     $c   -fuse-ld=lld $init_fini"
    "clang-bfd               clang   $c   -fuse-ld=bfd"
    "clang-lld               clang   $c   -fuse-ld=lld"
    "clang-lld-thinlto       clang   $c   -fuse-ld=lld -flto=thin"
    "g++-bfd                 g++     $cxx -fuse-ld=bfd"
    "g++-bfd-lto             g++     $cxx -fuse-ld=bfd -flto"
    "g++-bfd-static-libstdc++ g++    $cxx -fuse-ld=bfd -static-libstdc++ -static-libgcc"
    "g++-gold                g++     $cxx -fuse-ld=gold"
    "g++-lld                 g++     $cxx -fuse-ld=lld"
    "clang++-lld             clang++ $cxx -fuse-ld=lld"
)
# Flags for one architecture only.
if [ "$(uname -m)" = x86_64 ]; then
    variants+=(
        "gcc-bfd-tls-gnu2        gcc     $c   -fuse-ld=bfd -mtls-dialect=gnu2"
        "gcc-bfd-cet             gcc     $c   -fuse-ld=bfd -fcf-protection=full -Wl,-z,ibt,-z,shstk"
    )
fi

libraries=()
for v in "${variants[@]}"; do
    read -r name compiler source flags <<< "$v"
    lib=$out/$name.so
    # shellcheck disable=SC2086 # flags are words
    if ! "$compiler" -shared -fPIC -O2 $flags -o "$lib" "$source" 2> "$out/$name.log"; then
        cat "$out/$name.log" >&2
        echo "legal_images: FAIL: variant $name does not build: $compiler -shared -fPIC -O2 $flags" >&2
        exit 1
    fi
    libraries+=("$lib")
done
echo "legal_images: built ${#libraries[@]} variants"
"$check" "${libraries[@]}"
