#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_trace.py TRACE_PREFIX LIBRARY MODE [--writes-allowed-under PREFIX]

Checks the system calls that `strace -ff -s 4096 -o TRACE_PREFIX` recorded
(one TRACE_PREFIX.<pid> file per process) while a program loaded NIF library
LIBRARY (its name without extension, e.g. memnif_checksum_nif).

MODE memory: the library must have been loaded from memory:
  - memfd_create("LIBRARY", ...) succeeded, giving fd N;
  - /proc/<pid>/fd/N (or /proc/self/fd/N) was opened: the dynamic linker
    loading that memfd;
  - no path naming LIBRARY was opened, created or even looked up (except
    .beam files: the code server looking for modules, LIBRARY's own or
    others named after it);
  - no file, directory or link was created, renamed or removed anywhere (in
    particular nothing in /tmp, $TMPDIR or /dev/shm), and nothing in /dev/shm
    was opened;
  - every shared object opened is one of the system's (/lib, /usr/lib, ...).

MODE archive: as memory, for a library loaded by a path into an escript's
archive: the only paths naming LIBRARY that may appear are attempts to open
that path failing with ENOTDIR (a directory of the path is the escript): the
dynamic linker's, which tell erts that it is one (erl_ddll asks stat(2)
instead, which the e2e tests do not trace).

In every MODE, no process_vm_readv(2): erts reads an entry outside the
library's segments only once the kernel has copied it, and one that
ERL_NIF_INIT or a driver's static ErlDrvEntry makes lies inside them.

MODE file: the library must have been loaded from its file LIBRARY.so:
  - it was opened, and no memfd named LIBRARY was created;
  - no file was created, and shared objects other than LIBRARY.so are the
    system's.

With --writes-allowed-under PREFIX, files whose paths (as the program gave
them) start with PREFIX may be created and removed: what the program's own
code writes, such as a test suite's temporary files.

Prints what it found and "check_trace: OK"; exits 1 listing every violation.
"""
import glob
import os
import re
import sys

SYSTEM_LIBRARY_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")
CREATING_CALLS = {"creat", "mkdir", "mkdirat", "link", "linkat", "symlink",
                  "symlinkat", "rename", "renameat", "renameat2", "mknod",
                  "mknodat", "unlink", "unlinkat"}
OPENING_CALLS = {"open", "openat", "openat2"}
CALL_RE = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
SHARED_OBJECT_RE = re.compile(r"\.so(\.\d+)*$")
PROC_FD_RE = re.compile(r"^/proc/(?:self|\d+)/fd/(\d+)$")


def read_calls(prefix):
    """Yields (pid, call, args, result, line) for each completed call."""
    files = glob.glob(glob.escape(prefix) + ".*")
    if not files:
        sys.exit(f"check_trace: no trace files {prefix}.*")
    for name in sorted(files):
        pid = name.rsplit(".", 1)[1]
        pending = ""
        with open(name, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.rstrip("\n")
                # With -ff a call is split only around signals; join halves.
                if line.endswith("<unfinished ...>"):
                    pending = line[: -len("<unfinished ...>")]
                    continue
                resumed = re.match(r"^<\.\.\. \w+ resumed>(.*)$", line)
                if resumed and pending:
                    line, pending = pending + resumed.group(1), ""
                m = CALL_RE.match(line)
                if m:
                    yield pid, m.group(1), m.group(2), m.group(3), line


def main():
    args = sys.argv[1:]
    writes_allowed_under = None
    if len(args) == 5 and args[3] == "--writes-allowed-under":
        writes_allowed_under = args[4]
        args = args[:3]
    if len(args) != 3 or args[2] not in ("memory", "archive", "file"):
        sys.exit(__doc__)
    prefix, library, mode = args
    violations = []
    memfds = set()          # fds returned by memfd_create(LIBRARY)
    proc_fd_opens = []      # fd numbers of successful /proc/*/fd/N opens
    library_file_opened = False
    archive_probes = 0      # failed opens of the path into the archive
    shared_objects = set()

    for pid, call, args, result, line in read_calls(prefix):
        strings = [bytes(s, "utf-8").decode("unicode_escape")
                   for s in STRING_RE.findall(args)]
        ok = result != "?" and int(result) >= 0
        if call == "memfd_create":
            if strings and strings[0] == library and ok:
                memfds.add(int(result))
            continue
        allowed_write = writes_allowed_under is not None and strings and all(
            p.startswith(writes_allowed_under) and ".." not in p.split("/")
            and library not in p for p in strings)
        if call in CREATING_CALLS:
            if not allowed_write:
                violations.append(f"creates or removes a file: {line}")
            continue
        if call == "process_vm_readv":
            violations.append(f"probes memory (an entry outside the library?): {line}")
            continue
        if call not in OPENING_CALLS or not strings:
            continue
        path = strings[0]
        flags = args
        if ("O_CREAT" in flags or "O_TMPFILE" in flags) and not allowed_write:
            violations.append(f"creates a file: {line}")
        if path.startswith("/dev/shm"):
            violations.append(f"uses /dev/shm: {line}")
        proc_fd = PROC_FD_RE.match(path)
        if proc_fd and ok:
            proc_fd_opens.append(int(proc_fd.group(1)))
        base = os.path.basename(path)
        if base.endswith(".beam"):
            # The code server looking for a module in the code path (the
            # library's own, or a test module named after it): code, not
            # the NIF library.
            continue
        if library in path:
            if mode == "file" and base == library + ".so" and ok:
                library_file_opened = True
            elif mode == "archive" and not ok and " ENOTDIR " in line:
                archive_probes += 1
            else:
                violations.append(f"a path naming the library: {line}")
            continue
        if SHARED_OBJECT_RE.search(base) and ok:
            shared_objects.add(path)
            if not path.startswith(SYSTEM_LIBRARY_DIRS):
                violations.append(f"opens a shared object that is not the system's: {line}")

    print(f"check_trace: shared objects opened: {', '.join(sorted(shared_objects)) or 'none'}")
    if mode == "archive":
        print(f"check_trace: {archive_probes} open(s) of the path into the archive failed with ENOTDIR")
    if mode in ("memory", "archive"):
        print(f"check_trace: memfd_create(\"{library}\") gave fd(s) {sorted(memfds) or 'none'}; "
              f"/proc/PID/fd/N opened for N in {sorted(set(proc_fd_opens)) or 'none'}")
        if not memfds:
            violations.append(f"no memfd_create(\"{library}\", ...) succeeded")
        elif not memfds & set(proc_fd_opens):
            violations.append(f"no /proc/PID/fd/N was opened for the memfd(s) {sorted(memfds)}")
    else:
        if not library_file_opened:
            violations.append(f"{library}.so was not opened")
        if memfds:
            violations.append(f"a memfd named {library} was created")

    if violations:
        print(f"check_trace: {len(violations)} violation(s):")
        for v in violations:
            print(f"  {v}")
        return 1
    print("check_trace: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
