// SPDX-License-Identifier: Apache-2.0
//
// load_mutation_run [--mutations N] [--random-seed S] [--max-edits K]
//                   [--regions NAME,...] [--code] [--findings DIR]
//                   [--print-regions | --print-reference-fields] LIBRARY.so...
//
// The counting run of the differential fuzzer: for each library, N mutants,
// each loaded through load_in_child when validation accepts it, and a table
// of what happened. A mutant is the library cut short (one in eight) or with
// 1 to K (8) bytes edited in what the dynamic linker and erts read: the ELF
// header, the program headers, the dynamic section, the relocation, symbol,
// hash, string and version tables, and the NIF entry with its function table.
// With --code, the edits go to the executable sections instead: native code
// that no validator can judge, measured apart (every kill is counted as a
// code kill; outside --code, every kill is a finding). --regions keeps the
// edits to the regions named ("ELF header", "program headers", "nif entry",
// "nif functions", or a section name such as .gnu.hash). --print-regions prints
// them instead, "OFFSET SIZE NAME" a line (test/e2e/torture_test.escript
// mutates the same bytes in a running VM). --print-reference-fields prints,
// the same way, the fields that only say where a reference goes: each
// relocation's offset, symbol and addend, each dynamic symbol's value and
// type (st_info), and the values of DT_INIT and DT_FINI (the out-of-scope
// class).
//
// Each kill and hang is counted under whose code was running (the child's
// fault handler says: the library, the dynamic linker, or erts, which this
// program stands for; fault_owner.h) and what the edit touched: only
// fields that say where a reference goes ("rebinding", the fields
// --print-reference-fields lists), anything else, or a truncation. A death
// after edits of both kinds that the rebinding edits alone reproduce is
// counted as theirs ("rebinding edit among others") when they alone die the
// same death. A death the child did not report (a sanitizer's exit, an ld.so
// assertion) is always a finding. Out of the validator's scope: a death in
// the library's own code, and a death or hang after a rebinding edit
// anywhere but in erts: such a library runs astray in its own code, or
// gives the dynamic linker what a library built that way would
// (docs/design.md). e2e.torture's rule is the same but for deaths at an
// address of no file, which in a VM may be the JIT's code.
// Outside --code, any other kill, hang or ld.so assertion is a finding: it
// is written to DIR (if given) and the exit status is 1.

#include "load_in_child.h"

#include <erl_nif.h>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

struct Region {
    size_t offset, size;
    std::string name;
};

std::vector<uint8_t> read_file(const char *path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in),
            std::istreambuf_iterator<char>()};
}

size_t file_offset_of(const std::vector<uint8_t> &image, uintptr_t vaddr) {
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        std::memcpy(&ph, image.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
            vaddr < ph.p_vaddr + ph.p_filesz)
            return vaddr - ph.p_vaddr + ph.p_offset;
    }
    return SIZE_MAX;
}

// The ErlNifEntry and its function table, found by calling the unmodified
// library's nif_init in this process.
void add_entry_regions(const char *path,
                       const std::vector<uint8_t> &image,
                       std::vector<Region> &regions) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    void *init = handle ? dlsym(handle, "nif_init") : nullptr;
    struct link_map *map = nullptr;
    if (!init || dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0)
        return;
    auto *entry = reinterpret_cast<ErlNifEntry *(*)(void)>(init)();
    auto add = [&](const void *p, size_t size, const char *name) {
        size_t offset =
                file_offset_of(image,
                               reinterpret_cast<uintptr_t>(p) - map->l_addr);
        if (offset != SIZE_MAX && offset + size <= image.size())
            regions.push_back({offset, size, name});
    };
    add(entry, sizeof *entry, "nif entry");
    add(entry->funcs,
        sizeof(ErlNifFunc) * entry->num_of_funcs,
        "nif functions");
}

