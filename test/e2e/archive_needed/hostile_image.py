#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""hostile_image.py OUT

Writes an ELF64 little-endian shared-object-shaped image whose dynamic
section has 4,000 DT_NEEDED entries, all naming offset 0 of a 1 MiB string
table that holds no NUL: what a reader of DT_NEEDED names must bound (each
name would be the whole table) before any loader judges the image."""
import struct
import sys

NEEDED = 4000
STRSZ = 1 << 20
PHOFF = 64
DYN_OFF = PHOFF + 2 * 56
dyn = b"".join(struct.pack("<qQ", 1, 0) for _ in range(NEEDED))
dyn += struct.pack("<qQ", 5, 0x100000) + struct.pack("<qQ", 10, STRSZ)
dyn += struct.pack("<qQ", 0, 0)
str_off = DYN_OFF + len(dyn)
header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
header += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, PHOFF, 0, 0, 64, 56, 2,
                      64, 0, 0)
load = struct.pack("<IIQQQQQQ", 1, 5, str_off, 0x100000, 0x100000, STRSZ,
                   STRSZ, 0x1000)
dynamic = struct.pack("<IIQQQQQQ", 2, 6, DYN_OFF, 0x200000, 0x200000,
                      len(dyn), len(dyn), 8)
with open(sys.argv[1], "wb") as out:
    out.write(header + load + dynamic + dyn + b"A" * STRSZ)
