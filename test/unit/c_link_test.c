/* SPDX-License-Identifier: Apache-2.0 */
/* Linked with the C compiler driver alone, as erts's emu flavour links the
 * emulator: the loader must need nothing from libstdc++. */
#include "erl_dlopen_mem.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n)
        *size = (size_t)n;
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    size_t size = 0;
    unsigned char *image = argc == 2 ? read_all(argv[1], &size) : NULL;
    void *handle = NULL;
    char err[256];
    int (*value)(void);
    if (!image) {
        fprintf(stderr, "usage: c_link_test_cc FIXTURE_B.so\n");
        return 1;
    }
    if (erts_dlopen_mem(image, size, "from_c", &handle, err, sizeof err) != 0) {
        fprintf(stderr, "erts_dlopen_mem: %s\n", err);
        return 1;
    }
    value = (int (*)(void))dlsym(handle, "fixture_value");
    if (!value || value() != 2) {
        fprintf(stderr, "fixture_value did not return 2\n");
        return 1;
    }
    if (erts_dlclose_mem(handle) != 0 ||
        erts_dlopen_mem(image, 10, "short", &handle, err, sizeof err) !=
                ERTS_DLOPEN_MEM_BAD_IMAGE) {
        fprintf(stderr, "close or refusal failed\n");
        return 1;
    }
    free(image);
    printf("loaded from C, fixture_value() == 2, short image refused: %s\n",
           err);
    return 0;
}
