/*
 * %CopyrightBegin%
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright 2026 Seed f4317cee maintainers. All Rights Reserved.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 *
 * %CopyrightEnd%
 */

/*
 * How an image is judged: erts_dlopen_mem_validate() (erl_dlopen_mem.h),
 * which erts_dlopen_mem() (erl_dlopen_mem.cpp) calls before the image goes
 * anywhere near the dynamic linker. Only system headers are used, so this
 * file builds and is tested outside of erts. It must not need libstdc++: no
 * exceptions, no RTTI, no operator new, no thread-safe statics.
 *
 * The contract. An image is refused if loading it would make the dynamic
 * linker, or erts reading its NIF or driver entry, read or write outside
 * the image, abort or crash. Nothing that a correct linker writes is
 * refused: an image that loads and runs from a file loads from memory.
 * What the library's own code does once loaded is not judged, nor are its
 * references: an edit that moves a relocation's offset, symbol or addend,
 * a symbol's value or type, DT_INIT or DT_FINI onto another valid target
 * is an edit of the code (check a digest where images travel over an
 * unreliable channel).
 *
 * A rule is admitted when it names the read or call by the dynamic linker
 * or erts that it protects and the kill it prevents (a fixture and an
 * exact-message test, or a fuzz regression), and when the legal-image
 * matrix (unit.legal_images) and the sweep of the system's libraries
 * (fuzz.sweep_system_libraries) still pass.
 */

#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include "erl_dlopen_mem.h"
#include "erl_dlopen_mem_alloc.h"
#include "erl_dlopen_mem_errbuf.h"

#if !defined(__linux__)

extern "C" int erts_dlopen_mem_validate(const void *,
                                        size_t,
                                        char *errbuf,
                                        size_t errbuf_size) {
    return refuse_unsupported(errbuf, errbuf_size);
}

extern "C" int erts_dlopen_mem_library_names(const void *,
                                             size_t,
                                             ErtsDlopenMemNameFn,
                                             void *,
                                             char *errbuf,
                                             size_t errbuf_size) {
    return refuse_unsupported(errbuf, errbuf_size);
}

#else /* __linux__ */

#    include <elf.h>
#    include <link.h>
#    include <stddef.h>
#    include <stdint.h>
#    include <stdlib.h>
#    include <string.h>
#    include <unistd.h>

#    ifndef DF_1_PIE
#        define DF_1_PIE 0x08000000
#    endif
#    ifndef DT_RELRSZ
#        define DT_RELRSZ  35
#        define DT_RELR    36
#        define DT_RELRENT 37
#    endif
#    ifndef PT_GNU_RELRO
#        define PT_GNU_RELRO 0x6474e552
#    endif

/* The ELF header of the object this code is linked into: it tells the class,
 * byte order and machine of this process, whatever the architecture. */
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

namespace {

/* ------------------------------------------------------------------------
 * Validation
 *
 * Stages, in order: the ELF header, the program header table, the PT_LOAD
 * segments, the other segments the dynamic linker reads through its
 * mapping, and the dynamic section with the tables it points at. Every
 * structure is copied into a local before it is read (the image may be
 * unaligned), and every range check is written so that it cannot overflow.
 */

typedef ElfW(Ehdr) Ehdr;
typedef ElfW(Phdr) Phdr;
typedef ElfW(Dyn) Dyn;
typedef ElfW(Sym) Sym;
typedef ElfW(Shdr) Shdr;
typedef ElfW(Addr) Addr;

/* Real shared objects have about a dozen; bionic caps the table at 64 KiB. */
const unsigned kMaxProgramHeaders = 65536 / sizeof(Phdr);
/* Tables of PLT stubs judged (GNU ld writes .plt, .plt.got, .plt.sec). */
const unsigned kMaxStubSections = 8;
/* The dynamic linker's own words at DT_PLTGOT (_DYNAMIC, its link map,
 * its resolver). */
const unsigned kReservedPltGotSlots = 3;
const unsigned kNoSegment = ~0u;
const unsigned kNativeClass = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
const unsigned kNativeData =
        __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
/* The relocation type of the host's PLT relocations (DT_PLTREL): glibc
 * asserts it. */
#    if defined(__i386__) || defined(__arm__) || defined(__mips__)
const ElfW(Sxword) kNativePltRel = DT_REL;
const size_t kNativePltRelSize = sizeof(ElfW(Rel));
#    else
const ElfW(Sxword) kNativePltRel = DT_RELA;
const size_t kNativePltRelSize = sizeof(ElfW(Rela));
#    endif
/* glibc's LIBC_ABI_MAX: the EI_ABIVERSION values it accepts with
 * ELFOSABI_GNU are those below it (libc-abis: UNIQUE, IFUNC on the
 * architectures that list it, ABSOLUTE). Measured with glibc 2.36: 0 to 3
 * on x86_64, 0 to 2 on aarch64. An older glibc accepts fewer, and refuses
 * the others cleanly. */
#    if defined(__x86_64__) || defined(__i386__) || defined(__powerpc__) ||    \
            defined(__sparc__)
const unsigned kGnuAbiVersionLimit = 4;
#    else
const unsigned kGnuAbiVersionLimit = 3;
#    endif
/* The relocation types this host's dynamic linker applies in a shared
 * object: glibc's elf_machine_rela (2.36 and later) for x86_64 and aarch64,
 * where the other types are refused (cleanly, but after mapping) or, for
 * R_*_COPY, copy from wherever the symbol points. On other architectures
 * the relocation types, the RELATIVE count and the RELATIVE and IRELATIVE
 * addends are not checked: no list is kept here for them. */
#    if defined(__x86_64__) && defined(__LP64__)
#        define ERTS_DLOPEN_MEM_RELOC_VALUES 1
const unsigned kRelocRelative = R_X86_64_RELATIVE;
const unsigned kRelocIrelative = R_X86_64_IRELATIVE;
const unsigned kRelocCopy = R_X86_64_COPY;
const char *const kRelocCopyName = "R_X86_64_COPY";
const unsigned kRelocGlobDat = R_X86_64_GLOB_DAT;
const unsigned kRelocJumpSlot = R_X86_64_JUMP_SLOT;
const unsigned kRelocTlsdesc = R_X86_64_TLSDESC;
const unsigned kRelocDtpmod = R_X86_64_DTPMOD64;
const unsigned kRelocDtpoff = R_X86_64_DTPOFF64;
const unsigned kRelocTpoff = R_X86_64_TPOFF64;
/* The psABI computes GLOB_DAT and JUMP_SLOT as S, and no linker writes an
 * addend there. glibc 2.36 ignores one when it binds at load (measured),
 * so this is a rule of form: an addend there means the table was altered. */
const bool kSlotsTakeAddend = false;
[[nodiscard]] bool reloc_type_applied(unsigned type) noexcept {
    switch (type) {
    case R_X86_64_NONE:
    case R_X86_64_64:
    case R_X86_64_PC32:
    case R_X86_64_GLOB_DAT:
    case R_X86_64_JUMP_SLOT:
    case R_X86_64_RELATIVE:
    case R_X86_64_DTPMOD64:
    case R_X86_64_DTPOFF64:
    case R_X86_64_TPOFF64:
    case R_X86_64_SIZE32:
    case R_X86_64_SIZE64:
    case R_X86_64_TLSDESC:
    case R_X86_64_IRELATIVE:
        return true;
    default:
        return false;
    }
}
#    elif defined(__aarch64__) && defined(__LP64__)
#        define ERTS_DLOPEN_MEM_RELOC_VALUES 1
const unsigned kRelocRelative = R_AARCH64_RELATIVE;
const unsigned kRelocIrelative = R_AARCH64_IRELATIVE;
const unsigned kRelocCopy = R_AARCH64_COPY;
const char *const kRelocCopyName = "R_AARCH64_COPY";
const unsigned kRelocGlobDat = R_AARCH64_GLOB_DAT;
const unsigned kRelocJumpSlot = R_AARCH64_JUMP_SLOT;
const unsigned kRelocTlsdesc = R_AARCH64_TLSDESC;
const unsigned kRelocDtpmod = 1028;
const unsigned kRelocDtpoff = 1029;
const unsigned kRelocTpoff = 1030;
/* The AArch64 psABI computes GLOB_DAT and JUMP_SLOT as S + A. */
const bool kSlotsTakeAddend = true;
[[nodiscard]] bool reloc_type_applied(unsigned type) noexcept {
    switch (type) {
    case R_AARCH64_NONE:
    case R_AARCH64_ABS64:
    case R_AARCH64_GLOB_DAT:
    case R_AARCH64_JUMP_SLOT:
    case R_AARCH64_RELATIVE:
    case 1028: /* R_AARCH64_TLS_DTPMOD (TLS_DTPMOD64 in older headers) */
    case 1029: /* R_AARCH64_TLS_DTPREL */
    case 1030: /* R_AARCH64_TLS_TPREL */
    case R_AARCH64_TLSDESC:
    case R_AARCH64_IRELATIVE:
        return true;
    default:
        return false;
    }
}
#    else
#        define ERTS_DLOPEN_MEM_RELOC_VALUES 0
#    endif
/* The functions the dynamic section names for the dynamic linker to call. */
const int kCodeEntryTags[2] = {DT_INIT, DT_FINI};
const char *const kCodeEntryNames[2] = {"DT_INIT", "DT_FINI"};
/* The arrays of functions it names, and the types of their sections. */
const char *const kFunctionArrayNames[2] = {"DT_INIT_ARRAY", "DT_FINI_ARRAY"};
const ElfW(Word) kFunctionArrayTypes[2] = {SHT_INIT_ARRAY, SHT_FINI_ARRAY};
const char *const kFunctionArrayTypeNames[2] = {"SHT_INIT_ARRAY",
                                                "SHT_FINI_ARRAY"};
/* Entries of version chains walked before an image is taken for looping. */
const unsigned kMaxVersionEntries = 65536;
/* DT_NEEDED entries kept to match DT_VERNEED's names against (a library
 * needing more is refused), and how long a name is compared. */
const unsigned kMaxNeeded = 256;
const size_t kMaxComparedName = 256;
/* Entries of DT_INIT_ARRAY and DT_FINI_ARRAY together, one bit each on the
 * stack (4 KiB). CUDA's libcublasLt.so.13 has 6,489. */
const unsigned kMaxArrayFunctions = 32768;

/* Dynamic tags recorded by index: DT_NUM, or more where an older <elf.h>
 * (glibc < 2.36) does not count the DT_RELR tags. */
const int kIndexedDynamicTags =
        DT_NUM > DT_RELRENT + 1 ? DT_NUM : DT_RELRENT + 1;

/* A symbol name fit for a message: at most 64 characters, each byte that is
 * not part of a C or C++ (mangled) identifier replaced by '?', so that no
 * control or non-ASCII byte of the image reaches an error term or a log. */
struct PrintableName {
    char text[65];
    explicit PrintableName(const char *name) noexcept {
        size_t i = 0;
        for (; i < sizeof text - 1 && name[i] != '\0'; i++) {
            unsigned char c = static_cast<unsigned char>(name[i]);
            bool identifier = (c >= 'a' && c <= 'z') ||
                              (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                              c == '@' || c == '$';
            text[i] = identifier ? static_cast<char>(c) : '?';
        }
        text[i] = '\0';
    }
};

/* [offset, offset + length) lies within [0, size). */
[[nodiscard]] bool range_within(uint64_t offset,
                                uint64_t length,
                                uint64_t size) noexcept {
    return offset <= size && length <= size - offset;
}

const char *class_name(unsigned c) noexcept {
    switch (c) {
    case ELFCLASS32:
        return "ELFCLASS32";
    case ELFCLASS64:
        return "ELFCLASS64";
    default:
        return "ELFCLASSNONE";
    }
}

const char *data_name(unsigned d) noexcept {
    switch (d) {
    case ELFDATA2LSB:
        return "little-endian";
    case ELFDATA2MSB:
        return "big-endian";
    default:
        return "unknown byte order";
    }
}

const char *machine_name(unsigned m) noexcept {
    switch (m) {
    case EM_386:
        return "EM_386";
    case EM_ARM:
        return "EM_ARM";
    case EM_X86_64:
        return "EM_X86_64";
    case EM_AARCH64:
        return "EM_AARCH64";
    case EM_PPC:
        return "EM_PPC";
    case EM_PPC64:
        return "EM_PPC64";
    case EM_S390:
        return "EM_S390";
    case EM_RISCV:
        return "EM_RISCV";
    case EM_MIPS:
        return "EM_MIPS";
    case EM_SPARCV9:
        return "EM_SPARCV9";
    case EM_LOONGARCH:
        return "EM_LOONGARCH";
    default:
        return "EM_?";
    }
}

const char *segment_type_name(ElfW(Word) t) noexcept {
    switch (t) {
    case PT_LOAD:
        return "PT_LOAD";
    case PT_DYNAMIC:
        return "PT_DYNAMIC";
    case PT_NOTE:
        return "PT_NOTE";
    case PT_PHDR:
        return "PT_PHDR";
    case PT_TLS:
        return "PT_TLS";
    case PT_GNU_PROPERTY:
        return "PT_GNU_PROPERTY";
    default:
        return "segment";
    }
}

/* A bit per entry of a table, for checks that must see each entry once:
 * allocated, as the tables' sizes come from the image; empty if that
 * failed. */
class Bitmap {
public:
    explicit Bitmap(uint64_t bits) noexcept
            : bits_(static_cast<unsigned char *>(
                      loader_alloc_zeroed(bits / 8 + 1))) {
    }
    ~Bitmap() {
        loader_free(bits_);
    }
    Bitmap(const Bitmap &) = delete;
    Bitmap &operator=(const Bitmap &) = delete;
    [[nodiscard]] bool allocated() const noexcept {
        return bits_ != NULL;
    }
    void set(uint64_t i) noexcept {
        bits_[i / 8] |= (unsigned char)(1u << (i % 8));
    }
    [[nodiscard]] bool test(uint64_t i) const noexcept {
        return bits_[i / 8] & (1u << (i % 8));
    }

private:
    unsigned char *bits_;
};

/* The dynamic section's entries that later checks read, by tag. */
struct DynamicTags {
    Addr value[kIndexedDynamicTags] = {};
    bool present[kIndexedDynamicTags] = {};
    Addr gnu_hash = 0, versym = 0, verneed = 0, verdef = 0;
    bool has_gnu_hash = false;
};

/* Tables given by an address and a size. align: the alignment of the
 * entries the dynamic linker reads in place (0: not checked); entry: the
 * size of one, of which the table holds a whole number (glibc reads
 * relocations up to the table's end, and a last one cut short from what
 * follows). */
const struct SizedTable {
    int addr_tag, size_tag;
    const char *addr_name, *size_name, *what;
    size_t align, entry;
} kSizedTables[] = {
        {DT_RELA,
         DT_RELASZ,
         "DT_RELA",
         "DT_RELASZ",
         "relocations (DT_RELA)",
         alignof(ElfW(Rela)),
         sizeof(ElfW(Rela))},
        {DT_REL,
         DT_RELSZ,
         "DT_REL",
         "DT_RELSZ",
         "relocations (DT_REL)",
         alignof(ElfW(Rel)),
         sizeof(ElfW(Rel))},
        {DT_JMPREL,
         DT_PLTRELSZ,
         "DT_JMPREL",
         "DT_PLTRELSZ",
         "PLT relocations (DT_JMPREL)",
         kNativePltRel == DT_REL ? alignof(ElfW(Rel)) : alignof(ElfW(Rela)),
         kNativePltRelSize},
        {DT_RELR,
         DT_RELRSZ,
         "DT_RELR",
         "DT_RELRSZ",
         "relocations (DT_RELR)",
         0,
         sizeof(Addr)},
        {DT_INIT_ARRAY,
         DT_INIT_ARRAYSZ,
         "DT_INIT_ARRAY",
         "DT_INIT_ARRAYSZ",
         "DT_INIT_ARRAY",
         0,
         sizeof(Addr)},
        {DT_FINI_ARRAY,
         DT_FINI_ARRAYSZ,
         "DT_FINI_ARRAY",
         "DT_FINI_ARRAYSZ",
         "DT_FINI_ARRAY",
         0,
         sizeof(Addr)},
        {DT_PREINIT_ARRAY,
         DT_PREINIT_ARRAYSZ,
         "DT_PREINIT_ARRAY",
         "DT_PREINIT_ARRAYSZ",
         "DT_PREINIT_ARRAY",
         0,
         sizeof(Addr)},
};

class ElfValidator {
public:
    ElfValidator(const unsigned char *image,
                 size_t size,
                 ErrorBuffer &err) noexcept
            : image_(image), size_(size), err_(err) {
    }

