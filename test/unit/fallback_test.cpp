// SPDX-License-Identifier: Apache-2.0
// The ways after memfd: each is reached by making the earlier ones fail
// (fault_injection.cpp), and each is checked to load the image, leave no
// name behind in /dev/shm or $TMPDIR, and clean up when it fails itself.
#include "erl_dlopen_mem.h"
#include "fault_injection.h"
#include "test_support.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>
#include <functional>

using namespace erts_test;

namespace {

class Fallback : public ::testing::Test {
protected:
    void SetUp() override {
        reset_fault_injection();
        fds_ = open_fd_count();
        shm_ = list_dir("/dev/shm");
    }
    void TearDown() override {
        reset_fault_injection();
        EXPECT_EQ(open_fd_count(), fds_) << "an fd was left open";
        EXPECT_EQ(list_dir("/dev/shm"), shm_) << "a shm object was left";
        EXPECT_TRUE(list_dir(tmp_.path()).empty())
                << "a temporary file was left";
    }

    // Loads fixture_a, checks it runs, returns its handle (still loaded).
    void *load_a(std::string *message = nullptr) {
        auto image = read_fixture("fixture_a.so");
        void *h = nullptr;
        char err[1024] = "";
        int rc = load_image(image, "fallback.so", &h, err);
        if (message)
            *message = err;
        if (rc != ERTS_DLOPEN_MEM_OK) {
            ADD_FAILURE() << "rc " << rc << ": " << err;
            return nullptr;
        }
        EXPECT_EQ(call_fixture_value(h), 1);
        return h;
    }

