// SPDX-License-Identifier: Apache-2.0
//
// legal_image_check LIBRARY.so...
//
// For each library that legal_images.sh built: its outcome loaded from its
// file with dlopen() and from memory with erts_dlopen_mem(), each in a child
// process of its own (a library that kills its loader must not take this
// one with it). The outcome is "value N" (legal_value() answered N), or the
// failure. Prints one line a library; exits 1 when an outcome differs, or
// when a library does not answer 42 from its file.
#include "erl_dlopen_mem.h"
#include "test_support.h"

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

using ValueFn = int (*)();

// What the loaded library's legal_value() answers, as text.
std::string call_legal_value(void *handle) {
    auto value = reinterpret_cast<ValueFn>(dlsym(handle, "legal_value"));
    return value ? "value " + std::to_string(value())
                 : std::string("no legal_value");
}

// What loading and calling gives, as text; run in the child.
std::string outcome_from_file(const char *path) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return std::string("dlopen failed: ") + dlerror();
    std::string out = call_legal_value(handle);
    dlclose(handle);
    return out;
}

std::string outcome_from_memory(const char *path) {
    auto image = erts_test::read_file(path);
    void *handle = nullptr;
    char message[512];
    int rc = erts_dlopen_mem(image.data(),
                             image.size(),
                             "legal",
                             &handle,
                             message,
                             sizeof message);
    if (rc != ERTS_DLOPEN_MEM_OK)
        return rc == ERTS_DLOPEN_MEM_DLOPEN_FAILED
                       ? std::string("dlopen failed")
                       : std::string("refused: ") + message;
    std::string out = call_legal_value(handle);
    rc = erts_dlclose_mem(handle);
    return rc == ERTS_DLOPEN_MEM_OK ? out : out + ", dlclose failed";
}

// The child's outcome, or how it died.
std::string in_child(std::string (*how)(const char *), const char *path) {
    int fds[2];
    if (pipe(fds) != 0)
        return "pipe failed";
    pid_t pid = fork();
    if (pid < 0)
        return "fork failed";
    if (pid == 0) {
        close(fds[0]);
        std::string out = how(path);
        ssize_t n = write(fds[1], out.data(), out.size());
        _exit(n == (ssize_t)out.size() ? 0 : 1);
    }
    close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        out.append(buf, (size_t)n);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        return std::string("killed by ") + strsignal(WTERMSIG(status));
    return out;
}

// dlopen's text names the file, which differs: only whether it failed
// is compared.
std::string comparable(const std::string &outcome) {
    return outcome.rfind("dlopen failed", 0) == 0 ? "dlopen failed" : outcome;
}

} // namespace

int main(int argc, char **argv) {
    int differ = 0, wrong = 0;
    for (int i = 1; i < argc; i++) {
        std::string file = in_child(outcome_from_file, argv[i]);
        std::string memory = in_child(outcome_from_memory, argv[i]);
        bool same = comparable(file) == comparable(memory);
        differ += !same;
        wrong += file != "value 42";
        std::printf("%s %s: file: %s; memory: %s\n",
                    same ? "same" : "DIFFERENT",
                    argv[i],
                    file.c_str(),
                    memory.c_str());
    }
    std::printf("legal_image_check: %d libraries, %d with the same outcome "
                "from the file and from memory, %d different; %d not "
                "answering 42 from the file\n",
                argc - 1,
                argc - 1 - differ,
                differ,
                wrong);
    return differ == 0 && wrong == 0 && argc > 1 ? 0 : 1;
}