std::vector<Region> regions_of(const char *path,
                               const std::vector<uint8_t> &image,
                               bool code) {
    std::vector<Region> regions;
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    if (!code) {
        regions.push_back({0, sizeof eh, "ELF header"});
        regions.push_back({eh.e_phoff,
                           eh.e_phnum * sizeof(ElfW(Phdr)),
                           "program headers"});
        add_entry_regions(path, image, regions);
    }
    std::vector<ElfW(Shdr)> sections(eh.e_shnum);
    std::memcpy(sections.data(),
                image.data() + eh.e_shoff,
                eh.e_shnum * sizeof(ElfW(Shdr)));
    const char *names = reinterpret_cast<const char *>(image.data()) +
                        sections[eh.e_shstrndx].sh_offset;
    for (const ElfW(Shdr) & sh : sections) {
        bool wanted;
        if (code) {
            wanted =
                    (sh.sh_flags & SHF_EXECINSTR) && sh.sh_type == SHT_PROGBITS;
        } else {
            switch (sh.sh_type) {
            case SHT_DYNAMIC:
            case SHT_RELA:
            case SHT_REL:
            case SHT_RELR:
            case SHT_DYNSYM:
            case SHT_HASH:
            case SHT_GNU_HASH:
            case SHT_GNU_versym:
            case SHT_GNU_verdef:
            case SHT_GNU_verneed:
                wanted = true;
                break;
            case SHT_STRTAB:
                wanted = (sh.sh_flags & SHF_ALLOC) != 0; // .dynstr
                break;
            default:
                wanted = false;
            }
        }
        if (wanted && sh.sh_size > 0)
            regions.push_back({sh.sh_offset, sh.sh_size, names + sh.sh_name});
    }
    return regions;
}

// The fields of a little-endian image that only say where a reference goes.
std::vector<Region> reference_fields_of(const std::vector<uint8_t> &image) {
    std::vector<Region> fields;
    ElfW(Ehdr) eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    // r_info's symbol: above the type byte (ELF32) or word (ELF64).
    const size_t sym_at = sizeof(ElfW(Addr)) == 8 ? 4 : 1;
    const size_t sym_size = sizeof(ElfW(Addr)) == 8 ? 4 : 3;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        ElfW(Shdr) sh;
        std::memcpy(&sh, image.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
        auto each = [&](size_t entry_size, auto add) {
            for (size_t at = sh.sh_offset;
                 at + entry_size <= sh.sh_offset + sh.sh_size;
                 at += entry_size)
                add(at);
        };
        auto relocation = [&](size_t at) {
            fields.push_back({at, sizeof(ElfW(Addr)), "r_offset"});
            fields.push_back({at + offsetof(ElfW(Rela), r_info) + sym_at,
                              sym_size,
                              "r_info symbol"});
        };
        switch (sh.sh_type) {
        case SHT_RELA:
            each(sizeof(ElfW(Rela)), [&](size_t at) {
                relocation(at);
                fields.push_back({at + offsetof(ElfW(Rela), r_addend),
                                  sizeof(ElfW(Sxword)),
                                  "r_addend"});
            });
            break;
        case SHT_REL:
            each(sizeof(ElfW(Rel)), relocation);
            break;
        case SHT_DYNSYM:
            each(sizeof(ElfW(Sym)), [&](size_t at) {
                fields.push_back({at + offsetof(ElfW(Sym), st_value),
                                  sizeof(ElfW(Addr)),
                                  "st_value"});
                // Type and binding: which definition a lookup takes.
                fields.push_back(
                        {at + offsetof(ElfW(Sym), st_info), 1, "st_info"});
            });
            break;
        case SHT_DYNAMIC:
            each(sizeof(ElfW(Dyn)), [&](size_t at) {
                ElfW(Dyn) d;
                std::memcpy(&d, image.data() + at, sizeof d);
                if (d.d_tag == DT_INIT || d.d_tag == DT_FINI)
                    fields.push_back({at + offsetof(ElfW(Dyn), d_un),
                                      sizeof(ElfW(Addr)),
                                      "DT_INIT/DT_FINI value"});
            });
            break;
        default:
            break;
        }
    }
    return fields;
}

struct Tally {
    std::map<LoadOutcome, unsigned long> outcomes;
    std::map<std::string, unsigned long> findings_by_region;
    std::map<std::string, unsigned long> deaths; // by owner and edit class
};

enum class EditClass { truncation, rebinding, rebinding_among_others, other };

const char *edit_class_name(EditClass c) {
    switch (c) {
    case EditClass::truncation:
        return "truncation";
    case EditClass::rebinding:
        return "rebinding edit";
    case EditClass::rebinding_among_others:
        return "rebinding edit among others";
    case EditClass::other:
        break;
    }
    return "other edit";
}

bool in_fields(size_t at, const std::vector<Region> &fields) {
    return std::any_of(fields.begin(), fields.end(), [at](const Region &f) {
        return at >= f.offset && at < f.offset + f.size;
    });
}

