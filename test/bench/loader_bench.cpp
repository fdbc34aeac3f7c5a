// SPDX-License-Identifier: Apache-2.0
//
// loader_bench [--benchmark_... flags]
//
// What loading a shared object from memory costs, against the alternatives,
// for images of 16 KiB, 1 MiB, 16 MiB and 64 MiB (the fixtures), in one run:
//
//   page_cache            dlopen of the fixture file itself (in the page cache)
//   tmpfile_workaround    today's workaround: write a file in $TMPDIR, dlopen
//                         it, unlink it
//   erts_dlopen_mem       erts_dlopen_mem + erts_dlclose_mem
//   memcpy_fresh_mapping  mmap a fresh anonymous buffer, memcpy, munmap: the
//                         reference for the copy phase
//   copy_phase            erts_dlopen_mem's copy phase alone, as implemented
//                         (back_with_memfd): memfd_create, one write, seals
//   copy_alt_*            other ways of filling the memfd (and the loader's
//                         O_TMPFILE fallback), for comparison
//   breakdown_*           parts of erts_dlopen_mem, to explain its figures
//   memcpy_warm_buffer    memcpy into an already faulted-in buffer: the copy
//                         without any page allocation
//
// Every benchmark measures real time (system calls and page faults dominate)
// over several repetitions; afterwards a table of ratios of the medians is
// printed, with PASS/MISS against the targets. The targets are informational:
// the exit status only reflects functional failures (a load that fails),
// never timings.

#ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#endif

#include "erl_dlopen_mem.h"

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#ifndef MFD_NOEXEC_SEAL
#    define MFD_NOEXEC_SEAL 0x0008U
#endif

