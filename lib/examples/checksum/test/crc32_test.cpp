// SPDX-License-Identifier: Apache-2.0
//
// Unit test of the example's CRC-32: published check values, then the
// slicing-by-16 loop against the bit-at-a-time definition for every length
// around the 16-byte block size, every start alignment, and data split into
// pieces (continuation must equal one pass). Exits non-zero on the first
// mismatch; prints the throughput as information.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "crc32.hpp"

using memnif_checksum::crc32_update;
using memnif_checksum::crc32_update_bitwise;

namespace {

int failures = 0;

void expect_eq(std::uint32_t got, std::uint32_t want, const std::string &what) {
    if (got != want) {
        std::fprintf(stderr,
                     "FAIL %s: got %08x, want %08x\n",
                     what.c_str(),
                     got,
                     want);
        ++failures;
    }
}

std::uint32_t crc_of(const std::string &s) {
    return crc32_update(0, s.data(), s.size());
}

} // namespace

int main() {
    // Check values as published for CRC-32/ISO-HDLC (zlib, gzip, PNG).
    expect_eq(crc_of(""), 0x00000000u, "empty");
    expect_eq(crc_of("a"), 0xE8B7BE43u, "\"a\"");
    expect_eq(crc_of("abc"), 0x352441C2u, "\"abc\"");
    expect_eq(crc_of("123456789"), 0xCBF43926u, "\"123456789\"");
    expect_eq(crc_of("The quick brown fox jumps over the lazy dog"),
              0x414FA339u,
              "quick brown fox");
    expect_eq(crc_of(std::string(32, '\0')), 0x190A55ADu, "32 zero bytes");
    expect_eq(crc_of(std::string(32, '\xff')), 0xFF6CAB0Bu, "32 0xFF bytes");

    std::mt19937 rng(20261121);
    std::vector<unsigned char> buffer(4096 + 64);
    for (auto &b : buffer)
        b = static_cast<unsigned char>(rng());

    // Every length 0..300 at every alignment 0..15 against the reference.
    for (std::size_t offset = 0; offset < 16; ++offset) {
        for (std::size_t len = 0; len <= 300; ++len) {
            const unsigned char *p = buffer.data() + offset;
            expect_eq(crc32_update(0, p, len),
                      crc32_update_bitwise(0, p, len),
                      "len " + std::to_string(len) + " offset " +
                              std::to_string(offset));
        }
    }
    // Continuation: any split, any non-zero starting CRC.
    const std::uint32_t whole = crc32_update(0, buffer.data(), 4096);
    expect_eq(whole,
              crc32_update_bitwise(0, buffer.data(), 4096),
              "4096 bytes");
    for (std::size_t split = 0; split <= 4096; split += 37) {
        const std::uint32_t first = crc32_update(0, buffer.data(), split);
        expect_eq(crc32_update(first, buffer.data() + split, 4096 - split),
                  whole,
                  "split at " + std::to_string(split));
    }
    expect_eq(crc32_update(0xDEADBEEFu, buffer.data(), 1000),
              crc32_update_bitwise(0xDEADBEEFu, buffer.data(), 1000),
              "start from 0xDEADBEEF");

    if (failures != 0) {
        std::fprintf(stderr, "crc32_test: %d failure(s)\n", failures);
        return 1;
    }

    // Information only: speed over 64 MiB (not asserted, machines differ).
    std::vector<unsigned char> big(64u << 20);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<unsigned char>(i * 131u);
    const auto start = std::chrono::steady_clock::now();
    const std::uint32_t crc = crc32_update(0, big.data(), big.size());
    const double seconds = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
    std::printf("crc32_test: all checks passed; 64 MiB in %.1f ms (%.2f GB/s, "
                "crc %08x)\n",
                seconds * 1e3,
                big.size() / seconds / 1e9,
                crc);
    return 0;
}
