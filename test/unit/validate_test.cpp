// SPDX-License-Identifier: Apache-2.0
// The validator: every rule refuses the fixture that breaks it, with that
// rule's message; real shared objects pass; truncation anywhere in the
// mapped part of an image is refused.
#include "erl_dlopen_mem.h"
#include "host_rules.h"
#include "test_support.h"

#include <elf.h>
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>

using namespace erts_test;

namespace {

struct BrokenCase {
    const char *fixture;
    std::string message;
};

using Ehdr = ElfW(Ehdr);
using Phdr = ElfW(Phdr);

// The ELF header of this executable, which the loader is linked into: the
// host's machine as the loader sees it.
extern "C" const Ehdr __ehdr_start __attribute__((visibility("hidden")));

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return text;
}

const char *class_name(bool sixty_four) {
    return sixty_four ? "ELFCLASS64" : "ELFCLASS32";
}

// The names the loader gives the machines a fixture can have: the host's and
// the one make_broken_fixtures puts in wrong_machine.so.
std::string machine_name(unsigned m) {
    switch (m) {
    case EM_386:
        return "EM_386";
    case EM_ARM:
        return "EM_ARM";
    case EM_X86_64:
        return "EM_X86_64";
    case EM_AARCH64:
        return "EM_AARCH64";
    case EM_PPC64:
        return "EM_PPC64";
    case EM_S390:
        return "EM_S390";
    case EM_RISCV:
        return "EM_RISCV";
    default:
        return "EM_?";
    }
}

std::string machine(unsigned m) {
    return format("%s (%u)", machine_name(m).c_str(), m);
}

// Where the segments of the fixture the broken ones are made from are: their
// indexes and offsets depend on the toolchain.
class GoodLayout {
public:
    GoodLayout() : image_(read_fixture("fixture_a.so")) {
    }

    // Index in the program header table of the n-th segment of a type.
    unsigned index(ElfW(Word) type, unsigned n = 0) const {
        Ehdr eh = header();
        for (unsigned i = 0; i < eh.e_phnum; i++)
            if (phdr(i).p_type == type && n-- == 0)
                return i;
        return ~0u;
    }
    Phdr segment(ElfW(Word) type, unsigned n = 0) const {
        unsigned i = index(type, n);
        return i == ~0u ? Phdr{} : phdr(i);
    }
    // The value of a dynamic tag (0 if absent).
    unsigned long long dynamic(ElfW(Sxword) tag) const {
        Phdr dyn = segment(PT_DYNAMIC);
        for (size_t at = dyn.p_offset;
             at + sizeof(ElfW(Dyn)) <= image_.size() &&
             at < dyn.p_offset + dyn.p_filesz;
             at += sizeof(ElfW(Dyn))) {
            ElfW(Dyn) d;
            std::memcpy(&d, image_.data() + at, sizeof d);
            if (d.d_tag == DT_NULL)
                break;
            if (d.d_tag == tag)
                return d.d_un.d_val;
        }
        return 0;
    }

    // The 32-bit word at an address of a PT_LOAD segment (0 if none).
    uint32_t word(unsigned long long vaddr) const {
        Ehdr eh = header();
        for (unsigned i = 0; i < eh.e_phnum; i++) {
            Phdr ph = phdr(i);
            uint32_t w = 0;
            if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
                vaddr + 4 <= ph.p_vaddr + ph.p_filesz &&
                ph.p_offset + (vaddr - ph.p_vaddr) + 4 <= image_.size()) {
                std::memcpy(&w,
                            image_.data() + ph.p_offset + (vaddr - ph.p_vaddr),
                            4);
                return w;
            }
        }
        return 0;
    }

private:
    Ehdr header() const {
        Ehdr eh{};
        if (image_.size() >= sizeof eh)
            std::memcpy(&eh, image_.data(), sizeof eh);
        return eh;
    }
    Phdr phdr(unsigned i) const {
        Phdr ph{};
        size_t at = header().e_phoff + i * sizeof ph;
        if (at + sizeof ph <= image_.size())
            std::memcpy(&ph, image_.data() + at, sizeof ph);
        return ph;
    }

    std::vector<unsigned char> image_;
};

