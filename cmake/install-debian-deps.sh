#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs, from Debian's packages, everything the build and the tests use.
# Idempotent: packages already present are left alone. Run as root.
#
#   --cross-aarch64   also the aarch64 cross toolchain and qemu-user, to build
#                     and run the unit tests for aarch64
#                     (cmake/toolchains/aarch64-linux-gnu.cmake)
set -euo pipefail

cross_aarch64=false
for arg in "$@"; do
    case "$arg" in
    --cross-aarch64) cross_aarch64=true ;;
    *) echo "usage: $0 [--cross-aarch64]" >&2; exit 2 ;;
    esac
done

packages=(
    # the loader, its tests, fuzzing and benchmarks
    build-essential cmake ninja-build pkg-config
    libgtest-dev libgmock-dev libbenchmark-dev
    clang libclang-rt-dev llvm clang-format
    ccache strace rsync
    # the legal-images test: libraries linked with lld too (gold comes
    # with binutils)
    lld
    # obtaining Debian's source package of erlang
    dpkg-dev git xz-utils debian-archive-keyring
    # building Erlang/OTP
    autoconf m4 libncurses-dev libssl-dev zlib1g-dev libjs-jquery libjs-jquery-tablesorter
    # the example and end-to-end tests: Debian's rebar3, and Debian's own
    # erlang as the stock VM an escript must fail on politely
    erlang-base rebar3 python3 unzip
    # the C libraries of the third-party NIF libraries and driver the e2e
    # tests build
    libyaml-dev libexpat1-dev libsqlite3-dev
    # the differential fuzzing: erl_nif.h, and OTP's own NIF libraries as seeds
    erlang-dev erlang-crypto erlang-asn1
    # the plot of the VM benchmark (bench.vm_load)
    gnuplot-nox
)
if $cross_aarch64; then
    # GoogleTest is built for the target from libgtest-dev's sources.
    packages+=(g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
