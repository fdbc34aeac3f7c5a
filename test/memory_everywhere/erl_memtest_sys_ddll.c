// SPDX-License-Identifier: Apache-2.0
//
// The sys layer of the "memtest" emulator type (beam.memtest.smp,
// beam.memtest.emu), for tests only: memtest.mk links it in place of
// erl_unix_sys_ddll.o into an extra emulator of a test build, which
// `erl -emu_type memtest` starts. It is not part of the series, and
// beam.smp and beam.emu are built and behave as without it.
//
// It is erl_unix_sys_ddll.c, included whole, except that
// erts_sys_ddll_open, the one function through which load_nif/2,
// enif_dlopen(), erl_ddll and driver_dl_open() open a library by path,
// reads the file and loads its bytes with erts_dlopen_mem(), labelled
// with the path, as the map form of load_nif/2 and erl_ddll does. So
// OTP's own suites, run on it, load every library from memory.
//
// What stays as on a file: a name without a directory (the dynamic
// linker searches for it) and a path that cannot be opened, mapped or is
// not a regular file go to dlopen() as before, so that their errors read
// the same. The loader's texts name no library; where a file's would
// start with its path, the path is put in front (memtest_open_image,
// memtest_dlopen_mem_sym).
//
// With ERTS_MEMTEST_LOG set, each open is logged there, one line each:
//   memory <path>          loaded from memory
//   file <path>: <why>     opened as a file, and why
//   refused <path>: <text> the loader's validation refused the image
//   failed <path>: <text>  refused by the dynamic linker

#ifdef HAVE_CONFIG_H
#    include "config.h"
#endif

#include "sys.h"
#include "erl_vm.h"
#include "global.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ERTS_HAVE_DLOPEN_MEM
#    error "the memtest emulator needs erts built with erl_dlopen_mem"
#endif

// Included first, so that the names below change only the calls in
// erl_unix_sys_ddll.c, not the loader's declarations.
#include "erl_dlopen_mem.h"

static int memtest_dlopen_mem_sym(void *handle,
                                  const char *name,
                                  void **symbol,
                                  ErtsDlopenMemError *error);
int erts_sys_ddll_open_from_file(const char *full_name,
                                 void **handle,
                                 ErtsSysDdllError *err);
int erts_sys_ddll_close2_plain(void *handle, ErtsSysDdllError *err);

#define erts_dlopen_mem_sym  memtest_dlopen_mem_sym
#define erts_sys_ddll_open   erts_sys_ddll_open_from_file
#define erts_sys_ddll_close2 erts_sys_ddll_close2_plain
#include "erl_unix_sys_ddll.c"
#undef erts_dlopen_mem_sym
#undef erts_sys_ddll_open
#undef erts_sys_ddll_close2

// The libraries loaded here, and the path each was asked for.
typedef struct MemtestLib {
    struct MemtestLib *next;
    void *handle;
    char *label;
} MemtestLib;

static MemtestLib *memtest_libs = NULL;
static pthread_mutex_t memtest_lock = PTHREAD_MUTEX_INITIALIZER;

// ERTS_MEMTEST_LOG, read once: os:putenv/2 may change the environment
// while a library is loaded.
static pthread_once_t memtest_log_once = PTHREAD_ONCE_INIT;
static char *memtest_log_path = NULL;

static void memtest_read_log_path(void) {
    const char *path = getenv("ERTS_MEMTEST_LOG");
    if (path != NULL && *path != '\0') {
        memtest_log_path = strdup(path);
    }
}

static void memtest_log(const char *what,
                        const char *path,
                        const char *detail) {
    char line[1024];
    int fd, n;

    pthread_once(&memtest_log_once, memtest_read_log_path);
    if (memtest_log_path == NULL) {
        return;
    }
    n = snprintf(line,
                 sizeof(line),
                 "%s %s%s%s\n",
                 what,
                 path,
                 detail ? ": " : "",
                 detail ? detail : "");
    if (n < 0) {
        return;
    } else if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    fd = open(memtest_log_path,
              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
              0644);
    if (fd >= 0) {
        if (write(fd, line, n) != n) {
            // Nothing to do: the runner then misses a line and says so.
        }
        close(fd);
    }
}

// erts_dlopen_mem_sym, its text about a library loaded here starting with
// the path it was asked for, as dlsym's about a file starts with the
// file's.
static int memtest_dlopen_mem_sym(void *handle,
                                  const char *name,
                                  void **symbol,
                                  ErtsDlopenMemError *error) {
    int res = erts_dlopen_mem_sym(handle, name, symbol, error);
    MemtestLib *lib;
    char text[sizeof(error->detail)];

    if (res != ERTS_DLOPEN_MEM_NO_SYMBOL) {
        return res;
    }
    pthread_mutex_lock(&memtest_lock);
    for (lib = memtest_libs; lib != NULL; lib = lib->next) {
        if (lib->handle == handle) {
            snprintf(text, sizeof(text), "%s: %s", lib->label, error->detail);
            strcpy(error->detail, text);
            break;
        }
    }
    pthread_mutex_unlock(&memtest_lock);
    return res;
}