namespace {

struct Image {
    const char *size_name; // in benchmark names and the table
    const char *file_name; // in ERTS_FIXTURE_DIR
    int expected_value;    // what its fixture_value() returns
    double min_time;       // per repetition, seconds: less for the large ones
    std::string path;
    std::vector<unsigned char> bytes;
};

std::vector<Image> images = {
        {"16KiB", "fixture_a.so", 1, 0.05, {}, {}},
        {"1MiB", "fixture_1m.so", 101, 0.05, {}, {}},
        {"16MiB", "fixture_16m.so", 116, 0.1, {}, {}},
        {"64MiB", "fixture_64m.so", 164, 0.2, {}, {}},
};

constexpr int kRepetitions = 5;

// ---------------------------------------------------------------------------
// Helpers

bool write_all(int fd, const unsigned char *data, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// As back_with_memfd in erl_dlopen_mem.cpp: MFD_NOEXEC_SEAL where the kernel
// knows it.
int create_memfd() {
    int fd = memfd_create("loader_bench",
                          MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("loader_bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return fd;
}

// As seal_memfd in erl_dlopen_mem.cpp: all seals in one call, asked again
// on EBUSY (transient page references).
bool seal_like_the_loader(int fd) {
    const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (fcntl(fd, F_ADD_SEALS, seals) == 0)
            return true;
        if (errno != EBUSY)
            return false;
    }
    return false;
}

void skip_with_errno(benchmark::State &state, const char *what) {
    std::string message = std::string(what) + ": " + strerror(errno);
    state.SkipWithError(message.c_str());
}

// The handle's fixture_value() is the expected one: the benchmarks time
// loads that work.
bool loaded_correctly(void *handle, const Image &image) {
    auto fixture_value =
            reinterpret_cast<int (*)()>(dlsym(handle, "fixture_value"));
    return fixture_value && fixture_value() == image.expected_value;
}

void set_bytes_processed(benchmark::State &state, const Image &image) {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                            static_cast<int64_t>(image.bytes.size()));
}

// ---------------------------------------------------------------------------
// Loading

void page_cache(benchmark::State &state, const Image &image) {
    void *check = dlopen(image.path.c_str(), RTLD_NOW);
    if (!check || !loaded_correctly(check, image)) {
        state.SkipWithError(check ? "wrong fixture_value" : dlerror());
        return;
    }
    dlclose(check);
    for (auto _ : state) {
        // dlopen of a loaded path only bumps a reference count: each iteration
        // must unload it again for the next one to load it.
        void *handle = dlopen(image.path.c_str(), RTLD_NOW);
        if (!handle) {
            state.SkipWithError(dlerror());
            break;
        }
        dlclose(handle);
    }
    if (void *still = dlopen(image.path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
        dlclose(still);
        state.SkipWithError(
                "dlclose did not unload the fixture: timed nothing");
    }
    set_bytes_processed(state, image);
}

void tmpfile_workaround(benchmark::State &state, const Image &image) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    unsigned long long serial = 0;
    bool checked = false;
    for (auto _ : state) {
        // A new name each time, as mkstemp would give.
        char path[4096];
        snprintf(path,
                 sizeof path,
                 "%s/loader_bench.%ld.%llu.so",
                 dir,
                 static_cast<long>(getpid()),
                 serial++);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
        if (fd < 0) {
            skip_with_errno(state, "open in $TMPDIR");
            break;
        }
        bool written = write_all(fd, image.bytes.data(), image.bytes.size());
        close(fd);
        void *handle = written ? dlopen(path, RTLD_NOW) : nullptr;
        unlink(path);
        if (!handle) {
            state.SkipWithError(written ? dlerror()
                                        : "write in $TMPDIR failed");
            break;
        }
        if (!checked) {
            checked = true;
            if (!loaded_correctly(handle, image)) {
                state.SkipWithError("wrong fixture_value");
                dlclose(handle);
                break;
            }
        }
        dlclose(handle);
    }
    set_bytes_processed(state, image);
}

void erts_dlopen_mem_load(benchmark::State &state, const Image &image) {
    char error[512];
    void *check = nullptr;
    if (erts_dlopen_mem(image.bytes.data(),
                        image.bytes.size(),
                        image.file_name,
                        &check,
                        error,
                        sizeof error) != ERTS_DLOPEN_MEM_OK) {
        state.SkipWithError(error);
        return;
    }
    bool correct = loaded_correctly(check, image);
    erts_dlclose_mem(check);
    if (!correct) {
        state.SkipWithError("wrong fixture_value");
        return;
    }
    for (auto _ : state) {
        void *handle = nullptr;
        if (erts_dlopen_mem(image.bytes.data(),
                            image.bytes.size(),
                            image.file_name,
                            &handle,
                            error,
                            sizeof error) != ERTS_DLOPEN_MEM_OK) {
            state.SkipWithError(error);
            break;
        }
        erts_dlclose_mem(handle);
    }
    set_bytes_processed(state, image);
}

// Where erts_dlopen_mem's time goes, besides the copy phase: validation, and
// the dynamic linker working from a memfd (prepared once) rather than from a
// file in the page cache.
void breakdown_validate(benchmark::State &state, const Image &image) {
    char error[512];
    for (auto _ : state) {
        if (erts_dlopen_mem_validate(image.bytes.data(),
                                     image.bytes.size(),
                                     error,
                                     sizeof error) != ERTS_DLOPEN_MEM_OK) {
            state.SkipWithError(error);
            break;
        }
    }
    set_bytes_processed(state, image);
}

// A sealed memfd holding the image, as the loader prepares it; -1 (and the
// benchmark skipped) if that fails. path receives its /proc/PID/fd/N path.
int prepare_memfd(benchmark::State &state,
                  const Image &image,
                  char (&path)[64]) {
    int fd = create_memfd();
    if (fd < 0 || !write_all(fd, image.bytes.data(), image.bytes.size()) ||
        !seal_like_the_loader(fd)) {
        skip_with_errno(state, "preparing the memfd");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    snprintf(path,
             sizeof path,
             "/proc/%ld/fd/%d",
             static_cast<long>(getpid()),
             fd);
    return fd;
}

void breakdown_dlopen_prepared_memfd(benchmark::State &state,
                                     const Image &image) {
    char path[64];
    int fd = prepare_memfd(state, image, path);
    if (fd < 0)
        return;
    for (auto _ : state) {
        void *handle = dlopen(path, RTLD_NOW);
        if (!handle) {
            state.SkipWithError(dlerror());
            break;
        }
        dlclose(handle);
    }
    close(fd);
    set_bytes_processed(state, image);
}

int match_path(struct dl_phdr_info *info, size_t, void *path) {
    return info->dlpi_name &&
           strcmp(info->dlpi_name, static_cast<const char *>(path)) == 0;
}

// erts_dlclose_mem asks whether the object outlived dlclose by looking for
// its path among the loaded objects (dl_iterate_phdr): the cost of that
// check for an object that is not loaded.
void breakdown_still_loaded_check(benchmark::State &state, const Image &image) {
    char path[64];
    int fd = prepare_memfd(state, image, path);
    if (fd < 0)
        return;
    for (auto _ : state) {
        if (dl_iterate_phdr(match_path, path) != 0) {
            state.SkipWithError("the object was found loaded");
            break;
        }
    }
    close(fd);
}

// The fixed cost of a memfd: creating and releasing an empty one.
void breakdown_memfd_create_close(benchmark::State &state, const Image &) {
    for (auto _ : state) {
        int fd = create_memfd();
        if (fd < 0) {
            skip_with_errno(state, "memfd_create");
            break;
        }
        close(fd);
    }
}

// ---------------------------------------------------------------------------
// Copying

void memcpy_fresh_mapping(benchmark::State &state, const Image &image) {
    size_t size = image.bytes.size();
    for (auto _ : state) {
        void *buffer = mmap(nullptr,
                            size,
                            PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS,
                            -1,
                            0);
        if (buffer == MAP_FAILED) {
            skip_with_errno(state, "mmap");
            break;
        }
        memcpy(buffer, image.bytes.data(), size);
        benchmark::DoNotOptimize(buffer);
        benchmark::ClobberMemory();
        munmap(buffer, size);
    }
    set_bytes_processed(state, image);
}

void memcpy_warm_buffer(benchmark::State &state, const Image &image) {
    std::vector<unsigned char> buffer(image.bytes.size(), 1); // faulted in here
    for (auto _ : state) {
        memcpy(buffer.data(), image.bytes.data(), buffer.size());
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, image);
}

// Ways of filling a memfd with the image. Each returns false with errno set.
using FillMemfd = bool (*)(int fd, const Image &image);

// What erl_dlopen_mem.cpp does: one write of the whole image.
bool fill_by_write(int fd, const Image &image) {
    return write_all(fd, image.bytes.data(), image.bytes.size());
}

// Allocate every page first, then write: is shmem's allocation in the write
// path slower than in one fallocate?
bool fill_by_fallocate_then_write(int fd, const Image &image) {
    return fallocate(fd, 0, 0, static_cast<off_t>(image.bytes.size())) == 0 &&
           fill_by_write(fd, image);
}

// Map the memfd and memcpy into it (then unmap: F_SEAL_WRITE refuses while a
// writable shared mapping exists). populate_first prefaults with MAP_POPULATE.
bool fill_by_mapping(int fd, const Image &image, bool populate_first) {
    size_t size = image.bytes.size();
    if (ftruncate(fd, static_cast<off_t>(size)) != 0)
        return false;
    void *mapping = mmap(nullptr,
                         size,
                         PROT_READ | PROT_WRITE,
                         MAP_SHARED | (populate_first ? MAP_POPULATE : 0),
                         fd,
                         0);
    if (mapping == MAP_FAILED)
        return false;
    memcpy(mapping, image.bytes.data(), size);
    return munmap(mapping, size) == 0;
}
bool fill_by_mmap_memcpy(int fd, const Image &image) {
    return fill_by_mapping(fd, image, false);
}
bool fill_by_mmap_populate_memcpy(int fd, const Image &image) {
    return fill_by_mapping(fd, image, true);
}

// vmsplice the image into a pipe (no copy), splice the pipe into the memfd
// (one copy), 1 MiB (the default pipe-max-size) at a time.
bool fill_by_vmsplice(int fd, const Image &image) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return false;
    long pipe_size = fcntl(pipe_fds[1], F_SETPIPE_SZ, 1 << 20);
    if (pipe_size <= 0)
        pipe_size = fcntl(pipe_fds[1], F_GETPIPE_SZ);
    const unsigned char *data = image.bytes.data();
    size_t left = image.bytes.size();
    loff_t offset = 0;
    bool ok = pipe_size > 0;
    while (ok && left > 0) {
        iovec chunk = {const_cast<unsigned char *>(data),
                       std::min(left, size_t(pipe_size))};
        ssize_t in_pipe = vmsplice(pipe_fds[1], &chunk, 1, 0);
        ok = in_pipe > 0;
        while (ok && in_pipe > 0) {
            ssize_t moved = splice(pipe_fds[0],
                                   nullptr,
                                   fd,
                                   &offset,
                                   static_cast<size_t>(in_pipe),
                                   SPLICE_F_MOVE);
            ok = moved > 0;
            in_pipe -= moved;
        }
        if (ok) {
            data += chunk.iov_len;
            left -= chunk.iov_len;
        }
    }
    int saved_errno = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    errno = saved_errno;
    return ok;
}

// memfd_create + fill + seals + close: the copy phase with a given fill.
void memfd_copy(benchmark::State &state, const Image &image, FillMemfd fill) {
    for (auto _ : state) {
        int fd = create_memfd();
        if (fd < 0) {
            skip_with_errno(state, "memfd_create");
            break;
        }
        if (!fill(fd, image)) {
            skip_with_errno(state, "filling the memfd");
            close(fd);
            break;
        }
        if (!seal_like_the_loader(fd)) {
            skip_with_errno(state, "sealing the memfd");
            close(fd);
            break;
        }
        close(fd);
    }
    set_bytes_processed(state, image);
}

// The loader's third way (back_with_tmpfile) instead of a memfd: an unnamed
// O_TMPFILE file in $TMPDIR, one write, close. Its page cache may use large
// folios where shmem (memfd) uses 4 KiB pages.
void copy_alt_tmpdir_o_tmpfile(benchmark::State &state, const Image &image) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    for (auto _ : state) {
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
        if (fd < 0) {
            skip_with_errno(state, "O_TMPFILE in $TMPDIR");
            break;
        }
        if (!write_all(fd, image.bytes.data(), image.bytes.size())) {
            skip_with_errno(state, "write in $TMPDIR");
            close(fd);
            break;
        }
        close(fd);
    }
    set_bytes_processed(state, image);
}

// ---------------------------------------------------------------------------
// Registration and the ratio table

struct Method {
    const char *name;
    void (*run)(benchmark::State &, const Image &);
    bool smallest_image_only = false; // its cost does not depend on the size
};

const Method kMethods[] = {
        {"page_cache", page_cache},
        {"tmpfile_workaround", tmpfile_workaround},
        {"erts_dlopen_mem", erts_dlopen_mem_load},
        {"breakdown_validate", breakdown_validate},
        {"breakdown_dlopen_prepared_memfd", breakdown_dlopen_prepared_memfd},
        {"breakdown_still_loaded_check", breakdown_still_loaded_check, true},
        {"breakdown_memfd_create_close", breakdown_memfd_create_close, true},
        {"memcpy_fresh_mapping", memcpy_fresh_mapping},
        {"memcpy_warm_buffer", memcpy_warm_buffer},
        {"copy_phase",
         [](benchmark::State &s, const Image &i) {
             memfd_copy(s, i, fill_by_write);
         }},
        {"copy_alt_fallocate_write",
         [](benchmark::State &s, const Image &i) {
             memfd_copy(s, i, fill_by_fallocate_then_write);
         }},
        {"copy_alt_mmap_memcpy",
         [](benchmark::State &s, const Image &i) {
             memfd_copy(s, i, fill_by_mmap_memcpy);
         }},
        {"copy_alt_mmap_populate_memcpy",
         [](benchmark::State &s, const Image &i) {
             memfd_copy(s, i, fill_by_mmap_populate_memcpy);
         }},
        {"copy_alt_vmsplice",
         [](benchmark::State &s, const Image &i) {
             memfd_copy(s, i, fill_by_vmsplice);
         }},
        {"copy_alt_tmpdir_o_tmpfile", copy_alt_tmpdir_o_tmpfile},
};

std::string benchmark_name(const char *method, const Image &image) {
    return std::string(method) + "/" + image.size_name;
}

// Passes the summary lines (mean, median, stddev, cv) and errors to the
// console, and keeps the time per iteration of every repetition.
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override {
        std::vector<Run> shown;
        for (const Run &run : runs) {
            if (run.run_type == Run::RT_Iteration && !run.error_occurred &&
                run.iterations > 0) {
                double iterations = static_cast<double>(run.iterations);
                const std::string &name = run.run_name.function_name;
                real_seconds_[name].push_back(run.real_accumulated_time /
                                              iterations);
                cpu_seconds_[name].push_back(run.cpu_accumulated_time /
                                             iterations);
            }
            if (run.error_occurred)
                failed_ = true;
            if (run.run_type == Run::RT_Aggregate || run.error_occurred)
                shown.push_back(run);
        }
        if (!shown.empty())
            ConsoleReporter::ReportRuns(shown);
    }

