/*
 * %CopyrightBegin%
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright 2026 Seed f4317cee maintainers. All Rights Reserved.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 *
 * %CopyrightEnd%
 */

/*
 * The message buffer that erl_dlopen_mem.cpp and erl_dlopen_mem_validate.cpp
 * write their errors into: the caller's errbuf, filled with printf formats and
 * never overrun. Private to those two files.
 */

#ifndef ERL_DLOPEN_MEM_ERRBUF_H__
#define ERL_DLOPEN_MEM_ERRBUF_H__

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "erl_dlopen_mem.h"

namespace {

class ErrorBuffer {
public:
    ErrorBuffer(char *buf, size_t size) noexcept : buf_(buf), size_(size) {
        if (buf_ && size_)
            buf_[0] = '\0';
    }

    /* Replaces the message. */
    void set(const char *fmt, ...) noexcept
            __attribute__((format(printf, 2, 3))) {
        va_list ap;
        va_start(ap, fmt);
        write_at(0, fmt, ap);
        va_end(ap);
    }

    /* Appends to the message. */
    void append(const char *fmt, ...) noexcept
            __attribute__((format(printf, 2, 3))) {
        va_list ap;
        va_start(ap, fmt);
        write_at(length(), fmt, ap);
        va_end(ap);
    }

    const char *text() const noexcept {
        return buf_ && size_ ? buf_ : "";
    }

private:
    size_t length() const noexcept {
        return buf_ && size_ ? strlen(buf_) : 0;
    }

    void write_at(size_t at, const char *fmt, va_list ap) noexcept {
        if (!buf_ || at + 1 >= size_)
            return;
        vsnprintf(buf_ + at, size_ - at, fmt, ap);
    }

    char *buf_;
    size_t size_;
};

/* memfd_create, O_TMPFILE and /proc/PID/fd are Linux's; elsewhere loading
 * from memory is refused with a message that says so. */
inline int refuse_unsupported(char *errbuf, size_t errbuf_size) noexcept {
    ErrorBuffer err(errbuf, errbuf_size);
    err.set("loading from memory is not supported on this platform");
    return ERTS_DLOPEN_MEM_NO_BACKING;
}

} // namespace

#endif /* ERL_DLOPEN_MEM_ERRBUF_H__ */
