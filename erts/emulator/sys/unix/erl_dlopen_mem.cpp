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
 * How an image is loaded: see erl_dlopen_mem.h. erts_dlopen_mem() has the
 * image judged first (erts_dlopen_mem_validate(), erl_dlopen_mem_validate.cpp),
 * then copies it into a file the dynamic linker can map and dlopens that.
 * Only system headers are used, so this file builds and is tested outside of
 * erts. It must not need libstdc++: no exceptions, no RTTI, no operator new,
 * no thread-safe statics.
 */

#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include "erl_dlopen_mem.h"
#include "erl_dlopen_mem_alloc.h"
#include "erl_dlopen_mem_errbuf.h"

#if !defined(__linux__)

extern "C" int erts_dlopen_mem(const void *,
                               size_t,
                               const char *,
                               void **handle,
                               char *errbuf,
                               size_t errbuf_size) {
    if (handle)
        *handle = NULL;
    return refuse_unsupported(errbuf, errbuf_size);
}

extern "C" int erts_dlopen_mem_needing(const void *,
                                       size_t,
                                       const char *,
                                       const ErtsDlopenMemImage *,
                                       size_t,
                                       void **handle,
                                       char *errbuf,
                                       size_t errbuf_size) {
    if (handle)
        *handle = NULL;
    return refuse_unsupported(errbuf, errbuf_size);
}

extern "C" int erts_dlopen_mem_load(const void *,
                                    size_t,
                                    const char *,
                                    const ErtsDlopenMemImage *,
                                    size_t,
                                    void **handle,
                                    ErtsDlopenMemError *error) {
    if (handle)
        *handle = NULL;
    if (!error)
        return ERTS_DLOPEN_MEM_NO_BACKING;
    error->image = error->other = -1;
    return refuse_unsupported(error->detail, sizeof error->detail);
}

extern "C" void erts_dlopen_mem_error_text(int,
                                           const ErtsDlopenMemError *error,
                                           const ErtsDlopenMemImage *,
                                           size_t,
                                           char *buf,
                                           size_t buf_size) {
    ErrorBuffer(buf, buf_size).set("%s", error ? error->detail : "");
}

extern "C" int erts_dlopen_mem_sym(void *,
                                   const char *,
                                   void **,
                                   ErtsDlopenMemError *) {
    return ERTS_DLOPEN_MEM_UNKNOWN_HANDLE;
}

extern "C" int erts_dlclose_mem(void *) {
    return ERTS_DLOPEN_MEM_UNKNOWN_HANDLE;
}

#else /* __linux__ */

#    include <dlfcn.h>
#    include <elf.h>
#    include <errno.h>
#    include <fcntl.h>
#    include <limits.h>
#    include <link.h>
#    ifndef ERTS_DLOPEN_MEM_IN_ERTS
#        include <pthread.h>
#    endif
#    include <stddef.h>
#    include <stdint.h>
#    include <stdio.h>
#    include <stdlib.h>
#    include <string.h>
#    include <sys/mman.h>
#    include <sys/random.h>
#    include <sys/stat.h>
#    include <sys/statvfs.h>
#    include <time.h>
#    include <unistd.h>

#    ifndef MFD_CLOEXEC
#        define MFD_CLOEXEC 0x0001U
#    endif
#    ifndef MFD_ALLOW_SEALING
#        define MFD_ALLOW_SEALING 0x0002U
#    endif
#    ifndef MFD_NOEXEC_SEAL
#        define MFD_NOEXEC_SEAL 0x0008U
#    endif
#    ifndef F_ADD_SEALS
#        define F_ADD_SEALS   (1024 + 9)
#        define F_SEAL_SEAL   0x0001
#        define F_SEAL_SHRINK 0x0002
#        define F_SEAL_GROW   0x0004
#        define F_SEAL_WRITE  0x0008
#    endif

namespace {

/* ------------------------------------------------------------------------
 * Backing files
 */

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    ~UniqueFd() {
        reset(-1);
    }

    int get() const noexcept {
        return fd_;
    }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd) noexcept {
        if (fd_ >= 0)
            close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

/* A file that holds a copy of the image: its fd, the path dlopen is given,
 * and a name to unlink once dlopen is done (shm objects and mkstemp files;
 * memfds and O_TMPFILE files have none). */
struct Backing {
    UniqueFd fd;
    char path[PATH_MAX] = "";
    bool path_in_proc = false; /* reachable only if /proc is mounted */
    char shm_name[64] = "";
    char file_name[PATH_MAX] = "";

    /* Unlinks the name, if any: the file lives on through the fd and the
     * dynamic linker's mappings. */
    void unlink_name() noexcept {
        if (shm_name[0]) {
            shm_unlink(shm_name);
            shm_name[0] = '\0';
        }
        if (file_name[0]) {
            unlink(file_name);
            file_name[0] = '\0';
        }
    }

    /* Back to empty, releasing what a failed way left. */
    void reset() noexcept {
        unlink_name();
        fd.reset(-1);
        path[0] = '\0';
        path_in_proc = false;
    }

    ~Backing() {
        unlink_name();
    }
};

bool write_all(int fd, const unsigned char *data, size_t size) noexcept {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) {
            errno = EIO;
            return false;
        }
        data += n;
        size -= (size_t)n;
    }
    return true;
}

