# SPDX-License-Identifier: Apache-2.0
# Cross-compiles the loader and its tests for aarch64 with Debian's cross
# toolchain, and runs them under qemu-user (cmake/install-debian-deps.sh
# --cross-aarch64 installs both):
#
#   cmake -S . -B build-aarch64 -G Ninja -DERTS_DLOPEN_MEM_BUILD_OTP=OFF \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build-aarch64 && ctest --test-dir build-aarch64 -L unit
#
# The emulator also runs what the build runs: make_broken_fixtures and the
# test discovery of gtest_discover_tests.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(ERTS_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${ERTS_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${ERTS_CROSS_TRIPLE}-g++)

# Debian's cross libraries live under /usr/aarch64-linux-gnu.
set(ERTS_CROSS_SYSROOT /usr/${ERTS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH ${ERTS_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -L: where qemu finds the target's dynamic linker and libraries (and what
# the tests' own absolute paths such as /lib/ld-linux-aarch64.so.1 resolve
# to, since qemu looks there first).
find_program(ERTS_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(ERTS_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${ERTS_QEMU_AARCH64} -L ${ERTS_CROSS_SYSROOT})
endif()
