// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the validation step of erts_dlopen_mem.
//
// Only erts_dlopen_mem_validate is called: nothing is ever handed to the
// dynamic linker, which trusts its input and would crash on corrupt images.
// Besides memory errors and undefined behaviour (found by the sanitizers),
// the target aborts when the function breaks its contract:
//   - it returns OK or BAD_IMAGE, nothing else (the image is never NULL here);
//   - on OK the message is empty, on BAD_IMAGE it is non-empty, printable and
//     NUL-terminated inside the buffer;
//   - a smaller buffer gets a NUL-terminated prefix of the same message and is
//     never written past; a zero-sized or NULL buffer is never written;
//   - the answer does not depend on the buffer, nor on the image's alignment
//     (structures must be copied out, not dereferenced in place), nor on
//     anything but the bytes (same answer twice).
//
// The same file is linked with replay_main.cpp into a plain executable, so the
// corpus and the regressions are replayed with any compiler.

#include "erl_dlopen_mem.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {

// Larger than any message the validator writes, so nothing is truncated.
constexpr size_t kFullMessageSize = 1024;

[[noreturn]] void violated(const char *what, int rc, const char *message) {
    std::fprintf(
            stderr,
            "validate_fuzzer: invariant violated: %s (rc %d, message \"%s\")\n",
            what,
            rc,
            message ? message : "(none)");
    std::abort();
}

void check(bool ok, const char *what, int rc, const char *message) {
    if (!ok)
        violated(what, rc, message);
}

// The index of the first NUL in buf[0..size), or size if there is none.
size_t terminated_length(const char *buf, size_t size) {
    const void *nul = std::memchr(buf, '\0', size);
    return nul ? static_cast<const char *>(nul) - buf : size;
}

// Runs the validator on image with an exactly-sized heap buffer (so that the
// address sanitizer sees any write past it) and checks the message. Returns
// the code; the message is copied to message_out (kFullMessageSize bytes).
int validate_and_check_message(const uint8_t *image,
                               size_t size,
                               size_t buffer_size,
                               char *message_out) {
    std::unique_ptr<char[]> buffer(new char[buffer_size]);
    // Poison with non-NUL bytes so that a missing terminator is seen.
    std::memset(buffer.get(), 'X', buffer_size);
    int rc = erts_dlopen_mem_validate(image, size, buffer.get(), buffer_size);
    check(rc == ERTS_DLOPEN_MEM_OK || rc == ERTS_DLOPEN_MEM_BAD_IMAGE,
          "returns only OK or BAD_IMAGE",
          rc,
          nullptr);

    size_t length = terminated_length(buffer.get(), buffer_size);
    check(length < buffer_size,
          "message is NUL-terminated inside the buffer",
          rc,
          nullptr);
    const char *message = buffer.get();
    if (rc == ERTS_DLOPEN_MEM_OK)
        check(length == 0, "message is empty on success", rc, message);
    else
        check(length > 0 || buffer_size == 1,
              "message is non-empty on failure",
              rc,
              message);
    // Messages are made of fixed text and numbers: bytes of the image must
    // never leak into them (they may end up in an Erlang error term or a log).
    for (size_t i = 0; i < length; i++)
        check(message[i] >= 0x20 && message[i] < 0x7f,
              "message is printable ASCII",
              rc,
              message);

    std::memcpy(message_out, message, length + 1);
    return rc;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char full[kFullMessageSize];
    int rc = validate_and_check_message(data, size, sizeof full, full);

    // The same bytes at an odd address, ending where the allocation ends so
    // that reads past the end are still caught.
    std::unique_ptr<uint8_t[]> misaligned_storage(new uint8_t[size + 1]);
    uint8_t *misaligned = misaligned_storage.get() + 1;
    if (size)
        std::memcpy(misaligned, data, size);

    // Small buffers: truncation must keep a prefix and the terminator.
    for (size_t small_size : {size_t{1}, size_t{2}, size_t{17}}) {
        char truncated[kFullMessageSize];
        int small_rc = validate_and_check_message(misaligned,
                                                  size,
                                                  small_size,
                                                  truncated);
        check(small_rc == rc,
              "same answer whatever the buffer and alignment",
              small_rc,
              truncated);
        check(std::strncmp(truncated, full, std::strlen(truncated)) == 0,
              "a truncated message is a prefix of the full one",
              small_rc,
              truncated);
        check(std::strlen(truncated) ==
                      std::min(std::strlen(full), small_size - 1),
              "a truncated message fills the buffer",
              small_rc,
              truncated);
    }

    // No buffer at all, or one of size zero: nothing may be written.
    char untouchable = 'U';
    check(erts_dlopen_mem_validate(data, size, &untouchable, 0) == rc,
          "same answer with a zero-sized buffer",
          rc,
          full);
    check(untouchable == 'U', "a zero-sized buffer is not written", rc, full);
    check(erts_dlopen_mem_validate(data, size, nullptr, 0) == rc,
          "same answer without a buffer",
          rc,
          full);
    return 0;
}