void proc_fd_path(int fd, char *path, size_t path_size) noexcept {
    /* /proc/<pid>/fd/N rather than /proc/self/fd/N: gdb opens the path the
     * dynamic linker recorded, in its own process. */
    snprintf(path, path_size, "/proc/%ld/fd/%d", (long)getpid(), fd);
}

bool path_reachable(const char *path) noexcept {
    return access(path, F_OK) == 0;
}

/* The memfd name: the label's last path component, printable, bounded. */
void memfd_name_from_label(const char *label,
                           char *name,
                           size_t name_size) noexcept {
    const char *base = label && *label ? label : "erts_dlopen_mem";
    size_t len = strlen(base);
    while (len > 1 && base[len - 1] == '/')
        len--;
    for (size_t i = len; i > 0; i--) {
        if (base[i - 1] == '/') {
            base += i;
            len -= i;
            break;
        }
    }
    if (len == 0) {
        base = "erts_dlopen_mem";
        len = strlen(base);
    }
    size_t n = len < name_size - 1 ? len : name_size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)base[i];
        name[i] = (c < 0x20 || c == 0x7f || c == '/') ? '_' : (char)c;
    }
    name[n] = '\0';
}

/* A name nobody can predict, for shm objects and temporary files. */
void random_suffix(char *out, size_t out_size) noexcept {
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
            ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&ts;
    }
    snprintf(out, out_size, "%016llx", (unsigned long long)r);
}

/* A named backing is dlopen'ed through /proc/PID/fd/N where /proc is there,
 * and its name removed at once: nothing is left if the library's
 * constructors end the process, and nothing can be put in its place under
 * that name. Without /proc, the name is dlopen'ed, and removed after. */
void use_fd_path_or_name(Backing &b,
                         const char *dir,
                         const char *name) noexcept {
    proc_fd_path(b.fd.get(), b.path, sizeof b.path);
    if (path_reachable(b.path))
        b.unlink_name();
    else
        snprintf(b.path, sizeof b.path, "%s%s", dir, name);
}

bool mounted_noexec(int fd) noexcept {
    struct statvfs st;
    return fstatvfs(fd, &st) == 0 && (st.f_flag & ST_NOEXEC) != 0;
}

/* F_SEAL_WRITE fails with EBUSY while the kernel holds extra references to
 * the pages, after waiting a little for them to go; such references are
 * transient (page access monitoring, migration), so it is asked again.
 * F_SEAL_FUTURE_WRITE would not wait, but before Linux 6.7 it also refuses
 * the private writable mappings the dynamic linker makes. */
bool seal_memfd(int fd) noexcept {
    const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (fcntl(fd, F_ADD_SEALS, seals) == 0)
            return true;
        if (errno != EBUSY)
            return false;
    }
    return false;
}

/* Way 1: a sealed memfd. */
bool back_with_memfd(const unsigned char *image,
                     size_t size,
                     const char *label,
                     Backing &b,
                     ErrorBuffer &tried) noexcept {
    char name[200];
    memfd_name_from_label(label, name, sizeof name);
    /* MFD_NOEXEC_SEAL blocks execve, not mmap with PROT_EXEC, and is what
     * vm.memfd_noexec=2 demands; kernels before 6.3 answer EINVAL to it. */
    int fd = memfd_create(name,
                          MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        tried.append("memfd_create: %s", strerror(errno));
        return false;
    }
    b.fd.reset(fd);
    if (!write_all(fd, image, size)) {
        tried.append("memfd write: %s", strerror(errno));
        return false;
    }
    /* What the dynamic linker maps is exactly what was validated. */
    if (!seal_memfd(fd)) {
        tried.append("memfd seals: %s", strerror(errno));
        return false;
    }
    /* Whether /proc is there is asked only if dlopen fails: it costs a
     * path lookup on every load otherwise. */
    proc_fd_path(fd, b.path, sizeof b.path);
    b.path_in_proc = true;
    return true;
}