// rebinding when every edited byte lies in a field that only says where a
// reference goes.
EditClass edit_class(bool truncated,
                     const std::vector<size_t> &edited,
                     const std::vector<Region> &reference_fields) {
    if (truncated)
        return EditClass::truncation;
    for (size_t at : edited)
        if (!in_fields(at, reference_fields))
            return EditClass::other;
    return EditClass::rebinding;
}

// A death after edits of reference fields and others may be the rebinding
// edits' alone: the original with only those bytes edited, loaded again.
// Whether that dies the same death: the same way, in the same owner's code.
bool same_death_by_rebinding_alone(
        const LoadVerdict &death,
        const std::vector<uint8_t> &original,
        const std::vector<uint8_t> &mutant,
        const std::vector<size_t> &edited,
        const std::vector<Region> &reference_fields) {
    std::vector<uint8_t> alone = original;
    bool any = false;
    for (size_t at : edited)
        if (in_fields(at, reference_fields)) {
            alone[at] = mutant[at];
            any = true;
        }
    if (!any)
        return false;
    LoadVerdict v = load_in_child(alone.data(), alone.size());
    return v.outcome == death.outcome && v.signal == death.signal &&
           v.reported && death.reported && v.owner == death.owner;
}

// What the validator does not answer for: a death in the library's own
// code, and a death or hang after a rebinding edit anywhere but in erts,
// which must read every entry safely.
bool out_of_scope(const LoadVerdict &v, EditClass c) {
    if (!v.reported)
        return false; // whose code it was is not known
    if (v.outcome == LoadOutcome::killed && v.owner == FAULT_OWNER_LIBRARY)
        return true;
    return (v.outcome == LoadOutcome::killed ||
            v.outcome == LoadOutcome::hung) &&
           c == EditClass::rebinding && v.owner != FAULT_OWNER_ERTS;
}

} // namespace

