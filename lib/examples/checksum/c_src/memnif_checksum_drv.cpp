// SPDX-License-Identifier: Apache-2.0
//
// The linked-in driver of module memnif_checksum_drv: a port that keeps a
// running CRC-32 of the data sent to it. Each command is copied and handed
// to the async thread pool (driver_async), so the scheduler that runs the
// port is never held up; the port answers each command with the CRC-32 and
// byte count of everything it was sent so far, big-endian:
//
//     port_command(Port, Data) -> {Port, {data, <<Crc:32, Bytes:64>>}}
//
// The driver's name is set at compile time (MEMNIF_DRIVER_NAME, by the
// Makefile): erl_ddll requires it to be the name the driver is loaded as.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include <erl_driver.h>

#include "crc32.hpp"

#ifndef MEMNIF_DRIVER_NAME
#    error "MEMNIF_DRIVER_NAME (the driver's name) must be defined"
#endif
#define MEMNIF_STRINGIFY_(name) #name
#define MEMNIF_STRINGIFY(name)  MEMNIF_STRINGIFY_(name)

namespace {

// What a port keeps across commands. The async thread updates crc and
// bytes; jobs of one port run in order on one thread (driver_async's key),
// and the emulator thread reads them only from a job's copy. A port closed
// while a job runs does not wait for it: the port and each job hold a
// reference, and the last one frees the state.
struct PortState {
    ErlDrvPort port;
    unsigned int async_key; // the same for all jobs of this port
    std::uint32_t crc;
    std::uint64_t bytes;
    std::atomic<unsigned int> references;
};

void release(PortState *state) {
    if (state->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        state->~PortState();
        driver_free(state);
    }
}

struct Job {
    PortState *state;
    std::size_t size;
    std::uint32_t crc_after;
    std::uint64_t bytes_after;
    unsigned char data[1]; // size bytes
};

ErlDrvData start(ErlDrvPort port, char * /*command*/) {
    void *memory = driver_alloc(sizeof(PortState));
    if (memory == nullptr) {
        return ERL_DRV_ERROR_GENERAL;
    }
    auto *state = new (memory) PortState;
    state->references.store(1, std::memory_order_relaxed);
    state->port = port;
    state->async_key = static_cast<unsigned int>(
            reinterpret_cast<std::uintptr_t>(state) >> 4);
    state->crc = 0;
    state->bytes = 0;
    set_port_control_flags(port, PORT_CONTROL_FLAG_BINARY);
    return reinterpret_cast<ErlDrvData>(state);
}

// Runs on an async thread.
void update_crc(void *job_data) {
    auto *job = static_cast<Job *>(job_data);
    PortState *state = job->state;
    state->crc =
            memnif_checksum::crc32_update(state->crc, job->data, job->size);
    state->bytes += job->size;
    job->crc_after = state->crc;
    job->bytes_after = state->bytes;
}

void free_job(void *job_data) {
    auto *job = static_cast<Job *>(job_data);
    release(job->state);
    driver_free(job);
}

void output(ErlDrvData drv_data, char *buf, ErlDrvSizeT len) {
    auto *state = reinterpret_cast<PortState *>(drv_data);
    auto *job = static_cast<Job *>(
            driver_alloc(offsetof(Job, data) + (len > 0 ? len : 1)));
    if (job == nullptr) {
        driver_failure_atom(state->port, const_cast<char *>("enomem"));
        return;
    }
    state->references.fetch_add(1, std::memory_order_relaxed);
    job->state = state;
    job->size = len;
    std::memcpy(job->data, buf, len);
    driver_async(state->port, &state->async_key, update_crc, job, free_job);
}

// Runs on the emulator thread when a job is done: the answer.
void ready_async(ErlDrvData drv_data, ErlDrvThreadData thread_data) {
    auto *state = reinterpret_cast<PortState *>(drv_data);
    auto *job = reinterpret_cast<Job *>(thread_data);
    unsigned char reply[12];
    for (int i = 0; i < 4; i++) {
        reply[i] = static_cast<unsigned char>(job->crc_after >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
        reply[4 + i] =
                static_cast<unsigned char>(job->bytes_after >> (56 - 8 * i));
    }
    driver_output(state->port, reinterpret_cast<char *>(reply), sizeof reply);
    free_job(job);
}

// Jobs still queued or running keep the state; erts frees them with
// free_job when they end, without calling ready_async.
void stop(ErlDrvData drv_data) {
    release(reinterpret_cast<PortState *>(drv_data));
}

ErlDrvEntry driver_entry = {
        nullptr, // init
        start,   // start
        stop,    // stop
        output,  // output
        nullptr, // ready_input
        nullptr, // ready_output
        const_cast<char *>(MEMNIF_STRINGIFY(MEMNIF_DRIVER_NAME)),
        nullptr,                                   // finish
        nullptr,                                   // handle
        nullptr,                                   // control
        nullptr,                                   // timeout
        nullptr,                                   // outputv
        ready_async,                               // ready_async
        nullptr,                                   // flush
        nullptr,                                   // call
        nullptr,                                   // unused
        static_cast<int>(ERL_DRV_EXTENDED_MARKER), // 0xfeeeeeed
        ERL_DRV_EXTENDED_MAJOR_VERSION,
        ERL_DRV_EXTENDED_MINOR_VERSION,
        ERL_DRV_FLAG_USE_PORT_LOCKING,
        nullptr, // handle2
        nullptr, // process_exit
        nullptr, // stop_select
        nullptr, // emergency_close
};

} // namespace

// erl_driver.h's DRIVER_INIT does not give the C linkage erts looks for.
extern "C" DRIVER_INIT(MEMNIF_DRIVER_NAME) {
    return &driver_entry;
}
