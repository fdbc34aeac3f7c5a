// SPDX-License-Identifier: Apache-2.0
//
// fault_report.so, preloaded (LD_PRELOAD) into a VM that the torture test
// feeds mutants: when the process faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE),
// it writes to the file named by FAULT_REPORT whose code was running
// (test/fuzz/fault_owner.h: the library, whose mapping's path contains
// FAULT_REPORT_LIBRARY, the dynamic linker, erts, or unattributed) and
// where, and then dies of the signal as it would have:
//
//   signal 0xb addr 0x... pc 0x... sp_word 0x... (the return address)
//   owner library
//   maps                   (then /proc/self/maps as it was)
//
// Only async-signal-safe calls once the signal is taken, except
// backtrace(), whose library fault_owner_init() loads ahead (see its
// manual page).

#define _GNU_SOURCE
#include "fault_owner.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
static char report_path[4096];

static void put(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void put_hex(int fd, const char *before, uintptr_t value) {
    char text[2 + 2 * sizeof value + 1];
    int at = (int)sizeof text - 1;
    text[at] = '\0';
    do {
        text[--at] = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value != 0);
    text[--at] = 'x';
    text[--at] = '0';
    put(fd, before);
    put(fd, text + at);
}

static void on_fault(int sig, siginfo_t *info, void *context) {
    int fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        uintptr_t pc, sp_word;
        enum fault_owner owner;
        char buf[4096];
        ssize_t n;
        int maps;

        /* What is known before the owner is looked for: a fault while
         * looking leaves a report without an owner line. */
        put_hex(fd, "signal ", (uintptr_t)sig);
        put_hex(fd, " addr ", (uintptr_t)info->si_addr);
        owner = fault_owner_of(context, &pc, &sp_word);
        put_hex(fd, " pc ", pc);
        put_hex(fd, " sp_word ", sp_word);
        put(fd, "\nowner ");
        put(fd, fault_owner_name(owner));
        put(fd, "\nmaps\n");
        maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
        while (maps >= 0 && (n = read(maps, buf, sizeof buf)) > 0) {
            if (write(fd, buf, (size_t)n) != n)
                break;
        }
        if (maps >= 0)
            close(maps);
        close(fd);
    }
    /* Returning re-runs the faulting instruction, now with the default
     * action: the process dies of the signal it was dying of. A signal
     * sent, not raised by a fault, is sent again. */
    signal(sig, SIG_DFL);
    if (info->si_code <= 0)
        raise(sig);
}

__attribute__((constructor)) static void install_fault_report(void) {
    const char *path = getenv("FAULT_REPORT");
    const char *library = getenv("FAULT_REPORT_LIBRARY");
    struct sigaction action;

    if (path == NULL || strlen(path) >= sizeof report_path)
        return;
    strcpy(report_path, path);
    fault_owner_init(library != NULL ? library : "");
    if (getenv("FAULT_REPORT_INIT_CALL_PROBE") != NULL)
        fault_owner_learn_init_callers(getenv("FAULT_REPORT_INIT_CALL_PROBE"));
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
        sigaction(fault_signals[i], &action, NULL);
}
