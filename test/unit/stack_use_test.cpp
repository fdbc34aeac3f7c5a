// SPDX-License-Identifier: Apache-2.0
// How much of its caller's stack a load from memory takes. erts calls the
// loader on a scheduler's stack (1 MiB for a normal scheduler, 320 KiB for a
// dirty one on 64-bit), where dlopen of a file would run too: the loader's
// own state (the validator's tables, the backing's paths) is allocated, so a
// load from memory takes about what dlopen of the same library from its file
// takes.
#include "erl_dlopen_mem.h"
#include "test_support.h"

#include <dlfcn.h>
#include <pthread.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace erts_test;

namespace {

constexpr size_t kStackSize = 512 * 1024;
constexpr unsigned char kPaint = 0xa5;
// What the loader may add to dlopen's own use: its frames, the validator's
// stages and one vsnprintf. Its tables, 13 KiB of validator state and 8 KiB
// of paths, once were on the stack too.
constexpr size_t kLoaderFrames = 8 * 1024;

// Runs body(arg) on a thread whose stack is painted first, and returns how
// many bytes of it were written: the stack grows down from its top, so the
// painted bytes left at the bottom were never reached.
size_t stack_bytes_used(void *(*body)(void *), void *arg) {
    std::vector<unsigned char> stack(kStackSize, kPaint);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack.data(), stack.size());
    pthread_t thread;
    if (pthread_create(&thread, &attr, body, arg) != 0)
        return 0;
    void *ok = nullptr;
    pthread_join(thread, &ok);
    pthread_attr_destroy(&attr);
    if (!ok)
        return 0;
    size_t untouched = 0;
    while (untouched < stack.size() && stack[untouched] == kPaint)
        untouched++;
    return stack.size() - untouched;
}

struct Library {
    std::string path;
    std::vector<unsigned char> image;
};

int call_value(void *handle) {
    auto value = reinterpret_cast<int (*)()>(dlsym(handle, "fixture_value"));
    return value ? value() : -1;
}

void *load_from_file(void *arg) {
    auto *library = static_cast<Library *>(arg);
    void *h = dlopen(library->path.c_str(), RTLD_NOW | RTLD_LOCAL);
    bool ok = h && call_value(h) == 1 && dlclose(h) == 0;
    return ok ? arg : nullptr;
}

void *load_from_memory(void *arg) {
    auto *library = static_cast<Library *>(arg);
    void *h = nullptr;
    ErtsDlopenMemError error;
    bool ok = erts_dlopen_mem_load(library->image.data(),
                                   library->image.size(),
                                   "stack_use",
                                   nullptr,
                                   0,
                                   &h,
                                   &error) == ERTS_DLOPEN_MEM_OK &&
              call_value(h) == 1 && erts_dlclose_mem(h) == ERTS_DLOPEN_MEM_OK;
    return ok ? arg : nullptr;
}

} // namespace

TEST(StackUse, ALoadFromMemoryTakesLittleMoreStackThanFromItsFile) {
    Library library{fixture("fixture_a.so"), read_fixture("fixture_a.so")};
    ASSERT_FALSE(library.image.empty());
    // Once each first, so that neither measure pays for what the dynamic
    // linker does on its first load in a process.
    ASSERT_NE(load_from_file(&library), nullptr);
    ASSERT_NE(load_from_memory(&library), nullptr);

    size_t file = stack_bytes_used(load_from_file, &library);
    size_t memory = stack_bytes_used(load_from_memory, &library);
    ASSERT_GT(file, 0u) << "the load from the file failed";
    ASSERT_GT(memory, 0u) << "the load from memory failed";
    std::printf("stack used: from the file %zu bytes, from memory %zu bytes "
                "(%+ld)\n",
                file,
                memory,
                (long)memory - (long)file);
    EXPECT_LE(memory, file + kLoaderFrames);
}
