/* SPDX-License-Identifier: Apache-2.0 */
/* A NIF library in C, as a seed of the differential fuzzer: a table of
 * functions, read-only data and a load callback, built against erl_nif.h. */
#include <erl_nif.h>

#include <string.h>

static const char *const greetings[] = {"hello", "hej", "hola", "salut"};

static ERL_NIF_TERM greeting(ErlNifEnv *env,
                             int argc,
                             const ERL_NIF_TERM argv[]) {
    unsigned i;
    if (argc != 1 || !enif_get_uint(env, argv[0], &i) || i >= 4)
        return enif_make_badarg(env);
    return enif_make_string(env, greetings[i], ERL_NIF_LATIN1);
}

static ERL_NIF_TERM length(ErlNifEnv *env,
                           int argc,
                           const ERL_NIF_TERM argv[]) {
    ErlNifBinary bin;
    if (argc != 1 || !enif_inspect_binary(env, argv[0], &bin))
        return enif_make_badarg(env);
    return enif_make_uint64(env, bin.size + strlen(greetings[0]));
}

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info) {
    (void)env, (void)info;
    *priv = NULL;
    return 0;
}

static ErlNifFunc funcs[] = {
        {"greeting", 1, greeting, 0},
        {"length", 1, length, ERL_NIF_DIRTY_JOB_CPU_BOUND},
};

ERL_NIF_INIT(seed_c_nif, funcs, load, NULL, NULL, NULL)
