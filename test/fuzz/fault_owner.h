/* SPDX-License-Identifier: Apache-2.0
 *
 * Whose code a process was running when it took a fault: the library under
 * test, the dynamic linker, erts (the program itself: beam.smp, or the
 * harness that holds the loader and reads the NIF entry as erts does), or
 * none of these. Called from the handler of the fault
 * signal, it reads /proc/self/maps and the stack there:
 *
 *   - the faulting pc first; when it cannot be executed (a call through a
 *     bad pointer), the return address (the word on top of the stack on
 *     x86_64, the link register on AArch64);
 *   - then the frames backtrace() finds beyond the interrupted pc,
 *     innermost first;
 *   - the first of these that lies in the library, the dynamic linker or
 *     the program decides; other files' code (the C and C++ runtime, other
 *     libraries) is passed over, and an address of no file is
 *     unattributed. A fault in memcpy() belongs to
 *     whoever called it; one reached from the dynamic linker's call of an
 *     init or fini function, to the library (fault_owner_note_init_caller).
 *
 * Used by the differential fuzzer's child (load_in_child.cpp) and by the
 * VM torture test's preloaded reporter (test/e2e/fault_report.c), which
 * thus count deaths the same way.
 */
#ifndef FAULT_OWNER_H
#define FAULT_OWNER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fault_owner {
    FAULT_OWNER_LIBRARY,        /* the library under test's own code */
    FAULT_OWNER_DYNAMIC_LINKER, /* ld.so */
    FAULT_OWNER_ERTS,           /* the executable: beam.smp, or the harness */
    FAULT_OWNER_UNATTRIBUTED,   /* none of these (or only the runtime) */
};

/* Once, outside any signal handler: the library is the mapping whose path
 * contains library_marker (for a memfd, "/memfd:NAME"). Loads what
 * backtrace() needs, which it must not do in a handler. */
void fault_owner_init(const char *library_marker);

/* In the handler of a fault signal, with its third argument: the owner, and
 * the pc and the return address (above) in *pc and *sp_word. */
enum fault_owner fault_owner_of(const void *ucontext,
                                uintptr_t *pc,
                                uintptr_t *sp_word);

/* For a probe library's init and fini functions: the address the dynamic
 * linker's call of one returns to. A death in the C runtime whose nearest
 * caller outside it is such a call is the library function's, which
 * tail-called into the runtime (a constructor calling __cxa_atexit), and
 * so left no frame of its own. */
void fault_owner_note_init_caller(const void *return_address);

/* Loads and unloads the probe library at path (init_call_probe.c), whose
 * functions call fault_owner_note_init_caller(). */
void fault_owner_learn_init_callers(const char *path);

/* The owner of the code at address (unattributed for the runtime's). Also
 * safe in a signal handler. */
enum fault_owner fault_owner_of_address(uintptr_t address);

/* "library", "dynamic_linker", "erts", "unattributed". */
const char *fault_owner_name(enum fault_owner owner);

#ifdef __cplusplus
}
#endif

#endif
