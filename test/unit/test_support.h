// SPDX-License-Identifier: Apache-2.0
// What the loader's tests share: reading fixtures and observing the process
// (open fds, memory, files left in a directory, the loaded object's path).
#pragma once

#include "erl_dlopen_mem.h"

#include <dirent.h>
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace erts_test {

inline std::vector<unsigned char> read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
}

inline std::string fixture(const std::string &name) {
    return std::string(ERTS_FIXTURE_DIR) + "/" + name;
}

inline std::vector<unsigned char> read_fixture(const std::string &name) {
    return read_file(fixture(name));
}

// Entries of a directory, "." and ".." excepted.
// erts_dlopen_mem on a whole image, its message in err.
template <size_t N>
int load_image(const std::vector<unsigned char> &image,
               const char *label,
               void **handle,
               char (&err)[N]) {
    return erts_dlopen_mem(image.data(), image.size(), label, handle, err, N);
}

inline std::set<std::string> list_dir(const std::string &dir) {
    std::set<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..")
                names.insert(n);
        }
        closedir(d);
    }
    return names;
}

inline size_t open_fd_count() {
    return list_dir("/proc/self/fd").size();
}

// Under qemu-user the process is the emulator: /proc/self/status and statm
// describe it (its name is qemu-<arch>), not the program it runs.
inline bool under_qemu_user() {
    std::ifstream status("/proc/self/status");
    std::string line;
    return std::getline(status, line) && line.rfind("Name:\tqemu-", 0) == 0;
}

inline long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The path the dynamic linker recorded for a handle (l_name).
inline std::string loaded_path(void *handle) {
    struct link_map *map = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map)
        return "";
    return map->l_name;
}

// Where /proc/self/fd/N points, for the fd in a /proc/PID/fd/N path.
inline std::string fd_target(const std::string &proc_fd_path) {
    char buf[4096];
    ssize_t n = readlink(proc_fd_path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

inline std::string tmpdir() {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

// A fresh $TMPDIR for one test, removed (it must be empty) at the end.
class ScopedTmpdir {
public:
    ScopedTmpdir() {
        const char *old = getenv("TMPDIR");
        had_old_ = old != nullptr;
        if (had_old_)
            old_ = old;
        char tmpl[] = "/tmp/erts_dlopen_mem_test.XXXXXX";
        path_ = mkdtemp(tmpl) ? tmpl : "";
        setenv("TMPDIR", path_.c_str(), 1);
    }
    ~ScopedTmpdir() {
        rmdir(path_.c_str());
        if (had_old_)
            setenv("TMPDIR", old_.c_str(), 1);
        else
            unsetenv("TMPDIR");
    }
    const std::string &path() const {
        return path_;
    }

private:
    std::string path_, old_;
    bool had_old_ = false;
};

using fixture_value_fn = int (*)();

inline int call_fixture_value(void *handle) {
    auto fn =
            reinterpret_cast<fixture_value_fn>(dlsym(handle, "fixture_value"));
    return fn ? fn() : -1000;
}

} // namespace erts_test
