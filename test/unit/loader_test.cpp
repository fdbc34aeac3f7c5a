// SPDX-License-Identifier: Apache-2.0
// Loading real shared objects from memory through the preferred way (a sealed
// memfd): they run, distinct images stay distinct, an image loaded already is
// not copied again, nothing leaks, nothing is inherited, and concurrent loads
// and closes leave nothing behind.
#include "erl_dlopen_mem.h"
#include "test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

using namespace erts_test;

// Built with ThreadSanitizer: gcc says so with __SANITIZE_THREAD__, clang
// with __has_feature.
#if defined(__SANITIZE_THREAD__)
#    define ERTS_TEST_TSAN 1
#elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#        define ERTS_TEST_TSAN 1
#    endif
#endif

namespace {

void *load(const std::vector<unsigned char> &image, const char *label) {
    void *handle = nullptr;
    char err[512] = "";
    int rc = load_image(image, label, &handle, err);
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << err;
    EXPECT_STREQ(err, "");
    return handle;
}

std::string maps() {
    std::ifstream in("/proc/self/maps");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool still_loaded(const std::string &path) {
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (h)
        dlclose(h);
    return h != nullptr;
}

TEST(Load, RunsTheImagesCode) {
    void *h = load(read_fixture("fixture_a.so"), "fixture_a.so");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(call_fixture_value(h), 1);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST(Load, LoadsASixteenMebibyteImage) {
    void *h = load(read_fixture("fixture_16m.so"), "fixture_16m.so");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(call_fixture_value(h), 116);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST(Load, RunsAnInitFunctionNamedByTheLinkersOption) {
    // DT_INIT points into .text, where only the unwind table says a
    // function starts.
    void *h = load(read_fixture("fixture_init_option.so"), "init_option");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(call_fixture_value(h), 14);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST(Load, RunsImagesWhoseOneWritableCodeSegmentEndsInBss) {
    // ld -N and -n: one RWX segment, its tail zero-filled by the dynamic
    // linker; the constructor writes there (fixture_value answers -1
    // otherwise).
    for (auto [name, value] : {std::pair{"fixture_omagic.so", 15},
                               std::pair{"fixture_nmagic.so", 16}}) {
        void *h = load(read_fixture(name), name);
        ASSERT_NE(h, nullptr) << name;
        EXPECT_EQ(call_fixture_value(h), value) << name;
        EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK) << name;
    }
}

TEST(Load, IsDlopenedThroughAProcPidPathToASealedCloseOnExecMemfd) {
    void *h = load(read_fixture("fixture_a.so"), "fixture_a.so");
    ASSERT_NE(h, nullptr);
    std::string path = loaded_path(h);
    std::string prefix = "/proc/" + std::to_string(getpid()) + "/fd/";
    ASSERT_EQ(path.rfind(prefix, 0), 0u) << path;
    EXPECT_EQ(fd_target(path), "/memfd:fixture_a.so (deleted)");
    int fd = std::stoi(path.substr(prefix.size()));
    int seals = fcntl(fd, F_GET_SEALS);
    EXPECT_EQ(
            seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
            F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(fcntl(fd, F_GETFD), -1) << "the memfd outlived its library";
}

TEST(Load, MapsShowTheLabelAsMemfdName) {
    void *h = load(read_fixture("fixture_a.so"), "/opt/app/priv/my_nif.so");
    ASSERT_NE(h, nullptr);
    EXPECT_NE(maps().find("/memfd:my_nif.so (deleted)"), std::string::npos);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(maps().find("/memfd:my_nif.so"), std::string::npos);
}

TEST(Load, LabelIsSanitisedAndBounded) {
    auto image = read_fixture("fixture_a.so");
    struct {
        std::string label;
        std::string memfd;
    } cases[] = {
            {"a\nb\x01"
             "c",
             "/memfd:a_b_c (deleted)"},
            {"trailing/slash/", "/memfd:slash (deleted)"},
            {"/", "/memfd:erts_dlopen_mem (deleted)"},
            {"", "/memfd:erts_dlopen_mem (deleted)"},
            {std::string(1000, 'n'),
             "/memfd:" + std::string(199, 'n') + " (deleted)"},
    };
    for (const auto &c : cases) {
        void *h = load(image, c.label.c_str());
        ASSERT_NE(h, nullptr);
        EXPECT_EQ(fd_target(loaded_path(h)), c.memfd);
        EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    }
    void *h = nullptr;
    char err[256];
    ASSERT_EQ(load_image(image, nullptr, &h, err), ERTS_DLOPEN_MEM_OK) << err;
    EXPECT_EQ(fd_target(loaded_path(h)), "/memfd:erts_dlopen_mem (deleted)");
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

// A, closed, then B: B gets A's fd number and so A's /proc path. glibc would
// hand back A's handle if A were still loaded; it is not, so B must run.
TEST(DistinctImages, BAfterClosedAReusesThePathAndRunsB) {
    void *a = load(read_fixture("fixture_a.so"), "a");
    ASSERT_NE(a, nullptr);
    std::string a_path = loaded_path(a);
    EXPECT_EQ(call_fixture_value(a), 1);
    EXPECT_EQ(erts_dlclose_mem(a), ERTS_DLOPEN_MEM_OK);
    EXPECT_FALSE(still_loaded(a_path));

    void *b = load(read_fixture("fixture_b.so"), "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(loaded_path(b), a_path)
            << "the scenario needs the fd number reused";
    EXPECT_EQ(call_fixture_value(b), 2);
    EXPECT_EQ(erts_dlclose_mem(b), ERTS_DLOPEN_MEM_OK);
}

// The C++ image A stays loaded after dlclose (STB_GNU_UNIQUE). Its fd must
// stay open, or B would get its number, its path, and glibc would return A.
TEST(DistinctImages, BAfterAnUnloadableCxxARunsB) {
    void *a = load(read_fixture("fixture_cxx_a.so"), "cxx_a");
    ASSERT_NE(a, nullptr);
    std::string a_path = loaded_path(a);
    EXPECT_EQ(call_fixture_value(a), 11);
    EXPECT_EQ(erts_dlclose_mem(a), ERTS_DLOPEN_MEM_OK);
    ASSERT_TRUE(still_loaded(a_path))
            << "fixture_cxx_a was expected to stay loaded";
    EXPECT_EQ(fd_target(a_path), "/memfd:cxx_a (deleted)");

    void *b = load(read_fixture("fixture_cxx_b.so"), "cxx_b");
    ASSERT_NE(b, nullptr);
    EXPECT_NE(b, a);
    EXPECT_NE(loaded_path(b), a_path);
    EXPECT_EQ(call_fixture_value(b), 12);
    EXPECT_EQ(erts_dlclose_mem(b), ERTS_DLOPEN_MEM_OK);
}

// A library pinned by another handle outlives erts_dlclose_mem: it keeps its
// fd, and a later close releases the fd once the library is gone.
TEST(DistinctImages, FdOfALibraryKeptByAnotherHandleIsReleasedLater) {
    size_t fds = open_fd_count();
    void *a = load(read_fixture("fixture_a.so"), "pinned");
    ASSERT_NE(a, nullptr);
    std::string a_path = loaded_path(a);
    int a_fd = std::stoi(a_path.substr(a_path.rfind('/') + 1));
    void *pin = dlopen(a_path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    ASSERT_EQ(pin, a);
    EXPECT_EQ(erts_dlclose_mem(a), ERTS_DLOPEN_MEM_OK);
    EXPECT_NE(fcntl(a_fd, F_GETFD), -1)
            << "closed while the library is still loaded";
    EXPECT_EQ(call_fixture_value(pin), 1);
    ASSERT_EQ(dlclose(pin), 0);
    EXPECT_FALSE(still_loaded(a_path));

    void *b = load(read_fixture("fixture_b.so"), "later");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(erts_dlclose_mem(b), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(fcntl(a_fd, F_GETFD), -1) << "the unloaded library's fd was kept";
    EXPECT_EQ(open_fd_count(), fds);
}

// The image without its GNU build ID (zeroed): fixture_a and fixture_b then
// differ only in their code, as two builds of one library can.
std::vector<unsigned char> without_build_id(std::vector<unsigned char> image) {
    // The note: namesz 4, descsz 20, type NT_GNU_BUILD_ID (3), "GNU\0".
    const unsigned char header[] =
            {4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0};
    auto at = std::search(image.begin(),
                          image.end(),
                          std::begin(header),
                          std::end(header));
    EXPECT_NE(at, image.end()) << "no GNU build ID note";
    if (at != image.end())
        std::fill(at + sizeof header, at + sizeof header + 20, 0);
    return image;
}

// Whether image_fingerprint (erl_dlopen_mem.cpp) reads the byte at offset:
// the first KiB, the last 256 bytes, and 8 bytes at size / 33 * i for i in
// 1..32.
bool sampled_by_fingerprint(size_t size, size_t offset) {
    if (offset < 1024 || offset + 256 >= size)
        return true;
    for (size_t i = 1; i <= 32; i++) {
        size_t at = size / 33 * i;
        if (offset >= at && offset < at + 8)
            return true;
    }
    return false;
}

// The image with one byte of its .comment section (the compiler's name,
// which nothing loads) changed where the fingerprint does not look: the
// same size and fingerprint, other bytes.
std::vector<unsigned char> with_other_comment(
        std::vector<unsigned char> image) {
    const std::string compiler = "GCC: (";
    auto at = std::search(image.begin(),
                          image.end(),
                          compiler.begin(),
                          compiler.end());
    EXPECT_NE(at, image.end()) << "no .comment";
    for (size_t offset = at - image.begin();
         at != image.end() && image[offset] != '\0';
         offset++) {
        if (!sampled_by_fingerprint(image.size(), offset)) {
            image[offset] ^= 0x20;
            return image;
        }
    }
    ADD_FAILURE() << "every byte of .comment is sampled";
    return image;
}

// Two images of one size and fingerprint: each load finds its own.
TEST(DistinctImages, ImagesOfOneFingerprintStayApart) {
    auto a_image = read_fixture("fixture_a.so");
    auto other = with_other_comment(a_image);
    ASSERT_NE(a_image, other);
    size_t fds = open_fd_count();
    void *a = load(a_image, "a");
    void *b = load(other, "b");
    void *a_again = load(a_image, "a");
    void *b_again = load(other, "b");
    EXPECT_NE(a, b);
    EXPECT_EQ(a_again, a);
    EXPECT_EQ(b_again, b);
    EXPECT_EQ(open_fd_count(), fds + 2);
    for (void *h : {a, b, a_again, b_again})
        EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(open_fd_count(), fds);
}

// Two kept libraries of one size and fingerprint, loaded and closed in turn:
// each is held once, whichever comes first in the search.
TEST(OneCopy, TwoKeptLibrariesOfOneFingerprintAreHeldOnceEach) {
    auto first = read_fixture("fixture_thread_local.so");
    auto second = with_other_comment(first);
    void *h1 = load(first, "kept_1");
    void *h2 = load(second, "kept_2");
    ASSERT_NE(h1, h2);
    EXPECT_EQ(call_fixture_value(h1), 13);
    EXPECT_EQ(call_fixture_value(h2), 13);
    EXPECT_EQ(erts_dlclose_mem(h1), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(h2), ERTS_DLOPEN_MEM_OK);
    size_t fds = open_fd_count();
    for (int i = 0; i < 100; i++) {
        void *again1 = load(first, "kept_1");
        void *again2 = load(second, "kept_2");
        ASSERT_EQ(again1, h1) << "cycle " << i;
        ASSERT_EQ(again2, h2) << "cycle " << i;
        ASSERT_EQ(erts_dlclose_mem(again2), ERTS_DLOPEN_MEM_OK);
        ASSERT_EQ(erts_dlclose_mem(again1), ERTS_DLOPEN_MEM_OK);
    }
    EXPECT_EQ(open_fd_count(), fds);
}

// Images of one size that differ in a few bytes of code: a load of b while a
// is loaded must not be taken for a, whatever their fingerprints.
TEST(DistinctImages, ImagesOfOneSizeStayApart) {
    auto a_image = without_build_id(read_fixture("fixture_a.so"));
    auto b_image = without_build_id(read_fixture("fixture_b.so"));
    ASSERT_EQ(a_image.size(), b_image.size()) << "the scenario needs one size";
    void *a = load(a_image, "a");
    void *b = load(b_image, "b");
    void *a_again = load(a_image, "a");
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    EXPECT_EQ(a_again, a) << "a, loaded after b, must still find a";
    EXPECT_NE(loaded_path(a), loaded_path(b));
    EXPECT_EQ(call_fixture_value(a), 1);
    EXPECT_EQ(call_fixture_value(b), 2);
    EXPECT_EQ(erts_dlclose_mem(a), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(a_again), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(b), ERTS_DLOPEN_MEM_OK);
}

// Loading an image that is loaded already is a second dlopen of the same
// object, as for a second dlopen of one file: same handle, same memfd.
TEST(OneCopy, SameImageTwiceSharesTheObjectAndItsMemfd) {
    auto image = read_fixture("fixture_a.so");
    size_t fds = open_fd_count();
    void *first = load(image, "twice");
    void *second = load(image, "twice");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(second, first);
    EXPECT_EQ(open_fd_count(), fds + 1);
    std::string path = loaded_path(first);
    EXPECT_EQ(erts_dlclose_mem(first), ERTS_DLOPEN_MEM_OK);
    EXPECT_TRUE(still_loaded(path))
            << "closing one handle must not unload the other";
    EXPECT_EQ(call_fixture_value(second), 1);
    EXPECT_EQ(erts_dlclose_mem(second), ERTS_DLOPEN_MEM_OK);
    EXPECT_FALSE(still_loaded(path));
    EXPECT_EQ(open_fd_count(), fds);
    EXPECT_EQ(erts_dlclose_mem(second), ERTS_DLOPEN_MEM_UNKNOWN_HANDLE)
            << "two loads, three closes";
}

// The same bytes from another buffer (the caller's copy, not its address)
// find the loaded object too.
TEST(OneCopy, ACopyOfTheBytesFindsTheLoadedObject) {
    auto image = read_fixture("fixture_a.so");
    auto copy = image;
    void *first = load(image, "copy");
    void *second = load(copy, "copy");
    EXPECT_EQ(second, first);
    EXPECT_EQ(erts_dlclose_mem(first), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(second), ERTS_DLOPEN_MEM_OK);
}

// A library dlclose keeps (here a thread_local with a destructor, whose
// thread lives on) is loaded once, however often it is loaded and closed.
void expect_one_copy_over_cycles(const char *fixture_name, int value) {
    auto image = read_fixture(fixture_name);
    std::string label = std::string("once_") + fixture_name;
    void *h = load(image, label.c_str());
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(call_fixture_value(h), value);
    std::string path = loaded_path(h);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    ASSERT_TRUE(still_loaded(path))
            << fixture_name << " was expected to stay loaded";
    size_t fds = open_fd_count();
    std::string mapped = "/memfd:" + label + " ";
    auto mappings = [&] {
        std::string m = maps();
        size_t n = 0;
        for (size_t at = m.find(mapped); at != std::string::npos;
             at = m.find(mapped, at + 1))
            n++;
        return n;
    };
    size_t segments = mappings();
    for (int i = 0; i < 1000; i++) {
        void *again = load(image, label.c_str());
        ASSERT_EQ(again, h) << "cycle " << i;
        ASSERT_EQ(call_fixture_value(again), value);
        ASSERT_EQ(erts_dlclose_mem(again), ERTS_DLOPEN_MEM_OK);
    }
    EXPECT_EQ(loaded_path(h), path);
    EXPECT_EQ(open_fd_count(), fds);
    EXPECT_EQ(mappings(), segments);
}

TEST(OneCopy, AThreadLocalLibraryIsLoadedOnceOverAThousandCycles) {
    expect_one_copy_over_cycles("fixture_thread_local.so", 13);
}

TEST(OneCopy, AGnuUniqueLibraryIsLoadedOnceOverAThousandCycles) {
    expect_one_copy_over_cycles("fixture_cxx_a.so", 11);
}

// A library that was unloaded is loaded afresh, from a new memfd: its
// constructor runs again, as for a file loaded after a full unload.
TEST(OneCopy, AnUnloadedLibraryIsLoadedAfresh) {
    auto image = read_fixture("fixture_a.so");
    size_t fds = open_fd_count();
    void *h = load(image, "afresh");
    std::string path = loaded_path(h);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_FALSE(still_loaded(path));
    EXPECT_EQ(open_fd_count(), fds);
    void *again = load(image, "afresh");
    EXPECT_EQ(call_fixture_value(again), 1);
    EXPECT_EQ(erts_dlclose_mem(again), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(open_fd_count(), fds);
}

// The dynamic linker's text, without the /proc path the loader gave it and
// without the label, which the caller adds once.
TEST(Errors, DynamicLinkerRefusalSaysWhyAndLeavesNothing) {
    auto image = read_fixture("fixture_unresolved.so");
    size_t fds = open_fd_count();
    void *h = reinterpret_cast<void *>(0x1);
    char err[512];
    EXPECT_EQ(load_image(image, "unresolved_nif", &h, err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_EQ(h, nullptr);
    EXPECT_STREQ(err, "undefined symbol: erts_fixture_symbol_nobody_defines");
    ErtsDlopenMemError e;
    EXPECT_EQ(erts_dlopen_mem_load(image.data(),
                                   image.size(),
                                   "unresolved_nif",
                                   nullptr,
                                   0,
                                   &h,
                                   &e),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_EQ(e.image, -1);
    EXPECT_EQ(e.other, -1);
    EXPECT_STREQ(e.detail,
                 "undefined symbol: erts_fixture_symbol_nobody_defines");
    EXPECT_EQ(open_fd_count(), fds);
}

// Found by the VM torture test: a name the dynamic linker quotes comes from
// the image, and its bytes must not reach the message (an Erlang error term).
TEST(Errors, DynamicLinkerRefusalKeepsImageBytesOutOfTheMessage) {
    auto image = read_fixture("fixture_unresolved.so");
    const std::string name = "erts_fixture_symbol_nobody_defines";
    auto at = std::search(image.begin(), image.end(), name.begin(), name.end());
    ASSERT_NE(at, image.end());
    at[4] = '\x01';
    at[5] = '\xff';
    void *h = nullptr;
    char err[512];
    EXPECT_EQ(load_image(image, "unresolved_nif", &h, err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_STREQ(err, "undefined symbol: erts??ixture_symbol_nobody_defines");
}

TEST(Errors, NullHandlePointerAndUnknownHandles) {
    auto image = read_fixture("fixture_a.so");
    char err[128];
    EXPECT_EQ(load_image(image, "x", nullptr, err), ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "no handle pointer (NULL)");
    EXPECT_EQ(erts_dlclose_mem(nullptr), ERTS_DLOPEN_MEM_UNKNOWN_HANDLE);
    void *libm = dlopen("libm.so.6", RTLD_NOW);
    ASSERT_NE(libm, nullptr);
    EXPECT_EQ(erts_dlclose_mem(libm), ERTS_DLOPEN_MEM_UNKNOWN_HANDLE);
    dlclose(libm);
    void *h = load(image, "x");
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_UNKNOWN_HANDLE)
            << "closed twice";
}

// dlsym through the loader: a missing symbol is told without the /proc path
// the image was opened from; a handle that is not the loader's is not
// judged, so that the caller can dlsym it as usual.
TEST(Errors, SymbolLookupSaysWhyWithoutThePath) {
    auto image = read_fixture("fixture_b.so");
    void *h = load(image, "sym");
    void *symbol = nullptr;
    ErtsDlopenMemError e;
    ASSERT_EQ(erts_dlopen_mem_sym(h, "fixture_value", &symbol, &e),
              ERTS_DLOPEN_MEM_OK);
    ASSERT_NE(symbol, nullptr);
    EXPECT_EQ(reinterpret_cast<fixture_value_fn>(symbol)(), 2);
    EXPECT_EQ(erts_dlopen_mem_sym(h, "erts_no_such_symbol", &symbol, &e),
              ERTS_DLOPEN_MEM_NO_SYMBOL);
    EXPECT_STREQ(e.detail, "undefined symbol: erts_no_such_symbol");
    void *libm = dlopen("libm.so.6", RTLD_NOW);
    ASSERT_NE(libm, nullptr);
    EXPECT_EQ(erts_dlopen_mem_sym(libm, "cos", &symbol, &e),
              ERTS_DLOPEN_MEM_UNKNOWN_HANDLE);
    dlclose(libm);
    ASSERT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlopen_mem_sym(h, "fixture_value", &symbol, &e),
              ERTS_DLOPEN_MEM_UNKNOWN_HANDLE)
            << "closed";
}

TEST(Inheritance, ChildProcessesDoNotGetTheMemfd) {
    void *h = load(read_fixture("fixture_a.so"), "not_inherited.so");
    ASSERT_NE(h, nullptr);
    // The child lists its own fds after exec.
    FILE *ls = popen("ls -l /proc/self/fd/ 2>&1", "r");
    ASSERT_NE(ls, nullptr);
    std::string listing;
    char buf[512];
    while (fgets(buf, sizeof buf, ls))
        listing += buf;
    pclose(ls);
    EXPECT_EQ(listing.find("memfd:"), std::string::npos) << listing;
    EXPECT_NE(fd_target(loaded_path(h)).find("memfd:not_inherited.so"),
              std::string::npos);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

// Threads load two images while each is held: every load finds the loaded
// object, and every handle runs its own image's code.
TEST(Threads, ConcurrentLoadsOfLoadedImagesAllShareTheirObject) {
    const int threads = 8, per_thread = 25;
    auto a = read_fixture("fixture_a.so"), b = read_fixture("fixture_b.so");
    size_t fds = open_fd_count();
    void *held_a = load(a, "threads"), *held_b = load(b, "threads");
    ASSERT_NE(held_a, nullptr);
    ASSERT_NE(held_b, nullptr);
    std::vector<std::vector<void *>> handles(threads);
    std::vector<int> wrong_values(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            const auto &image = t % 2 ? b : a;
            for (int i = 0; i < per_thread; i++) {
                void *h = nullptr;
                char err[256];
                if (load_image(image, "threads", &h, err) != ERTS_DLOPEN_MEM_OK)
                    continue;
                handles[t].push_back(h);
                if (call_fixture_value(h) != (t % 2 ? 2 : 1))
                    wrong_values[t]++;
            }
        });
    }
    for (auto &w : workers)
        w.join();
    EXPECT_EQ(open_fd_count(), fds + 2);
    for (int t = 0; t < threads; t++) {
        EXPECT_EQ(handles[t].size(), static_cast<size_t>(per_thread))
                << "thread " << t;
        EXPECT_EQ(wrong_values[t], 0) << "thread " << t;
        for (void *h : handles[t]) {
            EXPECT_EQ(h, t % 2 ? held_b : held_a);
            EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
        }
    }
    EXPECT_EQ(call_fixture_value(held_a), 1);
    EXPECT_EQ(erts_dlclose_mem(held_a), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(erts_dlclose_mem(held_b), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(open_fd_count(), fds);
}

// Threads load and close one image at once: whatever the interleaving,
// every load succeeds and runs the image, and nothing is left.
TEST(Threads, ConcurrentLoadsAndClosesOfOneImageLeaveNothing) {
    const int threads = 8, per_thread = 200;
    auto image = read_fixture("fixture_a.so");
    size_t fds = open_fd_count();
    std::vector<int> failures(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; i++) {
                void *h = nullptr;
                char err[256];
                if (load_image(image, "churn", &h, err) != ERTS_DLOPEN_MEM_OK ||
                    call_fixture_value(h) != 1 ||
                    erts_dlclose_mem(h) != ERTS_DLOPEN_MEM_OK)
                    failures[t]++;
            }
        });
    }
    for (auto &w : workers)
        w.join();
    for (int t = 0; t < threads; t++)
        EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(open_fd_count(), fds);
#ifndef ERTS_TEST_TSAN
    // ThreadSanitizer's symbolizer maps the images whose code a report
    // names (suppressed ones included), and keeps them mapped.
    EXPECT_EQ(maps().find("/memfd:churn"), std::string::npos);
#endif
}

// One load and close of fixture_a, asserting each step.
void load_close_cycle(const std::vector<unsigned char> &image) {
    void *h = nullptr;
    char err[256];
    ASSERT_EQ(load_image(image, "leak", &h, err), ERTS_DLOPEN_MEM_OK) << err;
    ASSERT_EQ(call_fixture_value(h), 1);
    ASSERT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST(Leaks, TwoThousandLoadCloseCyclesLeaveNothingBehind) {
    ScopedTmpdir private_tmp; // /tmp is shared with whatever else runs
    auto image = read_fixture("fixture_a.so");
    for (int i = 0; i < 100; i++) // warm the allocator and the dynamic linker
        load_close_cycle(image);
    size_t fds = open_fd_count();
    auto shm = list_dir("/dev/shm");
    auto tmp = list_dir(tmpdir());
    for (int i = 0; i < 2000; i++)
        load_close_cycle(image);
    EXPECT_EQ(open_fd_count(), fds);
    EXPECT_EQ(list_dir("/dev/shm"), shm);
    EXPECT_EQ(list_dir(tmpdir()), tmp);
    EXPECT_EQ(maps().find("/memfd:leak"), std::string::npos);
}

TEST(Leaks, TwoThousandLoadCloseCyclesKeepResidentMemoryFlat) {
#if defined(__SANITIZE_ADDRESS__)
    // ASan quarantines freed memory, so resident size says nothing here;
    // LeakSanitizer checks for leaks when the process exits instead.
    GTEST_SKIP() << "resident size means nothing under ASan (quarantine); "
                    "LeakSanitizer checks";
#endif
    if (under_qemu_user())
        GTEST_SKIP() << "under qemu-user, /proc/self/statm is the emulator's "
                        "resident size, "
                        "which grows with its translation cache for each new "
                        "mapping";
    auto image = read_fixture("fixture_a.so");
    for (int i = 0; i < 100; i++)
        load_close_cycle(image);
    long rss = resident_kib();
    for (int i = 0; i < 2000; i++)
        load_close_cycle(image);
    EXPECT_LT(resident_kib() - rss, 1024)
            << "resident memory grew by more than 1 MiB";
}

} // namespace
