"""Train/valid/test assignment and de-duplication of FIM tasks.

The split of a task depends only on *what theorem it is*, never on where the file
lives or in which order files are scanned: the key is the declaration name plus its
statement with layout and comments normalised away, hashed with SHA-256 (Python's
``hash`` is salted per process).  So every hole cut from one theorem lands in the same
split, a copy of the theorem in another file lands there too, and moving or renaming
directories reshuffles nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Final, Protocol, TypeVar

from fimrl.lean.lexer import LeanSyntaxError, lex_significant

__all__ = [
    "DEFAULT_FRACTIONS",
    "SplitChooser",
    "assign_split",
    "dedup",
    "normalise_statement",
    "split_key",
]

#: Default split fractions (must sum to 1).
DEFAULT_FRACTIONS: Final[Mapping[str, float]] = {"train": 0.9, "valid": 0.05, "test": 0.05}


def normalise_statement(statement: str) -> str:
    """Statement text with comments dropped and all layout collapsed to single spaces."""
    try:
        return " ".join(lex_significant(statement).toks)
    except LeanSyntaxError:
        return " ".join(statement.split())


def split_key(
    name: str, statement: str, *, synthetic_name: bool = False, normalised: bool = False
) -> str:
    """The string that decides a declaration's split.

    Synthetic names (``example@L12``) carry a line number, which must not matter, so
    they are replaced by their kind prefix.  ``normalised=True`` says ``statement`` is
    already :func:`normalise_statement` output (saves re-lexing).
    """
    if synthetic_name:
        name = name.split("@", 1)[0]
    stmt = statement if normalised else normalise_statement(statement)
    return f"{name}\x00{stmt}"


def assign_split(key: str, fractions: Mapping[str, float] = DEFAULT_FRACTIONS) -> str:
    """Deterministically map ``key`` to a split name according to ``fractions``.

    The first 8 bytes of SHA-256 give a uniform number in [0, 1); the splits take
    consecutive intervals in the (insertion) order of ``fractions``.
    """
    return SplitChooser(fractions)(key)


class SplitChooser:
    """:func:`assign_split` with ``fractions`` checked and accumulated once.

    A corpus build assigns a split per declaration; validating the fractions and
    summing them each time was a third of that.
    """

    __slots__ = ("_bounds", "_last", "_scale")

    def __init__(self, fractions: Mapping[str, float] = DEFAULT_FRACTIONS) -> None:
        total = sum(fractions.values())
        if not fractions or total <= 0 or min(fractions.values()) < 0:
            raise ValueError(f"bad split fractions: {dict(fractions)!r}")
        self._scale = total / 2**64
        acc = 0.0
        bounds: list[tuple[float, str]] = []
        for name, frac in fractions.items():
            acc += frac
            if frac > 0:
                bounds.append((acc, name))
            self._last = name
        self._bounds = tuple(bounds)

    def __call__(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        u = int.from_bytes(digest[:8], "big") * self._scale
        for bound, name in self._bounds:
            if u < bound:
                return name
        return self._last


class _Hashed(Protocol):
    @property
    def content_hash(self) -> str: ...


T = TypeVar("T", bound=_Hashed)


def dedup(tasks: Iterable[T]) -> list[T]:
    """Drop tasks whose ``content_hash`` was already seen (first occurrence wins)."""
    seen: set[str] = set()
    out: list[T] = []
    for t in tasks:
        if t.content_hash not in seen:
            seen.add(t.content_hash)
            out.append(t)
    return out
