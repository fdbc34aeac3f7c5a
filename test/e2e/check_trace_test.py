#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests check_trace.py on made-up strace -ff logs: a clean load from memory
and from a file pass; each kind of violation the e2e tests rely on is caught."""
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_trace.py")
LIB = "memnif_checksum_nif"

SYSTEM = [
    'openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
    'openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3',
    'openat(AT_FDCWD, "/opt/otp/lib/erlang/lib/kernel/ebin/code.beam", O_RDONLY) = 3',
    'memfd_create("vmem", MFD_CLOEXEC|0x10) = 17',
    'openat(AT_FDCWD, "./memnif_checksum_nif.beam", O_RDONLY) = -1 ENOENT (No such file or directory)',
]
MEMORY_LOAD = [
    f'memfd_create("{LIB}", MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_NOEXEC_SEAL) = 21',
    'openat(AT_FDCWD, "/proc/4242/fd/21", O_RDONLY|O_CLOEXEC) = 22',
]
FILE_LOAD = [
    f'openat(AT_FDCWD, "/srv/app/priv/{LIB}.so", O_RDONLY|O_CLOEXEC) = 21',
]

CASES = [
    # (name, mode and options, lines of process 1, lines of process 2,
    #  expected exit status)
    ("clean load from memory", "memory", SYSTEM + MEMORY_LOAD, [], 0),
    ("clean load from a file", "file", SYSTEM + FILE_LOAD, [], 0),
    ("memory: split call across a signal", "memory",
     SYSTEM + [f'memfd_create("{LIB}", MFD_CLOEXEC <unfinished ...>',
               '<... memfd_create resumed>) = 21',
               'openat(AT_FDCWD, "/proc/self/fd/21", O_RDONLY|O_CLOEXEC) = 22'], [], 0),
    ("memory: no memfd at all", "memory", SYSTEM, [], 1),
    ("memory: memfd never opened by the dynamic linker", "memory",
     SYSTEM + MEMORY_LOAD[:1], [], 1),
    ("memory: /proc fd of another memfd", "memory",
     SYSTEM + [MEMORY_LOAD[0], 'openat(AT_FDCWD, "/proc/4242/fd/17", O_RDONLY) = 22'], [], 1),
    ("memory: temporary file in /tmp (other process)", "memory", SYSTEM + MEMORY_LOAD,
     ['openat(AT_FDCWD, "/tmp", O_RDWR|O_EXCL|O_TMPFILE, 0700) = 5'], 1),
    ("memory: named temporary file", "memory", SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "/tmp/erts-nif-XXXX", O_RDWR|O_CREAT|O_EXCL, 0600) = 5'], [], 1),
    ("memory: shm object", "memory", SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "/dev/shm/erts-nif", O_RDONLY) = 5'], [], 1),
    ("memory: unlink", "memory", SYSTEM + MEMORY_LOAD + ['unlink("/tmp/x") = 0'], [], 1),
    ("memory: library extracted to a cache", "memory", SYSTEM + MEMORY_LOAD +
     [f'openat(AT_FDCWD, "/root/.cache/x/{LIB}.so", O_RDONLY|O_CLOEXEC) = 5'], [], 1),
    ("memory: failed look-up of the library's file", "memory", SYSTEM + MEMORY_LOAD +
     [f'openat(AT_FDCWD, "/x/priv/{LIB}.so", O_RDONLY) = -1 ENOENT (No such file or directory)'], [], 1),
    ("memory: a shared object that is not the system's", "memory", SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "/home/u/other.so", O_RDONLY|O_CLOEXEC) = 5'], [], 1),
    ("archive: the path into the escript probed, then memory", "archive", SYSTEM +
     [f'openat(AT_FDCWD, "/w/prog/app/priv/{LIB}.so", O_RDONLY|O_CLOEXEC) = -1 ENOTDIR (Not a directory)']
     + MEMORY_LOAD, [], 0),
    ("archive: no probe of the path (a driver: stat)", "archive", SYSTEM + MEMORY_LOAD, [], 0),
    ("archive: no memfd", "archive", SYSTEM +
     [f'openat(AT_FDCWD, "/w/prog/app/priv/{LIB}.so", O_RDONLY|O_CLOEXEC) = -1 ENOTDIR (Not a directory)'], [], 1),
    ("archive: the library's file found elsewhere", "archive", SYSTEM +
     [f'openat(AT_FDCWD, "/w/prog/app/priv/{LIB}.so", O_RDONLY|O_CLOEXEC) = -1 ENOTDIR (Not a directory)',
      f'openat(AT_FDCWD, "/tmp/{LIB}.so", O_RDONLY|O_CLOEXEC) = 5'] + MEMORY_LOAD, [], 1),
    ("archive: another failed look-up", "archive", SYSTEM +
     [f'openat(AT_FDCWD, "/w/prog/app/priv/{LIB}.so", O_RDONLY|O_CLOEXEC) = -1 ENOTDIR (Not a directory)',
      f'openat(AT_FDCWD, "/x/{LIB}.so", O_RDONLY) = -1 ENOENT (No such file or directory)'] + MEMORY_LOAD, [], 1),
    ("memory: an entry probed through the kernel", "memory", SYSTEM + MEMORY_LOAD +
     ['process_vm_readv(4242, [{iov_base=0x7f00, iov_len=256}], 1, '
      '[{iov_base=0x7f10, iov_len=256}], 1, 0) = 256'], [], 1),
    ("memory: a test module named after the library looked up", "memory", SYSTEM + MEMORY_LOAD +
     [f'openat(AT_FDCWD, "/w/run/./{LIB}_tests.beam", O_RDONLY) = -1 ENOENT (No such file or directory)'],
     [], 0),
    ("memory: the program's own writes where allowed", "memory --writes-allowed-under test/",
     SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "test/temp.yml", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 19',
      'unlink("test/temp.yml") = 0'], [], 0),
    ("memory: a write outside where writes are allowed", "memory --writes-allowed-under test/",
     SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "/tmp/test/x", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 19'], [], 1),
    ("memory: a rename out of where writes are allowed", "memory --writes-allowed-under test/",
     SYSTEM + MEMORY_LOAD + ['rename("test/x", "/tmp/x") = 0'], [], 1),
    ("memory: a write that climbs out of where writes are allowed",
     "memory --writes-allowed-under test/", SYSTEM + MEMORY_LOAD +
     ['openat(AT_FDCWD, "test/../../x", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 19'], [], 1),
    ("memory: the library written where writes are allowed",
     "memory --writes-allowed-under test/", SYSTEM + MEMORY_LOAD +
     [f'openat(AT_FDCWD, "test/{LIB}.so", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 19'], [], 1),
    ("file: library not opened", "file", SYSTEM, [], 1),
    ("file: loaded from memory instead", "file", SYSTEM + MEMORY_LOAD, [], 1),
    ("file: creates a file", "file", SYSTEM + FILE_LOAD +
     ['creat("/tmp/x", 0600) = 5'], [], 1),
]


def run(mode, first, second):
    with tempfile.TemporaryDirectory() as d:
        prefix = os.path.join(d, "trace")
        for pid, lines in (("100", first), ("101", second)):
            with open(f"{prefix}.{pid}", "w") as f:
                f.write("".join(line + "\n" for line in lines))
        return subprocess.run([sys.executable, CHECKER, prefix, LIB] + mode.split(),
                              capture_output=True, text=True)


def main():
    failures = 0
    for name, mode, first, second, want in CASES:
        result = run(mode, first, second)
        if result.returncode == want:
            print(f"PASS: {name} (exit {want})")
        else:
            failures += 1
            print(f"FAIL: {name}: exit {result.returncode}, expected {want}\n{result.stdout}{result.stderr}")
    print(f"check_trace_test: {len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
