// SPDX-License-Identifier: Apache-2.0
// The loader built as erts builds it (ERTS_DLOPEN_MEM_IN_ERTS): all of its
// memory and its lock come from the host's hooks, which this file defines
// and counts. Every allocation is freed once its library is gone, the lock
// is balanced and never held while the loader allocates or frees, and a
// host without memory gives a refusal, not a crash.
#include "erl_dlopen_mem.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

using namespace erts_test;

namespace {

struct HostCounts {
    std::atomic<long> allocs{0};
    std::atomic<long> frees{0};
    std::atomic<long> locks{0};
    std::atomic<long> unlocks{0};
    // Calls that broke the hooks' contract (erl_dlopen_mem.h).
    std::atomic<long> alloc_under_lock{0};
    std::atomic<long> nested_locks{0};
    std::atomic<long> frees_of_null{0};
    // The first allocation (1-based) to fail, or 0 for none: a failed one
    // is not counted, so every one from it on fails; -1 fails every one.
    std::atomic<long> fail_at{0};
};

HostCounts host;
std::mutex host_mutex;
thread_local bool lock_held = false;

void reset_host() {
    host.allocs = host.frees = host.locks = host.unlocks = 0;
    host.alloc_under_lock = host.nested_locks = host.frees_of_null = 0;
    host.fail_at = 0;
}

long live_allocations() {
    return host.allocs - host.frees;
}

} // namespace

extern "C" void *erts_dlopen_mem_host_alloc(size_t size) {
    if (lock_held)
        host.alloc_under_lock++;
    long n = ++host.allocs;
    long fail = host.fail_at;
    if (fail == -1 || fail == n) {
        host.allocs--;
        return nullptr;
    }
    return malloc(size);
}

extern "C" void erts_dlopen_mem_host_free(void *p) {
    if (lock_held)
        host.alloc_under_lock++;
    if (!p)
        host.frees_of_null++;
    host.frees++;
    free(p);
}

extern "C" void erts_dlopen_mem_host_lock(void) {
    if (lock_held)
        host.nested_locks++;
    host_mutex.lock();
    lock_held = true;
    host.locks++;
}

extern "C" void erts_dlopen_mem_host_unlock(void) {
    host.unlocks++;
    lock_held = false;
    host_mutex.unlock();
}

namespace {

void expect_hooks_kept_their_contract() {
    EXPECT_EQ(host.locks.load(), host.unlocks.load());
    EXPECT_EQ(host.alloc_under_lock.load(), 0);
    EXPECT_EQ(host.nested_locks.load(), 0);
    EXPECT_EQ(host.frees_of_null.load(), 0);
}

TEST(HostHooks, ALoadedLibraryHoldsOneAllocationUntilItIsClosed) {
    auto image = read_fixture("fixture_a.so");
    reset_host();
    void *h = nullptr;
    char err[256];
    ASSERT_EQ(load_image(image, "hosted", &h, err), ERTS_DLOPEN_MEM_OK) << err;
    EXPECT_EQ(call_fixture_value(h), 1);
    EXPECT_EQ(live_allocations(), 1) << "the image's entry";
    EXPECT_GT(host.locks.load(), 0);
    ASSERT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(live_allocations(), 0);
    // Bitmaps for the hash table checks come and go within validation.
    EXPECT_GT(host.allocs.load(), 1);
    expect_hooks_kept_their_contract();
}

TEST(HostHooks, RefusalsAndDynamicLinkerErrorsLeaveNoAllocation) {
    auto good = read_fixture("fixture_a.so");
    auto unresolved = read_fixture("fixture_unresolved.so");
    reset_host();
    size_t fds = open_fd_count();
    void *h = nullptr;
    char err[256];
    EXPECT_EQ(load_image(std::vector<unsigned char>(good.begin(),
                                                    good.begin() + 100),
                         "short",
                         &h,
                         err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    long before = host.allocs;
    EXPECT_EQ(load_image(unresolved, "unresolved", &h, err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_GT(host.allocs.load(), before) << "the entry, freed after dlopen";
    EXPECT_EQ(live_allocations(), 0);
    EXPECT_EQ(open_fd_count(), fds);
    expect_hooks_kept_their_contract();
}

TEST(HostHooks, NoMemoryForTheValidatorIsOutOfMemory) {
    auto image = read_fixture("fixture_a.so");
    reset_host();
    host.fail_at = 1; // the validator's state comes first
    size_t fds = open_fd_count();
    void *h = reinterpret_cast<void *>(0x1);
    char err[256];
    EXPECT_EQ(load_image(image, "no_validator", &h, err),
              ERTS_DLOPEN_MEM_NO_MEMORY);
    EXPECT_EQ(h, nullptr);
    EXPECT_TRUE(testing::internal::RE::FullMatch(
            err,
            "out of memory: judging an image takes [0-9]+ bytes"))
            << err;
    EXPECT_EQ(live_allocations(), 0);
    EXPECT_EQ(open_fd_count(), fds);
    expect_hooks_kept_their_contract();
}

TEST(HostHooks, NoMemoryForAHashTableCheckIsARefusal) {
    auto image = read_fixture("fixture_a.so"); // DT_HASH and DT_GNU_HASH
    reset_host();
    host.fail_at = 2; // the first table after the validator's state
    void *h = reinterpret_cast<void *>(0x1);
    char err[256];
    EXPECT_EQ(load_image(image, "no_memory", &h, err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(h, nullptr);
    EXPECT_TRUE(testing::internal::RE::FullMatch(
            err,
            "dynamic section: DT_HASH: no memory to check [0-9]+ "
            "(chains|symbols)"))
            << err;
    EXPECT_EQ(live_allocations(), 0);
    expect_hooks_kept_their_contract();
}

TEST(HostHooks, NoMemoryForTheBackingOrEntryIsOutOfMemoryAndLeavesNothing) {
    auto image = read_fixture("fixture_b.so");
    reset_host();
    void *h = nullptr;
    char err[256];
    ASSERT_EQ(load_image(image, "count", &h, err), ERTS_DLOPEN_MEM_OK) << err;
    ASSERT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    long per_load = host.allocs;
    // The backing, then the entry, are the last allocations of a load:
    // validation's come first.
    for (long fail_at : {per_load - 1, per_load}) {
        reset_host();
        host.fail_at = fail_at;
        size_t fds = open_fd_count();
        auto shm = list_dir("/dev/shm");
        h = reinterpret_cast<void *>(0x1);
        EXPECT_EQ(load_image(image, "no_entry", &h, err),
                  ERTS_DLOPEN_MEM_NO_MEMORY)
                << "allocation " << fail_at << " of " << per_load;
        EXPECT_STREQ(err, "out of memory");
        EXPECT_EQ(h, nullptr);
        EXPECT_EQ(live_allocations(), 0);
        EXPECT_EQ(open_fd_count(), fds);
        EXPECT_EQ(list_dir("/dev/shm"), shm);
        expect_hooks_kept_their_contract();
    }
}

TEST(HostHooks, ConcurrentLoadsAndClosesBalanceTheHooks) {
    auto image = read_fixture("fixture_a.so");
    reset_host();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; i++) {
                void *h = nullptr;
                char err[256];
                if (load_image(image, "threads", &h, err) !=
                            ERTS_DLOPEN_MEM_OK ||
                    call_fixture_value(h) != 1 ||
                    erts_dlclose_mem(h) != ERTS_DLOPEN_MEM_OK)
                    failures++;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(live_allocations(), 0);
    expect_hooks_kept_their_contract();
}

} // namespace
