/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "fault_owner.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static char library_marker[256];
static char program_path[4096];
/* Static, not on the (alternate) signal stack: a VM's maps run long. */
static char maps[1 << 20];

/* Where the dynamic linker's calls of init and fini functions return. */
static uintptr_t init_callers[8];
static unsigned init_caller_count;

void fault_owner_note_init_caller(const void *return_address) {
    uintptr_t address = (uintptr_t)return_address;
    for (unsigned i = 0; i < init_caller_count; i++)
        if (init_callers[i] == address)
            return;
    if (init_caller_count < sizeof init_callers / sizeof *init_callers)
        init_callers[init_caller_count++] = address;
}

void fault_owner_learn_init_callers(const char *path) {
    void *probe = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (probe == NULL) {
        fprintf(stderr, "fault_owner: %s\n", dlerror());
        return;
    }
    dlclose(probe);
}

static int is_init_caller(uintptr_t address) {
    for (unsigned i = 0; i < init_caller_count; i++)
        if (init_callers[i] == address)
            return 1;
    return 0;
}

void fault_owner_init(const char *marker) {
    size_t n = strlen(marker);
    ssize_t len;
    void *frame;

    if (n >= sizeof library_marker)
        n = sizeof library_marker - 1;
    memcpy(library_marker, marker, n);
    library_marker[n] = '\0';
    len = readlink("/proc/self/exe", program_path, sizeof program_path - 1);
    program_path[len > 0 ? len : 0] = '\0';
    backtrace(&frame, 1);
}

static void read_maps(void) {
    size_t size = 0;
    ssize_t n;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

    while (fd >= 0 && size < sizeof maps - 1) {
        n = read(fd, maps + size, sizeof maps - 1 - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    maps[size] = '\0';
}

static uintptr_t hex(const char **p) {
    uintptr_t value = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            value = value * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            value = value * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return value;
    }
}

struct mapping {
    int readable, executable;
    const char *path; /* into maps, up to the end of its line */
    size_t path_length;
};

/* The line of maps ("start-end perms offset dev inode path") holding
 * address; a mapping with no rights and no path if none does. */
static struct mapping mapping_of(uintptr_t address) {
    struct mapping found = {0, 0, "", 0};
    const char *line = maps;

    while (*line != '\0') {
        const char *p = line, *end = strchr(line, '\n');
        uintptr_t start, stop;

        if (end == NULL)
            end = line + strlen(line);
        start = hex(&p);
        if (*p == '-')
            p++;
        stop = hex(&p);
        if (address >= start && address < stop && end - p > 5) {
            int field;
            found.readable = p[1] == 'r';
            found.executable = p[3] == 'x';
            /* perms, offset, dev, inode, then spaces before the path */
            for (field = 0; field < 4 && p < end; field++) {
                while (p < end && *p == ' ')
                    p++;
                while (p < end && *p != ' ')
                    p++;
            }
            while (p < end && *p == ' ')
                p++;
            found.path = p;
            found.path_length = (size_t)(end - p);
            return found;
        }
        line = *end == '\n' ? end + 1 : end;
    }
    return found;
}

static int contains(const struct mapping *m, const char *text) {
    size_t n = strlen(text);
    for (size_t i = 0; n > 0 && i + n <= m->path_length; i++)
        if (memcmp(m->path + i, text, n) == 0)
            return 1;
    return 0;
}

static int base_starts_with(const struct mapping *m, const char *prefix) {
    const char *base = m->path;
    for (size_t i = 0; i < m->path_length; i++)
        if (m->path[i] == '/')
            base = m->path + i + 1;
    return strncmp(base, prefix, strlen(prefix)) == 0;
}

/* The C and C++ runtime, and any other library of the process's: a fault
 * there belongs to its caller (crypto.so passing libcrypto a bad pointer
 * dies in libcrypto). */
static int is_runtime(const struct mapping *m) {
    return (m->path_length > 0 && m->path[0] == '/') ||
           base_starts_with(m, "[vdso]");
}

/* -1 for the runtime, else the owner. */
static int owner_of(uintptr_t address) {
    struct mapping m = mapping_of(address);
    size_t program_length = strlen(program_path);

    if (library_marker[0] != '\0' && contains(&m, library_marker))
        return FAULT_OWNER_LIBRARY;
    if (program_length > 0 && m.path_length >= program_length &&
        memcmp(m.path, program_path, program_length) == 0)
        return FAULT_OWNER_ERTS;
    if (base_starts_with(&m, "ld-linux") || base_starts_with(&m, "ld.so"))
        return FAULT_OWNER_DYNAMIC_LINKER;
    if (is_runtime(&m))
        return -1;
    return FAULT_OWNER_UNATTRIBUTED;
}

/* The pc, and where a call's return address is: on x86_64 the word on top
 * of the stack (when the stack can be read), on AArch64 the link register. */
static void context_pc_return(const void *context,
                              uintptr_t *pc,
                              uintptr_t *return_address) {
    const ucontext_t *uc = (const ucontext_t *)context;
    *return_address = 0;
#if defined(__x86_64__)
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    *pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (sp % sizeof(uintptr_t) == 0 && mapping_of(sp).readable)
        *return_address = *(const uintptr_t *)sp;
#elif defined(__aarch64__)
    *pc = (uintptr_t)uc->uc_mcontext.pc;
    *return_address = (uintptr_t)uc->uc_mcontext.regs[30];
#else
    (void)uc;
    *pc = 0;
#endif
}

enum fault_owner fault_owner_of(const void *context,
                                uintptr_t *pc,
                                uintptr_t *sp_word) {
    void *frames[64];
    int count, i, owner;

    read_maps();
    context_pc_return(context, pc, sp_word);
    owner = owner_of(mapping_of(*pc).executable ? *pc : *sp_word);
    if (owner >= 0)
        return (enum fault_owner)owner;
    /* In the runtime: the frames of the interrupted code, which follow
     * the handler's own and the pc itself in the unwinder's list. At an
     * address where nothing is mapped the unwinder may fault; only the pc
     * is then known, and the process dies of that second fault. */
    count = backtrace(frames, 64);
    for (i = 0; i < count && (uintptr_t)frames[i] != *pc; i++) {
    }
    for (i++; i < count; i++) {
        owner = owner_of((uintptr_t)frames[i]);
        if (owner == FAULT_OWNER_DYNAMIC_LINKER &&
            is_init_caller((uintptr_t)frames[i]))
            return FAULT_OWNER_LIBRARY;
        if (owner >= 0)
            return (enum fault_owner)owner;
    }
    return FAULT_OWNER_UNATTRIBUTED;
}

enum fault_owner fault_owner_of_address(uintptr_t address) {
    int owner;
    read_maps();
    owner = owner_of(address);
    return owner >= 0 ? (enum fault_owner)owner : FAULT_OWNER_UNATTRIBUTED;
}

const char *fault_owner_name(enum fault_owner owner) {
    switch (owner) {
    case FAULT_OWNER_LIBRARY:
        return "library";
    case FAULT_OWNER_DYNAMIC_LINKER:
        return "dynamic_linker";
    case FAULT_OWNER_ERTS:
        return "erts";
    case FAULT_OWNER_UNATTRIBUTED:
        break;
    }
    return "unattributed";
}