int main(int argc, char **argv) {
    unsigned long mutations = 10000;
    unsigned long random_seed = 1;
    unsigned max_edits = 8;
    bool code = false, print_regions = false, print_reference_fields = false;
    std::string findings_dir, only_regions;
    std::vector<const char *> libraries;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--mutations" && i + 1 < argc)
            mutations = std::strtoul(argv[++i], nullptr, 10);
        else if (arg == "--random-seed" && i + 1 < argc)
            random_seed = std::strtoul(argv[++i], nullptr, 10);
        else if (arg == "--max-edits" && i + 1 < argc)
            max_edits = std::max(1ul, std::strtoul(argv[++i], nullptr, 10));
        else if (arg == "--regions" && i + 1 < argc)
            only_regions = "," + std::string(argv[++i]) + ",";
        else if (arg == "--print-regions")
            print_regions = true;
        else if (arg == "--print-reference-fields")
            print_reference_fields = true;
        else if (arg == "--code")
            code = true;
        else if (arg == "--findings" && i + 1 < argc)
            findings_dir = argv[++i];
        else if (arg[0] != '-')
            libraries.push_back(argv[i]);
        else {
            std::fprintf(stderr,
                         "load_mutation_run: unknown option %s\n",
                         argv[i]);
            return 2;
        }
    }
    if (libraries.empty()) {
        std::fprintf(stderr,
                     "usage: load_mutation_run [--mutations N] "
                     "[--random-seed S] [--code] [--findings DIR] "
                     "LIBRARY.so...\n");
        return 2;
    }

    std::mt19937_64 rng(random_seed);
    unsigned long total_findings = 0;
    for (const char *path : libraries) {
        std::vector<uint8_t> original = read_file(path);
        if (original.size() < sizeof(ElfW(Ehdr)) ||
            load_in_child(original.data(), original.size()).outcome !=
                    LoadOutcome::loaded) {
            std::fprintf(stderr,
                         "load_mutation_run: %s: the unmodified "
                         "library does not load\n",
                         path);
            return 2;
        }
        std::vector<Region> regions = regions_of(path, original, code);
        if (!only_regions.empty())
            regions.erase(std::remove_if(regions.begin(),
                                         regions.end(),
                                         [&](const Region &r) {
                                             return only_regions.find("," +
                                                                      r.name +
                                                                      ",") ==
                                                    std::string::npos;
                                         }),
                          regions.end());
        if (print_regions || print_reference_fields) {
            for (const Region &r :
                 print_regions ? regions : reference_fields_of(original))
                std::printf("%zu %zu %s\n", r.offset, r.size, r.name.c_str());
            continue;
        }
        if (regions.empty()) {
            std::fprintf(stderr,
                         "load_mutation_run: %s: no region to edit\n",
                         path);
            return 2;
        }
        const std::vector<Region> reference_fields =
                reference_fields_of(original);
        Tally tally;
        unsigned long code_changed_kills = 0, out_of_scope_deaths = 0;
        for (unsigned long m = 0; m < mutations; m++) {
            std::vector<uint8_t> image = original;
            std::string where;
            std::vector<size_t> edited;
            bool truncated = false;
            if (!code && rng() % 8 == 0) {
                image.resize(rng() % image.size());
                where = "truncation";
                truncated = true;
            } else {
                unsigned edits = 1 + rng() % max_edits;
                for (unsigned e = 0; e < edits; e++) {
                    const Region &r = regions[rng() % regions.size()];
                    size_t at = r.offset + rng() % r.size;
                    edited.push_back(at);
                    switch (rng() % 4) {
                    case 0:
                        image[at] ^= uint8_t(1u << (rng() % 8));
                        break;
                    case 1:
                        image[at] = uint8_t(rng());
                        break;
                    case 2:
                        image[at] = (rng() & 1) ? 0xff : 0x00;
                        break;
                    default:
                        image[at] = uint8_t(image[at] + (rng() & 1 ? 1 : -1));
                    }
                    if (where.empty() ||
                        where.find(r.name) == std::string::npos)
                        where += (where.empty() ? "" : "+") + r.name;
                }
            }
            LoadVerdict v = load_in_child(image.data(), image.size());
            tally.outcomes[v.outcome]++;
            if (!is_finding(v.outcome))
                continue;
            EditClass c = edit_class(truncated, edited, reference_fields);
            if (!code && c == EditClass::other &&
                same_death_by_rebinding_alone(v,
                                              original,
                                              image,
                                              edited,
                                              reference_fields))
                c = EditClass::rebinding_among_others;
            bool counted_apart =
                    code || out_of_scope(v,
                                         c == EditClass::rebinding_among_others
                                                 ? EditClass::rebinding
                                                 : c);
            tally.deaths[std::string(outcome_name(v.outcome)) + " in " +
                         (v.reported ? fault_owner_name(v.owner)
                                     : "code that did not say") +
                         ", " + (code ? "code edit" : edit_class_name(c)) +
                         (counted_apart ? "" : ": FINDING")]++;
            // The edits are where the mode put them: in the code, or never.
            if (code) {
                code_changed_kills++;
                continue;
            }
            if (counted_apart) {
                out_of_scope_deaths++;
                continue;
            }
            tally.findings_by_region[where]++;
            total_findings++;
            std::fprintf(stderr,
                         "finding: %s mutant %lu (%s, %s): %s in %s at "
                         "%#" PRIxPTR " %s\n",
                         path,
                         m,
                         where.c_str(),
                         edit_class_name(c),
                         outcome_name(v.outcome),
                         fault_owner_name(v.owner),
                         v.pc,
                         v.detail.c_str());
            if (!findings_dir.empty()) {
                std::string name =
                        findings_dir + "/" +
                        std::string(std::strrchr(path, '/')
                                            ? std::strrchr(path, '/') + 1
                                            : path) +
                        "." + std::to_string(random_seed) + "." +
                        std::to_string(m) + ".bin";
                std::ofstream(name, std::ios::binary)
                        .write(reinterpret_cast<const char *>(image.data()),
                               static_cast<std::streamsize>(image.size()));
            }
        }
        std::printf("%s: %lu mutants (%s)\n",
                    path,
                    mutations,
                    code ? "edits in executable sections"
                    : only_regions.empty()
                            ? "truncations and edits in headers, "
                              "dynamic tables, NIF entry"
                            : "truncations and edits in the "
                              "regions named");
        for (const auto &[outcome, n] : tally.outcomes)
            std::printf("  %-32s %8lu\n", outcome_name(outcome), n);
        std::printf("  %-32s %8lu\n",
                    "kills by edits of the code",
                    code_changed_kills);
        std::printf("  %-32s %8lu\n",
                    "deaths out of scope",
                    out_of_scope_deaths);
        for (const auto &[what, n] : tally.deaths)
            std::printf("    %-54s %8lu\n", what.c_str(), n);
        for (const auto &[region, n] : tally.findings_by_region)
            std::printf("  finding in %-24s %8lu\n", region.c_str(), n);
    }
    if (print_regions || print_reference_fields)
        return 0;
    std::printf("findings (kills by edits outside the code): %lu\n",
                total_findings);
    return total_findings == 0 ? 0 : 1;
}