// One row per rule: the broken fixture (see make_broken_fixtures.cpp) and the
// message the validator must give for it (the whole message, or its start
// where the rest holds offsets that depend on the toolchain). Sizes, names
// and indexes come from this host and its toolchain, as the generator's do.
const std::vector<BrokenCase> &broken_cases() {
    static const std::vector<BrokenCase> cases = [] {
        const bool is64 = sizeof(void *) == 8;
        const bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
        const unsigned host = __ehdr_start.e_machine;
        const unsigned other = host == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
        const GoodLayout good;
        const unsigned load0 = good.index(PT_LOAD, 0),
                       load1 = good.index(PT_LOAD, 1);
        const unsigned dynamic = good.index(PT_DYNAMIC),
                       note = good.index(PT_NOTE);
        const unsigned long long last_rela =
                good.dynamic(DT_RELASZ) / sizeof(ElfW(Rela)) - 1;
        const unsigned nchain = good.word(good.dynamic(DT_HASH) + 4);
        std::vector<BrokenCase> all{
                {"too_small",
                 format("ELF header: image too small (32 bytes, an ELF header "
                        "needs %zu)",
                        sizeof(Ehdr))},
                {"bad_magic", "ELF header: bad magic, not an ELF image"},
                {"wrong_class",
                 format("ELF header: wrong ELF class %s, this host needs %s",
                        class_name(!is64),
                        class_name(is64))},
                {"wrong_byte_order",
                 format("ELF header: wrong byte order (%s), this host is %s",
                        little ? "big-endian" : "little-endian",
                        little ? "little-endian" : "big-endian")},
                {"bad_version", "ELF header: unsupported ELF version 7"},
                {"bad_osabi", "ELF header: unsupported OS ABI 97"},
                {"wrong_machine",
                 format("ELF header: wrong machine %s, this host is %s",
                        machine(other).c_str(),
                        machine(host).c_str())},
                {"relocatable_object",
                 "ELF header: not a shared object (e_type 1)"},
                {"abiversion_sysv_nonzero",
                 "ELF header: ABI version 1 with OS ABI ELFOSABI_SYSV, which "
                 "has only version 0"},
                // The limit is the host's:
                // GnuAbiVersionLimitIsTheDynamicLinkers.
                {"abiversion_gnu_too_new",
                 "ELF header: ABI version 127 with OS ABI ELFOSABI_GNU, this "
                 "host's dynamic linker knows up to "},
                {"ident_padding_nonzero",
                 "ELF header: e_ident padding byte 15 is 1, not 0"},
                {"bad_ehsize",
                 format("ELF header: e_ehsize is %zu, expected %zu",
                        sizeof(Ehdr) + 8,
                        sizeof(Ehdr))},
                {"bad_phentsize",
                 format("program headers: e_phentsize is %zu, expected %zu",
                        sizeof(Phdr) - 8,
                        sizeof(Phdr))},
                {"no_program_headers", "program headers: none (e_phnum is 0)"},
                {"too_many_program_headers",
                 format("program headers: too many (4000, at most %zu)",
                        65536 / sizeof(Phdr))},
                {"program_headers_past_end",
                 "program headers: table at offset "},
                {"truncated",
                 format("PT_LOAD segment %u: file range [%llu, +",
                        load1,
                        (unsigned long long)good.segment(PT_LOAD, 1).p_offset)},
                {"load_filesz_over_memsz",
                 format("PT_LOAD segment %u: p_filesz (", load0)},
                {"load_address_overflow",
                 format("PT_LOAD segment %u: address range overflows", load1)},
                {"load_align_not_power_of_two",
                 format("PT_LOAD segment %u: p_align (12288) is not a power of "
                        "two",
                        load0)},
                {"load_misaligned",
                 format("PT_LOAD segment %u: p_vaddr and p_offset disagree "
                        "modulo p_align",
                        load1)},
                {"load_not_ascending",
                 format("PT_LOAD segment %u: not in ascending address order or "
                        "overlaps the previous one",
                        load1)},
                {"no_load_segments", "PT_LOAD segments: none, nothing to map"},
                {"dynamic_outside_loads",
                 format("PT_DYNAMIC (segment %u): outside the loaded segments",
                        dynamic)},
                {"note_outside_loads",
                 format("PT_NOTE (segment %u): outside the loaded segments",
                        note)},
                {"dynamic_too_small", "PT_DYNAMIC: too small (4 bytes)"},
                {"no_dynamic",
                 "PT_DYNAMIC: none, a shared object needs a dynamic section"},
                {"two_dynamic", "PT_DYNAMIC: 2 of them, expected one"},
                {"dynamic_unterminated",
                 "dynamic section: no DT_NULL terminator"},
                {"pie_flag",
                 "dynamic section: a position-independent executable "
                 "(DF_1_PIE), not a shared object"},
                {"no_strtab", "dynamic section: no DT_STRTAB"},
                {"strsz_zero", "dynamic section: DT_STRSZ missing or zero"},
                {"strtab_outside_loads",
                 "dynamic section: string table (DT_STRTAB, DT_STRSZ) outside "
                 "the loaded segments"},
                {"no_symtab", "dynamic section: no DT_SYMTAB"},
                {"symtab_outside_loads",
                 "dynamic section: symbol table (DT_SYMTAB) outside the loaded "
                 "segments"},
                {"bad_syment",
                 format("dynamic section: DT_SYMENT is 7, expected %zu",
                        sizeof(ElfW(Sym)))},
                {"needed_string_outside_strtab",
                 "dynamic section: DT_NEEDED string at offset"},
                {"sysv_hash_outside_loads",
                 "dynamic section: DT_HASH outside the loaded segments"},
                {"sysv_hash_no_buckets",
                 "dynamic section: DT_HASH has no buckets"},
                {"sysv_hash_chains_outside_loads",
                 "dynamic section: DT_HASH buckets or chains outside the "
                 "loaded segments"},
                {"gnu_hash_outside_loads",
                 "dynamic section: DT_GNU_HASH outside the loaded segments"},
                {"gnu_hash_no_buckets",
                 "dynamic section: DT_GNU_HASH has no buckets"},
                {"gnu_hash_bloom_not_power_of_two",
                 "dynamic section: DT_GNU_HASH bloom filter size 3 is not a "
                 "power of two"},
                {"gnu_hash_buckets_outside_loads",
                 "dynamic section: DT_GNU_HASH buckets outside the loaded "
                 "segments"},
                {"rela_outside_loads",
                 "dynamic section: relocations (DT_RELA) outside the loaded "
                 "segments"},
                {"bad_relaent",
                 format("dynamic section: DT_RELAENT is 5, expected %zu",
                        sizeof(ElfW(Rela)))},
                {"rela_target_outside_loads",
                 "dynamic section: DT_RELA relocation 0 targets address "
                 "0x7fff00000000 outside the loaded segments"},
                {"jmprel_outside_loads",
                 "dynamic section: PLT relocations (DT_JMPREL) outside the "
                 "loaded segments"},
                {"jmprel_target_outside_loads",
                 "dynamic section: DT_JMPREL relocation 0 targets address "
                 "0x7fff00000000 outside the loaded segments"},
                {"init_array_outside_loads",
                 "dynamic section: DT_INIT_ARRAY outside the loaded segments"},
                {"versym_outside_loads",
                 "dynamic section: symbol versioning tables outside the loaded "
                 "segments"},
                {"dynamic_offset_mismatch",
                 format("PT_DYNAMIC (segment %u): p_offset and p_vaddr point "
                        "at different bytes",
                        dynamic)},
                {"reloc_symbol_out_of_range",
                 "dynamic section: DT_JMPREL relocation 0 names symbol "
                 "16777215, outside the symbol table or with its name outside "
                 "the string table"},
                {"rela_without_relasz",
                 "dynamic section: DT_RELA without DT_RELASZ"},
                {"rela_without_relaent",
                 "dynamic section: DT_RELA without DT_RELAENT"},
                {"init_array_without_size",
                 "dynamic section: DT_INIT_ARRAY without DT_INIT_ARRAYSZ"},
                {"fini_array_without_size",
                 "dynamic section: DT_FINI_ARRAY without DT_FINI_ARRAYSZ"},
                {"pltrel_missing",
                 "dynamic section: DT_JMPREL, DT_PLTREL and DT_PLTRELSZ must "
                 "come together"},
                {"pltrel_wrong_type",
                 format("dynamic section: DT_PLTREL is %d, this host uses "
                        "DT_RELA",
                        DT_REL)},
                {"relro_too_large", "PT_GNU_RELRO (segment "},
                {"relro_over_text", "PT_GNU_RELRO (segment "},
                {"reloc_writes_to_text",
                 "dynamic section: DT_RELA relocation 0 writes to read-only "
                 "address "},
                {"fini_outside_text",
                 "dynamic section: DT_FINI outside the executable segments"},
                {"verneed_entry_outside_loads",
                 "dynamic section: DT_VERNEED entry outside the loaded "
                 "segments"},
                {"versym_index_past_versions",
                 "dynamic section: symbol 2 has version index 32752, the "
                 "version records give up to 2"},
                {"versym_without_versions",
                 "dynamic section: DT_VERSYM without versions to refer to (no "
                 "DT_VERNEED or DT_VERDEF record gives one)"},
                {"verneed_names_no_needed_library",
                 "dynamic section: DT_VERNEED names 'c.so.6', which no "
                 "DT_NEEDED entry names"},
                {"verneed_aux_chain_past_count",
                 "dynamic section: DT_VERNEED record for 'libc.so.6' chains "
                 "more than its 1 (vn_cnt) versions"},
                {"version_index_beyond_records",
                 "dynamic section: version index 32514, but the version "
                 "records define 1 versions"},
                {"verneed_without_versym",
                 "dynamic section: DT_VERNEED or DT_VERDEF without "
                 "DT_VERSYM"},
                {"gnu_hash_chain_hash_wrong",
                 "dynamic section: symbol 'fixture_value' has hash 0x2ffbf978 "
                 "in the DT_GNU_HASH chain, its name hashes to 0x2ffbf968"},
                {"gnu_hash_symbols_in_no_chain",
                 "dynamic section: symbols * to * are in no DT_GNU_HASH "
                 "chain"},
                {"gnu_hash_bloom_turns_symbol_away",
                 "dynamic section: the DT_GNU_HASH bloom filter turns symbol "
                 "'fixture_value' away"},
                {"gnu_hash_bloom_shift_too_large",
                 "dynamic section: DT_GNU_HASH bloom shift 40 is not below "
                 "32"},
                {"init_array_entry_not_relocated",
                 "dynamic section: DT_INIT_ARRAY entry 0 is set by no "
                 "relocation, the dynamic linker would call an unrelocated "
                 "address"},
                {"init_array_entry_not_function",
                 "dynamic section: DT_RELA relocation 0 sets DT_INIT_ARRAY "
                 "entry 0 to something other than a function"},
                {"dynamic_vaddr_misaligned",
                 format("PT_DYNAMIC (segment %u): p_vaddr 0x%llx is not "
                        "%zu-byte aligned",
                        dynamic,
                        (unsigned long long)good.segment(PT_DYNAMIC).p_vaddr +
                                4,
                        alignof(ElfW(Dyn)))},
                {"dynamic_offset_misaligned",
                 format("PT_DYNAMIC (segment %u): p_offset %llu is not "
                        "%zu-byte aligned",
                        dynamic,
                        (unsigned long long)good.segment(PT_DYNAMIC).p_offset +
                                4,
                        alignof(ElfW(Dyn)))},
                {"symtab_misaligned",
                 format("dynamic section: DT_SYMTAB address 0x%llx is not "
                        "%zu-byte aligned",
                        good.dynamic(DT_SYMTAB) + 4,
                        alignof(ElfW(Sym)))},
                {"sysv_hash_misaligned",
                 format("dynamic section: DT_HASH address 0x%llx is not 4-byte "
                        "aligned",
                        good.dynamic(DT_HASH) + 2)},
                {"gnu_hash_misaligned",
                 format("dynamic section: DT_GNU_HASH address 0x%llx is not "
                        "%zu-byte aligned",
                        good.dynamic(DT_GNU_HASH) + 4,
                        alignof(ElfW(Addr)))},
                {"rela_misaligned",
                 format("dynamic section: DT_RELA address 0x%llx is not "
                        "%zu-byte aligned",
                        good.dynamic(DT_RELA) - 4,
                        alignof(ElfW(Rela)))},
                {"jmprel_misaligned",
                 format("dynamic section: DT_JMPREL address 0x%llx is not "
                        "%zu-byte aligned",
                        good.dynamic(DT_JMPREL) - 4,
                        alignof(ElfW(Rela)))},
                {"rel_misaligned",
                 format("dynamic section: DT_REL address 0x%llx is not "
                        "%zu-byte aligned",
                        good.dynamic(DT_RELA) - 4,
                        alignof(ElfW(Rel)))},
                {"strtab_not_terminated",
                 "dynamic section: string table does not end with a NUL byte"},
                {"no_hash_table",
                 "dynamic section: no symbol hash table (DT_HASH or "
                 "DT_GNU_HASH)"},
                {"symtab_smaller_than_hash",
                 "dynamic section: symbol table (DT_SYMTAB) smaller than the "},
                {"symbol_name_outside_strtab",
                 "dynamic section: symbol 1 has its name outside the string "
                 "table"},
                {"gnu_hash_bucket_below_symoffset",
                 "dynamic section: DT_GNU_HASH bucket "},
                // issue 8: values, not only structure
                {"relacount_too_large",
                 format("dynamic section: DT_RELACOUNT is %llu, but DT_RELA "
                        "starts with %llu RELATIVE relocations",
                        good.dynamic(DT_RELACOUNT) + 1,
                        good.dynamic(DT_RELACOUNT))},
                {"reloc_type_not_applied",
                 format("dynamic section: DT_RELA relocation %llu has type "
                        "254, which this host's dynamic linker does not apply "
                        "in a shared object",
                        last_rela)},
                {"copy_reloc",
                 format("dynamic section: DT_RELA relocation %llu is a copy "
                        "relocation (%s), which a shared object cannot have",
                        last_rela,
                        host == EM_AARCH64 ? "R_AARCH64_COPY"
                                           : "R_X86_64_COPY")},
                {"relative_addend_outside_image",
                 "dynamic section: DT_RELA relocation 0 is RELATIVE to "
                 "0x7fff00000000, outside the object's loaded address range"},
                {"irelative_addend_outside_text",
                 format("dynamic section: DT_RELA relocation %llu is IRELATIVE "
                        "to 0x%llx, outside the executable segments",
                        last_rela,
                        (unsigned long long)good.segment(PT_DYNAMIC).p_vaddr)},
                {"symbol_outside_loads",
                 "dynamic section: symbol 'fixture_value' at 0x7fff00000000 "
                 "is outside the loaded segments"},
                {"symbol_name_not_printable",
                 "dynamic section: symbol 'fi?ture_value' at 0x7fff00000000 "
                 "is outside the loaded segments"},
                {"function_symbol_outside_text",
                 format("dynamic section: function symbol 'fixture_value' at "
                        "0x%llx is outside the executable segments",
                        (unsigned long long)good.segment(PT_DYNAMIC).p_vaddr)},
                {"sysv_hash_chain_outside_symtab",
                 format("dynamic section: DT_HASH chain of symbol %u names "
                        "symbol %u, outside the %u symbols of the table",
                        nchain - 1,
                        nchain,
                        nchain)},
                {"undefined_symbol_hidden",
                 "dynamic section: undefined symbol '__gmon_start__' is not "
                 "global with default visibility (binding 2, visibility 2)"},
                {"undefined_symbol_local",
                 "dynamic section: undefined symbol '__gmon_start__' is not "
                 "global with default visibility (binding 0, visibility 0)"},
                {"glob_dat_without_symbol",
                 "dynamic section: DT_RELA relocation * fills a GOT or PLT "
                 "slot (type *) without naming a symbol"},
                {"glob_dat_slot_unaligned",
                 "dynamic section: DT_RELA relocation * fills a GOT or PLT "
                 "slot at 0x*, which is not 8-byte aligned"},
                {"jmprel_slot_unaligned",
                 "dynamic section: DT_JMPREL relocation 0 fills a GOT or PLT "
                 "slot at 0x*, which is not 8-byte aligned"},
                {"pltrelsz_partial_entry",
                 format("dynamic section: DT_PLTRELSZ is %llu, not a whole "
                        "number of %zu-byte entries",
                        good.dynamic(DT_PLTRELSZ) - 1,
                        sizeof(ElfW(Rela)))},
                {"eh_frame_segment_not_its_section",
                 "section * (.eh_frame_hdr) at 0x*, but PT_GNU_EH_FRAME "
                 "(segment *) at 0x*"},
                {"eh_frame_hdr_second_section",
                 "section *: a second .eh_frame_hdr"},
                {"eh_frame_hdr_version_2",
                 "PT_GNU_EH_FRAME (segment *): version 2, expected 1"},
                {"eh_frame_hdr_pointer_absolute",
                 "PT_GNU_EH_FRAME (segment *): .eh_frame pointer encoded as "
                 "0x0, not a 4-byte value"},
                {"eh_frame_hdr_table_encoding",
                 "PT_GNU_EH_FRAME (segment *): search table encoded as 0x3 "
                 "and 0x1b, not as linkers write it"},
                {"eh_frame_hdr_count_past_segments",
                 "PT_GNU_EH_FRAME (segment *): its search table of 268435456 "
                 "entries runs past the loaded segments"},
                {"eh_frame_hdr_unsorted",
                 "PT_GNU_EH_FRAME (segment *): search table entry 1 (0x*) is "
                 "below the one before it, the table is not sorted"},
                {"init_mid_function_eh_frame_segment_gone",
                 format("dynamic section: DT_INIT 0x%llx is not where an "
                        "executable section or a function of the unwind "
                        "table starts",
                        good.dynamic(DT_INIT) + 1)},
                {"fini_mid_function_eh_frame_segment_cut",
                 format("dynamic section: DT_FINI 0x%llx is not where an "
                        "executable section or a function of the unwind "
                        "table starts",
                        good.dynamic(DT_FINI) + 1)},
                {"symbol_zero_uncounted_name_outside_strtab",
                 "dynamic section: symbol 0 has its name outside the string "
                 "table"},
                {"reloc_symbol_past_hash_tables",
                 "dynamic section: DT_RELA relocation * names symbol '*', "
                 "defined but past the * symbols the hash tables hold"},
                {"sysv_hash_symbol_in_wrong_bucket",
                 "dynamic section: symbol '*ixture_value' is in DT_HASH "
                 "bucket *, its name hashes to bucket *"},
                {"sysv_hash_symbol_unchained",
                 "dynamic section: global symbol '*' is defined, but in no "
                 "DT_HASH chain"},
                {"plt_slot_not_relocated",
                 "section *: no relocation sets the PLT slot at 0x*, which "
                 "holds the link-time address 0x* of a stub in section *"},
                {"jmprel_without_pltgot",
                 "dynamic section: DT_JMPREL without DT_PLTGOT"},
                {"filter_string_outside_strtab",
                 "dynamic section: DT_FILTER string at offset 1095216660484 "
                 "is outside the string table or not terminated"},
                {"init_not_function_start",
                 format("dynamic section: DT_INIT 0x%llx is not where an "
                        "executable section or a function of the unwind "
                        "table starts",
                        good.dynamic(DT_INIT) + 1)},
                {"init_in_plt_stubs",
                 "dynamic section: DT_INIT 0x* is in section *, a table of "
                 "stubs, not a function"},
                {"init_array_not_its_section",
                 format("dynamic section: DT_INIT_ARRAY 0x%llx is not where a "
                        "section of type SHT_INIT_ARRAY starts",
                        good.dynamic(DT_FINI_ARRAY))},
                {"init_array_entry_got_slot",
                 "dynamic section: DT_RELA relocation * fills DT_INIT_ARRAY "
                 "entry 0 as a GOT or PLT slot (type *)"},
                {"init_array_entry_mid_function",
                 "dynamic section: DT_RELA relocation * sets DT_INIT_ARRAY "
                 "entry * to 0x*, inside the function at 0x* (unwind "
                 "table)"},
                {"init_array_entry_symbol_plus_addend",
                 "dynamic section: DT_RELA relocation * sets DT_INIT_ARRAY "
                 "entry * to symbol * plus 4, not where a function starts"},
                {"function_symbol_inside_function",
                 "dynamic section: function symbol 'fixture_value' at 0x* is "
                 "inside the function at 0x* (unwind table), not at its "
                 "start"},
                {"symbol_zero_not_empty",
                 "dynamic section: symbol 0 (STN_UNDEF) is not all zeros"},
                {"undefined_symbol_with_value",
                 "dynamic section: undefined symbol '__gmon_start__' has the "
                 "value 0x100000, which would make it a definition"},
                {"glob_dat_with_addend",
                 "dynamic section: DT_RELA relocation * fills a GOT or PLT "
                 "slot with its symbol's address plus 788529152, but that "
                 "type takes no addend"},
                {"jmprel_not_plt_type",
                 "dynamic section: DT_JMPREL relocation 0 has type *, not a "
                 "PLT relocation"},
                {"jmprel_slot_reserved",
                 "dynamic section: DT_JMPREL relocation 0 fills 0x*, below "
                 "the next free PLT slot 0x*"},
                {"reloc_writes_dynamic",
                 format("dynamic section: DT_RELA relocation 0 writes into "
                        "the dynamic section, at 0x%llx",
                        (unsigned long long)good.segment(PT_DYNAMIC).p_vaddr)},
                {"text_segment_zero_filled",
                 "PT_LOAD segment *: executable and read-only, and p_memsz "
                 "(*) larger than p_filesz (*) leaves code of zeros"},
                {"text_segment_zero_filled_writable",
                 "dynamic section: DT_FINI 0x* is past the bytes its segment "
                 "maps from the file, in zeros"},
                {"function_symbol_in_zero_filled_code",
                 "dynamic section: function symbol 'fixture_value' at 0x* is "
                 "past the bytes its segment maps from the file, in zeros"},
                {"section_past_segment_file_bytes",
                 "section *: [0x*, +*) runs past the bytes its segment maps "
                 "from the file, into zeros"},
                {"load_segment_no_rights",
                 "PT_LOAD segment *: neither readable nor executable (p_flags "
                 "0x0)"},
                {"section_headers_past_end",
                 "section headers: table at offset * entries) extends past "
                 "the end of the image (* bytes), is it truncated?"},
                {"section_header_size_wrong",
                 format("section headers: e_shentsize is 40, expected %zu",
                        sizeof(ElfW(Shdr)))},
                {"section_code_not_executable",
                 "section *: * is not inside a loaded segment that is "
                 "executable"},
                {"section_offset_mismatch",
                 "section *: its bytes at offset * are not what the segments "
                 "map at 0x*"},
                {"relro_covers_bss",
                 "section *: zero-initialised data at 0x* is made read-only "
                 "by PT_GNU_RELRO"},
                {"tls_symbol_without_tls_segment",
                 "dynamic section: thread-local symbol 'fixture_value', but "
                 "no PT_TLS segment"},
                {"tls_symbol_outside_tls_block",
                 "dynamic section: thread-local symbol 'fixture_value' at "
                 "offset 4096 is outside the PT_TLS block (16 bytes)"},
                {"tls_section_without_tls_segment",
                 "section *: thread-local data, but no PT_TLS segment"},
                {"tls_reloc_without_tls_segment",
                 "dynamic section: DT_RELA relocation 0 refers to the "
                 "object's thread-local storage, but there is no PT_TLS "
                 "segment"},
                {"tls_reloc_names_plain_symbol",
                 "dynamic section: DT_RELA relocation * has the "
                 "thread-local type *, but names symbol '*', which is not "
                 "thread-local"},
                {"tls_align_zero",
                 "PT_TLS: p_align is 0, which glibc divides by to place the "
                 "block"},
                {"tls_reloc_with_empty_tls_segment",
                 "dynamic section: DT_RELA relocation 0 refers to the "
                 "object's thread-local storage, but there is no PT_TLS "
                 "segment"},
                {"glob_dat_names_tls_symbol",
                 "dynamic section: DT_RELA relocation * fills a GOT or PLT "
                 "slot (type *) with the thread-local symbol "
                 "'__gmon_start__'"},
                {"sysv_hash_chain_loops",
                 format("dynamic section: DT_HASH chains enter symbol %u "
                        "twice, a chain may not end",
                        nchain - 1)},
        };
        all.erase(std::remove_if(all.begin(),
                                 all.end(),
                                 [](const BrokenCase &c) {
                                     return !rule_holds_on_this_host(c.fixture);
                                 }),
                  all.end());
        return all;
    }();
    return cases;
}