    ScopedTmpdir tmp_;
    size_t fds_ = 0;
    std::set<std::string> shm_;
};

std::string shm_prefix() {
    return "/dev/shm/erts_dlopen_mem.";
}

// With /proc, a named backing is loaded through /proc/PID/fd/N and its name
// is removed before dlopen: the fd points at a deleted file with that name.
::testing::AssertionResult loaded_from_deleted(void *h,
                                               const std::string &name_prefix) {
    std::string path = loaded_path(h);
    std::string target = fd_target(path);
    const std::string deleted = " (deleted)";
    if (path.rfind("/proc/" + std::to_string(getpid()) + "/fd/", 0) == 0 &&
        target.rfind(name_prefix, 0) == 0 && target.size() > deleted.size() &&
        target.compare(target.size() - deleted.size(),
                       deleted.size(),
                       deleted) == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "loaded as " << path << " -> " << target;
}

// Runs body in a child process with a mount namespace of its own, where
// setup may mount what it likes. 77: the namespace could not be set up (not
// root); otherwise 0 if body returned true.
int in_private_mount_namespace(const std::function<bool()> &setup,
                               const std::function<bool()> &body) {
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 ||
            mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            !setup())
            _exit(77);
        _exit(body() ? 0 : 1);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

// Loads fixture_a and returns the path the dynamic linker recorded for it
// ("" on failure), closing it again.
std::string load_and_close_fixture_a(std::string *message) {
    auto image = read_fixture("fixture_a.so");
    void *h = nullptr;
    char err[1024] = "";
    int rc = load_image(image, "x", &h, err);
    *message = err;
    if (rc != ERTS_DLOPEN_MEM_OK || call_fixture_value(h) != 1)
        return "";
    std::string path = loaded_path(h);
    erts_dlclose_mem(h);
    return path;
}

TEST_F(Fallback, MemfdRetriedWithoutNoexecSealOnOldKernels) {
    injected_faults.memfd_noexec_seal_errno = EINVAL;
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(observed_calls.memfd_calls, 2);
    EXPECT_EQ(observed_calls.last_memfd_flags & MFD_NOEXEC_SEAL, 0u);
    EXPECT_EQ(fd_target(loaded_path(h)), "/memfd:fallback.so (deleted)");
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

class MemfdRefused : public Fallback,
                     public ::testing::WithParamInterface<int> {};

TEST_P(MemfdRefused, ShmObjectIsUsedAndUnlinkedBeforeDlopen) {
    injected_faults.memfd_errno = GetParam();
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    EXPECT_TRUE(loaded_from_deleted(h, shm_prefix()));
    EXPECT_EQ(list_dir("/dev/shm"), shm_) << "the shm object must be unlinked";
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

INSTANTIATE_TEST_SUITE_P(Errnos,
                         MemfdRefused,
                         ::testing::Values(ENOSYS, EPERM, EINVAL, EMFILE),
                         [](const auto &info) {
                             return std::string(strerrorname_np(info.param));
                         });

TEST_F(Fallback, SealFailureFallsBackToShm) {
    injected_faults.seal_errno = EINVAL;
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    EXPECT_TRUE(loaded_from_deleted(h, shm_prefix()));
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

// /proc hidden under an empty tmpfs: the memfd's /proc/PID/fd/N path does
// not exist, so shm is used, through its name.
TEST_F(Fallback, WithoutProcShmIsOpenedByName) {
    int rc = in_private_mount_namespace(
            [] {
                return mount("tmpfs", "/proc", "tmpfs", 0, nullptr) == 0;
            },
            [] {
                std::string message;
                std::string path = load_and_close_fixture_a(&message);
                if (path.rfind(shm_prefix(), 0) != 0)
                    fprintf(stderr,
                            "loaded as '%s': %s\n",
                            path.c_str(),
                            message.c_str());
                return path.rfind(shm_prefix(), 0) == 0;
            });
    if (rc == 77)
        GTEST_SKIP() << "needs root and mount namespaces";
    EXPECT_EQ(rc, 0);
}

TEST_F(Fallback, OTmpfileInTmpdirWhenMemfdAndShmFail) {
    injected_faults.memfd_errno = ENOSYS;
    injected_faults.shm_errno = EACCES;
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    std::string path = loaded_path(h);
    EXPECT_EQ(path.rfind("/proc/" + std::to_string(getpid()) + "/fd/", 0), 0u)
            << path;
    std::string target = fd_target(path);
    EXPECT_EQ(target.rfind(tmp_.path() + "/#", 0), 0u) << target;
    EXPECT_TRUE(list_dir(tmp_.path()).empty());
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST_F(Fallback, MkostempUnlinkedBeforeDlopenWhenOTmpfileIsUnsupported) {
    injected_faults.memfd_errno = ENOSYS;
    injected_faults.shm_errno = EACCES;
    injected_faults.tmpfile_errno = EOPNOTSUPP;
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    EXPECT_TRUE(loaded_from_deleted(h, tmp_.path() + "/erts_dlopen_mem."));
    EXPECT_TRUE(list_dir(tmp_.path()).empty()) << "the file must be unlinked";
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

// Without /proc and without shm, O_TMPFILE files cannot be named either: a
// mkostemp file is used and unlinked.
TEST_F(Fallback, WithoutProcOrShmANamedTemporaryFileIsUsed) {
    std::string dir = tmp_.path();
    int rc = in_private_mount_namespace(
            [] {
                return mount("tmpfs", "/proc", "tmpfs", 0, nullptr) == 0;
            },
            [&] {
                injected_faults.shm_errno = EACCES;
                std::string message;
                std::string path = load_and_close_fixture_a(&message);
                bool named = path.rfind(dir + "/erts_dlopen_mem.", 0) == 0;
                if (!named)
                    fprintf(stderr,
                            "loaded as '%s': %s\n",
                            path.c_str(),
                            message.c_str());
                return named && list_dir(dir).empty();
            });
    if (rc == 77)
        GTEST_SKIP() << "needs root and mount namespaces";
    EXPECT_EQ(rc, 0);
}

TEST_F(Fallback, EveryWayFailingNamesEachWayAndWhy) {
    injected_faults.memfd_errno = ENOSYS;
    injected_faults.shm_errno = EACCES;
    injected_faults.tmpfile_errno = EOPNOTSUPP;
    injected_faults.mkostemp_errno = EROFS;
    auto image = read_fixture("fixture_a.so");
    void *h = reinterpret_cast<void *>(0x1);
    char err[1024];
    EXPECT_EQ(load_image(image, "x", &h, err), ERTS_DLOPEN_MEM_NO_BACKING);
    EXPECT_EQ(h, nullptr);
    EXPECT_EQ(std::string(err),
              "no way to hold the image in an executable file: "
              "memfd_create: Function not implemented; "
              "shm_open: Permission denied; "
              "temporary file in " +
                      tmp_.path() + ": Read-only file system");
}

TEST_F(Fallback, WriteErrorsOnEveryWayRemoveWhatEachWayCreated) {
    injected_faults.write_errno = ENOSPC;
    auto image = read_fixture("fixture_a.so");
    void *h = nullptr;
    char err[1024];
    EXPECT_EQ(load_image(image, "x", &h, err), ERTS_DLOPEN_MEM_NO_BACKING);
    EXPECT_EQ(std::string(err),
              "no way to hold the image in an executable file: "
              "memfd write: No space left on device; "
              "shm write: No space left on device; "
              "temporary file in " +
                      tmp_.path() + ": write: No space left on device");
    // TearDown checks that no fd, shm object or file is left.
}

TEST_F(Fallback, ShortAndInterruptedWritesStillCopyTheWholeImage) {
    injected_faults.short_and_interrupted_writes = true;
    auto image = read_fixture("fixture_1m.so");
    void *h = nullptr;
    char err[512];
    ASSERT_EQ(load_image(image, "short", &h, err), ERTS_DLOPEN_MEM_OK) << err;
    EXPECT_GT(observed_calls.interrupted_writes, 100);
    EXPECT_EQ(call_fixture_value(h), 101);
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
}

TEST_F(Fallback, DlopenFailureOnShmLeavesNoObject) {
    injected_faults.memfd_errno = ENOSYS;
    auto image = read_fixture("fixture_unresolved.so");
    void *h = nullptr;
    char err[512];
    EXPECT_EQ(load_image(image, "unresolved", &h, err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_STREQ(err, "undefined symbol: erts_fixture_symbol_nobody_defines");
}

// Real noexec mounts, in a child process with its own mount namespace: shm
// and the temporary file are refused for being on noexec file systems.
// A failed dlclose says so, and what the dynamic linker said stays for the
// caller in dlerror(); the image's fd goes with its object all the same.
TEST_F(Fallback, DlcloseFailureLeavesTheDynamicLinkersText) {
    void *h = load_a();
    ASSERT_NE(h, nullptr);
    injected_faults.dlclose_fails = true;
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_DLCLOSE_FAILED);
    const char *text = dlerror();
    ASSERT_NE(text, nullptr);
    EXPECT_EQ(std::string(text),
              std::string(kDlcloseFailurePath) +
                      ": cannot open shared object file: No such file or "
                      "directory");
}

TEST_F(Fallback, NoexecMountsAreDetectedAndNamed) {
    std::string dir = tmp_.path();
    int rc = in_private_mount_namespace(
            [&] {
                return mount("tmpfs",
                             "/dev/shm",
                             "tmpfs",
                             MS_NOEXEC,
                             nullptr) == 0 &&
                       mount("tmpfs",
                             dir.c_str(),
                             "tmpfs",
                             MS_NOEXEC,
                             nullptr) == 0;
            },
            [&] {
                injected_faults.memfd_errno = EPERM;
                auto image = read_fixture("fixture_a.so");
                void *h = nullptr;
                char err[1024];
                int rc = load_image(image, "x", &h, err);
                std::string expected =
                        "no way to hold the image in an executable file: "
                        "memfd_create: Operation not permitted; "
                        "shm_open: /dev/shm is mounted noexec; "
                        "temporary file in " +
                        dir + ": mounted noexec";
                bool ok = rc == ERTS_DLOPEN_MEM_NO_BACKING && expected == err &&
                          list_dir("/dev/shm").empty() && list_dir(dir).empty();
                if (!ok)
                    fprintf(stderr, "rc %d: %s\n", rc, err);
                return ok;
            });
    if (rc == 77)
        GTEST_SKIP() << "needs root and mount namespaces";
    EXPECT_EQ(rc, 0);
}

} // namespace
