// SPDX-License-Identifier: Apache-2.0
//
// The NIF library of module memnif_checksum_nif: crc32(Crc, Data), the CRC-32
// of iodata Data continued from Crc (0 to start).
#include <climits>
#include <cstddef>

#include <erl_nif.h>

#include "crc32.hpp"

namespace {

static_assert(sizeof(unsigned) * CHAR_BIT == 32,
              "enif_get_uint must take exactly a CRC-32");

// A NIF should give its scheduler back within about a millisecond. At the
// 2+ GB/s of slicing-by-16, 256 KiB take ~0.1 ms; anything larger is moved to
// a dirty CPU scheduler instead of holding up Erlang processes.
constexpr std::size_t kDirtyThreshold = 256 * 1024;

bool get_arguments(ErlNifEnv *env,
                   const ERL_NIF_TERM argv[],
                   unsigned *crc,
                   ErlNifBinary *data) {
    return enif_get_uint(env, argv[0], crc) &&
           (enif_inspect_binary(env, argv[1], data) ||
            enif_inspect_iolist_as_binary(env, argv[1], data));
}

ERL_NIF_TERM crc32_now(ErlNifEnv *env,
                       int /*argc*/,
                       const ERL_NIF_TERM argv[]) {
    unsigned crc;
    ErlNifBinary data;
    if (!get_arguments(env, argv, &crc, &data)) {
        return enif_make_badarg(env);
    }
    return enif_make_uint(
            env,
            memnif_checksum::crc32_update(crc, data.data, data.size));
}

ERL_NIF_TERM crc32_nif(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]) {
    unsigned crc;
    ErlNifBinary data;
    if (!get_arguments(env, argv, &crc, &data)) {
        return enif_make_badarg(env);
    }
    if (data.size > kDirtyThreshold) {
        return enif_schedule_nif(env,
                                 "crc32",
                                 ERL_NIF_DIRTY_JOB_CPU_BOUND,
                                 crc32_now,
                                 argc,
                                 argv);
    }
    return enif_make_uint(
            env,
            memnif_checksum::crc32_update(crc, data.data, data.size));
}

ErlNifFunc nif_functions[] = {
        {"crc32", 2, crc32_nif, 0},
};

} // namespace

ERL_NIF_INIT(memnif_checksum_nif,
             nif_functions,
             nullptr,
             nullptr,
             nullptr,
             nullptr)
