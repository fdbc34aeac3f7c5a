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
 * Where erl_dlopen_mem.cpp and erl_dlopen_mem_validate.cpp take memory from.
 * Built into erts (ERTS_DLOPEN_MEM_IN_ERTS), from the hooks erl_dlopen_mem.h
 * declares, so that erts's allocators count it; built alone, from libc.
 * Private to those two files.
 */

#ifndef ERL_DLOPEN_MEM_ALLOC_H__
#define ERL_DLOPEN_MEM_ALLOC_H__

#include <new>
#include <stddef.h>
#include <string.h>

#include "erl_dlopen_mem.h"

#ifndef ERTS_DLOPEN_MEM_IN_ERTS
#    include <stdlib.h>
#endif

namespace {

/* NULL when there is no memory: sizes come from the image, so a refusal,
 * never an abort. */
inline void *loader_alloc(size_t size) noexcept {
#ifdef ERTS_DLOPEN_MEM_IN_ERTS
    return erts_dlopen_mem_host_alloc(size);
#else
    return malloc(size);
#endif
}

inline void *loader_alloc_zeroed(size_t size) noexcept {
    void *p = loader_alloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

inline void loader_free(void *p) noexcept {
#ifdef ERTS_DLOPEN_MEM_IN_ERTS
    if (p)
        erts_dlopen_mem_host_free(p);
#else
    free(p);
#endif
}

/* An object too large for the caller's stack (a scheduler's), in the
 * loader's memory for as long as this holder lives. get() is NULL when there
 * was no memory. Placement new only: no libstdc++ is needed. */
template <typename T>
class Allocated {
public:
    template <typename... Args>
    explicit Allocated(Args &&...args) noexcept
            : object_(static_cast<T *>(loader_alloc(sizeof(T)))) {
        if (object_)
            new (object_) T(static_cast<Args &&>(args)...);
    }
    ~Allocated() {
        if (object_) {
            object_->~T();
            loader_free(object_);
        }
    }
    Allocated(const Allocated &) = delete;
    Allocated &operator=(const Allocated &) = delete;

    T *get() const noexcept {
        return object_;
    }

private:
    T *object_;
};

} // namespace

#endif /* ERL_DLOPEN_MEM_ALLOC_H__ */