    /* Entry i of the dynamic section, which lies in the image (stage 4). */
    Dyn dynamic_entry(size_t i) const noexcept {
        Dyn d;
        memcpy(&d, image_ + dynamic_.p_offset + i * sizeof(Dyn), sizeof(Dyn));
        return d;
    }

    /* After validate() has accepted the image: calls each(arg, tag, name)
     * for the dynamic section's entries that name libraries, in order.
     * validate() checked that their strings lie in the string table, which
     * ends with a NUL. */
    void each_library_name(ErtsDlopenMemNameFn each, void *arg) const noexcept {
        size_t count = dynamic_.p_filesz / sizeof(Dyn);
        for (size_t i = 0; i < count; i++) {
            Dyn d = dynamic_entry(i);
            if (d.d_tag == DT_NULL)
                break;
            if (d.d_tag == DT_NEEDED || d.d_tag == DT_SONAME ||
                d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH)
                each(arg,
                     (long)d.d_tag,
                     reinterpret_cast<const char *>(image_ + strtab_offset_ +
                                                    d.d_un.d_val));
        }
    }

    [[nodiscard]] bool validate() noexcept {
        return check_elf_header() && check_program_header_table() &&
               check_load_segments() && check_segments_in_loaded_memory() &&
               check_unwind_table_against_sections() &&
               check_dynamic_section() && check_section_rights() &&
               check_init_and_fini_against_sections() &&
               check_plt_slots_relocated();
    }

private:
    struct Section {
        Addr at;
        uint64_t size;
        unsigned index; /* in the section header table */
    };
    struct RelocTable {
        Addr at;
        uint64_t size;
        size_t entry; /* the size of one relocation */
    };
    /* The section header string table, when it is one: sections are
     * named by offsets into it. */
    struct SectionNames {
        const char *table;
        uint64_t size;
        bool is(const Shdr &sh, const char *name) const noexcept {
            return table && sh.sh_name < size &&
                   strcmp(table + sh.sh_name, name) == 0;
        }
    };

    /* Stage 1: the ELF header. */
    [[nodiscard]] bool check_elf_header() noexcept {
        if (size_ < sizeof(Ehdr))
            return fail("ELF header: image too small (%zu bytes, an ELF header "
                        "needs %zu)",
                        size_,
                        sizeof(Ehdr));
        memcpy(&ehdr_, image_, sizeof(Ehdr));
        const unsigned char *id = ehdr_.e_ident;
        if (memcmp(id, ELFMAG, SELFMAG) != 0)
            return fail("ELF header: bad magic, not an ELF image");
        if (id[EI_CLASS] != kNativeClass)
            return fail("ELF header: wrong ELF class %s, this host needs %s",
                        class_name(id[EI_CLASS]),
                        class_name(kNativeClass));
        if (id[EI_DATA] != kNativeData)
            return fail("ELF header: wrong byte order (%s), this host is %s",
                        data_name(id[EI_DATA]),
                        data_name(kNativeData));
        if (id[EI_VERSION] != EV_CURRENT || ehdr_.e_version != EV_CURRENT)
            return fail("ELF header: unsupported ELF version %u",
                        (unsigned)(id[EI_VERSION] != EV_CURRENT
                                           ? id[EI_VERSION]
                                           : ehdr_.e_version));
        if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
            return fail("ELF header: unsupported OS ABI %u",
                        (unsigned)id[EI_OSABI]);
        /* glibc's open_verify: the ABI version, then the padding. */
        if (id[EI_OSABI] == ELFOSABI_SYSV && id[EI_ABIVERSION] != 0)
            return fail("ELF header: ABI version %u with OS ABI ELFOSABI_SYSV, "
                        "which has only version 0",
                        (unsigned)id[EI_ABIVERSION]);
        if (id[EI_OSABI] == ELFOSABI_GNU &&
            id[EI_ABIVERSION] >= kGnuAbiVersionLimit)
            return fail(
                    "ELF header: ABI version %u with OS ABI ELFOSABI_GNU, this "
                    "host's dynamic linker knows up to %u",
                    (unsigned)id[EI_ABIVERSION],
                    kGnuAbiVersionLimit - 1);
        for (unsigned i = EI_PAD; i < EI_NIDENT; i++)
            if (id[i] != 0)
                return fail("ELF header: e_ident padding byte %u is %u, not 0",
                            i,
                            (unsigned)id[i]);
        if (ehdr_.e_machine != __ehdr_start.e_machine)
            return fail(
                    "ELF header: wrong machine %s (%u), this host is %s (%u)",
                    machine_name(ehdr_.e_machine),
                    (unsigned)ehdr_.e_machine,
                    machine_name(__ehdr_start.e_machine),
                    (unsigned)__ehdr_start.e_machine);
        if (ehdr_.e_type == ET_EXEC)
            return fail(
                    "ELF header: an executable (ET_EXEC), not a shared object");
        if (ehdr_.e_type != ET_DYN)
            return fail("ELF header: not a shared object (e_type %u)",
                        (unsigned)ehdr_.e_type);
        if (ehdr_.e_ehsize != sizeof(Ehdr))
            return fail("ELF header: e_ehsize is %u, expected %zu",
                        (unsigned)ehdr_.e_ehsize,
                        sizeof(Ehdr));
        return true;
    }

    /* Stage 2: the program header table. */
    [[nodiscard]] bool check_program_header_table() noexcept {
        if (ehdr_.e_phentsize != sizeof(Phdr))
            return fail("program headers: e_phentsize is %u, expected %zu",
                        (unsigned)ehdr_.e_phentsize,
                        sizeof(Phdr));
        if (ehdr_.e_phnum == 0)
            return fail("program headers: none (e_phnum is 0)");
        if (ehdr_.e_phnum > kMaxProgramHeaders)
            return fail("program headers: too many (%u, at most %u)",
                        (unsigned)ehdr_.e_phnum,
                        kMaxProgramHeaders);
        if (!range_within(ehdr_.e_phoff,
                          (uint64_t)ehdr_.e_phnum * sizeof(Phdr),
                          size_))
            return fail("program headers: table at offset %llu (%u entries) "
                        "extends past the end of the image (%zu bytes)",
                        (unsigned long long)ehdr_.e_phoff,
                        (unsigned)ehdr_.e_phnum,
                        size_);
        return true;
    }

