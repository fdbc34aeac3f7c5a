// SPDX-License-Identifier: Apache-2.0
//
// The differential half of the fuzzing: an image that erts_dlopen_mem_validate
// accepts is loaded for real, in a child process, and used the way erts uses a
// NIF library (nif_init called, the ErlNifEntry it returns walked, the
// library closed). The child dying on a signal, or glibc's dynamic linker
// giving up on an assertion (exit status 127), means validation let through
// an image that kills a VM.
//
// What the validator cannot judge is the machine code itself: an image whose
// bytes in a seed's executable sections differ from that seed's is "code
// changed", and is kept out of the findings (SeedCode tells them apart).

#ifndef LOAD_IN_CHILD_H
#define LOAD_IN_CHILD_H

#include "fault_owner.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

enum class LoadOutcome {
    refused,       // validation refused it; never loaded
    loaded,        // loaded, nif_init (if any) called, entry walked, closed
    load_error,    // erts_dlopen_mem returned an error, cleanly
    entry_refused, // the ErlNifEntry points outside the library's segments
    killed,        // the child died on a signal: a finding
    ld_so_abort, // exit status 127, glibc's "Inconsistency detected": a finding
    hung,        // did not finish in time: a finding
};

const char *outcome_name(LoadOutcome outcome);
bool is_finding(LoadOutcome outcome);

struct LoadVerdict {
    LoadOutcome outcome;
    int signal = 0;     // for killed
    std::string detail; // the loader's or the entry check's message
    // For killed, hung and ld_so_abort: whose code was running (the child's
    // fault handler says; fault_owner.h), and where.
    fault_owner owner = FAULT_OWNER_UNATTRIBUTED;
    uintptr_t pc = 0;
    // Whether the dying child said whose code it was in: not when it exited
    // (a sanitizer's report, an ld.so assertion), was killed outright or
    // died in its own handler.
    bool reported = false;
};

// Validates image; when accepted, loads it in a child process as described
// above, with a time limit of timeout_seconds. A child that dies or hangs
// reports whose code was running: the library's (its memfd), the dynamic
// linker's, or this program's, which holds the loader and the entry walk,
// the code erts runs.
LoadVerdict load_in_child(const uint8_t *image,
                          size_t size,
                          unsigned timeout_seconds = 10);

// The bytes of a seed's executable sections (SHF_EXECINSTR), from its section
// headers: an image of the same size with the same bytes there has the
// seed's code, whatever else was edited.
class SeedCode {
public:
    explicit SeedCode(std::vector<uint8_t> seed);
    bool same_code(const uint8_t *image, size_t size) const;

private:
    std::vector<uint8_t> seed_;
    std::vector<std::pair<size_t, size_t>> ranges_; // offset, size
};

#endif