    // Median real (or CPU) seconds per iteration, or a negative number if it
    // did not run.
    double median(const std::string &name) const {
        return median_of(real_seconds_, name);
    }
    double median_cpu(const std::string &name) const {
        return median_of(cpu_seconds_, name);
    }

    bool failed() const {
        return failed_;
    }

private:
    using Samples = std::map<std::string, std::vector<double>>;

    static double median_of(const Samples &samples, const std::string &name) {
        auto found = samples.find(name);
        if (found == samples.end() || found->second.empty())
            return -1;
        std::vector<double> times = found->second;
        std::sort(times.begin(), times.end());
        size_t n = times.size();
        return n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    }

    Samples real_seconds_;
    Samples cpu_seconds_;
    bool failed_ = false;
};

std::string format_time(double seconds) {
    char text[32];
    if (seconds < 0)
        snprintf(text, sizeof text, "n/a");
    else if (seconds < 1e-3)
        snprintf(text, sizeof text, "%.1f us", seconds * 1e6);
    else
        snprintf(text, sizeof text, "%.2f ms", seconds * 1e3);
    return text;
}

double ratio(double numerator, double denominator) {
    return numerator < 0 || denominator <= 0 ? -1 : numerator / denominator;
}

std::string format_ratio(double r) {
    char text[32];
    snprintf(text, sizeof text, r < 0 ? "n/a" : "%.2fx", r);
    return text;
}

