// SPDX-License-Identifier: Apache-2.0
//
// CRC-32 as in IEEE 802.3, zlib's crc32(), gzip and PNG: reflected polynomial
// 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
#ifndef MEMNIF_CHECKSUM_CRC32_HPP
#define MEMNIF_CHECKSUM_CRC32_HPP

#include <cstddef>
#include <cstdint>

namespace memnif_checksum {

// Continues the CRC-32 `crc` of some data over `size` more bytes at `data`
// and returns the CRC-32 of the whole: crc32_update(0, ...) starts a new one,
// and crc32_update(crc32_update(0, a), b) is the CRC-32 of a followed by b,
// like zlib's crc32(crc, buf, len).
std::uint32_t crc32_update(std::uint32_t crc,
                           const void *data,
                           std::size_t size) noexcept;

// The same, one bit at a time: the obviously correct definition, kept as the
// reference the fast version is tested against.
std::uint32_t crc32_update_bitwise(std::uint32_t crc,
                                   const void *data,
                                   std::size_t size) noexcept;

} // namespace memnif_checksum

#endif