    /* Stage 3: the PT_LOAD segments, which the dynamic linker maps from the
     * file. A file range past the end of the image is what makes a truncated
     * image raise SIGBUS inside dlopen. */
    [[nodiscard]] bool check_load_segments() noexcept {
        unsigned loads = 0;
        Addr previous_end = 0;
        for (unsigned i = 0; i < ehdr_.e_phnum; i++) {
            Phdr ph = phdr(i);
            if (ph.p_type != PT_LOAD)
                continue;
            if (!range_within(ph.p_offset, ph.p_filesz, size_))
                return fail(
                        "PT_LOAD segment %u: file range [%llu, +%llu) extends "
                        "past the end of the image (%zu bytes), is it "
                        "truncated?",
                        i,
                        (unsigned long long)ph.p_offset,
                        (unsigned long long)ph.p_filesz,
                        size_);
            if (!(ph.p_flags & (PF_R | PF_X)))
                return fail("PT_LOAD segment %u: neither readable nor "
                            "executable (p_flags 0x%x)",
                            i,
                            (unsigned)ph.p_flags);
            if (ph.p_filesz > ph.p_memsz)
                return fail(
                        "PT_LOAD segment %u: p_filesz (%llu) is larger than "
                        "p_memsz (%llu)",
                        i,
                        (unsigned long long)ph.p_filesz,
                        (unsigned long long)ph.p_memsz);
            if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
                return fail("PT_LOAD segment %u: address range overflows", i);
            /* glibc zero-fills the rest. Only ld -N and -n put .bss in an
             * executable segment, and theirs is writable too: there, the
             * functions the dynamic linker and erts call are checked to
             * lie in the bytes the file maps (zero_filled_code()). */
            if ((ph.p_flags & PF_X) && !(ph.p_flags & PF_W) &&
                ph.p_memsz > ph.p_filesz)
                return fail("PT_LOAD segment %u: executable and read-only, "
                            "and p_memsz (%llu) larger than p_filesz (%llu) "
                            "leaves code of zeros",
                            i,
                            (unsigned long long)ph.p_memsz,
                            (unsigned long long)ph.p_filesz);
            if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)) != 0)
                return fail("PT_LOAD segment %u: p_align (%llu) is not a power "
                            "of two",
                            i,
                            (unsigned long long)ph.p_align);
            if (ph.p_align > 1 &&
                ((ph.p_vaddr - ph.p_offset) & (ph.p_align - 1)) != 0)
                return fail("PT_LOAD segment %u: p_vaddr and p_offset disagree "
                            "modulo p_align",
                            i);
            if (loads > 0 && ph.p_vaddr < previous_end)
                return fail(
                        "PT_LOAD segment %u: not in ascending address order "
                        "or overlaps the previous one",
                        i);
            previous_end = ph.p_vaddr + ph.p_memsz;
            if (loads == 0)
                image_start_ = ph.p_vaddr;
            image_end_ = previous_end;
            loads_[loads++] = (uint16_t)i;
        }
        if (loads == 0)
            return fail("PT_LOAD segments: none, nothing to map");
        load_count_ = loads;
        return true;
    }

    /* Stage 4: segments that the dynamic linker reads through the mapping of
     * the PT_LOAD segments must lie inside the file-backed part of one. */
    [[nodiscard]] bool check_segments_in_loaded_memory() noexcept {
        unsigned dynamics = 0;
        for (unsigned i = 0; i < ehdr_.e_phnum; i++) {
            Phdr ph = phdr(i);
            switch (ph.p_type) {
            case PT_DYNAMIC:
                dynamics++;
                dynamic_ = ph;
                if (ph.p_filesz < sizeof(Dyn))
                    return fail("PT_DYNAMIC: too small (%llu bytes)",
                                (unsigned long long)ph.p_filesz);
                if (!check_read_in_place(ph, i))
                    return false;
                break;
            case PT_TLS:
                if (!check_tls_segment(ph) || !check_read_in_place(ph, i))
                    return false;
                break;
            case PT_NOTE:
            case PT_PHDR:
            case PT_GNU_PROPERTY:
                if (!check_read_in_place(ph, i))
                    return false;
                break;
            case PT_GNU_RELRO:
                /* Made read-only after relocation: it must be data, or
                 * mprotect takes away what the object needs. */
                if (!relro_in_writable_pages(ph))
                    return fail("PT_GNU_RELRO (segment %u): outside a writable "
                                "loaded segment",
                                i);
                relro_ = ph;
                break;
            case PT_GNU_EH_FRAME: {
                char what[48];
                snprintf(what, sizeof what, "PT_GNU_EH_FRAME (segment %u)", i);
                eh_frame_segment_ = {ph.p_vaddr, i};
                if (!check_unwind_table(ph.p_vaddr, what))
                    return false;
                break;
            }
            default:
                break;
            }
        }
        if (dynamics == 0)
            return fail("PT_DYNAMIC: none, a shared object needs a dynamic "
                        "section");
        if (dynamics > 1)
            return fail("PT_DYNAMIC: %u of them, expected one", dynamics);
        return true;
    }

    [[nodiscard]] bool check_tls_segment(const Phdr &ph) noexcept {
        if (ph.p_filesz > ph.p_memsz)
            return fail("PT_TLS: p_filesz is larger than p_memsz");
        /* glibc aligns the block by dividing by p_align (SIGFPE at 0), and
         * gives a module whose PT_TLS is empty no block at all: as if there
         * were none. */
        if (ph.p_memsz != 0 && ph.p_align == 0)
            return fail("PT_TLS: p_align is 0, which glibc divides by to "
                        "place the block");
        if (ph.p_memsz != 0)
            tls_ = ph;
        return true;
    }

    /* Segment i, which the dynamic linker reads where the PT_LOAD segments
     * map it: its bytes in the file-backed part of one. */
    [[nodiscard]] bool check_read_in_place(const Phdr &ph,
                                           unsigned i) noexcept {
        if (ph.p_filesz == 0)
            return true; /* nothing is read from the file */
        uint64_t offset;
        if (!file_backed(ph.p_vaddr, ph.p_filesz, &offset) ||
            !range_within(ph.p_offset, ph.p_filesz, size_))
            return fail("%s (segment %u): outside the loaded segments",
                        segment_type_name(ph.p_type),
                        i);
        /* The dynamic linker reads the entries in place, as Dyn. */
        if (ph.p_type == PT_DYNAMIC && ph.p_vaddr % alignof(Dyn) != 0)
            return fail("PT_DYNAMIC (segment %u): p_vaddr 0x%llx is not "
                        "%zu-byte aligned",
                        i,
                        (unsigned long long)ph.p_vaddr,
                        alignof(Dyn));
        if (ph.p_type == PT_DYNAMIC && ph.p_offset % alignof(Dyn) != 0)
            return fail("PT_DYNAMIC (segment %u): p_offset %llu is not "
                        "%zu-byte aligned",
                        i,
                        (unsigned long long)ph.p_offset,
                        alignof(Dyn));
        /* This validator reads it at p_offset, the dynamic linker at
         * p_vaddr: both must be the same bytes. */
        if (offset != ph.p_offset)
            return fail("%s (segment %u): p_offset and p_vaddr point at "
                        "different bytes",
                        segment_type_name(ph.p_type),
                        i);
        return true;
    }

    /* PT_GNU_EH_FRAME (.eh_frame_hdr), which the unwinder reads and the
     * dynamic linker does not, is kept to say where functions start and end.
     * Every linker writes it so: version 1, a 4-byte .eh_frame pointer,
     * then a udata4 FDE count and the search table of (initial location,
     * FDE) pairs sorted by location, each an sdata4 offset from the header;
     * or both omitted (DW_EH_PE_omit), when the linker could not sort the
     * FDEs. As the unwinder does, the table is read from its address for as
     * many entries as its header counts, whatever size the segment or
     * section gives. A header that is neither is refused: an edit of one
     * byte of it would otherwise hide where functions start. */
    [[nodiscard]] bool check_unwind_table(Addr vaddr,
                                          const char *what) noexcept {
        const unsigned kEhPeUdata4 = 0x03, kEhPeSdata4 = 0x0b,
                       kEhPeDatarel = 0x30, kEhPeOmit = 0xff;
        uint64_t offset;
        uint8_t head[4];
        uint32_t count;
        if (!file_backed(vaddr, 12, &offset))
            return fail("%s: its header at 0x%llx is outside the loaded "
                        "segments",
                        what,
                        (unsigned long long)vaddr);
        memcpy(head, image_ + offset, sizeof head);
        memcpy(&count, image_ + offset + 8, sizeof count);
        if (head[0] != 1)
            return fail("%s: version %u, expected 1", what, head[0]);
        if ((head[1] & 0x0f) != kEhPeUdata4 && (head[1] & 0x0f) != kEhPeSdata4)
            return fail("%s: .eh_frame pointer encoded as 0x%x, not a 4-byte "
                        "value",
                        what,
                        head[1]);
        if (head[2] == kEhPeOmit && head[3] == kEhPeOmit)
            return true; /* no search table: it says nothing */
        if (head[2] != kEhPeUdata4 || head[3] != (kEhPeDatarel | kEhPeSdata4))
            return fail("%s: search table encoded as 0x%x and 0x%x, not as "
                        "linkers write it",
                        what,
                        head[2],
                        head[3]);
        if (!file_backed(vaddr, 12 + (uint64_t)count * 8, NULL))
            return fail("%s: its search table of %u entries runs past the "
                        "loaded segments",
                        what,
                        count);
        unwind_.offset = offset;
        unwind_.vaddr = vaddr;
        unwind_.count = count;
        Addr previous = 0, start, fde;
        for (uint32_t i = 0; i < count; i++, previous = start) {
            unwind_entry(i, &start, &fde);
            if (i != 0 && start < previous)
                return fail("%s: search table entry %u (0x%llx) is below the "
                            "one before it, the table is not sorted",
                            what,
                            i,
                            (unsigned long long)start);
        }
        return true;
    }

    /* Stage 5: the unwind table, which says where functions start, for
     * the stages after this one. It is PT_GNU_EH_FRAME's (judged in stage
     * 4): a section .eh_frame_hdr elsewhere is refused, and, when no
     * segment gives the table (a linker script without one, or the program
     * header's type edited), it is read from the section, so that no edit
     * of a program header hides it. The dynamic linker reads neither. */
    [[nodiscard]] bool check_unwind_table_against_sections() noexcept {
        uint64_t count, names_index;
        if (section_table(&count, &names_index) != SectionTable::present)
            return true; /* stage 7 says why */
        SectionNames names = section_names(names_index, count);
        bool seen = false;
        for (uint64_t i = 1; i < count; i++) {
            Shdr sh;
            memcpy(&sh, image_ + ehdr_.e_shoff + i * sizeof sh, sizeof sh);
            if (!names.is(sh, ".eh_frame_hdr") || sh.sh_size == 0)
                continue;
            if (seen)
                return fail("section %llu: a second .eh_frame_hdr",
                            (unsigned long long)i);
            seen = true;
            if (eh_frame_segment_.index != kNoSegment &&
                eh_frame_segment_.at != sh.sh_addr)
                return fail("section %llu (.eh_frame_hdr) at 0x%llx, but "
                            "PT_GNU_EH_FRAME (segment %u) at 0x%llx",
                            (unsigned long long)i,
                            (unsigned long long)sh.sh_addr,
                            eh_frame_segment_.index,
                            (unsigned long long)eh_frame_segment_.at);
            char what[48];
            snprintf(what,
                     sizeof what,
                     "section %llu (.eh_frame_hdr)",
                     (unsigned long long)i);
            if (eh_frame_segment_.index == kNoSegment &&
                !check_unwind_table(sh.sh_addr, what))
                return false;
        }
        return true;
    }

    /* The section header table: none (e_shoff and e_shnum 0), or where it
     * is, how many entries it has and which holds their names. */
    enum class SectionTable { none, bad_entry_size, truncated, present };
    SectionTable section_table(uint64_t *count,
                               uint64_t *names_index) const noexcept {
        *count = ehdr_.e_shnum;
        *names_index = ehdr_.e_shstrndx;
        if (*count == 0 && ehdr_.e_shoff == 0)
            return SectionTable::none;
        if (ehdr_.e_shentsize != sizeof(Shdr))
            return SectionTable::bad_entry_size;
        if ((*count == 0 || *names_index == SHN_XINDEX) &&
            range_within(ehdr_.e_shoff, sizeof(Shdr), size_)) {
            /* Extended numbering: the count is the first entry's size, the
             * index of the names its link. */
            Shdr first;
            memcpy(&first, image_ + ehdr_.e_shoff, sizeof first);
            if (*count == 0)
                *count = first.sh_size;
            if (*names_index == SHN_XINDEX)
                *names_index = first.sh_link;
        }
        if (*count == 0 || *count > size_ / sizeof(Shdr) ||
            !range_within(ehdr_.e_shoff, *count * sizeof(Shdr), size_))
            return SectionTable::truncated;
        return SectionTable::present;
    }

    /* Stage 6: the dynamic section and the tables the dynamic linker reads
     * while loading and relocating, in the order it reads them. */
    [[nodiscard]] bool check_dynamic_section() noexcept {
        DynamicTags tags;
        return read_dynamic_tags(&tags) &&
               check_string_and_symbol_tables(tags) &&
               check_dynamic_strings() && check_symbol_lookup(tags) &&
               check_sized_tables(tags) && check_code_entries(tags) &&
               note_function_arrays(tags) && check_relocations(tags);
    }

    /* The dynamic section's entries up to DT_NULL, by tag. */
    [[nodiscard]] bool read_dynamic_tags(DynamicTags *tags) noexcept {
        ElfW(Xword) flags_1 = 0;
        size_t count = dynamic_.p_filesz / sizeof(Dyn);
        for (size_t i = 0; i < count; i++) {
            Dyn d = dynamic_entry(i);
            if (d.d_tag == DT_NULL) {
                if (flags_1 & DF_1_PIE)
                    return fail("dynamic section: a position-independent "
                                "executable (DF_1_PIE), not a shared object");
                return true;
            }
            if (d.d_tag >= 0 && d.d_tag < kIndexedDynamicTags) {
                tags->value[d.d_tag] = d.d_un.d_val;
                tags->present[d.d_tag] = true;
            } else if (d.d_tag == DT_FLAGS_1) {
                flags_1 = d.d_un.d_val;
            } else if (d.d_tag == DT_GNU_HASH) {
                tags->gnu_hash = d.d_un.d_ptr;
                tags->has_gnu_hash = true;
            } else if (d.d_tag == DT_VERSYM) {
                tags->versym = d.d_un.d_ptr;
            } else if (d.d_tag == DT_VERNEED) {
                tags->verneed = d.d_un.d_ptr;
            } else if (d.d_tag == DT_VERDEF) {
                tags->verdef = d.d_un.d_ptr;
            } else if (d.d_tag == DT_RELACOUNT) {
                relative_count_[kRela] = d.d_un.d_val;
                has_relative_count_[kRela] = true;
            } else if (d.d_tag == DT_RELCOUNT) {
                relative_count_[kRel] = d.d_un.d_val;
                has_relative_count_[kRel] = true;
            }
        }
        return fail("dynamic section: no DT_NULL terminator");
    }

    [[nodiscard]] bool check_string_and_symbol_tables(
            const DynamicTags &tags) noexcept {
        const Addr *value = tags.value;
        const bool *present = tags.present;
        if (!present[DT_STRTAB])
            return fail("dynamic section: no DT_STRTAB");
        if (!present[DT_STRSZ] || value[DT_STRSZ] == 0)
            return fail("dynamic section: DT_STRSZ missing or zero");
        if (!file_backed(value[DT_STRTAB], value[DT_STRSZ], &strtab_offset_))
            return fail("dynamic section: string table (DT_STRTAB, DT_STRSZ) "
                        "outside the loaded segments");
        if (image_[strtab_offset_ + value[DT_STRSZ] - 1] != '\0')
            return fail("dynamic section: string table does not end with a NUL "
                        "byte");
        strtab_size_ = value[DT_STRSZ];
        symtab_ = value[DT_SYMTAB];
        if (!present[DT_SYMTAB])
            return fail("dynamic section: no DT_SYMTAB");
        if (!file_backed(value[DT_SYMTAB], sizeof(Sym), NULL))
            return fail("dynamic section: symbol table (DT_SYMTAB) outside the "
                        "loaded segments");
        if (!aligned(value[DT_SYMTAB], alignof(Sym), "DT_SYMTAB"))
            return false;
        if (present[DT_SYMENT] && value[DT_SYMENT] != sizeof(Sym))
            return fail("dynamic section: DT_SYMENT is %llu, expected %zu",
                        (unsigned long long)value[DT_SYMENT],
                        sizeof(Sym));

        return true;
    }

    /* Strings named by the dynamic section. */
    [[nodiscard]] bool check_dynamic_strings() noexcept {
        size_t count = dynamic_.p_filesz / sizeof(Dyn);
        for (size_t i = 0; i < count; i++) {
            Dyn d = dynamic_entry(i);
            if (d.d_tag == DT_NULL)
                break;
            if ((d.d_tag == DT_NEEDED || d.d_tag == DT_SONAME ||
                 d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH ||
                 d.d_tag == DT_FILTER || d.d_tag == DT_AUXILIARY) &&
                !check_string(d.d_un.d_val))
                return fail(
                        "dynamic section: %s string at offset %llu is outside "
                        "the string table or not terminated",
                        dynamic_tag_name(d.d_tag),
                        (unsigned long long)d.d_un.d_val);
            if (d.d_tag == DT_NEEDED) {
                if (needed_count_ == kMaxNeeded)
                    return fail("dynamic section: more than %u DT_NEEDED "
                                "libraries",
                                kMaxNeeded);
                needed_[needed_count_++] = d.d_un.d_val;
            }
        }

        return true;
    }

    /* The hash tables, the symbols they count and their versions: before
     * the relocations, which name symbols whose versions glibc looks up. */
    [[nodiscard]] bool check_symbol_lookup(const DynamicTags &tags) noexcept {
        const Addr *value = tags.value;
        const bool *present = tags.present;
        bool has_gnu_hash = tags.has_gnu_hash;
        Addr gnu_hash = tags.gnu_hash;
        if (!present[DT_HASH] && !has_gnu_hash)
            return fail("dynamic section: no symbol hash table (DT_HASH or "
                        "DT_GNU_HASH)");
        /* Hash tables are read in place: 32-bit words, and in DT_GNU_HASH
         * a bloom filter of address-sized words. */
        if (present[DT_HASH] &&
            !aligned(value[DT_HASH], alignof(uint32_t), "DT_HASH"))
            return false;
        if (has_gnu_hash && !aligned(gnu_hash, alignof(Addr), "DT_GNU_HASH"))
            return false;
        if (present[DT_HASH] && !check_sysv_hash(value[DT_HASH]))
            return false;
        if (has_gnu_hash && !check_gnu_hash(gnu_hash))
            return false;
        if (!check_symbols(value[DT_SYMTAB]))
            return false;
        if (has_gnu_hash && !check_gnu_hash_lookup(gnu_hash))
            return false;
        if (present[DT_HASH] && !has_gnu_hash &&
            !check_sysv_hash_lookup(value[DT_HASH]))
            return false;
        return check_versions(tags.verneed, tags.verdef, tags.versym);
    }

    /* Tables given by an address and a size: glibc reads the size, and the
     * entry size, without asking whether they are there. */
    [[nodiscard]] bool check_sized_tables(const DynamicTags &tags) noexcept {
        const Addr *value = tags.value;
        const bool *present = tags.present;
        for (const auto &t : kSizedTables) {
            if (!present[t.addr_tag])
                continue;
            if (!present[t.size_tag])
                return fail("dynamic section: %s without %s",
                            t.addr_name,
                            t.size_name);
            if (!file_backed(value[t.addr_tag], value[t.size_tag], NULL))
                return fail("dynamic section: %s outside the loaded segments",
                            t.what);
            if (t.align && !aligned(value[t.addr_tag], t.align, t.addr_name))
                return false;
            if (value[t.size_tag] % t.entry != 0)
                return fail("dynamic section: %s is %llu, not a whole number "
                            "of %zu-byte entries",
                            t.size_name,
                            (unsigned long long)value[t.size_tag],
                            t.entry);
        }
        if (!check_entry_size(present,
                              value,
                              DT_RELA,
                              DT_RELAENT,
                              "DT_RELA",
                              "DT_RELAENT",
                              sizeof(ElfW(Rela))) ||
            !check_entry_size(present,
                              value,
                              DT_REL,
                              DT_RELENT,
                              "DT_REL",
                              "DT_RELENT",
                              sizeof(ElfW(Rel))) ||
            !check_entry_size(present,
                              value,
                              DT_RELR,
                              DT_RELRENT,
                              "DT_RELR",
                              "DT_RELRENT",
                              sizeof(Addr)))
            return false;
        if (present[DT_JMPREL] != present[DT_PLTREL] ||
            present[DT_JMPREL] != present[DT_PLTRELSZ])
            return fail("dynamic section: DT_JMPREL, DT_PLTREL and DT_PLTRELSZ "
                        "must come "
                        "together");
        /* For lazy binding, glibc writes its link map and resolver into
         * the words at DT_PLTGOT, without asking whether it is there. */
        if (present[DT_JMPREL] && !present[DT_PLTGOT])
            return fail("dynamic section: DT_JMPREL without DT_PLTGOT");
        if (present[DT_PLTREL] &&
            (ElfW(Sxword))value[DT_PLTREL] != kNativePltRel)
            return fail("dynamic section: DT_PLTREL is %llu, this host uses %s",
                        (unsigned long long)value[DT_PLTREL],
                        kNativePltRel == DT_RELA ? "DT_RELA" : "DT_REL");
        return true;
    }

    /* DT_INIT and DT_FINI, which the dynamic linker calls. */
    [[nodiscard]] bool check_code_entries(const DynamicTags &tags) noexcept {
        for (unsigned k = 0; k < 2; k++) {
            int tag = kCodeEntryTags[k];
            if (tags.present[tag] && !in_memory_image(tags.value[tag], 1, PF_X))
                return fail(
                        "dynamic section: %s outside the executable segments",
                        kCodeEntryNames[k]);
            if (tags.present[tag] && zero_filled_code(tags.value[tag]))
                return fail("dynamic section: %s 0x%llx is past the bytes "
                            "its segment maps from the file, in zeros",
                            kCodeEntryNames[k],
                            (unsigned long long)tags.value[tag]);
            code_entries_[k].present = tags.present[tag];
            code_entries_[k].at = tags.value[tag];
        }

        return true;
    }

    /* The relocations and what they write. */
    [[nodiscard]] bool check_relocations(const DynamicTags &tags) noexcept {
        const Addr *value = tags.value;
        const bool *present = tags.present;
        pltgot_ = present[DT_PLTGOT] ? value[DT_PLTGOT] : 0;
        /* Without text relocations, relocations write only to data. */
        writable_targets_ =
                !present[DT_TEXTREL] &&
                !(present[DT_FLAGS] && (value[DT_FLAGS] & DF_TEXTREL));
        static const int kRelocTableTags[3][2] = {{DT_JMPREL, DT_PLTRELSZ},
                                                  {DT_RELA, DT_RELASZ},
                                                  {DT_REL, DT_RELSZ}};
        static const size_t kRelocEntrySizes[3] = {kNativePltRelSize,
                                                   sizeof(ElfW(Rela)),
                                                   sizeof(ElfW(Rel))};
        for (unsigned t = 0; t < 3; t++)
            if (present[kRelocTableTags[t][0]])
                reloc_tables_[reloc_table_count_++] = {
                        value[kRelocTableTags[t][0]],
                        value[kRelocTableTags[t][1]],
                        kRelocEntrySizes[t]};
        uint64_t leading_relative;
        if (present[DT_RELA] &&
            (!check_reloc_targets(value[DT_RELA],
                                  value[DT_RELASZ],
                                  sizeof(ElfW(Rela)),
                                  "DT_RELA",
                                  false,
                                  &leading_relative) ||
             !check_relative_count(kRela, leading_relative)))
            return false;
        if (present[DT_REL] && (!check_reloc_targets(value[DT_REL],
                                                     value[DT_RELSZ],
                                                     sizeof(ElfW(Rel)),
                                                     "DT_REL",
                                                     false,
                                                     &leading_relative) ||
                                !check_relative_count(kRel, leading_relative)))
            return false;
        if (present[DT_JMPREL] && !check_reloc_targets(value[DT_JMPREL],
                                                       value[DT_PLTRELSZ],
                                                       kNativePltRelSize,
                                                       "DT_JMPREL",
                                                       true,
                                                       &leading_relative))
            return false;
        if (present[DT_RELR] &&
            !check_relr_targets(value[DT_RELR], value[DT_RELRSZ]))
            return false;
        if (!check_function_arrays_relocated())
            return false;

        return true;
    }

    /* Stage 7: the sections, when the image has section headers. The dynamic
     * linker never reads them, but they say what each part of the segments
     * holds, and the code relies on it: code in an executable segment,
     * written data in a writable one outside PT_GNU_RELRO, every allocated
     * section in a loaded segment, at the same bytes by offset and by
     * address. A program header edited to drop a segment or its rights shows
     * here and nowhere else. An image without them is not judged; one whose
     * table is cut off is refused, as the header it could hide behind would
     * be. */
    [[nodiscard]] bool check_section_rights() noexcept {
        uint64_t count;
        if (!read_section_table(&count))
            return false;
        if (count == 0)
            return true;
        has_section_headers_ = true;
        for (uint64_t i = 1; i < count; i++) {
            Shdr sh;
            memcpy(&sh, image_ + ehdr_.e_shoff + i * sizeof sh, sizeof sh);
            if (!check_section(i, sh))
                return false;
        }
        return true;
    }

    /* How many entries the section header table has, 0 if there is none. */
    [[nodiscard]] bool read_section_table(uint64_t *count) noexcept {
        uint64_t names_index;
        switch (section_table(count, &names_index)) {
        case SectionTable::none:
            *count = 0;
            return true;
        case SectionTable::bad_entry_size:
            return fail("section headers: e_shentsize is %u, expected %zu",
                        (unsigned)ehdr_.e_shentsize,
                        sizeof(Shdr));
        case SectionTable::truncated:
            return fail("section headers: table at offset %llu (%llu "
                        "entries) extends past the end of the image (%zu "
                        "bytes), is it truncated?",
                        (unsigned long long)ehdr_.e_shoff,
                        (unsigned long long)*count,
                        size_);
        case SectionTable::present:
            break;
        }
        return true;
    }

    /* What an allocated section says of the code entries, the function
     * arrays and the PLT, for stages 8 and 9. */
    void note_section(uint64_t i, const Shdr &sh) noexcept {
        for (CodeEntry &entry : code_entries_) {
            if (!(sh.sh_flags & SHF_EXECINSTR))
                continue;
            if (sh.sh_entsize == 0 && sh.sh_addr == entry.at)
                entry.starts_section = true;
            if (sh.sh_entsize != 0 && entry.at >= sh.sh_addr &&
                entry.at - sh.sh_addr < sh.sh_size)
                entry.stub_section = (unsigned)i;
        }
        for (unsigned a = 0; a < 2; a++)
            if (sh.sh_type == kFunctionArrayTypes[a] &&
                sh.sh_addr == arrays_[a].start)
                arrays_[a].starts_section = true;
        if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_entsize != 0 &&
            stub_count_ < kMaxStubSections)
            stubs_[stub_count_++] = {sh.sh_addr, sh.sh_size, (unsigned)i};
        if (pltgot_ != 0 && sh.sh_type == SHT_PROGBITS &&
            (sh.sh_flags & SHF_WRITE) && pltgot_ >= sh.sh_addr &&
            pltgot_ - sh.sh_addr < sh.sh_size)
            plt_got_ = {sh.sh_addr, sh.sh_size, (unsigned)i};
    }

    /* Section i: where it is, against the segments. */
    [[nodiscard]] bool check_section(uint64_t i, const Shdr &sh) noexcept {
        /* PT_GNU_RELRO protects whole pages, from the one it starts in to
         * the one its end rounds down to. */
        const uint64_t page = (uint64_t)getpagesize();
        Addr relro_start = relro_.p_vaddr & ~(page - 1);
        Addr relro_end = (relro_.p_vaddr + relro_.p_memsz) & ~(page - 1);
        bool nobits = sh.sh_type == SHT_NOBITS;
        if ((sh.sh_flags & SHF_TLS) && sh.sh_size != 0 && tls_.p_type != PT_TLS)
            return fail("section %llu: thread-local data, but no PT_TLS "
                        "segment",
                        (unsigned long long)i);
        /* .tbss takes no room in the segments. */
        if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0 ||
            (nobits && (sh.sh_flags & SHF_TLS)))
            return true;
        note_section(i, sh);
        ElfW(Word) rights = ((sh.sh_flags & SHF_EXECINSTR) ? PF_X : 0) |
                            ((sh.sh_flags & SHF_WRITE) ? PF_W : 0);
        if (!in_memory_image(sh.sh_addr, sh.sh_size, rights))
            return fail("section %llu: [0x%llx, +%llu) is not inside a "
                        "loaded segment%s",
                        (unsigned long long)i,
                        (unsigned long long)sh.sh_addr,
                        (unsigned long long)sh.sh_size,
                        rights & PF_X   ? " that is executable"
                        : rights & PF_W ? " that is writable"
                                        : "");
        unsigned k = last_load_at_or_below(sh.sh_addr);
        if (!nobits && sh.sh_offset != offset_in_load(k, sh.sh_addr))
            return fail("section %llu: its bytes at offset %llu are not "
                        "what the segments map at 0x%llx",
                        (unsigned long long)i,
                        (unsigned long long)sh.sh_offset,
                        (unsigned long long)sh.sh_addr);
        /* Nor past the part the file backs, which the segment fills
         * with zeros (its p_filesz cut short). */
        if (!nobits &&
            !range_within(sh.sh_addr -
                                  load_field<Addr>(k, offsetof(Phdr, p_vaddr)),
                          sh.sh_size,
                          load_field<decltype(Phdr::p_filesz)>(
                                  k,
                                  offsetof(Phdr, p_filesz))))
            return fail("section %llu: [0x%llx, +%llu) runs past the "
                        "bytes its segment maps from the file, into "
                        "zeros",
                        (unsigned long long)i,
                        (unsigned long long)sh.sh_addr,
                        (unsigned long long)sh.sh_size);
        /* Except lld's .relro_padding, which ends the range. */
        if (nobits && relro_.p_memsz != 0 && sh.sh_addr < relro_end &&
            relro_start < sh.sh_addr + sh.sh_size &&
            sh.sh_addr + sh.sh_size != relro_.p_vaddr + relro_.p_memsz)
            return fail("section %llu: zero-initialised data at 0x%llx is "
                        "made read-only by PT_GNU_RELRO",
                        (unsigned long long)i,
                        (unsigned long long)sh.sh_addr);
        return true;
    }

    SectionNames section_names(uint64_t index, uint64_t count) const noexcept {
        Shdr sh;
        if (index == SHN_UNDEF || index >= count)
            return {NULL, 0};
        memcpy(&sh, image_ + ehdr_.e_shoff + index * sizeof sh, sizeof sh);
        if (sh.sh_type != SHT_STRTAB || sh.sh_size == 0 ||
            !range_within(sh.sh_offset, sh.sh_size, size_) ||
            image_[sh.sh_offset + sh.sh_size - 1] != '\0')
            return {NULL, 0};
        return {(const char *)image_ + sh.sh_offset, sh.sh_size};
    }

    /* Stage 8: what the dynamic linker calls at load and unload, against
     * the section headers, when the image has them. DT_INIT and DT_FINI
     * point where a function starts: at a code section (.init, .fini), or,
     * for a function named by the linker's -init or -fini, where the unwind
     * table (when there is one) says one does; never into a table of stubs
     * (.plt: a section with an entry size, as GNU ld writes it; lld's has
     * none, and passes as a code section), whose first entry the unwind
     * table also lists. DT_INIT_ARRAY and DT_FINI_ARRAY, when they hold
     * entries, are the sections of their types. */
    [[nodiscard]] bool check_init_and_fini_against_sections() noexcept {
        if (!has_section_headers_)
            return true;
        for (unsigned k = 0; k < 2; k++) {
            const CodeEntry &entry = code_entries_[k];
            if (entry.present && entry.stub_section != 0)
                return fail("dynamic section: %s 0x%llx is in section %u, a "
                            "table of stubs, not a function",
                            kCodeEntryNames[k],
                            (unsigned long long)entry.at,
                            entry.stub_section);
            if (entry.present && !entry.starts_section && unwind_.count != 0 &&
                !unwind_table_has_function_at(entry.at))
                return fail("dynamic section: %s 0x%llx is not where an "
                            "executable section or a function of the unwind "
                            "table starts",
                            kCodeEntryNames[k],
                            (unsigned long long)entry.at);
        }
        for (unsigned a = 0; a < 2; a++)
            if (arrays_[a].slots != 0 && !arrays_[a].starts_section)
                return fail("dynamic section: %s 0x%llx is not where a "
                            "section of type %s starts",
                            kFunctionArrayNames[a],
                            (unsigned long long)arrays_[a].start,
                            kFunctionArrayTypeNames[a]);
        return true;
    }

    /* Stage 9: the PLT's slots in the global offset table, against the
     * section headers, when the image has them. As linked, a slot after the
     * three at DT_PLTGOT holds the address of its stub in a table of stubs
     * (.plt, a code section with an entry size), which the dynamic linker
     * adds the base to, or replaces, only when a relocation names the slot.
     * A slot none names (DT_PLTRELSZ made smaller, DT_JMPREL moved) keeps
     * that link-time address, and the stub jumps there. Words of the
     * section that hold no stub's address are not judged: with -z now,
     * linkers put the PLT's slots in .got, beside slots that rightly hold
     * link-time values. DT_JMPREL is read first, the others only if a slot
     * is left (glibc's libraries set some PLT slots with IRELATIVE
     * relocations in DT_RELA). */
    [[nodiscard]] bool check_plt_slots_relocated() noexcept {
        if (!has_section_headers_ || plt_got_.size == 0 || stub_count_ == 0)
            return true;
        Addr first = pltgot_ + kReservedPltGotSlots * sizeof(Addr);
        Addr end = plt_got_.at + plt_got_.size;
        uint64_t offset;
        if (first >= end || (end - first) / sizeof(Addr) == 0 ||
            !file_backed(first, end - first, &offset))
            return true; /* nothing to judge, or .bss-like: stage 6's */
        uint64_t slots = (end - first) / sizeof(Addr);
        Bitmap set(slots);
        if (!set.allocated())
            return fail("section %u: no memory to check %llu PLT slots",
                        plt_got_.index,
                        (unsigned long long)slots);
        uint64_t unset = first_unset_stub_slot(offset, slots, set);
        for (unsigned t = 0; t < reloc_table_count_ && unset != slots; t++) {
            mark_slots_set_by(reloc_tables_[t], first, slots, set);
            unset = first_unset_stub_slot(offset, slots, set);
        }
        if (unset == slots)
            return true;
        Addr held;
        memcpy(&held, image_ + offset + unset * sizeof held, sizeof held);
        return fail("section %u: no relocation sets the PLT slot at 0x%llx, "
                    "which holds the link-time address 0x%llx of a stub in "
                    "section %u",
                    plt_got_.index,
                    (unsigned long long)(first + unset * sizeof(Addr)),
                    (unsigned long long)held,
                    stub_section_holding(held)->index);
    }

    /* Marks in set the slots, from first, that the table's relocations
     * write. */
    void mark_slots_set_by(const RelocTable &table,
                           Addr first,
                           uint64_t slots,
                           Bitmap &set) const noexcept {
        uint64_t offset;
        if (!file_backed(table.at, table.size, &offset))
            return;
        for (uint64_t i = 0; i < table.size / table.entry; i++) {
            Addr where; /* r_offset, first in Rel and Rela */
            memcpy(&where, image_ + offset + i * table.entry, sizeof where);
            uint64_t slot = (where - first) / sizeof(Addr);
            if (where >= first && (where - first) % sizeof(Addr) == 0 &&
                slot < slots)
                set.set(slot);
        }
    }

    /* The first slot not in set that holds a stub's address, or slots. */
    uint64_t first_unset_stub_slot(uint64_t offset,
                                   uint64_t slots,
                                   const Bitmap &set) const noexcept {
        for (uint64_t slot = 0; slot < slots; slot++) {
            Addr held;
            memcpy(&held, image_ + offset + slot * sizeof held, sizeof held);
            if (!set.test(slot) && stub_section_holding(held))
                return slot;
        }
        return slots;
    }

    const Section *stub_section_holding(Addr addr) const noexcept {
        for (unsigned k = 0; k < stub_count_; k++)
            if (addr >= stubs_[k].at && addr - stubs_[k].at < stubs_[k].size)
                return &stubs_[k];
        return NULL;
    }

    /* Where the unwind table says a function starts. */
    [[nodiscard]] bool unwind_table_has_function_at(Addr addr) const noexcept {
        Addr start, fde;
        return unwind_entry_at_or_below(addr, &start, &fde) && start == addr;
    }

    /* Where the function the unwind table says holds addr starts: false
     * when it says nothing (no table, no FDE there, a layout not read
     * here). */
    [[nodiscard]] bool unwind_function_holding(Addr addr,
                                               Addr *start) noexcept {
        Addr fde;
        uint64_t range;
        return unwind_entry_at_or_below(addr, start, &fde) &&
               fde_range(fde, &range) && range <= (Addr)-1 - *start &&
               addr < *start + range;
    }

    /* The last entry of the search table whose initial location is at or
     * below addr: that location, and the address of its FDE. */
    [[nodiscard]] bool unwind_entry_at_or_below(Addr addr,
                                                Addr *start,
                                                Addr *fde) const noexcept {
        uint64_t low = 0, high = unwind_.count;
        while (low < high) {
            uint64_t mid = low + (high - low) / 2;
            unwind_entry(mid, start, fde);
            if (*start <= addr)
                low = mid + 1;
            else
                high = mid;
        }
        if (low == 0)
            return false;
        unwind_entry(low - 1, start, fde);
        return true;
    }

    /* Entry i of the search table: an initial location and an FDE's
     * address, each as an offset from the header. */
    void unwind_entry(uint64_t i, Addr *start, Addr *fde) const noexcept {
        int32_t entry[2];
        memcpy(entry, image_ + unwind_.offset + 12 + i * 8, sizeof entry);
        *start = unwind_.vaddr + (Addr)(int64_t)entry[0];
        *fde = unwind_.vaddr + (Addr)(int64_t)entry[1];
    }

    /* An FDE (32-bit DWARF): length, CIE pointer (back from itself), then
     * the initial location and the address range, in the encoding its CIE
     * gives. */
    [[nodiscard]] bool fde_range(Addr fde, uint64_t *range) noexcept {
        uint64_t offset;
        uint32_t head[2]; /* length, CIE pointer */
        unsigned encoding;
        if (!file_backed(fde, sizeof head, &offset))
            return false;
        memcpy(head, image_ + offset, sizeof head);
        if (head[0] == 0 || head[0] == 0xffffffff || head[1] == 0 ||
            head[1] > fde + 4 ||
            !file_backed(fde, 4 + (uint64_t)head[0], &offset) ||
            !cie_pointer_encoding_cached(fde + 4 - head[1], &encoding))
            return false;
        size_t size = encoded_size(encoding);
        if (size == 0 || 8 + 2 * size > 4 + (uint64_t)head[0])
            return false;
        uint64_t value = 0;
        memcpy(&value, image_ + offset + 8 + size, size); /* little-endian */
        if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
            value >>= 64 - 8 * size;
        *range = value;
        return true;
    }

    /* Compilers write one CIE for all of an object's FDEs, or a few: the
     * last one read is kept, and not parsed again for every symbol. */
    [[nodiscard]] bool cie_pointer_encoding_cached(
            Addr cie,
            unsigned *encoding) noexcept {
        if (cie != last_cie_.at) {
            last_cie_.at = cie;
            last_cie_.known = cie_pointer_encoding(cie, &last_cie_.encoding);
        }
        *encoding = last_cie_.encoding;
        return last_cie_.known;
    }

    /* A CIE's encoding of the addresses in its FDEs: its 'R' augmentation,
     * or an absolute address without one. */
    [[nodiscard]] bool cie_pointer_encoding(Addr cie,
                                            unsigned *encoding) const noexcept {
        uint64_t offset;
        uint32_t head[2]; /* length, CIE id (0) */
        if (!file_backed(cie, sizeof head, &offset))
            return false;
        memcpy(head, image_ + offset, sizeof head);
        if (head[0] < 5 || head[0] == 0xffffffff || head[1] != 0 ||
            !file_backed(cie, 4 + (uint64_t)head[0], &offset))
            return false;
        const unsigned char *p = image_ + offset + 8;
        const unsigned char *end = image_ + offset + 4 + head[0];
        unsigned version = *p++;
        /* Every read below is bounded by a constant, not by the CIE's
         * length: one CIE serves every FDE, and so every symbol checked.
         * The longest augmentation GCC and LLVM write is "zPLRSBG". */
        const unsigned char *augmentation = p;
        while (p < end && *p != 0 && p - augmentation < kMaxAugmentation)
            p++;
        if (p == end || *p != 0 || (version != 1 && version != 3))
            return false;
        p++;
        *encoding = 0; /* DW_EH_PE_absptr */
        if (augmentation[0] == 0)
            return true;
        if (augmentation[0] != 'z')
            return false;
        /* code and data alignment, return register, augmentation length */
        for (int field = 0; field < 4; field++) {
            if (p >= end)
                return false;
            if (field == 2 && version == 1) {
                p++;
                continue;
            }
            const unsigned char *field_start = p;
            while (p < end && (*p & 0x80) && p - field_start < kMaxUleb)
                p++;
            if (p == end || (*p & 0x80))
                return false;
            p++;
        }
        for (const unsigned char *c = augmentation + 1; *c != 0; c++) {
            if (p >= end)
                return false;
            if (*c == 'R') {
                *encoding = *p;
                return true;
            } else if (*c == 'P') {
                size_t size = encoded_size(*p);
                if (size == 0 || (size_t)(end - p) < 1 + size)
                    return false;
                p += 1 + size;
            } else if (*c == 'L') {
                p++;
            } else if (*c != 'S' && *c != 'B' && *c != 'G') {
                return false;
            }
        }
        return true;
    }

    static const ptrdiff_t kMaxAugmentation = 8;
    static const ptrdiff_t kMaxUleb = 10; /* bytes of a 64-bit LEB128 */

    /* The size of an address in a DW_EH_PE encoding (0: not a fixed one). */
    static size_t encoded_size(unsigned encoding) noexcept {
        switch (encoding & 0x0f) {
        case 0x00: /* absptr */
            return sizeof(Addr);
        case 0x02: /* udata2 */
        case 0x0a: /* sdata2 */
            return 2;
        case 0x03: /* udata4 */
        case 0x0b: /* sdata4 */
            return 4;
        case 0x04: /* udata8 */
        case 0x0c: /* sdata8 */
            return 8;
        default:
            return 0;
        }
    }

    /* A table the dynamic linker reads in place as an array of a type: at
     * an address aligned for it (bionic's rule; the object is mapped at a
     * page-aligned base, so the address's alignment is the table's). */
    [[nodiscard]] bool aligned(Addr addr,
                               size_t alignment,
                               const char *tag) noexcept {
        if (addr % alignment == 0)
            return true;
        return fail(
                "dynamic section: %s address 0x%llx is not %zu-byte aligned",
                tag,
                (unsigned long long)addr,
                alignment);
    }

    /* An entry size tag that a table needs: present, and the native size. */
    [[nodiscard]] bool check_entry_size(const bool *present,
                                        const Addr *value,
                                        int table_tag,
                                        int entry_tag,
                                        const char *table_name,
                                        const char *entry_name,
                                        size_t expected) noexcept {
        if (present[table_tag] && !present[entry_tag])
            return fail("dynamic section: %s without %s",
                        table_name,
                        entry_name);
        if (present[entry_tag] && value[entry_tag] != expected)
            return fail("dynamic section: %s is %llu, expected %zu",
                        entry_name,
                        (unsigned long long)value[entry_tag],
                        expected);
        return true;
    }

    /* Symbol versioning, read as glibc's _dl_check_map_versions reads it:
     * DT_VERNEED records, each naming a library the object needs, and their
     * auxiliary records, followed by next-offsets (and held to the counts
     * a linker writes); DT_VERDEF records and the name of each; and DT_VERSYM,
     * one version index per symbol, used to index an array of as many
     * versions as the highest index these records give. */
    [[nodiscard]] bool check_versions(Addr verneed,
                                      Addr verdef,
                                      Addr versym) noexcept {
        unsigned highest = 0, records = 0;
        if (verneed && !check_verneed(verneed, &highest, &records))
            return false;
        if (verdef && !check_verdef(verdef, &highest, &records))
            return false;
        /* Linkers number the versions densely, from 1 (a DT_VERDEF's base)
         * or 2: a higher index leaves versions glibc finds no name for. */
        if (highest > records + 1)
            return fail("dynamic section: version index %u, but the version "
                        "records define %u versions",
                        highest,
                        records);
        if (!versym) {
            /* glibc then reads the version of each symbol through NULL. */
            if (highest > 0)
                return fail("dynamic section: DT_VERNEED or DT_VERDEF without "
                            "DT_VERSYM");
            return true;
        }
        if (highest == 0)
            return fail("dynamic section: DT_VERSYM without versions to refer "
                        "to (no DT_VERNEED or DT_VERDEF record gives one)");
        versym_ = versym;
        highest_version_ = highest;
        for (uint64_t i = 0; i < symbol_count_; i++)
            if (!check_symbol_version(i))
                return false;
        return true;
    }

    /* A symbol's entry in DT_VERSYM, which glibc reads for every symbol a
     * relocation names, in the hash tables' count or not. */
    [[nodiscard]] bool check_symbol_version(uint64_t symbol) noexcept {
        uint64_t offset;
        ElfW(Half) index;
        if (versym_ == 0)
            return true;
        if (symbol > UINT64_MAX / sizeof index ||
            !file_backed(versym_ + symbol * sizeof index,
                         sizeof index,
                         &offset))
            return fail("dynamic section: symbol versioning tables outside the "
                        "loaded segments");
        memcpy(&index, image_ + offset, sizeof index);
        unsigned version = index & 0x7fff;
        if (version > highest_version_)
            return fail("dynamic section: symbol %llu has version index %u, "
                        "the version records give up to %u",
                        (unsigned long long)symbol,
                        version,
                        highest_version_);
        /* 0 and 1 are local and global; glibc's array of versions has no
         * name at an index that no record gives. */
        if (version > 1 &&
            !(versions_defined_[version / 8] & (1u << (version % 8))))
            return fail("dynamic section: symbol %llu has version index %u, "
                        "which no version record defines",
                        (unsigned long long)symbol,
                        version);
        return true;
    }

    void note_version_defined(ElfW(Half) index) noexcept {
        unsigned version = index & 0x7fff;
        versions_defined_[version / 8] |= (uint8_t)(1u << (version % 8));
    }

    [[nodiscard]] bool check_verneed(Addr at,
                                     unsigned *highest,
                                     unsigned *records) noexcept {
        unsigned entries = 0, libraries = 0;
        for (;;) {
            uint64_t offset;
            ElfW(Verneed) vn;
            if (++entries > kMaxVersionEntries)
                return fail("dynamic section: DT_VERNEED chain too long or "
                            "looping");
            if (!file_backed(at, sizeof vn, &offset))
                return fail("dynamic section: DT_VERNEED entry outside the "
                            "loaded segments");
            /* Bounds the name comparisons below: each record names another
             * needed library. */
            if (++libraries > needed_count_)
                return fail("dynamic section: DT_VERNEED has more records "
                            "than there are DT_NEEDED libraries (%u)",
                            needed_count_);
            memcpy(&vn, image_ + offset, sizeof vn);
            if (!check_string(vn.vn_file))
                return fail("dynamic section: DT_VERNEED file name outside the "
                            "string table");
            /* Else glibc asserts: "needed != NULL". */
            if (!names_needed_library(vn.vn_file))
                return fail("dynamic section: DT_VERNEED names '%.64s', which "
                            "no DT_NEEDED entry names",
                            PrintableName(string_at(vn.vn_file)).text);
            Addr aux = at + vn.vn_aux;
            for (unsigned k = 1;; k++) {
                ElfW(Vernaux) a;
                if (++entries > kMaxVersionEntries)
                    return fail("dynamic section: DT_VERNEED chain too long or "
                                "looping");
                if (!file_backed(aux, sizeof a, &offset))
                    return fail("dynamic section: DT_VERNEED entry outside the "
                                "loaded segments");
                memcpy(&a, image_ + offset, sizeof a);
                if (!check_string(a.vna_name))
                    return fail("dynamic section: DT_VERNEED version name "
                                "outside the string table");
                if ((unsigned)(a.vna_other & 0x7fff) > *highest)
                    *highest = a.vna_other & 0x7fff;
                note_version_defined(a.vna_other);
                ++*records;
                /* glibc follows vna_next; a linker ends the chain after
                 * vn_cnt entries, and what lies beyond is not a record. */
                if ((a.vna_next == 0) != (k == vn.vn_cnt))
                    return fail("dynamic section: DT_VERNEED record for "
                                "'%.64s' chains %s than its %u (vn_cnt) "
                                "versions",
                                PrintableName(string_at(vn.vn_file)).text,
                                a.vna_next == 0 ? "fewer" : "more",
                                (unsigned)vn.vn_cnt);
                if (a.vna_next == 0)
                    break;
                aux += a.vna_next;
            }
            if (vn.vn_next == 0)
                return true;
            at += vn.vn_next;
        }
    }

    [[nodiscard]] bool check_verdef(Addr at,
                                    unsigned *highest,
                                    unsigned *records) noexcept {
        unsigned entries = 0;
        for (;;) {
            uint64_t offset;
            ElfW(Verdef) vd;
            if (++entries > kMaxVersionEntries)
                return fail("dynamic section: DT_VERDEF chain too long or "
                            "looping");
            if (!file_backed(at, sizeof vd, &offset))
                return fail("dynamic section: DT_VERDEF entry outside the "
                            "loaded segments");
            memcpy(&vd, image_ + offset, sizeof vd);
            if ((unsigned)(vd.vd_ndx & 0x7fff) > *highest)
                *highest = vd.vd_ndx & 0x7fff;
            note_version_defined(vd.vd_ndx);
            ++*records;
            /* The first name is read whatever vd_cnt says. */
            Addr aux = at + vd.vd_aux;
            for (unsigned k = 0; k < vd.vd_cnt || k == 0; k++) {
                ElfW(Verdaux) a;
                if (++entries > kMaxVersionEntries)
                    return fail("dynamic section: DT_VERDEF chain too long or "
                                "looping");
                if (!file_backed(aux, sizeof a, &offset))
                    return fail("dynamic section: DT_VERDEF entry outside the "
                                "loaded segments");
                memcpy(&a, image_ + offset, sizeof a);
                if (!check_string(a.vda_name))
                    return fail("dynamic section: DT_VERDEF version name "
                                "outside the string table");
                if (a.vda_next == 0)
                    break;
                aux += a.vda_next;
            }
            if (vd.vd_next == 0)
                return true;
            at += vd.vd_next;
        }
    }

    const char *string_at(uint64_t string_offset) const noexcept {
        return reinterpret_cast<const char *>(image_ + strtab_offset_) +
               string_offset;
    }

    /* The same string as a DT_NEEDED entry's. Linkers share one copy of
     * each name; a copy is compared only when short, which bounds the work
     * at needed_count_ squared comparisons of kMaxComparedName bytes. */
    [[nodiscard]] bool names_needed_library(
            uint64_t string_offset) const noexcept {
        const char *name = string_at(string_offset);
        bool comparable = strnlen(name, kMaxComparedName) < kMaxComparedName;
        for (unsigned i = 0; i < needed_count_; i++)
            if (needed_[i] == string_offset ||
                (comparable && strcmp(name, string_at(needed_[i])) == 0))
                return true;
        return false;
    }

    /* DT_RELR: an even entry is the address of a relocation; an odd one is
     * a bitmap of relocations in the words after the previous ones. */
    [[nodiscard]] bool check_relr_targets(Addr table,
                                          uint64_t table_size) noexcept {
        uint64_t offset;
        if (!file_backed(table, table_size, &offset))
            return true; /* reported by the sized-table check */
        const unsigned bits = 8 * sizeof(Addr);
        Addr base = 0;
        for (uint64_t i = 0; i < table_size / sizeof(Addr); i++) {
            Addr entry;
            memcpy(&entry, image_ + offset + i * sizeof entry, sizeof entry);
            if ((entry & 1) == 0) {
                if (!check_reloc_target(entry, i, "DT_RELR") ||
                    !note_array_relocation(entry,
                                           kRelrEntry,
                                           0,
                                           false,
                                           0,
                                           i,
                                           "DT_RELR"))
                    return false;
                base = entry + sizeof(Addr);
                continue;
            }
            for (unsigned bit = 1; bit < bits; bit++)
                if (((entry >> bit) & 1) &&
                    (!check_reloc_target(base + (bit - 1) * sizeof(Addr),
                                         i,
                                         "DT_RELR") ||
                     !note_array_relocation(base + (bit - 1) * sizeof(Addr),
                                            kRelrEntry,
                                            0,
                                            false,
                                            0,
                                            i,
                                            "DT_RELR")))
                    return false;
            base += (bits - 1) * sizeof(Addr);
        }
        return true;
    }

    /* Relocation targets must be inside the object's memory image, or the
     * dynamic linker writes to an arbitrary address; the symbols they name
     * must exist. Rel and Rela entries both start with r_offset, r_info. */
    [[nodiscard]] bool check_reloc_targets(
            Addr table,
            uint64_t table_size,
            size_t entry_size,
            const char *what,
            bool plt,
            uint64_t *leading_relative) noexcept {
        uint64_t offset;
        *leading_relative = 0;
        if (!file_backed(table, table_size, &offset))
            return true; /* reported by the sized-table check */
        uint64_t n = table_size / entry_size;
        Addr next_slot = 0;
        bool relative_run = true;
        for (uint64_t i = 0; i < n; i++) {
            ElfW(Rela) r = {};
            memcpy(&r,
                   image_ + offset + i * entry_size,
                   entry_size == sizeof(ElfW(Rela)) ? sizeof(ElfW(Rela))
                                                    : sizeof(ElfW(Rel)));
            /* ELF64_R_SYM or ELF32_R_SYM */
            uint64_t symbol = sizeof(Addr) == 8 ? (uint64_t)r.r_info >> 32
                                                : (uint64_t)r.r_info >> 8;
            /* ELF64_R_TYPE or ELF32_R_TYPE */
            unsigned type = sizeof(Addr) == 8
                                    ? (unsigned)(r.r_info & 0xffffffff)
                                    : (unsigned)(r.r_info & 0xff);
            if (!check_reloc_target(r.r_offset, i, what))
                return false;
            if (!check_reloc_value(type,
                                   r.r_addend,
                                   entry_size == sizeof(ElfW(Rela)),
                                   i,
                                   what))
                return false;
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
            relative_run = relative_run && type == kRelocRelative;
            if (relative_run)
                ++*leading_relative;
#    else
            (void)relative_run;
#    endif
            if (symbol != 0 && !check_symbol(symbol))
                return fail_bad_reloc_symbol(what, i, symbol);
            if (symbol >= symbol_count_ &&
                !check_symbol_past_hash_tables(symbol, i, what))
                return false;
            if (!check_reloc_kind(type, symbol, r.r_offset, plt, i, what))
                return false;
            if (plt && !check_plt_slot(type, r.r_offset, &next_slot, i))
                return false;
            if (!note_array_relocation(r.r_offset,
                                       type,
                                       r.r_addend,
                                       entry_size == sizeof(ElfW(Rela)),
                                       symbol,
                                       i,
                                       what))
                return false;
        }
        return true;
    }

    /* A GOT or PLT slot is the address of a symbol: without one, glibc
     * fills it with the object's own base address. Slots are words of the
     * global offset table: one written at an unaligned address overwrites
     * parts of two, and leaves both wrong. DT_JMPREL holds only what the
     * PLT's lazy binding can apply. */
    [[nodiscard]] bool check_reloc_kind(unsigned type,
                                        uint64_t symbol,
                                        Addr where,
                                        bool plt,
                                        uint64_t i,
                                        const char *what) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        if ((type == kRelocGlobDat || type == kRelocJumpSlot) && symbol == 0)
            return fail("dynamic section: %s relocation %llu fills a GOT or "
                        "PLT slot (type %u) without naming a symbol",
                        what,
                        (unsigned long long)i,
                        type);
        if ((type == kRelocGlobDat || type == kRelocJumpSlot) &&
            where % sizeof(Addr) != 0)
            return fail("dynamic section: %s relocation %llu fills a GOT or "
                        "PLT slot at 0x%llx, which is not %zu-byte aligned",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)where,
                        sizeof(Addr));
        if (symbol == 0 && tls_.p_type != PT_TLS &&
            (type == kRelocDtpmod || type == kRelocDtpoff ||
             type == kRelocTpoff || type == kRelocTlsdesc))
            return fail("dynamic section: %s relocation %llu refers to the "
                        "object's thread-local storage, but there is no "
                        "PT_TLS segment",
                        what,
                        (unsigned long long)i);
        if (plt && type != kRelocJumpSlot && type != kRelocIrelative &&
            type != kRelocTlsdesc)
            return fail("dynamic section: %s relocation %llu has type %u, "
                        "not a PLT relocation",
                        what,
                        (unsigned long long)i,
                        type);
        if (symbol != 0 && !check_reloc_symbol_kind(type, symbol, i, what))
            return false;
