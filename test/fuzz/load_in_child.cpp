// SPDX-License-Identifier: Apache-2.0
#include "load_in_child.h"

#include "erl_dlopen_mem.h"

#include <erl_nif.h>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

// ---------------------------------------------------------------------------
// In the child: the library's own mapped segments, and the ErlNifEntry
// checked against them before anything in it is read, as erts must.

struct Segment {
    uintptr_t start, end;
    ElfW(Word) flags;
};

struct Segments {
    Segment segment[32];
    size_t count = 0;
    const char *name;
    uintptr_t base;
};

int collect_segments(struct dl_phdr_info *info, size_t, void *data) {
    auto *s = static_cast<Segments *>(data);
    if (info->dlpi_addr != s->base || !info->dlpi_name ||
        std::strcmp(info->dlpi_name, s->name) != 0)
        return 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum && s->count < 32; i++) {
        const ElfW(Phdr) &ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD)
            s->segment[s->count++] = {info->dlpi_addr + ph.p_vaddr,
                                      info->dlpi_addr + ph.p_vaddr + ph.p_memsz,
                                      ph.p_flags};
    }
    return 1;
}

const Segment *segment_of(const Segments &s,
                          const void *p,
                          size_t size,
                          ElfW(Word) flags) {
    auto a = reinterpret_cast<uintptr_t>(p);
    for (size_t i = 0; i < s.count; i++) {
        const Segment &seg = s.segment[i];
        if (a >= seg.start && a < seg.end && size <= seg.end - a &&
            (seg.flags & flags) == flags)
            return &seg;
    }
    return nullptr;
}

bool readable(const Segments &s, const void *p, size_t size) {
    return segment_of(s, p, size, PF_R) != nullptr;
}

// The reads of the library's memory below are bounded by its segments, as
// erts's are, and are not checked by ASan: in a sanitized build the seeds'
// globals carry redzones, which an edited entry (a longer function table)
// leads these reads across, harmlessly, where erts reads other data.
#define READS_LIBRARY_MEMORY __attribute__((no_sanitize("address")))

// The length of the string at p, which ends before end (checked).
READS_LIBRARY_MEMORY size_t length_before(const char *p, uintptr_t end) {
    size_t n = 0;
    while (reinterpret_cast<uintptr_t>(p + n) < end && p[n] != '\0')
        n++;
    return n;
}

READS_LIBRARY_MEMORY bool string_readable(const Segments &s, const char *p) {
    const Segment *seg = segment_of(s, p, 1, PF_R);
    return seg && reinterpret_cast<uintptr_t>(p) + length_before(p, seg->end) <
                          seg->end;
}

// Checks, then reads, what erts reads of the entry. Returns an explanation
// when something lies outside the library's segments, else nullptr.
READS_LIBRARY_MEMORY const char *walk_entry(const Segments &s,
                                            const ErlNifEntry *entry) {
    if (!readable(s, entry, offsetof(ErlNifEntry, vm_variant)))
        return "entry outside the library's readable segments";
    if (!string_readable(s, entry->name))
        return "entry name outside the library's readable segments";
    volatile size_t sum = length_before(entry->name, UINTPTR_MAX);
    if (entry->num_of_funcs < 0 ||
        !readable(s,
                  entry->funcs,
                  sizeof(ErlNifFunc) *
                          static_cast<size_t>(entry->num_of_funcs)))
        return "function table outside the library's readable segments";
    for (int i = 0; i < entry->num_of_funcs; i++) {
        const ErlNifFunc &f = entry->funcs[i];
        if (!string_readable(s, f.name))
            return "function name outside the library's readable segments";
        if (!segment_of(s, reinterpret_cast<const void *>(f.fptr), 1, PF_X))
            return "function outside the library's executable segments";
        sum = sum + length_before(f.name, UINTPTR_MAX) + f.arity + f.flags;
    }
    for (auto fn : {reinterpret_cast<const void *>(entry->load),
                    reinterpret_cast<const void *>(entry->upgrade),
                    reinterpret_cast<const void *>(entry->unload)})
        if (fn && !segment_of(s, fn, 1, PF_X))
            return "callback outside the library's executable segments";
    return nullptr;
}