// A rule's expected message is the start of the message; with a '*', a
// pattern for all of it (each '*' standing for a value that depends on how
// the host's toolchain laid the fixture out).
bool matches_rule_message(const std::string &message,
                          const std::string &expected) {
    if (expected.find('*') != std::string::npos)
        return fnmatch(expected.c_str(), message.c_str(), FNM_NOESCAPE) == 0;
    return message.rfind(expected, 0) == 0;
}

std::string validate(const std::vector<unsigned char> &image, int *rc) {
    char err[512];
    std::memset(err, 'x', sizeof err);
    *rc = erts_dlopen_mem_validate(image.data(), image.size(), err, sizeof err);
    return err;
}

class BrokenFixture : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenFixture, IsRefusedWithItsRulesMessage) {
    const BrokenCase &c = GetParam();
    auto image = read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/" +
                           c.fixture + ".so");
    ASSERT_FALSE(image.empty()) << "missing fixture " << c.fixture;
    int rc;
    std::string message = validate(image, &rc);
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_TRUE(matches_rule_message(message, c.message))
            << "message: " << message;
}

TEST_P(BrokenFixture, IsRefusedByTheLoaderBeforeTheKernelSeesIt) {
    const BrokenCase &c = GetParam();
    auto image = read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/" +
                           c.fixture + ".so");
    ASSERT_FALSE(image.empty());
    void *handle = reinterpret_cast<void *>(0x1);
    char err[512];
    size_t fds_before = open_fd_count();
    auto shm_before = list_dir("/dev/shm");
    EXPECT_EQ(erts_dlopen_mem(image.data(),
                              image.size(),
                              c.fixture,
                              &handle,
                              err,
                              sizeof err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(handle, nullptr);
    EXPECT_TRUE(matches_rule_message(err, c.message)) << "message: " << err;
    EXPECT_EQ(open_fd_count(), fds_before);
    EXPECT_EQ(list_dir("/dev/shm"), shm_before);
}

INSTANTIATE_TEST_SUITE_P(EveryRule,
                         BrokenFixture,
                         ::testing::ValuesIn(broken_cases()),
                         [](const auto &info) {
                             return std::string(info.param.fixture);
                         });

// Every broken fixture the generator wrote has a row above.
TEST(BrokenFixtures, EachGeneratedFixtureHasACase) {
    auto files = list_dir(ERTS_BROKEN_FIXTURE_DIR);
    size_t so_files = 0;
    for (const auto &f : files) {
        if (f.size() < 3 || f.compare(f.size() - 3, 3, ".so") != 0)
            continue;
        so_files++;
        std::string name = f.substr(0, f.size() - 3);
        bool found = std::any_of(broken_cases().begin(),
                                 broken_cases().end(),
                                 [&](const BrokenCase &c) {
                                     return name == c.fixture;
                                 });
        EXPECT_TRUE(found) << "no test case for broken fixture " << f;
    }
    EXPECT_EQ(so_files, broken_cases().size());
}

#if defined(__x86_64__) && defined(__LP64__)
// Each image the differential fuzzer found killing the loader (x86_64
// images, in test/fuzz/regressions) is refused, with its rule's message.
TEST(FuzzRegressions, EachIsRefusedWithItsRulesMessage) {
    const struct {
        const char *file, *message;
    } cases[] = {
            {"dynamic_offset_mismatch_crashed_dlopen.bin",
             "PT_DYNAMIC (segment 4): p_offset and p_vaddr point at "
             "different bytes"},
            {"fini_array_entry_mid_function_crashed_dlopen.bin",
             "dynamic section: DT_RELA relocation 1 sets DT_FINI_ARRAY "
             "entry 0 to 0x1040, inside the function at 0x1020 (unwind "
             "table)"},
            {"fini_array_not_its_section_crashed_dlopen.bin",
             "dynamic section: DT_FINI_ARRAY 0x1f6d0 is not where a "
             "section of type SHT_FINI_ARRAY starts"},
            {"filter_string_outside_strtab_crashed_dlopen.bin",
             "dynamic section: DT_FILTER string at offset 1095216660484 "
             "is outside the string table or not terminated"},
            {"fini_mid_function_eh_frame_segment_cut_crashed_dlopen.bin",
             "dynamic section: DT_FINI 0x1219 is not where an executable "
             "section or a function of the unwind table starts"},
            {"fini_mid_function_eh_frame_segment_gone_crashed_dlopen.bin",
             "dynamic section: DT_FINI 0x1200 is not where an executable "
             "section or a function of the unwind table starts"},
            {"function_symbol_inside_function_crashed_dlopen.bin",
             "dynamic section: function symbol 'nif_init' at 0x1200 is "
             "inside the function at 0x11b0 (unwind table), not at its "
             "start"},
            {"tlsdesc_names_function_crashed_dlopen.bin",
             "dynamic section: DT_JMPREL relocation 5 has the thread-local "
             "type 36, but names symbol 'enif_realloc_binary', which is not "
             "thread-local"},
            {"glob_dat_with_addend_crashed_dlopen.bin",
             "dynamic section: DT_JMPREL relocation 4 fills a GOT or PLT "
             "slot with its symbol's address plus 16711680, but that "
             "type takes no addend"},
            {"init_array_entry_got_slot_crashed_dlopen.bin",
             "dynamic section: DT_RELA relocation 18 fills DT_INIT_ARRAY "
             "entry 0 as a GOT or PLT slot (type 6)"},
            {"init_in_plt_stubs_crashed_dlopen.bin",
             "dynamic section: DT_INIT 0x1020 is in section 9, a table "
             "of stubs, not a function"},
            {"init_not_function_start_crashed_dlopen.bin",
             "dynamic section: DT_INIT 0x1008 is not where an executable "
             "section or a function of the unwind table starts"},
            {"irelative_addend_outside_text_crashed_dlopen.bin",
             "dynamic section: DT_RELA relocation 7 is IRELATIVE to "
             "0x3df8, outside the executable segments"},
            {"jump_slot_moved_onto_another_crashed_dlopen.bin",
             "dynamic section: DT_JMPREL relocation 28 fills 0x60a0, "
             "below the next free PLT slot 0x60e0"},
            {"jmprel_without_pltgot_crashed_dlopen.bin",
             "dynamic section: DT_JMPREL without DT_PLTGOT"},
            {"plt_slot_not_relocated_crashed_dlopen.bin",
             "section 24: no relocation sets the PLT slot at 0x6100, which "
             "holds the link-time address 0x2236 of a stub in section 11"},
            {"pltrelsz_partial_entry_crashed_dlopen.bin",
             "dynamic section: DT_PLTRELSZ is 829, not a whole number of "
             "24-byte entries"},
            {"reloc_symbol_past_hash_tables_crashed_dlopen.bin",
             "dynamic section: DT_RELA relocation 16 names symbol "
             "'_ZNSt3mapINSt7__cxx1112basic_stringIcSt11char_"
             "traitsIcESaIcEEEiS', "
             "defined but past the 47 symbols the hash tables hold"},
            {"relacount_too_large_crashed_dlopen.bin",
             "dynamic section: DT_RELACOUNT is 5, but DT_RELA starts "
             "with 4 RELATIVE relocations"},
            {"relative_addend_outside_image_crashed_dlopen.bin",
             "dynamic section: DT_RELA relocation 0 is RELATIVE to "
             "0x7fff00000000, outside the object's loaded address range"},
            {"reloc_symbol_out_of_range_crashed_dlopen.bin",
             "dynamic section: DT_JMPREL relocation 0 names symbol "
             "16777215, outside the symbol table or with its name "
             "outside the string table"},
            {"sysv_hash_symbol_in_wrong_bucket_crashed_dlopen.bin",
             "dynamic section: symbol "
             "'_ZNSt3mapINSt7__cxx1112basic_stringIcSt11char_"
             "traitsIcESaIcEEEiS' "
             "is in DT_HASH bucket 17, its name hashes to bucket 20"},
            {"symbol_name_not_printable_in_message.bin",
             "dynamic section: symbol 'fi?ture_value' at 0x7fff00000000 "
             "is outside the loaded segments"},
            {"symbol_zero_not_empty_crashed_dlopen.bin",
             "dynamic section: symbol 0 (STN_UNDEF) is not all zeros"},
            {"text_segment_zero_filled_crashed_dlopen.bin",
             "PT_LOAD segment 1: executable and read-only, and p_memsz (545) "
             "larger than p_filesz (289) leaves code of zeros"},
            {"text_segment_zero_filled_writable_crashed_dlopen.bin",
             "dynamic section: function symbol 'create_engine_mutex' at "
             "0x12a80 is past the bytes its segment maps from the file, in "
             "zeros"},
            {"undefined_symbol_with_value_crashed_dlopen.bin",
             "dynamic section: undefined symbol 'enif_make_string' has "
             "the value 0x1000000, which would make it a definition"},
            {"vernaux_chain_past_vn_cnt_crashed_dlopen.bin",
             "dynamic section: DT_VERNEED record for 'libstdc??.so.6' "
             "chains more than its 5 (vn_cnt) versions"},
            {"versym_index_undefined_crashed_dlopen.bin",
             "dynamic section: symbol 2 has version index 2, which no "
             "version record defines"},
            {"versym_of_unhashed_symbol_crashed_dlopen.bin",
             "dynamic section: symbol 1 has version index 23809, the "
             "version records give up to 3"},
    };
    size_t files = 0;
    for (const auto &f : list_dir(ERTS_FUZZ_REGRESSION_DIR))
        files += f.size() > 4 && f.compare(f.size() - 4, 4, ".bin") == 0;
    EXPECT_EQ(files, sizeof cases / sizeof cases[0])
            << "a regression image without a case here";
    for (const auto &c : cases) {
        auto image =
                read_file(std::string(ERTS_FUZZ_REGRESSION_DIR) + "/" + c.file);
        ASSERT_FALSE(image.empty()) << c.file;
        int rc;
        EXPECT_EQ(validate(image, &rc), c.message) << c.file;
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE) << c.file;
    }
}
#endif