#    else
        (void)type, (void)symbol, (void)where, (void)plt, (void)i, (void)what;
#    endif
        return true;
    }

#    if ERTS_DLOPEN_MEM_RELOC_VALUES
    /* A thread-local relocation takes its symbol's module and offset in a
     * PT_TLS block: glibc computes them for any symbol, and a TLSDESC one
     * for a function (whose module has no TLS block) divides by its
     * alignment, 0: SIGFPE in the dynamic linker. Linkers name an STT_TLS
     * symbol there, or a local symbol of the object's own TLS block (gold:
     * the section symbol of .tbss), which binds to the object itself. A
     * GOT slot filled with a thread-local symbol holds an offset, not an
     * address; no linker writes that either. */
    [[nodiscard]] bool check_reloc_symbol_kind(unsigned type,
                                               uint64_t symbol,
                                               uint64_t i,
                                               const char *what) noexcept {
        Sym sym = checked_symbol(symbol);
        bool tls_symbol = (sym.st_info & 0xf) == STT_TLS;
        bool tls_type = type == kRelocDtpmod || type == kRelocDtpoff ||
                        type == kRelocTpoff || type == kRelocTlsdesc;
        bool own_block = (sym.st_info >> 4) == STB_LOCAL &&
                         sym.st_shndx != SHN_UNDEF && tls_.p_type == PT_TLS;
        if (tls_type && !tls_symbol && !own_block)
            return fail("dynamic section: %s relocation %llu has the "
                        "thread-local type %u, but names symbol '%.64s', "
                        "which is not thread-local",
                        what,
                        (unsigned long long)i,
                        type,
                        PrintableName(string_at(sym.st_name)).text);
        if (tls_symbol && (type == kRelocGlobDat || type == kRelocJumpSlot))
            return fail("dynamic section: %s relocation %llu fills a GOT or "
                        "PLT slot (type %u) with the thread-local symbol "
                        "'%.64s'",
                        what,
                        (unsigned long long)i,
                        type,
                        PrintableName(string_at(sym.st_name)).text);
        return true;
    }
