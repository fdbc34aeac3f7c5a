// SPDX-License-Identifier: Apache-2.0
//
// replay PATH...
//
// Runs LLVMFuzzerTestOneInput once on every file named, and on every regular
// file under every directory named (recursively, in sorted order). This is
// what lets the corpus and the regression inputs run in every test run, with
// compilers that have no libFuzzer. Arguments starting with '-' are ignored,
// so a libFuzzer command line can be reused, except --expect-refused: then
// every input must also be refused by the validator (for images that it
// once accepted and that crashed the dynamic linker). Fails if it found no
// input at all, so that a wrong path cannot pass silently.

#include "erl_dlopen_mem.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
// Optional, as with libFuzzer: called once with the command line.
extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
        __attribute__((weak));

namespace fs = std::filesystem;

namespace {

bool collect_inputs(const fs::path &path, std::vector<fs::path> &inputs) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        for (fs::recursive_directory_iterator it(path, ec), end;
             !ec && it != end;
             it.increment(ec)) {
            if (it->is_regular_file(ec))
                inputs.push_back(it->path());
        }
    } else if (fs::is_regular_file(path, ec)) {
        inputs.push_back(path);
    } else {
        std::fprintf(stderr,
                     "replay: %s: no such file or directory\n",
                     path.c_str());
        return false;
    }
    if (ec) {
        std::fprintf(stderr,
                     "replay: %s: %s\n",
                     path.c_str(),
                     ec.message().c_str());
        return false;
    }
    return true;
}

bool replay_one(const fs::path &path, bool expect_refused) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    uintmax_t size = fs::file_size(path, ec);
    if (!in || ec) {
        std::fprintf(stderr, "replay: %s: cannot read\n", path.c_str());
        return false;
    }
    // Exactly sized, so that a sanitizer sees a read past the end of it.
    std::unique_ptr<uint8_t[]> data(new uint8_t[size]);
    if (!in.read(reinterpret_cast<char *>(data.get()),
                 static_cast<std::streamsize>(size))) {
        std::fprintf(stderr, "replay: %s: short read\n", path.c_str());
        return false;
    }
    // Named first, so that a crash points at its input.
    std::fprintf(stderr, "replay: %s (%ju bytes)\n", path.c_str(), size);
    LLVMFuzzerTestOneInput(data.get(), static_cast<size_t>(size));
    if (expect_refused) {
        char message[256];
        if (erts_dlopen_mem_validate(data.get(),
                                     static_cast<size_t>(size),
                                     message,
                                     sizeof message) !=
            ERTS_DLOPEN_MEM_BAD_IMAGE) {
            std::fprintf(stderr,
                         "replay: %s: accepted, must be refused\n",
                         path.c_str());
            return false;
        }
        std::fprintf(stderr, "replay: refused: %s\n", message);
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    std::vector<fs::path> inputs;
    bool ok = true, expect_refused = false;
    for (int i = 1; i < argc; i++) {
        if (std::string(argv[i]) == "--expect-refused")
            expect_refused = true;
        else if (argv[i][0] != '-')
            ok = collect_inputs(argv[i], inputs) && ok;
    }
    std::sort(inputs.begin(), inputs.end());
    for (const fs::path &input : inputs)
        ok = replay_one(input, expect_refused) && ok;
    if (inputs.empty()) {
        std::fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    std::printf("replay: %zu inputs, %s\n",
                inputs.size(),
                ok ? "all passed" : "some failed");
    return ok ? 0 : 1;
}
