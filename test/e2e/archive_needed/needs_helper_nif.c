/* SPDX-License-Identifier: Apache-2.0 */
#include <erl_nif.h>

int helper_value(void);

static ERL_NIF_TERM value(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    return enif_make_int(env, helper_value());
}

static ErlNifFunc funcs[] = {{"value", 0, value, 0}};

ERL_NIF_INIT(needs_helper, funcs, NULL, NULL, NULL, NULL)
