// SPDX-License-Identifier: Apache-2.0
// The validator: every rule refuses the fixture that breaks it, with that
// rule's message; real shared objects pass; truncation anywhere in the
// mapped part of an image is refused.
#include "erl_dlopen_mem.h"
#include "test_support.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

using namespace erts_test;

namespace {

struct BrokenCase {
    const char *fixture;
    const char *message;
};

// One row per rule: the broken fixture (see make_broken_fixtures.cpp) and the
// message the validator must give for it (the whole message, or its start
// where the rest holds offsets that depend on the toolchain).
const BrokenCase kBrokenCases[] = {
    {"too_small", "ELF header: image too small (32 bytes, an ELF header needs 64)"},
    {"bad_magic", "ELF header: bad magic, not an ELF image"},
    {"wrong_class", "ELF header: wrong ELF class ELFCLASS32, this host needs ELFCLASS64"},
    {"wrong_byte_order", "ELF header: wrong byte order (big-endian), this host is little-endian"},
    {"bad_version", "ELF header: unsupported ELF version 7"},
    {"bad_osabi", "ELF header: unsupported OS ABI 97"},
    {"wrong_machine", "ELF header: wrong machine EM_AARCH64 (183), this host is EM_X86_64 (62)"},
    {"relocatable_object", "ELF header: not a shared object (e_type 1)"},
    {"bad_ehsize", "ELF header: e_ehsize is 72, expected 64"},
    {"bad_phentsize", "program headers: e_phentsize is 48, expected 56"},
    {"no_program_headers", "program headers: none (e_phnum is 0)"},
    {"too_many_program_headers", "program headers: too many (4000, at most 1170)"},
    {"program_headers_past_end", "program headers: table at offset "},
    {"truncated", "PT_LOAD segment 1: file range [4096, +"},
    {"load_filesz_over_memsz", "PT_LOAD segment 0: p_filesz ("},
    {"load_address_overflow", "PT_LOAD segment 1: address range overflows"},
    {"load_align_not_power_of_two", "PT_LOAD segment 0: p_align (12288) is not a power of two"},
    {"load_misaligned", "PT_LOAD segment 1: p_vaddr and p_offset disagree modulo p_align"},
    {"load_not_ascending", "PT_LOAD segment 1: not in ascending address order or overlaps the previous one"},
    {"no_load_segments", "PT_LOAD segments: none, nothing to map"},
    {"dynamic_outside_loads", "PT_DYNAMIC (segment 4): outside the loaded segments"},
    {"note_outside_loads", "PT_NOTE (segment 5): outside the loaded segments"},
    {"dynamic_too_small", "PT_DYNAMIC: too small (4 bytes)"},
    {"no_dynamic", "PT_DYNAMIC: none, a shared object needs a dynamic section"},
    {"two_dynamic", "PT_DYNAMIC: 2 of them, expected one"},
    {"dynamic_unterminated", "dynamic section: no DT_NULL terminator"},
    {"pie_flag", "dynamic section: a position-independent executable (DF_1_PIE), not a shared object"},
    {"no_strtab", "dynamic section: no DT_STRTAB"},
    {"strsz_zero", "dynamic section: DT_STRSZ missing or zero"},
    {"strtab_outside_loads", "dynamic section: string table (DT_STRTAB, DT_STRSZ) outside the loaded segments"},
    {"no_symtab", "dynamic section: no DT_SYMTAB"},
    {"symtab_outside_loads", "dynamic section: symbol table (DT_SYMTAB) outside the loaded segments"},
    {"bad_syment", "dynamic section: DT_SYMENT is 7, expected 24"},
    {"needed_string_outside_strtab", "dynamic section: DT_NEEDED string at offset"},
    {"sysv_hash_outside_loads", "dynamic section: DT_HASH outside the loaded segments"},
    {"sysv_hash_no_buckets", "dynamic section: DT_HASH has no buckets"},
    {"sysv_hash_chains_outside_loads", "dynamic section: DT_HASH buckets or chains outside the loaded segments"},
    {"gnu_hash_outside_loads", "dynamic section: DT_GNU_HASH outside the loaded segments"},
    {"gnu_hash_no_buckets", "dynamic section: DT_GNU_HASH has no buckets"},
    {"gnu_hash_bloom_not_power_of_two", "dynamic section: DT_GNU_HASH bloom filter size 3 is not a power of two"},
    {"gnu_hash_buckets_outside_loads", "dynamic section: DT_GNU_HASH buckets outside the loaded segments"},
    {"rela_outside_loads", "dynamic section: relocations (DT_RELA) outside the loaded segments"},
    {"bad_relaent", "dynamic section: DT_RELAENT is 5, expected 24"},
    {"rela_target_outside_loads", "dynamic section: DT_RELA relocation 0 targets address 0x7fff00000000 outside the loaded segments"},
    {"jmprel_outside_loads", "dynamic section: PLT relocations (DT_JMPREL) outside the loaded segments"},
    {"jmprel_target_outside_loads", "dynamic section: DT_JMPREL relocation 0 targets address 0x7fff00000000 outside the loaded segments"},
    {"init_array_outside_loads", "dynamic section: DT_INIT_ARRAY outside the loaded segments"},
    {"versym_outside_loads", "dynamic section: symbol versioning tables outside the loaded segments"},
    {"dynamic_offset_mismatch", "PT_DYNAMIC (segment 4): p_offset and p_vaddr point at different bytes"},
    {"reloc_symbol_out_of_range", "dynamic section: DT_JMPREL relocation 0 names symbol 16777215, outside the symbol table or with its name outside the string table"},
    {"rela_without_relasz", "dynamic section: DT_RELA without DT_RELASZ"},
    {"rela_without_relaent", "dynamic section: DT_RELA without DT_RELAENT"},
    {"init_array_without_size", "dynamic section: DT_INIT_ARRAY without DT_INIT_ARRAYSZ"},
    {"fini_array_without_size", "dynamic section: DT_FINI_ARRAY without DT_FINI_ARRAYSZ"},
    {"pltrel_missing", "dynamic section: DT_JMPREL, DT_PLTREL and DT_PLTRELSZ must come together"},
    {"pltrel_wrong_type", "dynamic section: DT_PLTREL is 17, this host uses DT_RELA"},
    {"relro_too_large", "PT_GNU_RELRO (segment "},
    {"relro_over_text", "PT_GNU_RELRO (segment "},
    {"reloc_writes_to_text", "dynamic section: DT_RELA relocation 0 writes to read-only address "},
    {"fini_outside_text", "dynamic section: DT_FINI outside the executable segments"},
    {"verneed_entry_outside_loads", "dynamic section: DT_VERNEED entry outside the loaded segments"},
    {"strtab_not_terminated", "dynamic section: string table does not end with a NUL byte"},
    {"no_hash_table", "dynamic section: no symbol hash table (DT_HASH or DT_GNU_HASH)"},
    {"symtab_smaller_than_hash", "dynamic section: symbol table (DT_SYMTAB) smaller than the "},
    {"symbol_name_outside_strtab", "dynamic section: symbol 1 has its name outside the string table"},
    {"gnu_hash_bucket_below_symoffset", "dynamic section: DT_GNU_HASH bucket "},
};

std::string validate(const std::vector<unsigned char> &image, int *rc) {
    char err[512];
    std::memset(err, 'x', sizeof err);
    *rc = erts_dlopen_mem_validate(image.data(), image.size(), err, sizeof err);
    return err;
}

class BrokenFixture : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenFixture, IsRefusedWithItsRulesMessage) {
    const BrokenCase &c = GetParam();
    auto image = read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/" + c.fixture + ".so");
    ASSERT_FALSE(image.empty()) << "missing fixture " << c.fixture;
    int rc;
    std::string message = validate(image, &rc);
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(message.rfind(c.message, 0), 0u) << "message: " << message;
}