static void memtest_remember(void *handle, const char *label) {
    MemtestLib *lib = malloc(sizeof(*lib));

    if (lib == NULL) {
        return;
    }
    lib->handle = handle;
    lib->label = strdup(label);
    if (lib->label == NULL) {
        free(lib);
        return;
    }
    pthread_mutex_lock(&memtest_lock);
    lib->next = memtest_libs;
    memtest_libs = lib;
    pthread_mutex_unlock(&memtest_lock);
}

// Identical images at two paths share one handle (the loader keeps one copy
// of an image): then the entry dropped may be the other path's, and a later
// message may name that path.
static void memtest_forget(void *handle) {
    MemtestLib **at, *lib = NULL;

    pthread_mutex_lock(&memtest_lock);
    for (at = &memtest_libs; *at != NULL; at = &(*at)->next) {
        if ((*at)->handle == handle) {
            lib = *at;
            *at = lib->next;
            break;
        }
    }
    pthread_mutex_unlock(&memtest_lock);
    if (lib != NULL) {
        free(lib->label);
        free(lib);
    }
}

// Loads the image of dlname, mapped at image, from memory.
static int memtest_open_image(const void *image,
                              size_t size,
                              char *dlname,
                              void **handle,
                              ErtsSysDdllError *err) {
    char errbuf[512], text[1024];
    int res;

    res = erts_dlopen_mem(image, size, dlname, handle, errbuf, sizeof(errbuf));
    if (res == ERTS_DLOPEN_MEM_OK) {
        memtest_remember(*handle, dlname);
        memtest_log("memory", dlname, NULL);
        return ERL_DE_NO_ERROR;
    }
    *handle = NULL;
    memtest_log(res == ERTS_DLOPEN_MEM_BAD_IMAGE ? "refused" : "failed",
                dlname,
                errbuf);
    if (err != NULL && res == ERTS_DLOPEN_MEM_DLOPEN_FAILED) {
        // What dlopen of the file says: its path first. erl_ddll (err is
        // NULL) keeps each distinct text, so without the path, as
        // erts_sys_ddll_open_noext does.
        snprintf(text, sizeof(text), "%s: %s", dlname, errbuf);
    } else if (err == NULL && num_errcodes >= ERTS_DDLL_MAX_MEM_ERRCODES &&
               !is_errcode(errbuf)) {
        snprintf(text,
                 sizeof(text),
                 "the image was refused (too many texts of refused images "
                 "are kept; this one is not)");
    } else {
        snprintf(text, sizeof(text), "%s", errbuf);
    }
    return ERL_DE_DYNAMIC_ERROR_OFFSET - find_errcode(text, err);
}

int erts_sys_ddll_open(const char *full_name,
                       void **handle,
                       ErtsSysDdllError *err) {
    size_t len = sys_strlen(full_name);
    char *dlname = erts_alloc(ERTS_ALC_T_TMP, len + EXT_LEN + 1);
    const char *why = NULL;
    void *image = MAP_FAILED;
    struct stat st;
    int fd = -1;
    int ret;

    sys_strcpy(dlname, full_name);
    sys_strcpy(dlname + len, FILE_EXT);
    if (strchr(dlname, '/') == NULL) {
        why = "no directory: the dynamic linker searches for it";
    } else if ((fd = open(dlname, O_RDONLY | O_CLOEXEC)) < 0) {
        why = "cannot be opened";
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        why = "not a regular file with contents";
    } else if ((image = mmap(NULL,
                             (size_t)st.st_size,
                             PROT_READ,
                             MAP_PRIVATE,
                             fd,
                             0)) == MAP_FAILED) {
        why = "cannot be mapped";
    }
    if (why != NULL) {
        memtest_log("file", dlname, why);
        ret = erts_sys_ddll_open_noext(dlname, handle, err);
    } else {
        ret = memtest_open_image(image,
                                 (size_t)st.st_size,
                                 dlname,
                                 handle,
                                 err);
        munmap(image, (size_t)st.st_size);
    }
    if (fd >= 0) {
        close(fd);
    }
    erts_free(ERTS_ALC_T_TMP, dlname);
    return ret;
}

int erts_sys_ddll_close2(void *handle, ErtsSysDdllError *err) {
    memtest_forget(handle);
    return erts_sys_ddll_close2_plain(handle, err);
}
