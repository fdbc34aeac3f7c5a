// SPDX-License-Identifier: Apache-2.0
//
// validate_sweep [--list] PATH...
//
// Runs erts_dlopen_mem_validate over every ELF shared object (a file whose
// name holds ".so", or a file named) of this machine's class and
// architecture found under the paths (recursively;
// symbolic links are not followed, and a file reached twice through hard
// links is judged once), and prints how many were accepted and, for each
// refusal, the file and the validator's message. Real libraries are the
// validator's false-refusal test: a rule that refuses one of them is wrong,
// or must say why the library is. --list also prints every accepted file.
// Exits 1 if any was refused, 2 if no shared object was found.

#include "erl_dlopen_mem.h"

#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path &path, size_t limit, std::vector<char> &out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.resize(limit);
    in.read(out.data(), static_cast<std::streamsize>(limit));
    out.resize(static_cast<size_t>(in.gcount()));
    return true;
}

// ELF of this program's class, byte order and machine, of type ET_DYN.
bool is_native_shared_object(const std::vector<char> &head,
                             const ElfW(Ehdr) & self) {
    ElfW(Ehdr) ehdr;
    if (head.size() < sizeof ehdr)
        return false;
    std::memcpy(&ehdr, head.data(), sizeof ehdr);
    return std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) == 0 &&
           ehdr.e_ident[EI_CLASS] == self.e_ident[EI_CLASS] &&
           ehdr.e_ident[EI_DATA] == self.e_ident[EI_DATA] &&
           ehdr.e_type == ET_DYN && ehdr.e_machine == self.e_machine;
}

} // namespace

int main(int argc, char **argv) {
    bool list = false;
    std::vector<fs::path> roots;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--list") == 0)
            list = true;
        else
            roots.emplace_back(argv[i]);
    }
    std::vector<char> data;
    ElfW(Ehdr) self;
    if (!read_file("/proc/self/exe", sizeof self, data) ||
        data.size() != sizeof self) {
        std::fprintf(stderr, "validate_sweep: cannot read /proc/self/exe\n");
        return 2;
    }
    std::memcpy(&self, data.data(), sizeof self);
    std::vector<fs::path> files;
    std::set<std::pair<dev_t, ino_t>> seen;
    for (const fs::path &root : roots) {
        std::error_code ec;
        if (fs::is_regular_file(root, ec)) {
            files.push_back(root);
            continue;
        }
        auto options = fs::directory_options::skip_permission_denied;
        for (fs::recursive_directory_iterator it(root, options, ec), end;
             !ec && it != end;
             it.increment(ec)) {
            struct stat st;
            if (it->is_symlink(ec) || !it->is_regular_file(ec) ||
                lstat(it->path().c_str(), &st) != 0 ||
                it->path().filename().string().find(".so") ==
                        std::string::npos ||
                !seen.insert({st.st_dev, st.st_ino}).second)
                continue;
            files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());
    size_t accepted = 0, refused = 0;
    for (const fs::path &path : files) {
        if (!read_file(path, sizeof(ElfW(Ehdr)), data) ||
            !is_native_shared_object(data, self))
            continue;
        std::error_code ec;
        uintmax_t size = fs::file_size(path, ec);
        if (ec || !read_file(path, static_cast<size_t>(size), data) ||
            data.size() != size) {
            std::printf("unreadable: %s\n", path.c_str());
            refused++;
            continue;
        }
        char message[512];
        if (erts_dlopen_mem_validate(data.data(),
                                     data.size(),
                                     message,
                                     sizeof message) == 0) {
            accepted++;
            if (list)
                std::printf("accepted: %s\n", path.c_str());
        } else {
            refused++;
            std::printf("refused: %s: %s\n", path.c_str(), message);
        }
    }
    std::printf("validate_sweep: %zu native shared objects, %zu accepted, "
                "%zu refused\n",
                accepted + refused,
                accepted,
                refused);
    if (accepted + refused == 0)
        return 2;
    return refused == 0 ? 0 : 1;
}
