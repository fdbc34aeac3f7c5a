#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the layout table of docs/design.md against the tree.

Every path in the table's first column must exist (`{a,b}` alternatives and
`<version>`-style placeholders expanded against the tree), and every tracked
file must lie under some row, so that the table describes the tree as it is
and a new top-level piece cannot go unmentioned.

usage: check_layout.py <project-root>
"""
import fnmatch
import os
import re
import subprocess
import sys


def layout_rows(readme):
    rows, in_section = [], False
    for line in readme.splitlines():
        if line.startswith("## "):
            in_section = line.strip() == "## Layout of the tree"
            continue
        m = re.match(r"^\| `([^`]+)` \|", line) if in_section else None
        if m:
            rows.append(m.group(1))
    return rows


def expand(row):
    """`a/{b,c}.h` -> [a/b.h, a/c.h]; `<version>` -> a glob component."""
    m = re.search(r"\{([^}]*)\}", row)
    if m:
        return [p for alt in m.group(1).split(",")
                for p in expand(row[:m.start()] + alt + row[m.end():])]
    return [re.sub(r"<[^>]+>", "*", row)]


def tracked_files(root):
    """The tracked files of a git work tree (also a worktree or submodule,
    whose .git is a file); outside git, every file but the presets' in-tree
    build directories (build/, build-*/, as .gitignore has them)."""
    inside = subprocess.run(["git", "-C", root, "rev-parse", "--is-inside-work-tree"],
                            capture_output=True, text=True)
    if inside.returncode == 0 and inside.stdout.strip() == "true":
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True, text=True).stdout
        return [f for f in out.split("\0") if f]
    files = []
    for d, dirs, names in os.walk(root):
        if d == root:
            dirs[:] = [x for x in dirs if x != ".git" and x != "build"
                       and not x.startswith("build-")]
        files += [os.path.relpath(os.path.join(d, n), root) for n in names]
    return files


def main(root):
    with open(os.path.join(root, "docs", "design.md"), encoding="utf-8") as f:
        rows = layout_rows(f.read())
    if not rows:
        sys.exit("check_layout: docs/design.md has no '## Layout of the tree' table")
    files = tracked_files(root)
    patterns = [p for row in rows for p in expand(row)]
    failures = []
    for row in rows:
        for pattern in expand(row):
            prefix = pattern.rstrip("/")
            if not any(fnmatch.fnmatch(f, prefix) or fnmatch.fnmatch(f, prefix + "/*")
                       for f in files):
                failures.append(f"layout row `{row}`: nothing in the tree matches {pattern}")
    # Top-level files and dot-folders are the project's frame, not its layout.
    for f in files:
        if "/" not in f or f.startswith("."):
            continue
        if not any(fnmatch.fnmatch(f, p.rstrip("/")) or fnmatch.fnmatch(f, p.rstrip("/") + "/*")
                   for p in patterns):
            failures.append(f"{f}: under no row of docs/design.md's layout table")
    for line in failures:
        print(line)
    print(f"check_layout: {len(rows)} rows, {len(files)} files, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