TEST(Validate, AcceptsRealSharedObjects) {
    for (const char *name : {"fixture_a.so",
                             "fixture_b.so",
                             "fixture_cxx_a.so",
                             "fixture_16m.so",
                             "fixture_init_option.so",
                             "fixture_omagic.so",
                             "fixture_nmagic.so",
                             "fixture_unresolved.so"}) {
        int rc;
        std::string message = validate(read_fixture(name), &rc);
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << name << ": " << message;
        EXPECT_EQ(message, "") << name;
    }
}

// The files of the shared objects this process runs on (libc, libm,
// libstdc++, libgcc_s, the dynamic linker...), whatever the architecture and
// the directories they live in.
std::vector<std::string> loaded_object_files() {
    std::vector<std::string> paths;
    dl_iterate_phdr(
            [](struct dl_phdr_info *info, size_t, void *data) {
                // The executable has an empty name, the vDSO one without a '/':
                // neither is a file to read.
                if (info->dlpi_name && std::strchr(info->dlpi_name, '/'))
                    static_cast<std::vector<std::string> *>(data)->push_back(
                            info->dlpi_name);
                return 0;
            },
            &paths);
    return paths;
}

TEST(Validate, AcceptsTheSystemsOwnLibraries) {
    // Objects built by other toolchains and flags than the fixtures.
    size_t checked = 0;
    for (const std::string &path : loaded_object_files()) {
        auto image = read_file(path);
        ASSERT_FALSE(image.empty()) << "cannot read " << path;
        int rc;
        std::string message = validate(image, &rc);
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << path << ": " << message;
        checked++;
    }
    // At least libc, libm, libstdc++ and the dynamic linker.
    EXPECT_GE(checked, 4u);
}

