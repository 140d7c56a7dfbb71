"""The exported symbols of Lean's shared library, split into data objects and functions.

Init's parser descriptions are exported data objects (``l_Lean_Parser_Tactic_exact``);
macro rules and unexpanders are exported functions. pyelftools locates ``.dynsym`` and
``.dynstr``; the ~230k fixed-size entries are then decoded with :mod:`struct` in one pass
(iterating them through pyelftools' objects costs ~5 s, this ~0.3 s).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ExportedSymbols", "read_exported_symbols"]

_STT_OBJECT = 1
_STT_FUNC = 2
_SHN_UNDEF = 0


@dataclass(frozen=True)
class ExportedSymbols:
    """Names of the defined, exported data objects and functions of one library."""

    objects: frozenset[str]
    functions: frozenset[str]


def read_exported_symbols(path: str | Path) -> ExportedSymbols:
    """Read ``.dynsym`` of the ELF shared library at ``path`` (x86-64 / 64-bit ELF)."""
    # Imported here: every checker imports the prelude package, only a build reads symbols.
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        if elf.elfclass != 64:
            raise ValueError(f"{path}: a 64-bit ELF shared library is expected")
        dynsym = elf.get_section_by_name(".dynsym")
        if dynsym is None:
            raise ValueError(f"{path}: no .dynsym section (not a shared library?)")
        strtab = elf.get_section(dynsym["sh_link"])
        fh.seek(dynsym["sh_offset"])
        table = fh.read(dynsym["sh_size"])
        fh.seek(strtab["sh_offset"])
        strings = fh.read(strtab["sh_size"])
        entsize = dynsym["sh_entsize"] or 24
    objects: set[str] = set()
    functions: set[str] = set()
    # Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64
    for name_off, info, _other, shndx, _value, _size in struct.iter_unpack(
        "<IBBHQQ", table[: len(table) - len(table) % entsize]
    ):
        if shndx == _SHN_UNDEF or not name_off:
            continue
        kind = info & 0xF
        if kind not in (_STT_OBJECT, _STT_FUNC):
            continue
        end = strings.index(b"\0", name_off)
        name = strings[name_off:end].decode("ascii", errors="replace")
        (objects if kind == _STT_OBJECT else functions).add(name)
    return ExportedSymbols(frozenset(objects), frozenset(functions))