#    endif

    /* JUMP_SLOT relocations fill the PLT's slots of the global offset
     * table, after the three the dynamic linker reserves at DT_PLTGOT, in
     * ascending order, each once (linkers write them so; glibc's own
     * libraries leave gaps for IRELATIVE ones in DT_RELA). Two relocations
     * for one slot leave another holding its link-time address, which the
     * PLT then jumps to; what that reaches can be the dynamic linker's own
     * functions with arguments they assert on (__tls_get_addr aborting in
     * _dl_update_slotinfo: regression jump_slot_moved_onto_another). */
    [[nodiscard]] bool check_plt_slot(unsigned type,
                                      Addr where,
                                      Addr *next_slot,
                                      uint64_t i) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        if (type != kRelocJumpSlot || pltgot_ == 0)
            return true;
        if (*next_slot == 0)
            *next_slot = pltgot_ + kReservedPltGotSlots * sizeof(Addr);
        if (where < *next_slot)
            return fail("dynamic section: DT_JMPREL relocation %llu fills "
                        "0x%llx, below the next free PLT slot 0x%llx",
                        (unsigned long long)i,
                        (unsigned long long)where,
                        (unsigned long long)*next_slot);
        *next_slot = where + sizeof(Addr);
#    else
        (void)type, (void)where, (void)next_slot, (void)i;