// The highest EI_ABIVERSION the validator accepts with ELFOSABI_GNU is the
// highest this host's dynamic linker loads (glibc's LIBC_ABI_MAX - 1), asked
// of the dynamic linker itself.
TEST(Validate, GnuAbiVersionLimitIsTheDynamicLinkers) {
    ScopedTmpdir tmp;
    auto image = read_fixture("fixture_a.so");
    ASSERT_GT(image.size(), sizeof(Ehdr));
    image[EI_OSABI] = ELFOSABI_GNU;
    unsigned limit = 0;
    for (; limit < 256; limit++) {
        // A path of its own for each version: glibc matches loaded objects
        // by path.
        std::string path = tmp.path() + "/v" + std::to_string(limit) + ".so";
        image[EI_ABIVERSION] = static_cast<unsigned char>(limit);
        std::ofstream(path, std::ios::binary)
                .write(reinterpret_cast<const char *>(image.data()),
                       static_cast<std::streamsize>(image.size()));
        void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        std::string refusal = h ? "" : dlerror();
        unlink(path.c_str());
        if (!h) {
            EXPECT_NE(refusal.find("ELF file ABI version invalid"),
                      std::string::npos)
                    << refusal;
            break;
        }
        dlclose(h);
    }
    ASSERT_GT(limit, 0u);
    ASSERT_LT(limit, 256u);
    int rc;
    for (unsigned v = 0; v < limit; v++) {
        image[EI_ABIVERSION] = static_cast<unsigned char>(v);
        EXPECT_EQ(validate(image, &rc), "") << "ABI version " << v;
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK);
    }
    image[EI_ABIVERSION] = static_cast<unsigned char>(limit);
    EXPECT_EQ(validate(image, &rc),
              format("ELF header: ABI version %u with OS ABI ELFOSABI_GNU, "
                     "this host's dynamic "
                     "linker knows up to %u",
                     limit,
                     limit - 1));
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}

