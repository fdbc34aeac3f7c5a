// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target of the differential fuzzing: every input that has a
// seed's code (SeedCode in load_in_child.h) is loaded in a child process by
// load_in_child when validation accepts it; the child dying is a finding,
// and this process aborts so that libFuzzer keeps the input.
//
// The seeds come from LOAD_FUZZER_SEEDS (directories or files, separated by
// ':'), not from the command line: a corpus holds mutants too.
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
#include <string>
#include <system_error>
#include <vector>

namespace {

std::vector<SeedCode> &seeds() {
    static std::vector<SeedCode> code;
    return code;
}

void add_seed(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> image{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    char message[256];
    if (erts_dlopen_mem_validate(image.data(),
                                 image.size(),
                                 message,
                                 sizeof message) == ERTS_DLOPEN_MEM_OK)
        seeds().emplace_back(std::move(image));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    namespace fs = std::filesystem;
    const char *list = std::getenv("LOAD_FUZZER_SEEDS");
    std::string paths = list ? list : "";
    for (size_t at = 0; at < paths.size();) {
        size_t end = paths.find(':', at);
        if (end == std::string::npos)
            end = paths.size();
        fs::path path = paths.substr(at, end - at);
        at = end + 1;
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            for (fs::recursive_directory_iterator it(path, ec), stop;
                 !ec && it != stop;
                 it.increment(ec))
                if (it->is_regular_file(ec))
                    add_seed(it->path());
        } else if (fs::is_regular_file(path, ec)) {
            add_seed(path);
        }
    }
    std::fprintf(stderr,
                 "load_fuzzer: the code of %zu seeds (LOAD_FUZZER_SEEDS)\n",
                 seeds().size());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    bool seed_code = false;
    for (const SeedCode &seed : seeds())
        seed_code = seed_code || seed.same_code(data, size);
    if (!seed_code)
        return 0; // native code no validator can judge
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
