/* SPDX-License-Identifier: Apache-2.0 */
/* A NIF library of about a given size, for vm_bench.escript: module
 * VM_BENCH_MODULE, one NIF, value/0, that returns the last of
 * VM_BENCH_PAD_SIZE bytes of read-only data, VM_BENCH_VALUE.
 *
 * With VM_BENCH_HEAP_ENTRY, its nif_init copies the entry to the heap, its
 * strings, function table and function name too, as libraries that build
 * their entry at run time (Rustler's) do. With VM_BENCH_HEAP_ENTRY=1 it
 * returns the copy: erts then reads every one of them outside the library,
 * each through its readability probe; with 0, the entry in the library,
 * which erts reads directly. The two differ in nothing else. */
#include <erl_nif.h>
#ifdef VM_BENCH_HEAP_ENTRY
#    include <stdlib.h>
#    include <string.h>
#endif

#define VM_BENCH_STR(x)  #x
#define VM_BENCH_XSTR(x) VM_BENCH_STR(x)

/* Zero but for the last byte: the compiler writes it as .zero and one byte,
 * so that even 64 MiB compiles at once; initialised and const, it is in
 * .rodata, in the file (not .bss). */
static const unsigned char padding[VM_BENCH_PAD_SIZE] = {
        [VM_BENCH_PAD_SIZE - 1] = VM_BENCH_VALUE};

static ERL_NIF_TERM value(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    (void)argc;
    (void)argv;
    /* Read through a volatile pointer: the compiler may neither fold it into
     * a constant nor drop the array. */
    const volatile unsigned char *last = &padding[VM_BENCH_PAD_SIZE - 1];
    return enif_make_int(env, *last);
}

/* Tells the process registered as vm_bench that the library is being
 * unloaded: {vm_bench_unloaded, Module}. erts closes it right after, still
 * holding the code modification permission that load_nif/2 needs. */
static void unload(ErlNifEnv *env, void *priv_data) {
    ErlNifPid pid;
    (void)priv_data;
    if (enif_whereis_pid(env, enif_make_atom(env, "vm_bench"), &pid)) {
        ErlNifEnv *msg_env = enif_alloc_env();
        ERL_NIF_TERM msg = enif_make_tuple2(
                msg_env,
                enif_make_atom(msg_env, "vm_bench_unloaded"),
                enif_make_atom(msg_env, VM_BENCH_XSTR(VM_BENCH_MODULE)));
        enif_send(env, &pid, msg_env, msg);
        enif_free_env(msg_env);
    }
}

static ErlNifFunc nif_funcs[] = {{"value", 0, value, 0}};

#ifdef VM_BENCH_HEAP_ENTRY
/* ERL_NIF_INIT's function under another name; nif_init, below, copies what
 * it returns. */
#    define nif_init vm_bench_static_entry
#endif

/* Through a macro of its own, so that VM_BENCH_MODULE is expanded before
 * ERL_NIF_INIT makes a string of it. */
#define VM_BENCH_NIF_INIT(module)                                              \
    ERL_NIF_INIT(module, nif_funcs, NULL, NULL, NULL, unload)
VM_BENCH_NIF_INIT(VM_BENCH_MODULE)

#ifdef VM_BENCH_HEAP_ENTRY
#    undef nif_init

static void *copy_or_abort(const void *from, size_t size) {
    void *to = malloc(size);
    if (to == NULL) {
        abort();
    }
    return memcpy(to, from, size);
}

static char *copy_string(const char *from) {
    return copy_or_abort(from, strlen(from) + 1);
}

/* Never freed, as Rustler's: erts keeps pointers into the entry while the
 * library is loaded, and a benchmark run leaks a few KiB. Kept here when
 * not returned, so that the compiler keeps the copies. */
static ErlNifEntry *volatile heap_entry;

ERL_NIF_INIT_DECL(VM_BENCH_MODULE) {
    const ErlNifEntry *in_library = vm_bench_static_entry();
    ErlNifEntry *entry = copy_or_abort(in_library, sizeof(*entry));
    ErlNifFunc *funcs =
            copy_or_abort(in_library->funcs,
                          in_library->num_of_funcs * sizeof(*funcs));
    for (int i = 0; i < in_library->num_of_funcs; i++) {
        funcs[i].name = copy_string(in_library->funcs[i].name);
    }
    entry->name = copy_string(in_library->name);
    entry->funcs = funcs;
    entry->vm_variant = copy_string(in_library->vm_variant);
    entry->min_erts = copy_string(in_library->min_erts);
    heap_entry = entry;
    return VM_BENCH_HEAP_ENTRY ? entry : (ErlNifEntry *)in_library;
}
#endif