// Layouts a linker may write, made by editing fixture_a.so (a custom linker
// script without PT_GNU_EH_FRAME, a PLT relocation in DT_RELA): accepted,
// and they load and run.
TEST(Validate, AcceptsLayoutsLinkersMayWrite) {
    const std::string dir = std::string(ERTS_BROKEN_FIXTURE_DIR) + "/accepted";
    size_t layouts = 0;
    for (const auto &f : list_dir(dir)) {
        auto image = read_file(dir + "/" + f);
        int rc;
        EXPECT_EQ(validate(image, &rc), "") << f;
        EXPECT_EQ(rc, ERTS_DLOPEN_MEM_OK) << f;
        void *h = nullptr;
        char err[256];
        ASSERT_EQ(load_image(image, f.c_str(), &h, err), ERTS_DLOPEN_MEM_OK)
                << f << ": " << err;
        EXPECT_EQ(call_fixture_value(h), 1) << f;
        EXPECT_EQ(erts_dlclose_mem(h), ERTS_DLOPEN_MEM_OK);
        layouts++;
    }
    EXPECT_EQ(layouts, 2u);
}

#if defined(__x86_64__)
// In the one RWX segment of ld -N (fixture_omagic.so), no function the
// dynamic linker calls may start in the zeros after the file's bytes: an
// IFUNC resolver neither (R_X86_64_IRELATIVE, called while relocating).
TEST(Validate, RefusesAnIfuncResolverInTheZerosOfAWritableCodeSegment) {
    auto image = read_fixture("fixture_omagic.so");
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    ElfW(Phdr) load{}, dynamic{};
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        std::memcpy(&ph, image.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && load.p_type != PT_LOAD)
            load = ph;
        if (ph.p_type == PT_DYNAMIC)
            dynamic = ph;
    }
    ASSERT_EQ(load.p_flags, PF_R | PF_W | PF_X);
    ASSERT_GT(load.p_memsz, load.p_filesz);
    auto offset = [&](ElfW(Addr) vaddr) {
        return vaddr - load.p_vaddr + load.p_offset;
    };
    ElfW(Addr) rela = 0;
    ElfW(Xword) relasz = 0, relacount = 0;
    for (size_t at = dynamic.p_offset;
         at + sizeof(ElfW(Dyn)) <= dynamic.p_offset + dynamic.p_filesz;
         at += sizeof(ElfW(Dyn))) {
        ElfW(Dyn) d;
        std::memcpy(&d, image.data() + at, sizeof d);
        if (d.d_tag == DT_RELA)
            rela = d.d_un.d_ptr;
        if (d.d_tag == DT_RELASZ)
            relasz = d.d_un.d_val;
        if (d.d_tag == DT_RELACOUNT)
            relacount = d.d_un.d_val;
    }
    ASSERT_NE(rela, 0u);
    // The first relocation after the counted RELATIVE ones, whatever it is.
    ASSERT_LT(relacount, relasz / sizeof(ElfW(Rela)));
    size_t at = offset(rela) + relacount * sizeof(ElfW(Rela));
    ElfW(Rela) r;
    std::memcpy(&r, image.data() + at, sizeof r);
    ElfW(Addr) zeros = load.p_vaddr + load.p_filesz;
    r.r_info = ELF64_R_INFO(0, R_X86_64_IRELATIVE);
    r.r_addend = (ElfW(Sxword))zeros;
    std::memcpy(image.data() + at, &r, sizeof r);
    int rc;
    EXPECT_EQ(validate(image, &rc),
              format("dynamic section: DT_RELA relocation %llu is IRELATIVE "
                     "to 0x%llx, past the bytes its segment maps from the "
                     "file, in zeros",
                     (unsigned long long)relacount,
                     (unsigned long long)zeros));
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}
#endif

