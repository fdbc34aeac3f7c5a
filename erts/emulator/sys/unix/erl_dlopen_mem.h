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
 * Loading an ELF shared object from a byte buffer.
 *
 * The image is validated (so that a truncated or malformed image is refused
 * here instead of crashing the process inside the dynamic linker), copied
 * into a sealed memfd (or, where memfds are unavailable, an unlinked POSIX
 * shared memory object or temporary file) and dlopen'ed from there. The
 * handle returned is a plain dlopen handle: dlsym works on it as usual.
 *
 * Written in C++ without exceptions, RTTI or libstdc++, with a C interface,
 * so that it links into C programs with the C compiler driver.
 */

#ifndef ERL_DLOPEN_MEM_H__
#define ERL_DLOPEN_MEM_H__

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define ERTS_DLOPEN_MEM_OK             0
#define ERTS_DLOPEN_MEM_BADARG         1 /* NULL where a pointer is required */
#define ERTS_DLOPEN_MEM_BAD_IMAGE      2 /* refused by validation */
#define ERTS_DLOPEN_MEM_NO_BACKING     3 /* no way to obtain a mappable file */
#define ERTS_DLOPEN_MEM_DLOPEN_FAILED  4 /* the dynamic linker refused it */
#define ERTS_DLOPEN_MEM_UNKNOWN_HANDLE 5 /* not from erts_dlopen_mem */
#define ERTS_DLOPEN_MEM_DLCLOSE_FAILED 6 /* dlclose reported an error */
#define ERTS_DLOPEN_MEM_NO_MEMORY      7
#define ERTS_DLOPEN_MEM_BAD_NEEDED     8 /* needed images that cannot serve */
#define ERTS_DLOPEN_MEM_NO_SYMBOL      9 /* dlsym found no such symbol */

/* Loads the ELF shared object held in image[0..size) and returns its dlopen
 * handle in *handle. label names it (memfd name, /proc/PID/maps); may be
 * NULL. Returns 0 on success; otherwise a nonzero code, with a
 * NUL-terminated message in errbuf, which does not name the library (see
 * erts_dlopen_mem_error_text). */
int erts_dlopen_mem(const void *image,
                    size_t size,
                    const char *label,
                    void **handle,
                    char *errbuf,
                    size_t errbuf_size);

/* An image that the library being loaded needs: one of its DT_NEEDED
 * libraries, or one that such a library needs. */
typedef struct {
    const void *image;
    size_t size;
    const char *label; /* as erts_dlopen_mem's; may be NULL */
} ErtsDlopenMemImage;

/* As erts_dlopen_mem, after loading needed[0..count) (at most 64) from
 * memory, each after those of them it needs. The dynamic linker takes a
 * loaded object for a DT_NEEDED name by its DT_SONAME: so each needed image
 * must have a DT_SONAME, no two the same, that the library or another needed
 * image names in DT_NEEDED, through which the library needs it. Each is
 * validated, loaded once per image, and held exactly as long as the objects
 * that need it (the handle returned is the library's only). */
int erts_dlopen_mem_needing(const void *image,
                            size_t size,
                            const char *label,
                            const ErtsDlopenMemImage *needed,
                            size_t count,
                            void **handle,
                            char *errbuf,
                            size_t errbuf_size);

/* Why a load failed, for the caller to put in its own words: image is -1
 * for the library, or j for needed[j]; other is, with image, a second
 * needed image the detail is about (one that has the same DT_SONAME), else
 * -1. detail is printable ASCII, and holds neither the library's label nor
 * the path of the file the loader handed the dynamic linker. */
typedef struct {
    int image;
    int other;
    char detail[512];
} ErtsDlopenMemError;

/* As erts_dlopen_mem_needing, with why it failed in *error (may be NULL). */
int erts_dlopen_mem_load(const void *image,
                         size_t size,
                         const char *label,
                         const ErtsDlopenMemImage *needed,
                         size_t count,
                         void **handle,
                         ErtsDlopenMemError *error);

/* The message for a failed erts_dlopen_mem_load (code, what it returned;
 * needed[0..count), what it was given): the detail, after the needed
 * images it is about, named by their labels, or "number N" for those
 * without. Never names the library: the caller does, once. */
void erts_dlopen_mem_error_text(int code,
                                const ErtsDlopenMemError *error,
                                const ErtsDlopenMemImage *needed,
                                size_t count,
                                char *buf,
                                size_t buf_size);

/* dlsym on a handle from erts_dlopen_mem: 0 and the symbol's value in
 * *symbol; ERTS_DLOPEN_MEM_NO_SYMBOL, with the dynamic linker's text
 * without the path in error->detail; or ERTS_DLOPEN_MEM_UNKNOWN_HANDLE for
 * a handle that is not one of the loader's (dlsym it as usual). */
int erts_dlopen_mem_sym(void *handle,
                        const char *name,
                        void **symbol,
                        ErtsDlopenMemError *error);

/* Releases a handle from erts_dlopen_mem (and whatever it kept for it).
 * On ERTS_DLOPEN_MEM_DLCLOSE_FAILED, dlerror() says why. */
int erts_dlclose_mem(void *handle);

/* The validation step alone, for tests and fuzzing: 0 if the image may be
 * handed to the dynamic linker, else a nonzero code and a message. Never
 * touches the file system. */
int erts_dlopen_mem_validate(const void *image,
                             size_t size,
                             char *errbuf,
                             size_t errbuf_size);

/* The names in an image's dynamic section that tell which libraries it
 * needs and where to find them: each(arg, tag, name) for every DT_NEEDED,
 * DT_SONAME, DT_RPATH and DT_RUNPATH entry (tag, as <elf.h> defines them),
 * in order, once erts_dlopen_mem_validate accepts the image. Returns as
 * erts_dlopen_mem_validate. */
typedef void (*ErtsDlopenMemNameFn)(void *arg, long tag, const char *name);
int erts_dlopen_mem_library_names(const void *image,
                                  size_t size,
                                  ErtsDlopenMemNameFn each,
                                  void *arg,
                                  char *errbuf,
                                  size_t errbuf_size);

/* Built with ERTS_DLOPEN_MEM_IN_ERTS defined, the loader takes its memory and
 * its one lock from the program it is built into, which defines these; built
 * without, it uses malloc and a pthread mutex. alloc returns NULL when there
 * is no memory and must not abort: some sizes come from the image. free is
 * never given NULL. The lock is never held while the loader allocates,
 * frees, or calls the dynamic linker, and is taken while no other is held
 * by the loader itself; erts may hold its own locks around a load. */
void *erts_dlopen_mem_host_alloc(size_t size);
void erts_dlopen_mem_host_free(void *ptr);
void erts_dlopen_mem_host_lock(void);
void erts_dlopen_mem_host_unlock(void);

#ifdef __cplusplus
}
#endif

#endif /* ERL_DLOPEN_MEM_H__ */
