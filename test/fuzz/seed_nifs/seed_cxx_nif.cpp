// SPDX-License-Identifier: Apache-2.0
// A NIF library in C++, as a seed of the differential fuzzer: static
// constructors, a thread_local with a destructor, the standard library and
// exceptions, each of which adds relocations and dynamic symbols.
#include <erl_nif.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

const std::map<std::string, int> kWords = {{"one", 1},
                                           {"two", 2},
                                           {"three", 3}};
thread_local std::string last_word;

int lookup(const std::string &word) {
    auto it = kWords.find(word);
    if (it == kWords.end())
        throw std::out_of_range(word);
    return it->second;
}

ERL_NIF_TERM word_value(ErlNifEnv *env, int, const ERL_NIF_TERM argv[]) {
    ErlNifBinary bin;
    if (!enif_inspect_binary(env, argv[0], &bin))
        return enif_make_badarg(env);
    last_word.assign(reinterpret_cast<const char *>(bin.data), bin.size);
    try {
        return enif_make_int(env, lookup(last_word));
    } catch (const std::out_of_range &) {
        return enif_make_atom(env, "unknown");
    }
}

ERL_NIF_TERM words(ErlNifEnv *env, int, const ERL_NIF_TERM[]) {
    std::vector<ERL_NIF_TERM> terms;
    for (const auto &[word, value] : kWords)
        terms.push_back(enif_make_tuple2(env,
                                         enif_make_atom(env, word.c_str()),
                                         enif_make_int(env, value)));
    return enif_make_list_from_array(env, terms.data(), terms.size());
}

ErlNifFunc funcs[] = {
        {"word_value", 1, word_value, 0},
        {"words", 0, words, 0},
};

} // namespace

ERL_NIF_INIT(seed_cxx_nif, funcs, nullptr, nullptr, nullptr, nullptr)