#    endif
        return true;
    }

    [[nodiscard]] bool fail_bad_reloc_symbol(const char *what,
                                             uint64_t i,
                                             uint64_t symbol) noexcept {
        return fail("dynamic section: %s relocation %llu names symbol "
                    "%llu, "
                    "outside the symbol table or with its name outside the "
                    "string table",
                    what,
                    (unsigned long long)i,
                    (unsigned long long)symbol);
    }

    /* DT_INIT_ARRAY and DT_FINI_ARRAY: glibc calls every entry, relocated
     * or not. An entry no relocation sets is a link-time value, never a
     * function of an object loaded at an arbitrary base; one set to an
     * address outside the executable segments, or to a symbol that is not a
     * function, is called all the same. Each entry must be set by a
     * relocation to a function; the entries are counted in covered_. */
    [[nodiscard]] bool note_function_arrays(const DynamicTags &tags) noexcept {
        const Addr *value = tags.value;
        const bool *present = tags.present;
        static const int kTags[2][2] = {{DT_INIT_ARRAY, DT_INIT_ARRAYSZ},
                                        {DT_FINI_ARRAY, DT_FINI_ARRAYSZ}};
        uint64_t slots = 0;
        for (unsigned a = 0; a < 2; a++) {
            if (!present[kTags[a][0]])
                continue;
            arrays_[a].start = value[kTags[a][0]];
            arrays_[a].slots = value[kTags[a][1]] / sizeof(Addr);
            arrays_[a].first_slot = slots;
            slots += arrays_[a].slots;
        }
        if (slots > kMaxArrayFunctions)
            return fail("dynamic section: DT_INIT_ARRAY and DT_FINI_ARRAY "
                        "hold %llu functions, more than %u",
                        (unsigned long long)slots,
                        kMaxArrayFunctions);
        return true;
    }

    [[nodiscard]] static bool is_relative(unsigned type) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        return type == kRelocRelative;
#    else
        (void)type;
        return false;
#    endif
    }

    /* What a DT_RELR entry is, for note_array_relocation: RELATIVE, with
     * the addend in place. */
    static const unsigned kRelrEntry = ~0u;

    /* Only where the relocation types are known (check_function_arrays_
     * relocated is too). */
    [[nodiscard]] bool note_array_relocation(Addr where,
                                             unsigned type,
                                             ElfW(Sxword) addend,
                                             bool has_addend,
                                             uint64_t symbol,
                                             uint64_t i,
                                             const char *what) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        for (unsigned a = 0; a < 2; a++) {
            const FunctionArray &fa = arrays_[a];
            /* Any overlap with the array: a write across two entries
             * leaves neither a function. */
            if (where + sizeof(Addr) <= fa.start ||
                where >= fa.start + fa.slots * sizeof(Addr))
                continue;
            uint64_t slot =
                    where < fa.start ? 0 : (where - fa.start) / sizeof(Addr);
            const char *array = kFunctionArrayNames[a];
            bool function;
            if (type == kRelocGlobDat || type == kRelocJumpSlot)
                return fail("dynamic section: %s relocation %llu fills %s "
                            "entry %llu as a GOT or PLT slot (type %u)",
                            what,
                            (unsigned long long)i,
                            array,
                            (unsigned long long)slot,
                            type);
            if (type == kRelrEntry || is_relative(type)) {
                Addr target = (Addr)addend;
                uint64_t offset;
                if (!has_addend && file_backed(where, sizeof target, &offset))
                    memcpy(&target, image_ + offset, sizeof target);
                function = in_memory_image(target, 1, PF_X) &&
                           !zero_filled_code(target);
                Addr start;
                if (function && unwind_function_holding(target, &start) &&
                    start != target)
                    return fail("dynamic section: %s relocation %llu sets %s "
                                "entry %llu to 0x%llx, inside the function at "
                                "0x%llx (unwind table)",
                                what,
                                (unsigned long long)i,
                                array,
                                (unsigned long long)slot,
                                (unsigned long long)target,
                                (unsigned long long)start);
            } else {
                Sym sym = checked_symbol(symbol);
                unsigned sym_type = sym.st_info & 0xf;
                function = symbol != 0 &&
                           (sym.st_shndx == SHN_UNDEF || sym_type == STT_FUNC ||
                            sym_type == STT_GNU_IFUNC);
                /* the function itself: plus an addend, its middle */
                if (function && has_addend && addend != 0)
                    return fail("dynamic section: %s relocation %llu sets %s "
                                "entry %llu to symbol %llu plus %lld, not "
                                "where a function starts",
                                what,
                                (unsigned long long)i,
                                array,
                                (unsigned long long)slot,
                                (unsigned long long)symbol,
                                (long long)addend);
            }
            if (where < fa.start || (where - fa.start) % sizeof(Addr) != 0 ||
                !function)
                return fail("dynamic section: %s relocation %llu sets %s "
                            "entry %llu to something other than a function",
                            what,
                            (unsigned long long)i,
                            array,
                            (unsigned long long)slot);
            uint64_t bit = fa.first_slot + slot;
            covered_[bit / 8] |= (uint8_t)(1u << (bit % 8));
        }
#    else
        (void)where, (void)type, (void)addend, (void)has_addend;
        (void)symbol, (void)i, (void)what;
#    endif
        return true;
    }

    [[nodiscard]] bool check_function_arrays_relocated() noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        for (unsigned a = 0; a < 2; a++)
            for (uint64_t slot = 0; slot < arrays_[a].slots; slot++) {
                uint64_t bit = arrays_[a].first_slot + slot;
                if (!(covered_[bit / 8] & (1u << (bit % 8))))
                    return fail("dynamic section: %s entry %llu is set by no "
                                "relocation, the dynamic linker would call an "
                                "unrelocated address",
                                kFunctionArrayNames[a],
                                (unsigned long long)slot);
            }
#    endif
        return true;
    }

    /* What a relocation applies (x86_64 and aarch64): a type this host's
     * dynamic linker applies in a shared object, not a copy; a RELATIVE
     * addend (the address it makes) inside the object's loaded address range,
     * its end included; an IRELATIVE addend (a resolver glibc calls) in an
     * executable segment. DT_REL's implicit addends are not read: neither
     * architecture uses DT_REL. */
    [[nodiscard]] bool check_reloc_value(unsigned type,
                                         ElfW(Sxword) addend,
                                         bool has_addend,
                                         uint64_t i,
                                         const char *what) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        if (type == kRelocCopy)
            return fail("dynamic section: %s relocation %llu is a copy "
                        "relocation (%s), which a shared object cannot have",
                        what,
                        (unsigned long long)i,
                        kRelocCopyName);
        if (!reloc_type_applied(type))
            return fail("dynamic section: %s relocation %llu has type %u, "
                        "which this host's dynamic linker does not apply in "
                        "a shared object",
                        what,
                        (unsigned long long)i,
                        type);
        Addr target = (Addr)addend;
        if (has_addend && type == kRelocRelative &&
            (target < image_start_ || target > image_end_))
            return fail("dynamic section: %s relocation %llu is RELATIVE to "
                        "0x%llx, outside the object's loaded address range",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)target);
        if (has_addend && type == kRelocIrelative &&
            !in_memory_image(target, 1, PF_X))
            return fail("dynamic section: %s relocation %llu is IRELATIVE to "
                        "0x%llx, outside the executable segments",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)target);
        /* The dynamic linker calls the resolver while relocating. */
        if (has_addend && type == kRelocIrelative && zero_filled_code(target))
            return fail("dynamic section: %s relocation %llu is IRELATIVE to "
                        "0x%llx, past the bytes its segment maps from the "
                        "file, in zeros",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)target);
        if (has_addend && !kSlotsTakeAddend && addend != 0 &&
            (type == kRelocGlobDat || type == kRelocJumpSlot))
            return fail("dynamic section: %s relocation %llu fills a GOT or "
                        "PLT slot with its symbol's address plus %lld, but "
                        "that type takes no addend",
                        what,
                        (unsigned long long)i,
                        (long long)addend);
#    else
        (void)type, (void)addend, (void)has_addend, (void)i, (void)what;