/* Way 2: a POSIX shared memory object, unlinked once dlopen is done. */
bool back_with_shm(const unsigned char *image,
                   size_t size,
                   Backing &b,
                   ErrorBuffer &tried) noexcept {
    char suffix[32];
    random_suffix(suffix, sizeof suffix);
    snprintf(b.shm_name, sizeof b.shm_name, "/erts_dlopen_mem.%s", suffix);
    int fd = shm_open(b.shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (fd < 0) {
        b.shm_name[0] = '\0';
        tried.append("; shm_open: %s", strerror(errno));
        return false;
    }
    b.fd.reset(fd);
    if (mounted_noexec(fd)) {
        tried.append("; shm_open: /dev/shm is mounted noexec");
        return false;
    }
    if (!write_all(fd, image, size)) {
        tried.append("; shm write: %s", strerror(errno));
        return false;
    }
    use_fd_path_or_name(b, "/dev/shm", b.shm_name);
    return true;
}

/* Way 3: an unlinked temporary file in $TMPDIR. */
bool back_with_tmpfile(const unsigned char *image,
                       size_t size,
                       Backing &b,
                       ErrorBuffer &tried) noexcept {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
    if (fd >= 0) {
        b.fd.reset(fd);
        proc_fd_path(fd, b.path, sizeof b.path);
        if (!path_reachable(b.path))
            b.fd.reset(-1); /* no /proc: a named file is needed */
    }
    if (b.fd.get() < 0) {
        char suffix[32];
        random_suffix(suffix, sizeof suffix);
        if ((size_t)snprintf(b.file_name,
                             sizeof b.file_name,
                             "%s/erts_dlopen_mem.%.8sXXXXXX",
                             dir,
                             suffix) >= sizeof b.file_name) {
            b.file_name[0] = '\0';
            tried.append("; temporary file in %s: path too long", dir);
            return false;
        }
        fd = mkostemp(b.file_name, O_CLOEXEC);
        if (fd < 0) {
            b.file_name[0] = '\0';
            tried.append("; temporary file in %s: %s", dir, strerror(errno));
            return false;
        }
        b.fd.reset(fd);
        fchmod(fd, 0700);
        use_fd_path_or_name(b, "", b.file_name);
    }
    if (mounted_noexec(b.fd.get())) {
        tried.append("; temporary file in %s: mounted noexec", dir);
        return false;
    }
    if (!write_all(b.fd.get(), image, size)) {
        tried.append("; temporary file in %s: write: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

/* The ways to hold the image, in the order they are tried. */
const int kBackingWays = 3;

bool make_backing(int way,
                  const unsigned char *image,
                  size_t size,
                  const char *label,
                  Backing &b,
                  ErrorBuffer &tried) noexcept {
    switch (way) {
    case 0:
        return back_with_memfd(image, size, label, b, tried);
    case 1:
        return back_with_shm(image, size, b, tried);
    default:
        return back_with_tmpfile(image, size, b, tried);
    }
}

/* ------------------------------------------------------------------------
 * Loaded libraries: each image keeps its backing fd open while its library
 * is loaded. glibc matches loaded objects by path first, so if the fd number
 * were reused for another image, dlopen("/proc/PID/fd/N") would silently
 * return the old library.
 *
 * An image whose bytes are already loaded is not copied again: its backing
 * is dlopen'ed once more, and glibc hands back the loaded object with one
 * more reference, as for a second dlopen of the same file. So a library that
 * can never be unloaded (a thread_local with a destructor, STB_GNU_UNIQUE
 * symbols) is held once however often it is loaded and closed.
 *
 * Every image stays on one list, images, from its load until its object is
 * gone and nobody uses it, so that a load always sees every candidate.
 */

struct Loaded {
    /* glibc's handle while holders > 0; NULL after, since glibc may give
     * the address to another object once this one is unloaded. */
    void *handle;
    int fd;
    /* Handles from erts_dlopen_mem not yet closed. */
    unsigned holders;
    /* Loads comparing their image with this backing, and the sweep checking
     * whether the object is still loaded: while pinned, the fd stays open
     * and the entry allocated. */
    unsigned pins;
    bool in_sweep;
    bool gone;
    /* Loads that found this image again (unpin with a handle). */
    unsigned reloads;
    /* The sweep's own while in_sweep, written outside loaded_lock: reloads
     * when it pinned the image, and whether the object was not loaded when
     * it looked (stale if reloads has changed since). */
    unsigned reloads_at_check;
    bool seen_unloaded;
    /* Set, under loaded_lock, by a sweep that skipped the image because
     * another sweep held it: that sweep looks again if it is still
     * unused. */
    bool recheck;
    /* What finds it again: the image's size and fingerprint; a candidate is
     * confirmed by comparing its backing with the new image. */
    size_t size;
    uint64_t fingerprint;
    /* Only a sealed memfd is sure to hold what was loaded from it. */
    bool reusable;
    /* The path dlopen was given: a /proc/PID/fd/N path, or without /proc a
     * file name. Stored right after the struct, in the same allocation,
     * sized to it. */
    const char *path;
    Loaded *next;
    Loaded *next_in_sweep;
};

Loaded *images = NULL;

/* loaded_lock guards images and the fields of its entries that the comments
 * above say it does. Nothing is allocated, freed or locked while it is held,
 * and it is never held across dlopen, dlclose or dl_iterate_phdr. */
#    ifdef ERTS_DLOPEN_MEM_IN_ERTS
void lock_loaded() noexcept {
    erts_dlopen_mem_host_lock();
}
void unlock_loaded() noexcept {
    erts_dlopen_mem_host_unlock();
}
#    else
pthread_mutex_t loaded_lock = PTHREAD_MUTEX_INITIALIZER;
void lock_loaded() noexcept {
    pthread_mutex_lock(&loaded_lock);
}
void unlock_loaded() noexcept {
    pthread_mutex_unlock(&loaded_lock);
}
#    endif

/* Candidates compared in one load: more images of one size and fingerprint
 * than this only cost a copy. */
const size_t kMaxCandidates = 8;

/* The image's size and a sample of its bytes: the first KiB (headers, and
 * the build ID, which differs between any two builds), the last 256 bytes
 * and 32 words spread between; well under a microsecond at any size. Equal
 * fingerprints only make a candidate; backing_holds decides. */
uint64_t image_fingerprint(const unsigned char *image, size_t size) noexcept {
    const size_t head_words = 128, tail_words = 32, spread_words = 32;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)size;
    auto mix_word_at = [&](size_t offset) {
        uint64_t w = 0;
        if (offset < size)
            memcpy(&w, image + offset, size - offset < 8 ? size - offset : 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    };
    for (size_t i = 0; i < head_words; i++)
        mix_word_at(i * 8);
    for (size_t i = 1; i <= spread_words; i++)
        mix_word_at(size / (spread_words + 1) * i);
    for (size_t i = 1; i <= tail_words; i++)
        mix_word_at(size >= i * 8 ? size - i * 8 : size);
    return h;
}

/* Whether the backing behind fd holds exactly image[0..size). */
bool backing_holds(int fd, const unsigned char *image, size_t size) noexcept {
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != (uint64_t)size)
        return false;
    void *held = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (held == MAP_FAILED)
        return false;
    bool same = memcmp(held, image, size) == 0;
    munmap(held, size);
    return same;
}

void images_push(Loaded *l) noexcept {
    lock_loaded();
    l->next = images;
    images = l;
    unlock_loaded();
}

/* Pins the images that may be this one, up to max of them, into out. */
size_t pin_candidates(size_t size,
                      uint64_t fingerprint,
                      Loaded **out,
                      size_t max) noexcept {
    size_t n = 0;
    lock_loaded();
    for (Loaded *l = images; l && n < max; l = l->next) {
        if (l->reusable && l->size == size && l->fingerprint == fingerprint) {
            l->pins++;
            out[n++] = l;
        }
    }
    unlock_loaded();
    return n;
}

/* Unpins l; with a handle, the load that pinned it now holds it. Returns
 * whether l is left unused. */
bool unpin(Loaded *l, void *handle) noexcept {
    lock_loaded();
    l->pins--;
    if (handle) {
        l->holders++;
        l->handle = handle;
        l->gone = false;
        l->reloads++;
    }
    bool unused = l->holders == 0 && l->pins == 0;
    unlock_loaded();
    return unused;
}

/* One holder of handle less. Returns false if no image holds it. */
bool drop_holder(void *handle) noexcept {
    lock_loaded();
    Loaded *l = images;
    while (l && !(l->holders > 0 && l->handle == handle))
        l = l->next;
    if (l && --l->holders == 0)
        l->handle = NULL;
    unlock_loaded();
    return l != NULL;
}

/* Copies the path dlopen was given for handle into buf. Returns false if
 * no image holds it (or the path does not fit). */
bool path_of(void *handle, char *buf, size_t buf_size) noexcept {
    bool found = false;
    lock_loaded();
    for (Loaded *l = images; l && !found; l = l->next) {
        if (l->holders > 0 && l->handle == handle) {
            size_t len = strlen(l->path);
            if (len < buf_size) {
                memcpy(buf, l->path, len + 1);
                found = true;
            }
            break;
        }
    }
    unlock_loaded();
    return found;
}

int match_loaded_path(struct dl_phdr_info *info, size_t, void *path) noexcept {
    return info->dlpi_name &&
           strcmp(info->dlpi_name, static_cast<const char *>(path)) == 0;
}

/* Whether an object loaded from path is still loaded; unlike a dlopen with
 * RTLD_NOLOAD, this opens no file. */
bool still_loaded(const char *path) noexcept {
    return dl_iterate_phdr(match_loaded_path, const_cast<char *>(path)) != 0;
}

/* Closes the fds of the unused images whose objects are gone (dlclose
 * keeps some: STB_GNU_UNIQUE symbols, a thread_local with a destructor,
 * another dlopen of it, or a library that depends on it). The images stay
 * on the list, pinned, while they are checked, outside loaded_lock:
 * dl_iterate_phdr takes the dynamic linker's lock, which a constructor
 * loading another image holds. Returns whether to sweep again: a close
 * whose sweep skipped an image that this one held (its object may have
 * gone since this one looked, or a load found it meanwhile) left it
 * unused. */
bool sweep_unused() noexcept {
    Loaded *check = NULL;
    lock_loaded();
    for (Loaded *l = images; l; l = l->next) {
        if (l->holders == 0 && l->in_sweep) {
            l->recheck = true;
        } else if (l->holders == 0) {
            l->pins++;
            l->in_sweep = true;
            l->recheck = false;
            l->reloads_at_check = l->reloads;
            l->next_in_sweep = check;
            check = l;
        }
    }
    unlock_loaded();
    if (!check)
        return false;
    for (Loaded *l = check; l; l = l->next_in_sweep)
        l->seen_unloaded = !still_loaded(l->path);
    Loaded *release = NULL;
    bool again = false;
    lock_loaded();
    for (Loaded *l = check; l; l = l->next_in_sweep) {
        /* A load that found the image meanwhile may have loaded the object
         * again: what this sweep saw is stale. */
        if (l->reloads == l->reloads_at_check)
            l->gone = l->seen_unloaded;
        l->pins--;
        l->in_sweep = false;
        if (l->recheck && !l->gone && l->holders == 0 && l->pins == 0)
            again = true;
    }
    for (Loaded **p = &images; *p;) {
        Loaded *l = *p;
        if (l->gone && l->holders == 0 && l->pins == 0 && !l->in_sweep) {
            *p = l->next;
            l->next = release;
            release = l;
        } else {
            p = &l->next;
        }
    }
    unlock_loaded();
    while (release) {
        Loaded *l = release;
        release = l->next;
        close(l->fd);
        loader_free(l);
    }
    return again;
}

void release_unloaded() noexcept {
    while (sweep_unused()) {
    }
}

/* The image loaded again from the backing of an image with the same bytes,
 * if one is loaded or kept: no copy, and glibc returns the loaded object
 * (or maps the backing again if the object went meanwhile). */
void *reload_held_image(const unsigned char *image,
                        size_t size,
                        uint64_t fingerprint) noexcept {
    Loaded *candidates[kMaxCandidates];
    size_t n = pin_candidates(size, fingerprint, candidates, kMaxCandidates);
    void *h = NULL;
    bool any_unused = false;
    for (size_t i = 0; i < n; i++) {
        void *taken = NULL;
        if (!h && backing_holds(candidates[i]->fd, image, size)) {
            taken = dlopen(candidates[i]->path, RTLD_NOW | RTLD_LOCAL);
            if (!taken)
                (void)dlerror();
            h = taken;
        }
        any_unused = unpin(candidates[i], taken) || any_unused;
    }
    if (any_unused)
        release_unloaded();
    return h;
}

/* text for a message, cut to fit out: the bytes of an image (names of
 * symbols and libraries, which the dynamic linker quotes) stay out of
 * messages, as in the validator's. */
void printable_copy(const char *text, char *out, size_t out_size) noexcept {
    size_t i = 0;
    for (; i < out_size - 1 && text[i] != '\0'; i++) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        out[i] = c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
    }
    out[i] = '\0';
}

/* dlerror's text, without the path the loader gave dlopen, which means
 * nothing to the user (the caller names the image). */
void set_dlerror_text(ErrorBuffer &err,
                      const char *text,
                      const char *path) noexcept {
    if (!text)
        text = "unknown error";
    size_t path_len = strlen(path);
    if (strncmp(text, path, path_len) == 0 && text[path_len] == ':')
        text += path_len + 1;
    while (*text == ' ')
        text++;
    char printable[512];
    printable_copy(text, printable, sizeof printable);
    err.set("%s", printable);
}

/* Loads an image that validation has accepted. */
int load_validated(const unsigned char *bytes,
                   size_t size,
                   const char *label,
                   void **handle,
                   ErrorBuffer &err) noexcept {
    uint64_t fingerprint = image_fingerprint(bytes, size);
    if ((*handle = reload_held_image(bytes, size, fingerprint)) != NULL)
        return ERTS_DLOPEN_MEM_OK;

    /* Each way in turn, until one holds the image and dlopen takes it. A
     * way that fails cleans up after itself (Backing::reset). */
    char tried_text[768];
    ErrorBuffer tried(tried_text, sizeof tried_text);
    Allocated<Backing> backing; /* two paths of PATH_MAX: not on the stack */
    if (!backing.get()) {
        err.set("out of memory");
        return ERTS_DLOPEN_MEM_NO_MEMORY;
    }
    Backing &b = *backing.get();
    Loaded *entry = NULL;
    void *h = NULL;
    for (int way = 0; way < kBackingWays && !h; way++) {
        b.reset();
        if (!make_backing(way, bytes, size, label, b, tried))
            continue;
        /* Allocated before dlopen, so that a library dlopen has taken is
         * never closed again for want of memory; sized to its path. */
        size_t path_size = strlen(b.path) + 1;
        entry = static_cast<Loaded *>(loader_alloc(sizeof(Loaded) + path_size));
        if (!entry) {
            err.set("out of memory");
            return ERTS_DLOPEN_MEM_NO_MEMORY;
        }
        char *path = reinterpret_cast<char *>(entry + 1);
        memcpy(path, b.path, path_size);
        entry->path = path;
        h = dlopen(b.path, RTLD_NOW | RTLD_LOCAL);
        b.unlink_name(); /* whether dlopen succeeded or not */
        if (h)
            break;
        loader_free(entry);
        entry = NULL;
        if (b.path_in_proc && !path_reachable(b.path)) {
            (void)dlerror();
            tried.append("memfd: its /proc/PID/fd path is not reachable (is "
                         "/proc mounted?)");
        } else {
            set_dlerror_text(err, dlerror(), b.path);
            return ERTS_DLOPEN_MEM_DLOPEN_FAILED;
        }
    }
    if (!h) {
        err.set("no way to hold the image in an executable file: %s",
                tried.text());
        return ERTS_DLOPEN_MEM_NO_BACKING;
    }
    entry->handle = h;
    entry->fd = b.fd.release();
    entry->holders = 1;
    entry->pins = 0;
    entry->in_sweep = false;
    entry->gone = false;
    entry->reloads = 0;
    entry->reloads_at_check = 0;
    entry->seen_unloaded = false;
    entry->recheck = false;
    entry->size = size;
    entry->fingerprint = fingerprint;
    entry->reusable = b.path_in_proc;
    entry->next_in_sweep = NULL;
    images_push(entry);
    *handle = h;
    return ERTS_DLOPEN_MEM_OK;
}

/* ------------------------------------------------------------------------
 * Needed images, loaded before the library that needs them: glibc resolves
 * a DT_NEEDED name against the objects already loaded by their DT_SONAME
 * before it looks for a file.
 */

const size_t kMaxNeededImages = 64;

/* What one image's dynamic section says: its DT_SONAME, and which needed
 * images it names in DT_NEEDED (bit j: needed[j], once sonames are known). */
struct LibraryNames {
    const char *const *sonames; /* of the needed images, or NULL */
    size_t count;
    const char *soname;
    uint64_t needs;
};

void note_library_name(void *arg, long tag, const char *name) noexcept {
    LibraryNames *names = static_cast<LibraryNames *>(arg);
    if (tag == DT_SONAME) {
        names->soname = name; /* the last, as glibc takes it */
    } else if (tag == DT_NEEDED && names->sonames) {
        for (size_t j = 0; j < names->count; j++)
            if (strcmp(names->sonames[j], name) == 0)
                names->needs |= uint64_t(1) << j;
    }
}

/* An error about needed[image] (and needed[other]), its detail in e. */
ErrorBuffer needed_error(ErtsDlopenMemError &e,
                         size_t image,
                         size_t other) noexcept {
    e.image = static_cast<int>(image);
    e.other = other == SIZE_MAX ? -1 : static_cast<int>(other);
    return ErrorBuffer(e.detail, sizeof e.detail);
}

/* Reads the needed images' sonames, then which of them each image needs:
 * needs[j] for needed[j], *library_needs for the library. */
int scan_needed(const unsigned char *image,
                size_t size,
                const ErtsDlopenMemImage *needed,
                size_t count,
                const char **sonames,
                uint64_t *needs,
                uint64_t *library_needs,
                ErtsDlopenMemError &e) noexcept {
    char soname[128];
    for (size_t j = 0; j < count; j++) {
        LibraryNames names = {NULL, 0, NULL, 0};
        int rc = erts_dlopen_mem_library_names(needed[j].image,
                                               needed[j].size,
                                               note_library_name,
                                               &names,
                                               e.detail,
                                               sizeof e.detail);
        if (rc != ERTS_DLOPEN_MEM_OK) {
            e.image = static_cast<int>(j);
            return rc;
        }
        if (!names.soname) {
            needed_error(e, j, SIZE_MAX)
                    .set("has no DT_SONAME, so the dynamic linker cannot "
                         "take it for a DT_NEEDED library");
            return ERTS_DLOPEN_MEM_BAD_NEEDED;
        }
        for (size_t k = 0; k < j; k++) {
            if (strcmp(sonames[k], names.soname) == 0) {
                printable_copy(names.soname, soname, sizeof soname);
                needed_error(e, j, k).set("have the same DT_SONAME %s", soname);
                return ERTS_DLOPEN_MEM_BAD_NEEDED;
            }
        }
        sonames[j] = names.soname;
    }
    for (size_t j = 0; j <= count; j++) {
        LibraryNames names = {sonames, count, NULL, 0};
        bool library = j == count;
        int rc =
                erts_dlopen_mem_library_names(library ? image : needed[j].image,
                                              library ? size : needed[j].size,
                                              note_library_name,
                                              &names,
                                              e.detail,
                                              sizeof e.detail);
        if (rc != ERTS_DLOPEN_MEM_OK) {
            e.image = library ? -1 : static_cast<int>(j);
            return rc;
        }
        if (library)
            *library_needs = names.needs;
        else
            needs[j] = names.needs & ~(uint64_t(1) << j);
    }
    /* What each needed image needs, directly or through the others: it
     * must not be itself (a cycle cannot be loaded one after the other),
     * and each must be needed by the library, directly or so. */
    uint64_t reached = *library_needs;
    for (size_t j = 0; j < count; j++) {
        uint64_t through = needs[j], before = 0;
        while (through != before) {
            before = through;
            for (size_t k = 0; k < count; k++)
                if (through & (uint64_t(1) << k))
                    through |= needs[k];
        }
        if (through & (uint64_t(1) << j)) {
            printable_copy(sonames[j], soname, sizeof soname);
            needed_error(e, j, SIZE_MAX)
                    .set("(DT_SONAME %s) needs itself through other needed "
                         "images: a cycle cannot be loaded from memory",
                         soname);
            return ERTS_DLOPEN_MEM_BAD_NEEDED;
        }
        if (*library_needs & (uint64_t(1) << j))
            reached |= through;
    }
    for (size_t j = 0; j < count; j++) {
        if (!(reached & (uint64_t(1) << j))) {
            printable_copy(sonames[j], soname, sizeof soname);
            needed_error(e, j, SIZE_MAX)
                    .set("(DT_SONAME %s) is needed by neither the library "
                         "nor the needed images it needs",
                         soname);
            return ERTS_DLOPEN_MEM_BAD_NEEDED;
        }
    }
    return ERTS_DLOPEN_MEM_OK;
}

/* Loads the needed images, each after those it needs, into handles. */
int load_needed(const ErtsDlopenMemImage *needed,
                size_t count,
                const uint64_t *needs,
                void **handles,
                ErtsDlopenMemError &e) noexcept {
    uint64_t loaded = 0;
    for (size_t done = 0; done < count;) {
        size_t ready = count;
        for (size_t j = 0; j < count && ready == count; j++)
            if (!(loaded & (uint64_t(1) << j)) && (needs[j] & ~loaded) == 0)
                ready = j;
        if (ready == count) {
            /* Cannot happen: scan_needed refused cycles. */
            ErrorBuffer(e.detail, sizeof e.detail)
                    .set("needed images: no order to load them in");
            return ERTS_DLOPEN_MEM_BAD_NEEDED;
        }
        ErrorBuffer err(e.detail, sizeof e.detail);
        int rc = load_validated(
                static_cast<const unsigned char *>(needed[ready].image),
                needed[ready].size,
                needed[ready].label,
                &handles[ready],
                err);
        if (rc != ERTS_DLOPEN_MEM_OK) {
            e.image = static_cast<int>(ready);
            return rc;
        }
        loaded |= uint64_t(1) << ready;
        done++;
    }
    return ERTS_DLOPEN_MEM_OK;
}

/* How a needed image is named in a message: by its label, else by its
 * place (counted from 1). */
const char *needed_name(const ErtsDlopenMemImage *needed,
                        size_t count,
                        int j,
                        char *buf,
                        size_t buf_size) noexcept {
    if (needed && j >= 0 && (size_t)j < count && needed[j].label &&
        needed[j].label[0])
        return needed[j].label;
    snprintf(buf, buf_size, "number %d", j + 1);
    return buf;
}

} // namespace

extern "C" int erts_dlopen_mem_load(const void *image,
                                    size_t size,
                                    const char *label,
                                    const ErtsDlopenMemImage *needed,
                                    size_t count,
                                    void **handle,
                                    ErtsDlopenMemError *error) {
    ErtsDlopenMemError ignored;
    ErtsDlopenMemError &e = error ? *error : ignored;
    e.image = e.other = -1;
    ErrorBuffer err(e.detail, sizeof e.detail);
    if (!handle) {
        err.set("no handle pointer (NULL)");
        return ERTS_DLOPEN_MEM_BADARG;
    }
    *handle = NULL;
    if (count == 0) {
        int rc = erts_dlopen_mem_validate(image,
                                          size,
                                          e.detail,
                                          sizeof e.detail);
        if (rc != ERTS_DLOPEN_MEM_OK)
            return rc;
        return load_validated(static_cast<const unsigned char *>(image),
                              size,
                              label,
                              handle,
                              err);
    }
    if (!needed) {
        err.set("no needed images (NULL)");
        return ERTS_DLOPEN_MEM_BADARG;
    }
    if (count > kMaxNeededImages) {
        err.set("%zu needed images, more than the %zu that can be given",
                count,
                kMaxNeededImages);
        return ERTS_DLOPEN_MEM_BADARG;
    }
    const char *sonames[kMaxNeededImages];
    uint64_t needs[kMaxNeededImages], library_needs = 0;
    int rc = scan_needed(static_cast<const unsigned char *>(image),
                         size,
                         needed,
                         count,
                         sonames,
                         needs,
                         &library_needs,
                         e);
    if (rc != ERTS_DLOPEN_MEM_OK)
        return rc;
    void *handles[kMaxNeededImages] = {};
    rc = load_needed(needed, count, needs, handles, e);
    if (rc == ERTS_DLOPEN_MEM_OK)
        rc = load_validated(static_cast<const unsigned char *>(image),
                            size,
                            label,
                            handle,
                            err);
    /* The library's own references hold what it needs from here on: the
     * needed images go when it goes (or now, if it was not loaded). */
    for (size_t j = count; j > 0; j--)
        if (handles[j - 1])
            erts_dlclose_mem(handles[j - 1]);
    return rc;
}

extern "C" void erts_dlopen_mem_error_text(int code,
                                           const ErtsDlopenMemError *error,
                                           const ErtsDlopenMemImage *needed,
                                           size_t count,
                                           char *buf,
                                           size_t buf_size) {
    ErrorBuffer out(buf, buf_size);
    if (!error)
        return;
    char name[32], other[32];
    /* A needed image's problem with the others is said of it ("needed
     * image x has no DT_SONAME"); a problem of its own after a colon. */
    const char *joint = code == ERTS_DLOPEN_MEM_BAD_NEEDED ? " " : ": ";
    if (error->image < 0)
        out.set("%s", error->detail);
    else if (error->other < 0)
        out.set("needed image %s%s%s",
                needed_name(needed, count, error->image, name, sizeof name),
                joint,
                error->detail);
    else
        out.set("needed images %s and %s%s%s",
                needed_name(needed, count, error->other, other, sizeof other),
                needed_name(needed, count, error->image, name, sizeof name),
                joint,
                error->detail);
}

extern "C" int erts_dlopen_mem_needing(const void *image,
                                       size_t size,
                                       const char *label,
                                       const ErtsDlopenMemImage *needed,
                                       size_t count,
                                       void **handle,
                                       char *errbuf,
                                       size_t errbuf_size) {
    ErtsDlopenMemError e;
    int rc =
            erts_dlopen_mem_load(image, size, label, needed, count, handle, &e);
    if (rc != ERTS_DLOPEN_MEM_OK)
        erts_dlopen_mem_error_text(rc, &e, needed, count, errbuf, errbuf_size);
    else if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    return rc;
}

extern "C" int erts_dlopen_mem(const void *image,
                               size_t size,
                               const char *label,
                               void **handle,
                               char *errbuf,
                               size_t errbuf_size) {
    return erts_dlopen_mem_needing(image,
                                   size,
                                   label,
                                   NULL,
                                   0,
                                   handle,
                                   errbuf,
                                   errbuf_size);
}

extern "C" int erts_dlopen_mem_sym(void *handle,
                                   const char *name,
                                   void **symbol,
                                   ErtsDlopenMemError *error) {
    ErtsDlopenMemError ignored;
    ErtsDlopenMemError &e = error ? *error : ignored;
    e.image = e.other = -1;
    ErrorBuffer err(e.detail, sizeof e.detail);
    char path[PATH_MAX];
    if (!handle || !name || !symbol || !path_of(handle, path, sizeof path))
        return ERTS_DLOPEN_MEM_UNKNOWN_HANDLE;
    (void)dlerror();
    void *found = dlsym(handle, name);
    /* NULL may be a symbol's value: only dlerror() tells a failure. */
    if (const char *text = dlerror()) {
        set_dlerror_text(err, text, path);
        return ERTS_DLOPEN_MEM_NO_SYMBOL;
    }
    *symbol = found;
    return ERTS_DLOPEN_MEM_OK;
}

extern "C" int erts_dlclose_mem(void *handle) {
    if (!handle || !drop_holder(handle))
        return ERTS_DLOPEN_MEM_UNKNOWN_HANDLE;
    int rc = dlclose(handle) == 0 ? ERTS_DLOPEN_MEM_OK
                                  : ERTS_DLOPEN_MEM_DLCLOSE_FAILED;
    /* An object dlclose keeps also keeps its fd, so that its path stays its
     * own and a load of the same image finds it, until a later close finds
     * it gone. */
    release_unloaded();
    return rc;
}

#endif /* __linux__ */
