// SPDX-License-Identifier: Apache-2.0
// erts_dlopen_mem_needing: a library loaded from memory together with the
// libraries it needs (DT_NEEDED), themselves from memory, none of which the
// dynamic linker could find on disk (the fixtures have no RUNPATH).
#include "test_support.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <link.h>

#include <string>
#include <vector>

using namespace erts_test;

namespace {

struct Needed {
    std::vector<unsigned char> bytes;
    std::string label;
};

Needed needed_fixture(const std::string &file) {
    return {read_fixture(file), "priv/" + file};
}

// erts_dlopen_mem_needing on the library fixture `library`, labelled
// "priv/<library>", with the images given; its message in err.
int load_needing(const std::string &library,
                 const std::vector<Needed> &needed,
                 void **handle,
                 std::string &err) {
    auto image = read_fixture(library);
    std::vector<ErtsDlopenMemImage> images;
    for (const auto &n : needed)
        images.push_back({n.bytes.data(), n.bytes.size(), n.label.c_str()});
    char buf[512] = "";
    std::string label = "priv/" + library;
    int rc = erts_dlopen_mem_needing(image.data(),
                                     image.size(),
                                     label.c_str(),
                                     images.data(),
                                     images.size(),
                                     handle,
                                     buf,
                                     sizeof buf);
    err = buf;
    return rc;
}

// erts_dlopen_mem_load as load_needing, the error as it comes.
int load_structured(const std::string &library,
                    const std::vector<Needed> &needed,
                    void **handle,
                    ErtsDlopenMemError &error) {
    auto image = read_fixture(library);
    std::vector<ErtsDlopenMemImage> images;
    for (const auto &n : needed)
        images.push_back({n.bytes.data(), n.bytes.size(), n.label.c_str()});
    return erts_dlopen_mem_load(image.data(),
                                image.size(),
                                ("priv/" + library).c_str(),
                                images.data(),
                                images.size(),
                                handle,
                                &error);
}

// The objects loaded from memory whose memfd is named name: their
// /proc/PID/fd/N paths point at "/memfd:<name> (deleted)".
int count_loaded_from_memfd(const std::string &name) {
    std::vector<std::string> paths;
    dl_iterate_phdr(
            [](dl_phdr_info *info, size_t, void *arg) {
                auto *paths = static_cast<std::vector<std::string> *>(arg);
                if (info->dlpi_name &&
                    strncmp(info->dlpi_name, "/proc/", 6) == 0)
                    paths->push_back(info->dlpi_name);
                return 0;
            },
            &paths);
    int n = 0;
    for (const auto &p : paths)
        if (fd_target(p).rfind("/memfd:" + name, 0) == 0)
            n++;
    return n;
}

TEST(Needed, TheLibraryRunsWithWhatItNeedsFromMemoryInAnyOrderGiven) {
    size_t fds = open_fd_count();
    void *h = nullptr;
    std::string err;
    // The helper first, though it needs the inner library.
    ASSERT_EQ(load_needing("fixture_needs_helper.so",
                           {needed_fixture("libfixture_helper.so"),
                            needed_fixture("libfixture_inner.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_OK)
            << err;
    EXPECT_EQ(err, "");
    EXPECT_EQ(call_fixture_value(h), 42);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_helper.so"), 1);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_inner.so"), 1);
    EXPECT_EQ(count_loaded_from_memfd("fixture_needs_helper.so"), 1);
    // Held by the library alone: closing it unloads all three and releases
    // their memfds.
    EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_helper.so"), 0);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_inner.so"), 0);
    EXPECT_EQ(open_fd_count(), fds);
}

TEST(Needed, TwoLoadsShareOneCopyOfEachImage) {
    size_t fds = open_fd_count();
    void *h1 = nullptr, *h2 = nullptr;
    std::string err;
    std::vector<Needed> needed = {needed_fixture("libfixture_inner.so"),
                                  needed_fixture("libfixture_helper.so")};
    ASSERT_EQ(load_needing("fixture_needs_helper.so", needed, &h1, err),
              ERTS_DLOPEN_MEM_OK)
            << err;
    ASSERT_EQ(load_needing("fixture_needs_helper.so", needed, &h2, err),
              ERTS_DLOPEN_MEM_OK)
            << err;
    EXPECT_EQ(h1, h2);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_helper.so"), 1);
    EXPECT_EQ(erts_dlclose_mem(h1), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(call_fixture_value(h2), 42) << "the other load still holds it";
    EXPECT_EQ(erts_dlclose_mem(h2), ERTS_DLOPEN_MEM_OK);
    EXPECT_EQ(count_loaded_from_memfd("libfixture_helper.so"), 0);
    EXPECT_EQ(open_fd_count(), fds);
}

TEST(Needed, WithoutTheNeededImagesTheDynamicLinkerNamesTheMissingOne) {
    size_t fds = open_fd_count();
    void *h = reinterpret_cast<void *>(0x1);
    std::string err;
    EXPECT_EQ(load_needing("fixture_needs_helper.so", {}, &h, err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_EQ(h, nullptr);
    EXPECT_EQ(err,
              "libfixture_helper.so: cannot open shared object file: No such "
              "file or directory");
    // What it needs itself, missing: the message names the needed image.
    EXPECT_EQ(load_needing("fixture_needs_helper.so",
                           {needed_fixture("libfixture_helper.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_EQ(err,
              "needed image priv/libfixture_helper.so: libfixture_inner.so: "
              "cannot open shared object file: No such file or directory");
    EXPECT_EQ(count_loaded_from_memfd("libfixture_helper.so"), 0);
    EXPECT_EQ(open_fd_count(), fds);
}

TEST(Needed, ANeededImageWithoutSonameIsRefused) {
    void *h = nullptr;
    std::string err;
    EXPECT_EQ(load_needing("fixture_needs_helper.so",
                           {needed_fixture("libfixture_helper_no_soname.so"),
                            needed_fixture("libfixture_inner.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_BAD_NEEDED);
    EXPECT_EQ(err,
              "needed image priv/libfixture_helper_no_soname.so has no "
              "DT_SONAME, so the dynamic linker cannot take it for a "
              "DT_NEEDED library");
    EXPECT_EQ(h, nullptr);
}

TEST(Needed, ANeededImageNothingNeedsIsRefused) {
    void *h = nullptr;
    std::string err;
    // fixture_needs_helper.so needs the helper, not the inner library
    // directly; without the helper, nothing needs it.
    EXPECT_EQ(load_needing("fixture_needs_helper.so",
                           {needed_fixture("libfixture_inner.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_BAD_NEEDED);
    EXPECT_EQ(err,
              "needed image priv/libfixture_inner.so (DT_SONAME "
              "libfixture_inner.so) is needed by neither the library nor "
              "the needed images it needs");
}

TEST(Needed, TwoNeededImagesOfOneSonameAreRefused) {
    void *h = nullptr;
    std::string err;
    auto helper = needed_fixture("libfixture_helper.so");
    auto again = helper;
    again.label = "again";
    EXPECT_EQ(
            load_needing("fixture_needs_helper.so",
                         {helper, needed_fixture("libfixture_inner.so"), again},
                         &h,
                         err),
            ERTS_DLOPEN_MEM_BAD_NEEDED);
    EXPECT_EQ(err,
              "needed images priv/libfixture_helper.so and again have the "
              "same DT_SONAME libfixture_helper.so");
}

TEST(Needed, NeededImagesThatNeedEachOtherAreRefused) {
    size_t fds = open_fd_count();
    void *h = nullptr;
    std::string err;
    EXPECT_EQ(load_needing("fixture_needs_cycle.so",
                           {needed_fixture("libfixture_cycle_a.so"),
                            needed_fixture("libfixture_cycle_b.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_BAD_NEEDED);
    EXPECT_EQ(err,
              "needed image priv/libfixture_cycle_a.so (DT_SONAME "
              "libfixture_cycle_a.so) needs itself through other needed "
              "images: a cycle cannot be loaded from memory");
    EXPECT_EQ(open_fd_count(), fds);
}

TEST(Needed, AMalformedNeededImageIsRefusedByName) {
    void *h = nullptr;
    std::string err;
    auto truncated = needed_fixture("libfixture_helper.so");
    truncated.bytes.resize(16);
    EXPECT_EQ(load_needing("fixture_needs_helper.so",
                           {truncated, needed_fixture("libfixture_inner.so")},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(err,
              "needed image priv/libfixture_helper.so: ELF header: image too "
              "small (16 bytes, an ELF header needs 64)");
    // A needed image without a label is named by its place.
    truncated.label = "";
    EXPECT_EQ(load_needing("fixture_needs_helper.so",
                           {needed_fixture("libfixture_inner.so"), truncated},
                           &h,
                           err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(err,
              "needed image number 2: ELF header: image too small (16 bytes, "
              "an ELF header needs 64)");
}

// The error names the needed images by their place, and its detail holds
// no label: the message is made from them once (erts_dlopen_mem_error_text).
TEST(Needed, ErrorsSayWhichNeededImagesTheyAreAbout) {
    void *h = nullptr;
    ErtsDlopenMemError e;
    auto helper = needed_fixture("libfixture_helper.so");
    auto again = helper;
    again.label = "again";
    EXPECT_EQ(load_structured(
                      "fixture_needs_helper.so",
                      {helper, needed_fixture("libfixture_inner.so"), again},
                      &h,
                      e),
              ERTS_DLOPEN_MEM_BAD_NEEDED);
    EXPECT_EQ(e.image, 2);
    EXPECT_EQ(e.other, 0);
    EXPECT_STREQ(e.detail, "have the same DT_SONAME libfixture_helper.so");

    auto truncated = needed_fixture("libfixture_helper.so");
    truncated.bytes.resize(16);
    EXPECT_EQ(
            load_structured("fixture_needs_helper.so",
                            {needed_fixture("libfixture_inner.so"), truncated},
                            &h,
                            e),
            ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(e.image, 1);
    EXPECT_EQ(e.other, -1);
    EXPECT_STREQ(e.detail,
                 "ELF header: image too small (16 bytes, an ELF header needs "
                 "64)");

    // A needed image the dynamic linker refuses: its own place, and the
    // dynamic linker's text without the path it was given.
    EXPECT_EQ(load_structured("fixture_needs_helper.so",
                              {needed_fixture("libfixture_helper.so")},
                              &h,
                              e),
              ERTS_DLOPEN_MEM_DLOPEN_FAILED);
    EXPECT_EQ(e.image, 0);
    EXPECT_STREQ(e.detail,
                 "libfixture_inner.so: cannot open shared object file: No "
                 "such file or directory");
    EXPECT_EQ(h, nullptr);
}

TEST(Needed, BadArguments) {
    auto image = read_fixture("fixture_needs_helper.so");
    void *h = nullptr;
    char err[256];
    EXPECT_EQ(erts_dlopen_mem_needing(image.data(),
                                      image.size(),
                                      "x",
                                      nullptr,
                                      1,
                                      &h,
                                      err,
                                      sizeof err),
              ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "no needed images (NULL)");
    std::vector<ErtsDlopenMemImage> many(65, {image.data(), image.size(), "y"});
    EXPECT_EQ(erts_dlopen_mem_needing(image.data(),
                                      image.size(),
                                      "x",
                                      many.data(),
                                      many.size(),
                                      &h,
                                      err,
                                      sizeof err),
              ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "65 needed images, more than the 64 that can be given");
    EXPECT_EQ(erts_dlopen_mem_needing(image.data(),
                                      image.size(),
                                      "x",
                                      many.data(),
                                      0,
                                      nullptr,
                                      err,
                                      sizeof err),
              ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "no handle pointer (NULL)");
}

TEST(LibraryNames, GivesNeededSonameAndSearchPathsInOrder) {
    auto image = read_fixture("libfixture_helper.so");
    std::vector<std::pair<long, std::string>> names;
    char err[256];
    ASSERT_EQ(erts_dlopen_mem_library_names(
                      image.data(),
                      image.size(),
                      [](void *arg, long tag, const char *name) {
                          static_cast<
                                  std::vector<std::pair<long, std::string>> *>(
                                  arg)
                                  ->emplace_back(tag, name);
                      },
                      &names,
                      err,
                      sizeof err),
              ERTS_DLOPEN_MEM_OK)
            << err;
    std::vector<std::pair<long, std::string>> soname_and_inner;
    for (const auto &n : names)
        if (n.second == "libfixture_inner.so" ||
            n.second == "libfixture_helper.so")
            soname_and_inner.push_back(n);
    EXPECT_EQ(soname_and_inner,
              (std::vector<std::pair<long, std::string>>{
                      {DT_NEEDED, "libfixture_inner.so"},
                      {DT_SONAME, "libfixture_helper.so"}}));
    image.resize(16);
    EXPECT_EQ(erts_dlopen_mem_library_names(
                      image.data(),
                      image.size(),
                      [](void *, long, const char *) {
                      },
                      nullptr,
                      err,
                      sizeof err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_STREQ(err,
                 "ELF header: image too small (16 bytes, an ELF header needs "
                 "64)");
}

} // namespace