// PASS/MISS for "r <= limit"; n/a if a benchmark did not run (filtered out).
const char *verdict(double r, double limit) {
    if (r < 0)
        return "n/a ";
    return r <= limit ? "PASS" : "MISS";
}

void print_tables(const CollectingReporter &reporter) {
    auto median = [&](const char *method, const Image &image) {
        return reporter.median(benchmark_name(method, image));
    };

    // CPU time is shown too: where real time is far above it, the process
    // was waiting (on this kind of VM, for the host to back fresh pages).
    printf("\nMedian real time per operation (CPU time in brackets), %d "
           "repetitions\n",
           kRepetitions);
    printf("%-32s", "");
    for (const Image &image : images)
        printf("%22s", image.size_name);
    printf("\n");
    for (const Method &method : kMethods) {
        printf("%-32s", method.name);
        for (const Image &image : images) {
            std::string name = benchmark_name(method.name, image);
            std::string cell = format_time(reporter.median(name)) + " (" +
                               format_time(reporter.median_cpu(name)) + ")";
            printf("%22s", cell.c_str());
        }
        printf("\n");
    }

    printf("\nRatios of medians\n");
    printf("%-46s", "");
    for (const Image &image : images)
        printf("%10s", image.size_name);
    printf("\n");
    struct RatioRow {
        const char *label, *numerator, *denominator;
    };
    const RatioRow rows[] = {
            {"erts_dlopen_mem / page_cache", "erts_dlopen_mem", "page_cache"},
            {"erts_dlopen_mem / tmpfile_workaround",
             "erts_dlopen_mem",
             "tmpfile_workaround"},
            {"breakdown_dlopen_prepared_memfd / page_cache",
             "breakdown_dlopen_prepared_memfd",
             "page_cache"},
            {"copy_phase / memcpy_fresh_mapping",
             "copy_phase",
             "memcpy_fresh_mapping"},
            {"copy_alt_fallocate_write / copy_phase",
             "copy_alt_fallocate_write",
             "copy_phase"},
            {"copy_alt_mmap_memcpy / copy_phase",
             "copy_alt_mmap_memcpy",
             "copy_phase"},
            {"copy_alt_mmap_populate_memcpy / copy_phase",
             "copy_alt_mmap_populate_memcpy",
             "copy_phase"},
            {"copy_alt_vmsplice / copy_phase",
             "copy_alt_vmsplice",
             "copy_phase"},
            {"copy_alt_tmpdir_o_tmpfile / copy_phase",
             "copy_alt_tmpdir_o_tmpfile",
             "copy_phase"},
    };
    for (const RatioRow &row : rows) {
        printf("%-46s", row.label);
        for (const Image &image : images)
            printf("%10s",
                   format_ratio(ratio(median(row.numerator, image),
                                      median(row.denominator, image)))
                           .c_str());
        printf("\n");
    }

    printf("\nTargets (informational, never fail the run)\n");
    for (const Image &image : images) {
        double r = ratio(median("erts_dlopen_mem", image),
                         median("tmpfile_workaround", image));
        printf("  %s  %-6s erts_dlopen_mem no slower than tmpfile_workaround: "
               "%s <= 1.00x\n",
               verdict(r, 1.0),
               image.size_name,
               format_ratio(r).c_str());
    }
    {
        const Image &small = images.front();
        double r = ratio(median("erts_dlopen_mem", small),
                         median("page_cache", small));
        printf("  %s  %-6s erts_dlopen_mem within 1.5x of page_cache: %s <= "
               "1.50x\n",
               verdict(r, 1.5),
               small.size_name,
               format_ratio(r).c_str());
    }
    for (const Image &image : images) {
        if (image.bytes.size() <
            (16u << 20) - (1u << 20)) // the 16 MiB one is a bit over
            continue;
        double r = ratio(median("copy_phase", image),
                         median("memcpy_fresh_mapping", image));
        printf("  %s  %-6s copy_phase at least as fast as "
               "memcpy_fresh_mapping: %s <= 1.00x\n",
               verdict(r, 1.0),
               image.size_name,
               format_ratio(r).c_str());
    }
}

