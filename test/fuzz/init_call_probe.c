/* SPDX-License-Identifier: Apache-2.0
 *
 * Loaded once by a program that uses fault_owner.h: its init and fini
 * functions tell fault_owner where the dynamic linker's calls of such
 * functions return (DT_INIT, DT_INIT_ARRAY, DT_FINI_ARRAY, DT_FINI; this
 * library has each: -Wl,-init and -Wl,-fini name two of them). */
#include "fault_owner.h"

void init_call_probe_init(void) {
    fault_owner_note_init_caller(__builtin_return_address(0));
}

void init_call_probe_fini(void) {
    fault_owner_note_init_caller(__builtin_return_address(0));
}

__attribute__((constructor)) static void by_init_array(void) {
    fault_owner_note_init_caller(__builtin_return_address(0));
}

__attribute__((destructor)) static void by_fini_array(void) {
    fault_owner_note_init_caller(__builtin_return_address(0));
}
