// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target of the differential fuzzing: every input that
// erts_dlopen_mem_validate accepts, and whose code is a seed's (see
// code_fingerprint in load_in_child.h), is loaded in a child process by
// load_in_child; the child dying is a finding, and this process aborts so
// that libFuzzer keeps the input.
//
// The seeds' code fingerprints are taken in LLVMFuzzerInitialize from the
// files under the directories and files on the command line that validation
// accepts (libFuzzer's corpus directories, or replay_main's arguments).
//
// Linked with replay_main.cpp it is load_fuzz_replay, which replays the
// seeds, the corpus and the regressions with any compiler.

#include "erl_dlopen_mem.h"
#include "load_in_child.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>
#include <vector>

namespace {

std::set<uint64_t> &seed_code() {
    static std::set<uint64_t> fingerprints;
    return fingerprints;
}

void add_seed(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> image{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    char message[256];
    if (erts_dlopen_mem_validate(image.data(),
                                 image.size(),
                                 message,
                                 sizeof message) != ERTS_DLOPEN_MEM_OK)
        return;
    if (auto fingerprint = code_fingerprint(image.data(), image.size()))
        seed_code().insert(*fingerprint);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    namespace fs = std::filesystem;
    for (int i = 1; i < *argc; i++) {
        const char *arg = (*argv)[i];
        if (arg[0] == '-')
            continue;
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (fs::recursive_directory_iterator it(arg, ec), end;
                 !ec && it != end;
                 it.increment(ec))
                if (it->is_regular_file(ec))
                    add_seed(it->path());
        } else if (fs::is_regular_file(arg, ec)) {
            add_seed(arg);
        }
    }
    std::fprintf(stderr,
                 "load_fuzzer: code of %zu seed images\n",
                 seed_code().size());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    auto fingerprint = code_fingerprint(data, size);
    if (!fingerprint || !seed_code().count(*fingerprint))
        return 0; // no image, or native code no validator can judge
    LoadVerdict verdict = load_in_child(data, size);
    if (is_finding(verdict.outcome)) {
        std::fprintf(stderr,
                     "load_fuzzer: accepted image %s: %s\n",
                     outcome_name(verdict.outcome),
                     verdict.detail.c_str());
        std::abort();
    }
    return 0;
}
