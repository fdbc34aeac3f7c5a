// SPDX-License-Identifier: Apache-2.0
#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif
#include "fault_injection.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

InjectedFaults injected_faults;
ObservedCalls observed_calls;

void reset_fault_injection() {
    injected_faults = InjectedFaults();
    observed_calls = ObservedCalls();
}

namespace {
template <typename Fn>
Fn real(const char *name) {
    return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}
int fail_with(int e) {
    errno = e;
    return -1;
}
} // namespace

extern "C" {

int memfd_create(const char *name, unsigned flags) {
    observed_calls.memfd_calls++;
    observed_calls.last_memfd_flags = flags;
    if (injected_faults.memfd_errno)
        return fail_with(injected_faults.memfd_errno);
    if (injected_faults.memfd_noexec_seal_errno && (flags & MFD_NOEXEC_SEAL))
        return fail_with(injected_faults.memfd_noexec_seal_errno);
    return real<int (*)(const char *, unsigned)>("memfd_create")(name, flags);
}

int shm_open(const char *name, int oflag, mode_t mode) {
    if (injected_faults.shm_errno)
        return fail_with(injected_faults.shm_errno);
    return real<int (*)(const char *, int, mode_t)>(
            "shm_open")(name, oflag, mode);
}

int open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if ((flags & O_TMPFILE) == O_TMPFILE && injected_faults.tmpfile_errno)
        return fail_with(injected_faults.tmpfile_errno);
    return real<int (*)(const char *, int, ...)>("open")(path, flags, mode);
}

int mkostemp(char *tmpl, int flags) {
    if (injected_faults.mkostemp_errno)
        return fail_with(injected_faults.mkostemp_errno);
    return real<int (*)(char *, int)>("mkostemp")(tmpl, flags);
}

int dlclose(void *handle) {
    int rc = real<int (*)(void *)>("dlclose")(handle);
    if (rc != 0 || !injected_faults.dlclose_fails)
        return rc;
    // dlerror() is per thread: a failed dlopen sets it, as dlclose would.
    if (void *h = dlopen(kDlcloseFailurePath, RTLD_NOW))
        real<int (*)(void *)>("dlclose")(h);
    return -1;
}

ssize_t write(int fd, const void *buf, size_t count) {
    if (injected_faults.write_errno)
        return fail_with(injected_faults.write_errno);
    if (injected_faults.short_and_interrupted_writes) {
        if (++observed_calls.writes % 3 == 0) {
            observed_calls.interrupted_writes++;
            return fail_with(EINTR);
        }
        if (count > 1000)
            count = 1000;
    }
    return real<ssize_t (*)(int, const void *, size_t)>(
            "write")(fd, buf, count);
}

int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (cmd == F_ADD_SEALS && injected_faults.seal_errno)
        return fail_with(injected_faults.seal_errno);
    return real<int (*)(int, int, ...)>("fcntl")(fd, cmd, arg);
}

} // extern "C"