struct ChildReport {
    LoadOutcome outcome;
    char detail[512];
    fault_owner owner;
    uintptr_t pc;
    bool dying; // written by the handler of the signal the child dies of
};

// ---------------------------------------------------------------------------
// In the child: a fault, an abort or the alarm of a hang writes whose code
// was running into the report pipe, then the child dies of the signal.

const int dying_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};
int report_fd = -1;

void on_dying_signal(int sig, siginfo_t *info, void *context) {
    uintptr_t sp_word;
    ChildReport r{};
    (void)info;
    r.outcome = sig == SIGALRM ? LoadOutcome::hung : LoadOutcome::killed;
    r.owner = fault_owner_of(context, &r.pc, &sp_word);
    r.dying = true;
    ssize_t ignored = write(report_fd, &r, sizeof r);
    (void)ignored;
    // Raised again with the default action, it stays pending while this
    // handler runs and ends the child when it returns, whether the kernel
    // sent it for a fault, for the alarm (si_code SI_KERNEL) or for abort().
    signal(sig, SIG_DFL);
    raise(sig);
}

// An enif_* stub called (nif_api_stubs.c): the caller's owner, then the
// child dies of SIGABRT, as it would in abort().
extern "C" [[noreturn]] void nif_api_called(const char *name, void *caller) {
    ChildReport r{};
    r.outcome = LoadOutcome::killed;
    r.pc = reinterpret_cast<uintptr_t>(caller);
    r.owner = fault_owner_of_address(r.pc);
    r.dying = true;
    std::snprintf(r.detail, sizeof r.detail, "%s called", name);
    ssize_t ignored = write(report_fd, &r, sizeof r);
    (void)ignored;
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
    _exit(134);
}

void install_report_on_dying_signal(int fd) {
    static char alternate_stack[1 << 16];
    stack_t stack{};
    stack.ss_sp = alternate_stack;
    stack.ss_size = sizeof alternate_stack;
    sigaltstack(&stack, nullptr);
    report_fd = fd;
    struct sigaction action {};
    action.sa_sigaction = on_dying_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int sig : dying_signals)
        sigaction(sig, &action, nullptr);
}

ChildReport run_child(const uint8_t *image, size_t size) {
    ChildReport r{LoadOutcome::loaded, {}};
    void *handle = nullptr;
    if (erts_dlopen_mem(image,
                        size,
                        "fuzz",
                        &handle,
                        r.detail,
                        sizeof r.detail) != ERTS_DLOPEN_MEM_OK) {
        r.outcome = LoadOutcome::load_error;
        return r;
    }
    if (void *init = dlsym(handle, "nif_init")) {
        struct link_map *map = nullptr;
        Segments s;
        if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0) {
            s.name = map->l_name;
            s.base = map->l_addr;
            dl_iterate_phdr(collect_segments, &s);
        }
        // Called only when it is code of this library, as erts must check.
        if (!segment_of(s, init, 1, PF_X)) {
            r.outcome = LoadOutcome::entry_refused;
            std::snprintf(r.detail,
                          sizeof r.detail,
                          "nif_init outside the library's executable segments");
            erts_dlclose_mem(handle);
            return r;
        }
        auto *entry = reinterpret_cast<ErlNifEntry *(*)(void)>(init)();
        if (const char *why = walk_entry(s, entry)) {
            r.outcome = LoadOutcome::entry_refused;
            std::snprintf(r.detail, sizeof r.detail, "%s", why);
        }
    }
    erts_dlclose_mem(handle);
    return r;
}

} // namespace

const char *outcome_name(LoadOutcome outcome) {
    switch (outcome) {
    case LoadOutcome::refused:
        return "refused by validation";
    case LoadOutcome::loaded:
        return "loaded, entry walked, closed";
    case LoadOutcome::load_error:
        return "clean load error";
    case LoadOutcome::entry_refused:
        return "entry outside the library";
    case LoadOutcome::killed:
        return "killed by a signal";
    case LoadOutcome::ld_so_abort:
        return "ld.so assertion (exit 127)";
    case LoadOutcome::hung:
        return "hung";
    }
    return "?";
}

