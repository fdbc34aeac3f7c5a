/* SPDX-License-Identifier: Apache-2.0 */
/* A NIF-shaped library in C, built by legal_images.sh with each toolchain
 * and flag variant: an exported nif_init returning an entry in the
 * library, a constructor, a PLT call, a thread-local variable, .data and
 * .bss. legal_value() tells whether all of them worked. */
#include <unistd.h>

struct legal_entry {
    int major, minor;
    const char *name;
};

static const struct legal_entry entry = {2, 17, "legal_nif"};
static int constructed; /* .bss */
static int answer = 40; /* .data */
static __thread int per_thread = 2;

__attribute__((constructor)) static void legal_construct(void) {
    constructed = getpid() > 0;
}

/* Named by -init and -fini in the variants built with LEGAL_INIT_FINI,
 * where legal_value() requires that legal_set_up() ran. */
static int set_up;
void legal_set_up(void) {
    set_up = 1;
}
void legal_tear_down(void) {
    set_up = 0;
}

const struct legal_entry *nif_init(void) {
    return &entry;
}

int legal_value(void) {
#ifdef LEGAL_INIT_FINI
    if (!set_up)
        return -2;
#endif
    return constructed && nif_init()->major == 2 ? answer + per_thread : -1;
}