TEST_P(BrokenFixture, IsRefusedByTheLoaderBeforeTheKernelSeesIt) {
    const BrokenCase &c = GetParam();
    auto image = read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/" + c.fixture + ".so");
    ASSERT_FALSE(image.empty());
    void *handle = reinterpret_cast<void *>(0x1);
    char err[512];
    size_t fds_before = open_fd_count();
    auto shm_before = list_dir("/dev/shm");
    EXPECT_EQ(erts_dlopen_mem(image.data(), image.size(), c.fixture, &handle, err, sizeof err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(handle, nullptr);
    EXPECT_EQ(std::string(err).rfind(c.message, 0), 0u) << "message: " << err;
    EXPECT_EQ(open_fd_count(), fds_before);
    EXPECT_EQ(list_dir("/dev/shm"), shm_before);
}

INSTANTIATE_TEST_SUITE_P(EveryRule, BrokenFixture, ::testing::ValuesIn(kBrokenCases),
                         [](const auto &info) { return std::string(info.param.fixture); });

// Every broken fixture the generator wrote has a row above.
TEST(BrokenFixtures, EachGeneratedFixtureHasACase) {
    auto files = list_dir(ERTS_BROKEN_FIXTURE_DIR);
    size_t so_files = 0;
    for (const auto &f : files) {
        if (f.size() < 3 || f.compare(f.size() - 3, 3, ".so") != 0)
            continue;
        so_files++;
        std::string name = f.substr(0, f.size() - 3);
        bool found = std::any_of(std::begin(kBrokenCases), std::end(kBrokenCases),
                                 [&](const BrokenCase &c) { return name == c.fixture; });
        EXPECT_TRUE(found) << "no test case for broken fixture " << f;
    }
    EXPECT_EQ(so_files, std::size(kBrokenCases));
}

TEST(Validate, AcceptsRealSharedObjects) {
    for (const char *name : {"fixture_a.so", "fixture_b.so", "fixture_cxx_a.so",
                             "fixture_16m.so", "fixture_unresolved.so"}) {
        int rc;
        std::string message = validate(read_fixture(name), &rc);
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << name << ": " << message;
        EXPECT_EQ(message, "") << name;
    }
}

TEST(Validate, AcceptsTheSystemsOwnLibraries) {
    // Objects built by other toolchains and flags than the fixtures.
    int checked = 0;
    for (const char *path : {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6",
                             "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                             "/lib/x86_64-linux-gnu/libz.so.1"}) {
        auto image = read_file(path);
        if (image.empty())
            continue;
        int rc;
        std::string message = validate(image, &rc);
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << path << ": " << message;
        checked++;
    }
    EXPECT_GT(checked, 0);
}

TEST(Validate, RefusesAnExecutable) {
    int rc;
    EXPECT_EQ(validate(read_fixture("fixture_executable"), &rc),
              "ELF header: an executable (ET_EXEC), not a shared object");
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}

TEST(Validate, RefusesAPositionIndependentExecutable) {
    int rc;
    EXPECT_EQ(validate(read_fixture("fixture_pie"), &rc),
              "dynamic section: a position-independent executable (DF_1_PIE), not a shared object");
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}

TEST(Validate, RefusesEmptyAndNull) {
    char err[128];
    EXPECT_EQ(erts_dlopen_mem_validate(nullptr, 0, err, sizeof err), ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_STREQ(err, "ELF header: image too small (0 bytes, an ELF header needs 64)");
    EXPECT_EQ(erts_dlopen_mem_validate(nullptr, 100, err, sizeof err), ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "no image (NULL pointer)");
}

TEST(Validate, MessageBufferIsBoundedAndOptional) {
    auto image = read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/bad_magic.so");
    char small[8];
    std::memset(small, 'x', sizeof small);
    EXPECT_EQ(erts_dlopen_mem_validate(image.data(), image.size(), small, sizeof small),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_STREQ(small, "ELF hea");
    EXPECT_EQ(erts_dlopen_mem_validate(image.data(), image.size(), nullptr, 0),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    char one = 'x';
    EXPECT_EQ(erts_dlopen_mem_validate(image.data(), image.size(), &one, 1),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(one, '\0');
}

TEST(Validate, ReadsUnalignedImages) {
    auto image = read_fixture("fixture_a.so");
    std::vector<unsigned char> shifted(image.size() + 3);
    std::memcpy(shifted.data() + 3, image.data(), image.size());
    char err[256];
    EXPECT_EQ(erts_dlopen_mem_validate(shifted.data() + 3, image.size(), err, sizeof err),
              ERTS_DLOPEN_MEM_OK) << err;
}

// glibc raises SIGBUS when a mapped segment extends past the end of the file:
// every cut inside the PT_LOAD file ranges must be refused by validation, and
// cuts after them (section headers only) still load and run.
TEST(Validate, EveryTruncationOfTheMappedPartIsRefused) {
    auto image = read_fixture("fixture_a.so");
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    size_t end_of_loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        std::memcpy(&ph, image.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD)
            end_of_loads = std::max<size_t>(end_of_loads, ph.p_offset + ph.p_filesz);
    }
    ASSERT_GT(end_of_loads, 4096u);
    ASSERT_LT(end_of_loads, image.size());
    char err[256];
    for (size_t cut = 0; cut < end_of_loads; cut++)
        ASSERT_EQ(erts_dlopen_mem_validate(image.data(), cut, err, sizeof err),
                  ERTS_DLOPEN_MEM_BAD_IMAGE) << "cut at " << cut;
    for (size_t cut = end_of_loads; cut <= image.size(); cut += 97) {
        void *handle = nullptr;
        ASSERT_EQ(erts_dlopen_mem(image.data(), cut, "cut", &handle, err, sizeof err),
                  ERTS_DLOPEN_MEM_OK) << "cut at " << cut << ": " << err;
        EXPECT_EQ(call_fixture_value(handle), 1);
        EXPECT_EQ(erts_dlclose_mem(handle), ERTS_DLOPEN_MEM_OK);
    }
}

} // namespace