bool is_finding(LoadOutcome outcome) {
    return outcome == LoadOutcome::killed ||
           outcome == LoadOutcome::ld_so_abort || outcome == LoadOutcome::hung;
}

LoadVerdict load_in_child(const uint8_t *image,
                          size_t size,
                          unsigned timeout_seconds) {
    char message[512];
    if (erts_dlopen_mem_validate(image, size, message, sizeof message) !=
        ERTS_DLOPEN_MEM_OK)
        return {LoadOutcome::refused, 0, message};
    // Once, in this process: what the children's handlers need.
    static const bool owner_known =
            (fault_owner_init("/memfd:fuzz"),
             fault_owner_learn_init_callers(INIT_CALL_PROBE),
             true);
    (void)owner_known;

    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("load_in_child: pipe");
        std::abort();
    }
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("load_in_child: fork");
        std::abort();
    }
    if (pid == 0) {
        close(fds[0]);
        install_report_on_dying_signal(fds[1]);
        alarm(timeout_seconds); // SIGALRM ends a hang
        ChildReport r = run_child(image, size);
        ssize_t ignored = write(fds[1], &r, sizeof r);
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    ChildReport r{};
    size_t got = 0;
    // The child's alarm ends a hang; should it not, the child is killed
    // some seconds later and counted as hung, with no report.
    const int deadline_ms = static_cast<int>(timeout_seconds + 5) * 1000;
    bool overdue = false;
    while (got < sizeof r) {
        struct pollfd readable = {fds[0], POLLIN, 0};
        int ready = poll(&readable, 1, deadline_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            overdue = true;
            kill(pid, SIGKILL);
            break;
        }
        ssize_t n = read(fds[0],
                         reinterpret_cast<char *>(&r) + got,
                         sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += static_cast<size_t>(n);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (overdue)
        return {LoadOutcome::hung, SIGKILL, "killed: no answer in time"};
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        LoadVerdict v{sig == SIGALRM ? LoadOutcome::hung : LoadOutcome::killed,
                      sig,
                      strsignal(sig)};
        if (got == sizeof r && r.dying) {
            v.reported = true;
            v.owner = r.owner;
            v.pc = r.pc;
            r.detail[sizeof r.detail - 1] = '\0';
            if (r.detail[0] != '\0')
                v.detail += std::string(": ") + r.detail;
        }
        return v;
    }
    if (WEXITSTATUS(status) == 127) {
        LoadVerdict v{LoadOutcome::ld_so_abort, 0, "exit status 127"};
        v.owner = FAULT_OWNER_DYNAMIC_LINKER;
        return v;
    }
    if (WEXITSTATUS(status) != 0 || got != sizeof r)
        return {LoadOutcome::killed, 0, "child exited without a report"};
    r.detail[sizeof r.detail - 1] = '\0';
    return {r.outcome, 0, r.detail};
}

SeedCode::SeedCode(std::vector<uint8_t> seed) : seed_(std::move(seed)) {
    ElfW(Ehdr) eh;
    if (seed_.size() < sizeof eh)
        return;
    std::memcpy(&eh, seed_.data(), sizeof eh);
    if (eh.e_shentsize != sizeof(ElfW(Shdr)) || eh.e_shoff > seed_.size() ||
        eh.e_shnum > (seed_.size() - eh.e_shoff) / sizeof(ElfW(Shdr)))
        return;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        ElfW(Shdr) sh;
        std::memcpy(&sh, seed_.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
        if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_type == SHT_PROGBITS &&
            sh.sh_offset <= seed_.size() &&
            sh.sh_size <= seed_.size() - sh.sh_offset)
            ranges_.emplace_back(sh.sh_offset, sh.sh_size);
    }
}

bool SeedCode::same_code(const uint8_t *image, size_t size) const {
    // Cut short, but not into the code, it still has the seed's code.
    if (size > seed_.size() || ranges_.empty())
        return false;
    for (const auto &[offset, length] : ranges_)
        if (offset + length > size ||
            std::memcmp(image + offset, seed_.data() + offset, length) != 0)
            return false;
    return true;
}