#    endif
        return true;
    }

    /* DT_RELACOUNT or DT_RELCOUNT: glibc applies that many leading entries
     * of the table as RELATIVE without looking at their types, and on
     * x86_64 asserts the type (aborting the process). */
    [[nodiscard]] bool check_relative_count(unsigned kind,
                                            uint64_t leading) noexcept {
#    if ERTS_DLOPEN_MEM_RELOC_VALUES
        if (has_relative_count_[kind] && relative_count_[kind] > leading)
            return fail("dynamic section: %s is %llu, but %s starts with %llu "
                        "RELATIVE relocations",
                        kind == kRela ? "DT_RELACOUNT" : "DT_RELCOUNT",
                        (unsigned long long)relative_count_[kind],
                        kind == kRela ? "DT_RELA" : "DT_REL",
                        (unsigned long long)leading);
#    else
        (void)kind, (void)leading;
#    endif
        return true;
    }

    /* Where a relocation writes: inside the object, and in data unless the
     * object has text relocations. */
    [[nodiscard]] bool check_reloc_target(Addr where,
                                          uint64_t i,
                                          const char *what) noexcept {
        /* One lookup for both questions: a range that is not empty lies in
         * at most one segment. */
        unsigned k = last_load_at_or_below(where);
        if (k == load_count_ ||
            !range_within(where - load_field<Addr>(k, offsetof(Phdr, p_vaddr)),
                          sizeof(Addr),
                          load_field<decltype(Phdr::p_memsz)>(
                                  k,
                                  offsetof(Phdr, p_memsz))))
            return fail("dynamic section: %s relocation %llu targets address "
                        "0x%llx "
                        "outside the loaded segments",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)where);
        /* glibc keeps pointers into the mapped dynamic section and reads
         * it while relocating. */
        if (where + sizeof(Addr) > dynamic_.p_vaddr &&
            where < dynamic_.p_vaddr + dynamic_.p_memsz)
            return fail("dynamic section: %s relocation %llu writes into the "
                        "dynamic section, at 0x%llx",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)where);
        if (writable_targets_ &&
            !(load_field<ElfW(Word)>(k, offsetof(Phdr, p_flags)) & PF_W))
            return fail("dynamic section: %s relocation %llu writes to "
                        "read-only address "
                        "0x%llx (no DT_TEXTREL)",
                        what,
                        (unsigned long long)i,
                        (unsigned long long)where);
        return true;
    }

    /* A copy of symbol index, which check_symbol() found in the file. */
    [[nodiscard]] Sym checked_symbol(uint64_t index) noexcept {
        Sym sym = {};
        uint64_t offset;
        if (file_backed(symtab_ + index * sizeof(Sym), sizeof(Sym), &offset))
            memcpy(&sym, image_ + offset, sizeof sym);
        return sym;
    }

    /* A symbol a relocation names: in the symbol table, its name in the
     * string table. Not every symbol is in the hash tables. */
    [[nodiscard]] bool check_symbol(uint64_t index) noexcept {
        /* The symbols the hash tables count are checked already
         * (check_symbols runs before the relocations). */
        if (index < symbol_count_)
            return true;
        uint64_t offset;
        if (index > UINT64_MAX / sizeof(Sym) ||
            !file_backed(symtab_ + index * sizeof(Sym), sizeof(Sym), &offset))
            return false;
        Sym sym;
        memcpy(&sym, image_ + offset, sizeof sym);
        return check_string(sym.st_name) && check_symbol_value(sym, index);
    }

    /* A symbol past the ones the hash tables count: glibc reads its
     * version, and, if it is defined, looks it up by name, in this object
     * too, where no table leads to it (a chain ended early, or the other
     * table's tag edited away): the reference binds elsewhere, or to 0
     * when weak. Linkers hash every defined symbol; an undefined one may
     * lie past the count (GNU ld's DT_GNU_HASH of an object that defines
     * none: symoffset 1 and no chain). */
    [[nodiscard]] bool check_symbol_past_hash_tables(
            uint64_t symbol,
            uint64_t i,
            const char *what) noexcept {
        Sym sym = checked_symbol(symbol);
        if (sym.st_shndx != SHN_UNDEF)
            return fail("dynamic section: %s relocation %llu names symbol "
                        "'%.64s', defined but past the %llu symbols the "
                        "hash tables hold",
                        what,
                        (unsigned long long)i,
                        PrintableName(string_at(sym.st_name)).text,
                        (unsigned long long)symbol_count_);
        return check_symbol_version(symbol);
    }

    /* DT_HASH: nbucket, nchain, then the two arrays. */
    [[nodiscard]] bool check_sysv_hash(Addr addr) noexcept {
        uint64_t offset;
        uint32_t header[2];
        if (!file_backed(addr, sizeof header, &offset))
            return fail("dynamic section: DT_HASH outside the loaded segments");
        memcpy(header, image_ + offset, sizeof header);
        if (header[0] == 0)
            return fail("dynamic section: DT_HASH has no buckets");
        if (!file_backed(addr, (2 + (uint64_t)header[0] + header[1]) * 4, NULL))
            return fail(
                    "dynamic section: DT_HASH buckets or chains outside the "
                    "loaded segments");
        symbol_count_ = header[1];
        return check_sysv_hash_chains(offset + sizeof header,
                                      header[0],
                                      header[1]);
    }

    /* DT_HASH chains: glibc follows chain[i] from a bucket to symbol 0,
     * without a bound. Each bucket and chain entry must name one of the
     * nchain symbols, and no symbol may be entered twice (from a bucket or
     * a chain), as a linker writes the table: then no walk from a bucket
     * can come back to a symbol, and every chain ends. Linear, with a bit
     * per symbol (at most a 32nd of the image). */
    [[nodiscard]] bool check_sysv_hash_chains(uint64_t offset,
                                              uint32_t nbucket,
                                              uint32_t nchain) noexcept {
        Bitmap entered(nchain);
        if (!entered.allocated())
            return fail("dynamic section: DT_HASH: no memory to check %u "
                        "chains",
                        nchain);
        uint64_t entries = (uint64_t)nbucket + nchain;
        for (uint64_t i = 0; i < entries; i++) {
            uint32_t symbol;
            memcpy(&symbol, image_ + offset + i * 4, 4);
            if (symbol == 0)
                continue;
            bool in_bucket = i < nbucket;
            if (symbol >= nchain)
                return fail("dynamic section: DT_HASH %s %llu names symbol "
                            "%u, outside the %u symbols of the table",
                            in_bucket ? "bucket" : "chain of symbol",
                            (unsigned long long)(in_bucket ? i : i - nbucket),
                            symbol,
                            nchain);
            if (entered.test(symbol))
                return fail("dynamic section: DT_HASH chains enter symbol %u "
                            "twice, a chain may not end",
                            symbol);
            entered.set(symbol);
        }
        return true;
    }

    /* DT_GNU_HASH: nbuckets, symoffset, bloom_size, bloom_shift, the bloom
     * filter, the buckets, then the chains. */
    [[nodiscard]] bool check_gnu_hash(Addr addr) noexcept {
        uint64_t offset;
        uint32_t header[4];
        if (!file_backed(addr, sizeof header, &offset))
            return fail(
                    "dynamic section: DT_GNU_HASH outside the loaded segments");
        memcpy(header, image_ + offset, sizeof header);
        uint32_t nbuckets = header[0], bloom_size = header[2];
        if (nbuckets == 0)
            return fail("dynamic section: DT_GNU_HASH has no buckets");
        if (header[3] >= 32)
            return fail("dynamic section: DT_GNU_HASH bloom shift %u is not "
                        "below 32",
                        header[3]);
        if (bloom_size == 0 || (bloom_size & (bloom_size - 1)) != 0)
            return fail(
                    "dynamic section: DT_GNU_HASH bloom filter size %u is not "
                    "a power of two",
                    bloom_size);
        uint64_t length = sizeof header + (uint64_t)bloom_size * sizeof(Addr) +
                          (uint64_t)nbuckets * 4;
        if (!file_backed(addr, length, &offset))
            return fail(
                    "dynamic section: DT_GNU_HASH buckets outside the loaded "
                    "segments");
        /* The symbol count is one past the end of the last chain. Chains
         * start at symoffset; a bucket below it would index before them. */
        uint32_t symoffset = header[1], last_bucket = 0;
        uint64_t buckets =
                offset + sizeof header + (uint64_t)bloom_size * sizeof(Addr);
        for (uint32_t b = 0; b < nbuckets; b++) {
            uint32_t bucket;
            memcpy(&bucket, image_ + buckets + (uint64_t)b * 4, 4);
            if (bucket != 0 && bucket < symoffset)
                return fail("dynamic section: DT_GNU_HASH bucket %u is below "
                            "symoffset %u",
                            bucket,
                            symoffset);
            if (bucket > last_bucket)
                last_bucket = bucket;
        }
        uint64_t count = symoffset;
        if (last_bucket != 0) {
            Addr chains = addr + length;
            uint64_t i = last_bucket;
            for (;;) {
                uint64_t chain_offset;
                uint32_t hash;
                if (!file_backed(chains + (i - symoffset) * 4,
                                 4,
                                 &chain_offset))
                    return fail(
                            "dynamic section: DT_GNU_HASH chains outside the "
                            "loaded segments");
                memcpy(&hash, image_ + chain_offset, 4);
                if (hash & 1)
                    break;
                i++;
            }
            count = i + 1;
        }
        /* With DT_HASH too, the tables must be covered for either count. */
        if (count > symbol_count_)
            symbol_count_ = count;
        return true;
    }

    /* DT_GNU_HASH is how glibc finds the object's own symbols (DT_HASH is
     * then ignored). A symbol that is not where its name's hash leads is not
     * found: references to it bind elsewhere, or to 0 when weak, and the
     * code calls that. So every symbol from symoffset on must sit in the
     * chain of its name's bucket, with its hash, and a defined one must pass
     * the bloom filter. Linear: non-empty buckets start the chains in
     * ascending, contiguous order, so each symbol is visited once, and the
     * names hashed are bounded by a multiple of the string table. */
    [[nodiscard]] bool check_gnu_hash_lookup(Addr addr) noexcept {
        const unsigned kBits = sizeof(Addr) * 8;
        uint32_t header[4];
        uint64_t offset = backed_offset(addr);
        uint64_t symbols = backed_offset(symtab_);
        memcpy(header, image_ + offset, sizeof header);
        uint32_t nbuckets = header[0], symoffset = header[1];
        uint32_t bloom_size = header[2], shift = header[3];
        uint64_t bloom = offset + sizeof header;
        uint64_t buckets = bloom + (uint64_t)bloom_size * sizeof(Addr);
        uint64_t chains = buckets + (uint64_t)nbuckets * 4;
        uint64_t next_start = symoffset, hashed_bytes = 0;
        for (uint32_t b = 0; b < nbuckets; b++) {
            uint32_t start;
            memcpy(&start, image_ + buckets + (uint64_t)b * 4, 4);
            if (start == 0)
                continue;
            if (start != next_start)
                return fail("dynamic section: DT_GNU_HASH bucket %u starts at "
                            "symbol %u, expected %llu (chains in bucket "
                            "order)",
                            b,
                            start,
                            (unsigned long long)next_start);
            for (uint64_t i = start;; i++) {
                uint32_t chain;
                Sym sym;
                memcpy(&chain, image_ + chains + (i - symoffset) * 4, 4);
                memcpy(&sym, image_ + symbols + i * sizeof sym, sizeof sym);
                const char *name = string_at(sym.st_name);
                uint32_t hash = 5381; /* glibc's dl_new_hash */
                const unsigned char *c = (const unsigned char *)name;
                for (; *c; c++)
                    hash = hash * 33 + *c;
                hashed_bytes += (const char *)c - name + 1;
                if (hashed_bytes > 16 * strtab_size_ + 65536)
                    return fail("dynamic section: symbol names overlap too "
                                "much to hash (over %llu bytes)",
                                (unsigned long long)hashed_bytes);
                if (hash % nbuckets != b)
                    return fail("dynamic section: symbol '%.64s' is in "
                                "DT_GNU_HASH bucket %u, its name hashes to "
                                "bucket %u",
                                PrintableName(name).text,
                                b,
                                hash % nbuckets);
                if ((chain ^ hash) & ~1u)
                    return fail("dynamic section: symbol '%.64s' has hash "
                                "0x%x in the DT_GNU_HASH chain, its name "
                                "hashes to 0x%x",
                                PrintableName(name).text,
                                chain & ~1u,
                                hash & ~1u);
                if (sym.st_shndx != SHN_UNDEF) {
                    Addr word;
                    memcpy(&word,
                           image_ + bloom +
                                   (hash / kBits & (bloom_size - 1)) *
                                           sizeof word,
                           sizeof word);
                    if (!((word >> (hash % kBits)) &
                          (word >> ((hash >> shift) % kBits)) & 1))
                        return fail("dynamic section: the DT_GNU_HASH bloom "
                                    "filter turns symbol '%.64s' away",
                                    PrintableName(name).text);
                }
                if (chain & 1) {
                    next_start = i + 1;
                    break;
                }
            }
        }
        /* DT_HASH, when there, counts the symbols too. */
        if (next_start < symbol_count_)
            return fail("dynamic section: symbols %llu to %llu are in no "
                        "DT_GNU_HASH chain",
                        (unsigned long long)next_start,
                        (unsigned long long)symbol_count_ - 1);
        return true;
    }

    /* DT_HASH is how glibc finds the object's own symbols without
     * DT_GNU_HASH (an image with both, and that tag edited away, among
     * them). As there, a symbol not in the chain of its name's bucket is not
     * found (a weak reference to it binds to 0), so every defined symbol in
     * a chain must be in its name's (lookups pass undefined ones by), and
     * every defined global one in a chain (lld
     * leaves local ones, which lookups skip, out). The walks
     * end and visit each symbol once (check_sysv_hash_chains); the names
     * hashed are bounded as for DT_GNU_HASH. */
    [[nodiscard]] bool check_sysv_hash_lookup(Addr addr) noexcept {
        uint64_t offset = backed_offset(addr), hashed_bytes = 0;
        uint64_t symbols = backed_offset(symtab_);
        uint32_t header[2];
        memcpy(header, image_ + offset, sizeof header);
        uint32_t nbucket = header[0], nchain = header[1];
        uint64_t buckets = offset + sizeof header;
        uint64_t chains = buckets + (uint64_t)nbucket * 4;
        Bitmap chained(nchain);
        if (!chained.allocated())
            return fail("dynamic section: DT_HASH: no memory to check %u "
                        "symbols",
                        nchain);
        for (uint32_t b = 0; b < nbucket; b++) {
            uint32_t i;
            memcpy(&i, image_ + buckets + (uint64_t)b * 4, 4);
            while (i != 0) {
                Sym sym;
                memcpy(&sym,
                       image_ + symbols + (uint64_t)i * sizeof sym,
                       sizeof sym);
                const char *name = string_at(sym.st_name);
                uint32_t hash = 0; /* the ELF hash, glibc's _dl_elf_hash */
                const unsigned char *c = (const unsigned char *)name;
                for (; *c; c++) {
                    hash = (hash << 4) + *c;
                    hash = (hash ^ ((hash & 0xf0000000) >> 24)) & 0x0fffffff;
                }
                hashed_bytes += (const char *)c - name + 1;
                if (hashed_bytes > 16 * strtab_size_ + 65536)
                    return fail("dynamic section: symbol names overlap too "
                                "much to hash (over %llu bytes)",
                                (unsigned long long)hashed_bytes);
                if (sym.st_shndx != SHN_UNDEF && hash % nbucket != b)
                    return fail("dynamic section: symbol '%.64s' is in "
                                "DT_HASH bucket %u, its name hashes to "
                                "bucket %u",
                                PrintableName(name).text,
                                b,
                                hash % nbucket);
                chained.set(i);
                memcpy(&i, image_ + chains + (uint64_t)i * 4, 4);
            }
        }
        for (uint32_t i = 1; i < nchain; i++) {
            Sym sym;
            memcpy(&sym,
                   image_ + symbols + (uint64_t)i * sizeof sym,
                   sizeof sym);
            if (sym.st_shndx != SHN_UNDEF && (sym.st_info >> 4) != STB_LOCAL &&
                !chained.test(i))
                return fail("dynamic section: global symbol '%.64s' is "
                            "defined, but in no DT_HASH chain",
                            PrintableName(string_at(sym.st_name)).text);
        }
        return true;
    }

    /* The symbol table holds symbol_count_ entries, whose names lie in the
     * string table. */
    [[nodiscard]] bool check_symbols(Addr symtab) noexcept {
        uint64_t offset;
        if (!file_backed(symtab, symbol_count_ * sizeof(Sym), &offset))
            return fail(
                    "dynamic section: symbol table (DT_SYMTAB) smaller than "
                    "the %llu symbols of the hash table",
                    (unsigned long long)symbol_count_);
        /* Symbol 0 too when the tables count none (DT_GNU_HASH with
         * symoffset 0 and no chain): relocations naming no symbol read it
         * (DT_SYMTAB holds one, checked). */
        uint64_t count = symbol_count_ != 0 ? symbol_count_ : 1;
        for (uint64_t i = 0; i < count; i++) {
            Sym sym;
            memcpy(&sym, image_ + offset + i * sizeof sym, sizeof sym);
            if (!check_string(sym.st_name))
                return fail(
                        "dynamic section: symbol %llu has its name outside the "
                        "string table",
                        (unsigned long long)i);
            if (!check_symbol_value(sym, i))
                return false;
        }
        return true;
    }

    /* A defined symbol's value: an address in a loaded segment (its end
     * included: _end, _edata and symbols of size 0 sit there), and for a
     * function or an IFUNC resolver, in an executable one. Not checked:
     * undefined and SHN_ABS symbols (not addresses in the object) and
     * STT_TLS ones (offsets in the PT_TLS block). */
    [[nodiscard]] bool check_symbol_value(const Sym &sym,
                                          uint64_t index) noexcept {
        unsigned bind = sym.st_info >> 4; /* ELF64_ST_BIND, ELF32_ST_BIND */
        static const Sym kNoSymbol = {};
        /* glibc reads symbol 0 for relocations that name no symbol, as a
         * local symbol: its value is added to theirs. */
        if (index == 0 && memcmp(&sym, &kNoSymbol, sizeof sym) != 0)
            return fail("dynamic section: symbol 0 (STN_UNDEF) is not all "
                        "zeros");
        /* glibc takes an undefined symbol with a value for a definition
         * (an executable's canonical PLT entry) in lookups for data.
         * (Where the values are known: MIPS gives undefined functions
         * the address of a lazy-binding stub.) */
        if (ERTS_DLOPEN_MEM_RELOC_VALUES && sym.st_shndx == SHN_UNDEF &&
            sym.st_value != 0)
            return fail("dynamic section: undefined symbol '%.64s' has the "
                        "value 0x%llx, which would make it a definition",
                        PrintableName(string_at(sym.st_name)).text,
                        (unsigned long long)sym.st_value);
        if (sym.st_shndx == SHN_UNDEF && index != 0 &&
            ((bind != STB_GLOBAL && bind != STB_WEAK) ||
             (sym.st_other & 3) != STV_DEFAULT))
            /* glibc binds such a reference to the object itself, at the
             * symbol's value (0): to its first byte. */
            return fail("dynamic section: undefined symbol '%.64s' is not "
                        "global with default visibility (binding %u, "
                        "visibility %u)",
                        PrintableName(string_at(sym.st_name)).text,
                        bind,
                        (unsigned)(sym.st_other & 3));
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS)
            return true;
        unsigned type = sym.st_info & 0xf; /* ELF64_ST_TYPE, ELF32_ST_TYPE */
        if (type == STT_TLS)
            return check_tls_symbol(sym);
        const char *name = string_at(sym.st_name);
        if ((type == STT_FUNC || type == STT_GNU_IFUNC) &&
            !in_memory_image(sym.st_value, 0, PF_X))
            return fail("dynamic section: function symbol '%.64s' at 0x%llx "
                        "is outside the executable segments",
                        PrintableName(name).text,
                        (unsigned long long)sym.st_value);
        if ((type == STT_FUNC || type == STT_GNU_IFUNC) &&
            zero_filled_code(sym.st_value))
            return fail("dynamic section: function symbol '%.64s' at 0x%llx "
                        "is past the bytes its segment maps from the file, "
                        "in zeros",
                        PrintableName(name).text,
                        (unsigned long long)sym.st_value);
        /* erts calls nif_init and driver_init by their symbols, the code
         * by the others: from inside a function they run astray to address
         * 0, where no fault handler can say whose code it was. Where the
         * values are known: on ARM, bit 0 of a Thumb function's value is
         * not part of its address. */
        Addr start;
        if (ERTS_DLOPEN_MEM_RELOC_VALUES &&
            (type == STT_FUNC || type == STT_GNU_IFUNC) &&
            unwind_function_holding(sym.st_value, &start) &&
            start != sym.st_value)
            return fail("dynamic section: function symbol '%.64s' at 0x%llx "
                        "is inside the function at 0x%llx (unwind table), "
                        "not at its start",
                        PrintableName(name).text,
                        (unsigned long long)sym.st_value,
                        (unsigned long long)start);
        if (!in_memory_image(sym.st_value, 0, 0))
            return fail("dynamic section: symbol '%.64s' at 0x%llx is outside "
                        "the loaded segments",
                        PrintableName(name).text,
                        (unsigned long long)sym.st_value);
        return true;
    }

    /* Thread-local storage: a thread-local symbol's value is an offset in
     * the object's PT_TLS block, which code reaches through the module the
     * dynamic linker gives it; without a PT_TLS segment there is none. */
    [[nodiscard]] bool check_tls_symbol(const Sym &sym) noexcept {
        const char *name = string_at(sym.st_name);
        if (tls_.p_type != PT_TLS)
            return fail("dynamic section: thread-local symbol '%.64s', but "
                        "no PT_TLS segment",
                        PrintableName(name).text);
        if (sym.st_value > tls_.p_memsz)
            return fail("dynamic section: thread-local symbol '%.64s' at "
                        "offset %llu is outside the PT_TLS block (%llu bytes)",
                        PrintableName(name).text,
                        (unsigned long long)sym.st_value,
                        (unsigned long long)tls_.p_memsz);
        return true;
    }

    [[nodiscard]] bool check_string(uint64_t string_offset) noexcept {
        if (strtab_size_ == 0)
            return true; /* not known yet */
        /* The table ends with a NUL (checked), so every string in it does. */
        return string_offset < strtab_size_;
    }

    static const char *dynamic_tag_name(ElfW(Sxword) tag) noexcept {
        switch (tag) {
        case DT_NEEDED:
            return "DT_NEEDED";
        case DT_SONAME:
            return "DT_SONAME";
        case DT_RPATH:
            return "DT_RPATH";
        case DT_RUNPATH:
            return "DT_RUNPATH";
        case DT_FILTER:
            return "DT_FILTER";
        case DT_AUXILIARY:
            return "DT_AUXILIARY";
        default:
            return "dynamic";
        }
    }

    /* [vaddr, vaddr + length) lies in the file-backed part of one PT_LOAD
     * segment; if so, *file_offset (when given) is where it starts in the
     * image. */
    [[nodiscard]] bool file_backed(Addr vaddr,
                                   uint64_t length,
                                   uint64_t *file_offset) const noexcept {
        /* Segments are in ascending order and do not overlap: only the last
         * one starting at or below vaddr can hold the range (an earlier one
         * only an empty range at its end, where this one starts too). */
        unsigned k = last_load_at_or_below(vaddr);
        if (k == load_count_)
            return false;
        Addr start = load_field<Addr>(k, offsetof(Phdr, p_vaddr));
        /* What the dynamic linker reads must be readable (an execute-only
         * segment is not). */
        if (!(load_field<ElfW(Word)>(k, offsetof(Phdr, p_flags)) & PF_R) ||
            !range_within(vaddr - start,
                          length,
                          load_field<decltype(Phdr::p_filesz)>(
                                  k,
                                  offsetof(Phdr, p_filesz))))
            return false;
        if (file_offset)
            *file_offset = offset_in_load(k, vaddr);
        return true;
    }

    /* Where vaddr lies in the image, for an address that an earlier check
     * found in the file-backed part of a segment (file_backed()). */
    uint64_t backed_offset(Addr vaddr) const noexcept {
        return offset_in_load(last_load_at_or_below(vaddr), vaddr);
    }

    /* Where vaddr, in the k-th PT_LOAD segment, lies in the image. */
    uint64_t offset_in_load(unsigned k, Addr vaddr) const noexcept {
        return load_field<ElfW(Off)>(k, offsetof(Phdr, p_offset)) +
               (vaddr - load_field<Addr>(k, offsetof(Phdr, p_vaddr)));
    }

    /* vaddr is in the zero-filled tail of an executable segment (past its
     * p_filesz): no function starts there. Only a writable one has a tail
     * (check_load_segments). */
    [[nodiscard]] bool zero_filled_code(Addr vaddr) const noexcept {
        unsigned k = last_load_at_or_below(vaddr);
        if (k == load_count_ ||
            !(load_field<ElfW(Word)>(k, offsetof(Phdr, p_flags)) & PF_X))
            return false;
        Addr offset = vaddr - load_field<Addr>(k, offsetof(Phdr, p_vaddr));
        return offset >= load_field<decltype(Phdr::p_filesz)>(
                                 k,
                                 offsetof(Phdr, p_filesz)) &&
               offset < load_field<decltype(Phdr::p_memsz)>(
                                k,
                                offsetof(Phdr, p_memsz));
    }

    /* The index in loads_ of the last PT_LOAD segment whose p_vaddr is at
     * most vaddr, or load_count_ if there is none: a binary search, so that
     * checks per relocation or symbol do not walk the program headers. */
    unsigned last_load_at_or_below(Addr vaddr) const noexcept {
        unsigned low = 0, high = load_count_; /* answer in [low - 1, high) */
        while (low < high) {
            unsigned mid = low + (high - low) / 2;
            if (load_field<Addr>(mid, offsetof(Phdr, p_vaddr)) <= vaddr)
                low = mid + 1;
            else
                high = mid;
        }
        return low == 0 ? load_count_ : low - 1;
    }

    /* The dynamic linker makes the whole pages of [p_vaddr, p_vaddr +
     * p_memsz) read-only, rounding both ends down: those pages must be
     * mapped for writable PT_LOAD segments (page-rounded, as mmap maps). */
    [[nodiscard]] bool relro_in_writable_pages(
            const Phdr &relro) const noexcept {
        const uint64_t page = (uint64_t)getpagesize();
        if (relro.p_vaddr + relro.p_memsz < relro.p_vaddr)
            return false;
        uint64_t at = relro.p_vaddr & ~(page - 1);
        uint64_t end = (relro.p_vaddr + relro.p_memsz) & ~(page - 1);
        for (unsigned steps = 0; at < end; steps++) {
            bool found = false;
            for (unsigned i = 0; i < ehdr_.e_phnum && !found; i++) {
                Phdr ph = phdr(i);
                uint64_t first = ph.p_vaddr & ~(page - 1);
                uint64_t last =
                        (ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1);
                if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) &&
                    at >= first && at < last) {
                    at = last;
                    found = true;
                }
            }
            if (!found || steps > ehdr_.e_phnum)
                return false;
        }
        return true;
    }

    /* [vaddr, vaddr + length) lies in the memory image of one PT_LOAD whose
     * p_flags include all of flags. */
    [[nodiscard]] bool in_memory_image(Addr vaddr,
                                       uint64_t length,
                                       ElfW(Word) flags) const noexcept {
        unsigned k = last_load_at_or_below(vaddr);
        if (k == load_count_)
            return false;
        /* An empty range at the end of one segment may also be at the
         * start of the next, whose flags differ: both are asked. */
        for (unsigned n = 0; n < 2 && k < load_count_; n++, k--) {
            ElfW(Word) seg_flags =
                    load_field<ElfW(Word)>(k, offsetof(Phdr, p_flags));
            Addr start = load_field<Addr>(k, offsetof(Phdr, p_vaddr));
            if ((seg_flags & flags) == flags &&
                range_within(vaddr - start,
                             length,
                             load_field<decltype(Phdr::p_memsz)>(
                                     k,
                                     offsetof(Phdr, p_memsz))))
                return true;
            if (length != 0 || k == 0)
                break;
        }
        return false;
    }

    /* One field of the k-th PT_LOAD segment's header, read alone: the
     * lookups above run for every relocation and symbol, and copying the
     * whole header each time costs more than the rest of the check. */
    template <typename T>
    T load_field(unsigned k, size_t field) const noexcept {
        T v;
        memcpy(&v,
               image_ + ehdr_.e_phoff + (size_t)loads_[k] * sizeof(Phdr) +
                       field,
               sizeof v);
        return v;
    }

    Phdr phdr(unsigned i) const noexcept {
        Phdr ph;
        memcpy(&ph,
               image_ + ehdr_.e_phoff + (size_t)i * sizeof(Phdr),
               sizeof ph);
        return ph;
    }

    [[nodiscard]] bool fail(const char *fmt, ...) noexcept
            __attribute__((format(printf, 2, 3))) {
        char text[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        err_.set("%s", text);
        return false;
    }

    const unsigned char *image_;
    size_t size_;
    ErrorBuffer &err_;
    Ehdr ehdr_ = {};
    Phdr dynamic_ = {};
    Phdr relro_ = {};
    Phdr tls_ = {}; /* p_type PT_NULL when there is none */
    uint64_t strtab_offset_ = 0;
    uint64_t strtab_size_ = 0;
    uint64_t symbol_count_ = 0;        /* from the hash tables */
    uint64_t needed_[kMaxNeeded] = {}; /* DT_NEEDED string offsets */
    struct FunctionArray {
        bool starts_section;
        Addr start;
        uint64_t slots, first_slot;
    } arrays_[2] = {}; /* DT_INIT_ARRAY, DT_FINI_ARRAY */
    uint8_t covered_[kMaxArrayFunctions / 8] = {};
    unsigned needed_count_ = 0;
    Addr pltgot_ = 0;                      /* DT_PLTGOT */
    Section plt_got_ = {};                 /* the section holding DT_PLTGOT */
    Section stubs_[kMaxStubSections] = {}; /* .plt, .plt.got, .plt.sec */
    unsigned stub_count_ = 0;
    RelocTable reloc_tables_[3] =
            {}; /* DT_JMPREL, DT_RELA, DT_REL, those present */
    unsigned reloc_table_count_ = 0;
    struct CodeEntry {
        bool present, starts_section;
        unsigned stub_section; /* the table of stubs it is in, 0: none */
        Addr at;
    } code_entries_[2] = {};           /* DT_INIT, DT_FINI */
    bool has_section_headers_ = false; /* set by check_section_rights */
    struct {
        Addr at;
        unsigned index; /* in the program headers, kNoSegment: none */
    } eh_frame_segment_ = {0, kNoSegment};
    struct UnwindTable {
        uint64_t offset; /* of .eh_frame_hdr in the image */
        Addr vaddr;
        uint32_t count; /* entries of its search table, 0: none read */
    } unwind_ = {};
    struct CieEncoding {
        Addr at; /* of the CIE last read, (Addr)-1: none */
        bool known;
        unsigned encoding;
    } last_cie_ = {(Addr)-1, false, 0};
    Addr versym_ = 0; /* DT_VERSYM, once its versions are checked */
    unsigned highest_version_ = 0;
    uint8_t versions_defined_[0x8000 / 8] = {}; /* by a version record */
    Addr symtab_ = 0;
    bool writable_targets_ = true; /* no text relocations */
    /* The PT_LOAD segments, by program header index, in address order. */
    uint16_t loads_[kMaxProgramHeaders] = {};
    /* DT_RELACOUNT and DT_RELCOUNT, by kRela and kRel. */
    enum { kRela, kRel };
    uint64_t relative_count_[2] = {};
    bool has_relative_count_[2] = {};
    unsigned load_count_ = 0;
    Addr image_start_ = 0, image_end_ = 0; /* the loaded address range */
};

