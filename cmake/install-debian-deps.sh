#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs, from Debian's packages, everything the build and the tests use.
# Idempotent: packages already present are left alone. Run as root.
set -euo pipefail

packages=(
    # the loader, its tests, fuzzing and benchmarks
    build-essential cmake ninja-build pkg-config
    libgtest-dev libgmock-dev libbenchmark-dev
    clang libclang-rt-dev llvm
    ccache strace rsync
    # obtaining Debian's source package of erlang
    dpkg-dev git xz-utils debian-archive-keyring
    # building Erlang/OTP
    autoconf m4 libncurses-dev libssl-dev zlib1g-dev libjs-jquery libjs-jquery-tablesorter
    # the example and end-to-end tests: Debian's rebar3, and Debian's own
    # erlang as the stock VM an escript must fail on politely
    erlang-base rebar3 python3 unzip
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
