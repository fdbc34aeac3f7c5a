// SPDX-License-Identifier: Apache-2.0
// Fault injection for the loader's fallbacks. fault_injection.cpp defines
// memfd_create, shm_open, open, mkostemp, write, fcntl and dlclose in the
// test executable, where they take precedence over libc's; each fails as
// told here and otherwise calls libc's own.
#pragma once

#include <sys/mman.h>

#ifndef MFD_NOEXEC_SEAL
#    define MFD_NOEXEC_SEAL 0x0008U // Linux 6.3; glibc 2.36's headers lack it
#endif

struct InjectedFaults {
    int memfd_errno = 0;             // memfd_create fails with this
    int memfd_noexec_seal_errno = 0; // only when MFD_NOEXEC_SEAL is asked for
    int shm_errno = 0;               // shm_open fails with this
    int tmpfile_errno = 0;           // open(dir, O_TMPFILE) fails with this
    int mkostemp_errno = 0;
    int write_errno = 0; // every write fails with this
    bool short_and_interrupted_writes =
            false;      // at most 1000 bytes, EINTR every third call
    int seal_errno = 0; // fcntl(F_ADD_SEALS) fails with this
    // dlclose closes the object, then fails as if it had not: -1, with
    // dlerror() saying "<kDlcloseFailurePath>: cannot open shared object..."
    bool dlclose_fails = false;
};

constexpr const char *kDlcloseFailurePath = "/nonexistent/erts_dlclose_fault";

// Calls observed since the last reset.
struct ObservedCalls {
    int memfd_calls = 0;
    unsigned last_memfd_flags = 0;
    int writes = 0;
    int interrupted_writes = 0;
};

extern InjectedFaults injected_faults;
extern ObservedCalls observed_calls;

// Clears the faults and the observations (call at the start of every test).
void reset_fault_injection();