/* Judges the image with a validator whose state (its tables, about 13 KiB)
 * is allocated rather than put on the caller's stack, and calls
 * accepted(validator) if the image passes. */
template <typename Accepted>
int validate_image(const void *image,
                   size_t size,
                   ErrorBuffer &err,
                   Accepted accepted) noexcept {
    if (!image && size != 0) {
        err.set("no image (NULL pointer)");
        return ERTS_DLOPEN_MEM_BADARG;
    }
    Allocated<ElfValidator> v(static_cast<const unsigned char *>(image),
                              size,
                              err);
    if (!v.get()) {
        err.set("out of memory: judging an image takes %zu bytes",
                sizeof(ElfValidator));
        return ERTS_DLOPEN_MEM_NO_MEMORY;
    }
    if (!v.get()->validate())
        return ERTS_DLOPEN_MEM_BAD_IMAGE;
    accepted(*v.get());
    return ERTS_DLOPEN_MEM_OK;
}

} // namespace

extern "C" int erts_dlopen_mem_validate(const void *image,
                                        size_t size,
                                        char *errbuf,
                                        size_t errbuf_size) {
    ErrorBuffer err(errbuf, errbuf_size);
    return validate_image(image, size, err, [](const ElfValidator &) {
    });
}

extern "C" int erts_dlopen_mem_library_names(const void *image,
                                             size_t size,
                                             ErtsDlopenMemNameFn each,
                                             void *arg,
                                             char *errbuf,
                                             size_t errbuf_size) {
    ErrorBuffer err(errbuf, errbuf_size);
    if (!each) {
        err.set("no function to call (NULL)");
        return ERTS_DLOPEN_MEM_BADARG;
    }
    return validate_image(image, size, err, [&](const ElfValidator &v) {
        v.each_library_name(each, arg);
    });
}

#endif /* __linux__ */
