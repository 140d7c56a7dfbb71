"""Lean's C symbol names for declarations, both ways.

Lean compiles a declaration ``A.b`` to the C symbol ``l_A_b``: components are joined by
``_``, a literal ``_`` becomes ``__``, and any other character that is not an ASCII letter
or digit becomes ``_xHH``, ``_uHHHH`` or ``_UHHHHHHHH``. The prelude toolchain reads the
shared library's symbol table through this mapping to find which of Init's parser
descriptions and macros the binary carries, so no address or name list of one build is
written into fimrl.
"""

from __future__ import annotations

import re

from fimrl.lean.guard import split_dotted

__all__ = ["demangle", "lean_ident", "mangle", "split_name"]

_HEX = {"x": 2, "u": 4, "U": 8}
_PLAIN_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_'!?]*")
#: Keywords that cannot stand as a bare name component in Lean source.
_KEYWORDS = frozenset(
    {
        *("at", "by", "calc", "do", "else", "end", "exact", "fun", "have", "if", "in", "let"),
        *("match", "open", "show", "suffices", "then", "from", "with", "where", "exists"),
        *("structure", "class", "instance", "theorem", "def", "axiom"),
    }
)


def split_name(name: str) -> list[str]:
    """Components of a dotted name; ``«…»`` protects dots (``A.«b.c»`` -> A, b.c)."""
    return split_dotted(name)


def _mangle_component(comp: str) -> str:
    out: list[str] = []
    for ch in comp:
        code = ord(ch)
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == "_":
            out.append("__")
        elif code < 0x100:
            out.append(f"_x{code:02x}")
        elif code < 0x10000:
            out.append(f"_u{code:04x}")
        else:
            out.append(f"_U{code:08x}")
    return "".join(out)


def mangle(name: str) -> str:
    """The C symbol of the Lean declaration ``name`` (string components only)."""
    return "l_" + "_".join(_mangle_component(c) for c in split_name(name))


def demangle(symbol: str) -> list[str] | None:
    """Components of the declaration behind ``symbol``, or ``None`` if it is not ``l_…``.

    Runs of underscores are ambiguous (``Tactic___aux`` is ``Tactic`` + ``_aux`` or
    ``Tactic_`` + ``aux``); an odd run is read as a separator followed by literal
    underscores, because compiler-made components start with ``_`` (``_aux_…``,
    ``_private``). Callers trust a result only once :func:`mangle` maps it back to
    ``symbol``.
    """
    if not symbol.startswith("l_"):
        return None
    s = symbol[2:]
    comps: list[str] = []
    cur: list[str] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] != "_":
            cur.append(s[i])
            i += 1
            continue
        j = i
        while j < n and s[j] == "_":
            j += 1
        run = j - i
        escape = _HEX.get(s[j]) if j < n else None
        if escape is not None and not _is_hex(s[j + 1 : j + 1 + escape], escape):
            escape = None
        if escape is not None:
            run -= 1  # the last underscore opens the escape
        if run % 2:
            comps.append("".join(cur))
            cur = []
        cur.append("_" * (run // 2))
        if escape is not None:
            cur.append(chr(int(s[j + 1 : j + 1 + escape], 16)))
            j += 1 + escape
        i = j
    comps.append("".join(cur))
    return comps


def _is_hex(digits: str, width: int) -> bool:
    return len(digits) == width and all(c in "0123456789abcdef" for c in digits)


def lean_ident(components: list[str]) -> str:
    """``components`` written as a Lean identifier, guillemets where a part needs them."""
    out = []
    for comp in components:
        if _PLAIN_IDENT.fullmatch(comp) and comp not in _KEYWORDS:
            out.append(comp)
        else:
            out.append(f"«{comp}»")
    return ".".join(out)
