/* SPDX-License-Identifier: Apache-2.0 */
#include <erl_nif.h>
#include <stdint.h>

static uint32_t table[256];

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return 0;
}

static ERL_NIF_TERM crc32(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    ErlNifBinary bin;
    if (!enif_inspect_binary(env, argv[0], &bin))
        return enif_make_badarg(env);
    uint32_t c = 0xffffffffU;
    for (size_t i = 0; i < bin.size; i++)
        c = table[(c ^ bin.data[i]) & 0xff] ^ (c >> 8);
    return enif_make_uint(env, c ^ 0xffffffffU);
}

static ErlNifFunc funcs[] = {
        {"crc32", 1, crc32, ERL_NIF_DIRTY_JOB_CPU_BOUND},
};

ERL_NIF_INIT(Elixir.Crc32Nif, funcs, load, NULL, NULL, NULL)