bool read_images() {
    for (Image &image : images) {
        image.path = std::string(ERTS_FIXTURE_DIR) + "/" + image.file_name;
        std::ifstream in(image.path, std::ios::binary);
        image.bytes.assign(std::istreambuf_iterator<char>(in),
                           std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            fprintf(stderr,
                    "loader_bench: cannot read %s\n",
                    image.path.c_str());
            return false;
        }
        if (image.bytes.empty()) {
            fprintf(stderr,
                    "loader_bench: %s is missing or empty (build the "
                    "fixtures)\n",
                    image.path.c_str());
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    // Read once, before timing: also puts the fixture files in the page cache.
    if (!read_images())
        return 1;

    for (const Image &image : images) {
        for (const Method &method : kMethods) {
            if (method.smallest_image_only && &image != &images.front())
                continue;
            const Image *image_ptr = &image;
            auto run = method.run;
            benchmark::RegisterBenchmark(
                    benchmark_name(method.name, image).c_str(),
                    [run, image_ptr](benchmark::State &state) {
                        run(state, *image_ptr);
                    })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond)
                    ->MinTime(image.min_time)
                    ->Repetitions(kRepetitions);
        }
    }

    CollectingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_tables(reporter);
    benchmark::Shutdown();
    if (reporter.failed()) {
        fprintf(stderr,
                "loader_bench: some benchmarks failed to run (see the errors "
                "above)\n");
        return 1;
    }
    return 0;
}
