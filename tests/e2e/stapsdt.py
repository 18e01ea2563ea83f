#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Rewrite the SystemTap SDT notes of a copy of an ELF file (64-bit, little-endian).

  stapsdt.py pc IN OUT PROVIDER:NAME ADDR      the first site of PROVIDER:NAME at ADDR
                                               (the 8-byte pc field of its note)
  stapsdt.py sizes IN OUT PROVIDER:NAME NAMESZ DESCSZ
                                               its note's header says NAMESZ and DESCSZ
  stapsdt.py list IN                           "PROVIDER:NAME PC" for each note

ADDR, NAMESZ and DESCSZ are numbers as Python reads them (0x12c1, 65535).
"""
import struct
import sys


def notes(elf):
    """(offset of the note header, provider, name, pc) for each note of .note.stapsdt."""
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    sections = [struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx][4]
    for name, _type, _flags, _addr, off, size in sections:
        if elf[strtab + name:elf.index(b"\0", strtab + name)] != b".note.stapsdt":
            continue
        at = off
        while at < off + size:
            namesz, descsz, _ntype = struct.unpack_from("<III", elf, at)
            desc = at + 12 + (namesz + 3) // 4 * 4
            pc, = struct.unpack_from("<Q", elf, desc)
            strings = elf[desc + 24:desc + descsz].split(b"\0")
            yield at, strings[0].decode(), strings[1].decode(), pc
            at = desc + (descsz + 3) // 4 * 4


def note_of(elf, probe):
    for at, provider, name, pc in notes(elf):
        if f"{provider}:{name}" == probe:
            return at
    sys.exit(f"stapsdt.py: no note for {probe}")


def main(argv):
    elf = bytearray(open(argv[2], "rb").read())
    if argv[1] == "list":
        for _at, provider, name, pc in notes(elf):
            print(f"{provider}:{name} {pc:#x}")
        return
    at = note_of(elf, argv[4])
    if argv[1] == "pc":
        namesz, = struct.unpack_from("<I", elf, at)
        struct.pack_into("<Q", elf, at + 12 + (namesz + 3) // 4 * 4, int(argv[5], 0))
    elif argv[1] == "sizes":
        struct.pack_into("<II", elf, at, int(argv[5], 0), int(argv[6], 0))
    else:
        sys.exit(__doc__)
    with open(argv[3], "wb") as out:
        out.write(elf)


if __name__ == "__main__":
    main(sys.argv)