TEST(Validate, RefusesAnExecutable) {
    int rc;
    EXPECT_EQ(validate(read_fixture("fixture_executable"), &rc),
              "ELF header: an executable (ET_EXEC), not a shared object");
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}

TEST(Validate, RefusesAPositionIndependentExecutable) {
    int rc;
    EXPECT_EQ(validate(read_fixture("fixture_pie"), &rc),
              "dynamic section: a position-independent executable (DF_1_PIE), "
              "not a shared object");
    EXPECT_EQ(rc, ERTS_DLOPEN_MEM_BAD_IMAGE);
}

TEST(Validate, RefusesEmptyAndNull) {
    char err[128];
    EXPECT_EQ(erts_dlopen_mem_validate(nullptr, 0, err, sizeof err),
              ERTS_DLOPEN_MEM_BAD_IMAGE);
    EXPECT_EQ(std::string(err),
              format("ELF header: image too small (0 bytes, an ELF header "
                     "needs %zu)",
                     sizeof(Ehdr)));
    EXPECT_EQ(erts_dlopen_mem_validate(nullptr, 100, err, sizeof err),
              ERTS_DLOPEN_MEM_BADARG);
    EXPECT_STREQ(err, "no image (NULL pointer)");
}

TEST(Validate, MessageBufferIsBoundedAndOptional) {
    auto image =
            read_file(std::string(ERTS_BROKEN_FIXTURE_DIR) + "/bad_magic.so");
    char small[8];
    std::memset(small, 'x', sizeof small);
    EXPECT_EQ(erts_dlopen_mem_validate(image.data(),
                                       image.size(),
                                       small,
                                       sizeof small),
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
    EXPECT_EQ(erts_dlopen_mem_validate(shifted.data() + 3,
                                       image.size(),
                                       err,
                                       sizeof err),
              ERTS_DLOPEN_MEM_OK)
            << err;
}

// glibc raises SIGBUS when a mapped segment extends past the end of the file:
// every cut inside the PT_LOAD file ranges must be refused by validation, and
// so is every cut after them, which leaves the section header table short.
TEST(Validate, EveryTruncationOfTheMappedPartIsRefused) {
    auto image = read_fixture("fixture_a.so");
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    size_t end_of_loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        std::memcpy(&ph, image.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD)
            end_of_loads =
                    std::max<size_t>(end_of_loads, ph.p_offset + ph.p_filesz);
    }
    ASSERT_GT(end_of_loads, 4096u);
    ASSERT_LT(end_of_loads, image.size());
    char err[256];
    for (size_t cut = 0; cut < end_of_loads; cut++)
        ASSERT_EQ(erts_dlopen_mem_validate(image.data(), cut, err, sizeof err),
                  ERTS_DLOPEN_MEM_BAD_IMAGE)
                << "cut at " << cut;
    for (size_t cut = end_of_loads; cut < image.size(); cut += 97) {
        ASSERT_EQ(erts_dlopen_mem_validate(image.data(), cut, err, sizeof err),
                  ERTS_DLOPEN_MEM_BAD_IMAGE)
                << "cut at " << cut;
        EXPECT_EQ(
                std::string(err).rfind("section headers: table at offset ", 0),
                0u)
                << err;
    }
    void *handle = nullptr;
    ASSERT_EQ(erts_dlopen_mem(image.data(),
                              image.size(),
                              "whole",
                              &handle,
                              err,
                              sizeof err),
              ERTS_DLOPEN_MEM_OK)
            << err;
    EXPECT_EQ(call_fixture_value(handle), 1);
    EXPECT_EQ(erts_dlclose_mem(handle), ERTS_DLOPEN_MEM_OK);
}

} // namespace
