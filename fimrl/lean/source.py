"""Reading Lean source files defensively.

Corpus scans meet whatever is on disk: binary blobs renamed ``.lean``, Latin-1 files,
multi-megabyte generated files.  :func:`load_source` turns every such case into a
:class:`SkipFile` with a human-readable reason, so a scan reports and moves on instead
of crashing or hanging.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["DEFAULT_MAX_BYTES", "SkipFile", "check_text", "load_source"]

#: Files larger than this are skipped (generated files, data dumps).
DEFAULT_MAX_BYTES: Final[int] = 8 * 1024 * 1024


class SkipFile(Exception):
    """A source file that cannot be used; ``reason`` says why (one line)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_text(text: str, *, max_chars: int | None = None) -> None:
    """Raise :class:`SkipFile` for text no Lean file can contain (NUL, oversize)."""
    if "\x00" in text:
        raise SkipFile(f"binary content: NUL character at offset {text.index(chr(0))}")
    if max_chars is not None and len(text) > max_chars:
        raise SkipFile(f"too large: {len(text)} characters > limit {max_chars}")


def load_source(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a Lean file as text, or raise :class:`SkipFile` saying why not.

    Checks the size *before* reading (a 50 MB file is never loaded), rejects NUL bytes
    (binary junk) and invalid UTF-8 (Lean requires UTF-8), and strips a leading
    byte-order mark.  Offsets in everything downstream refer to the returned string.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise SkipFile(f"cannot stat: {exc.strerror or exc}") from exc
    if not p.is_file():
        raise SkipFile("not a regular file")
    if size > max_bytes:
        raise SkipFile(f"too large: {size} bytes > limit {max_bytes}")
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise SkipFile(f"too large: more than {max_bytes} bytes")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SkipFile(f"binary content: NUL byte at offset {nul}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid UTF-8: {exc.reason} at byte offset {exc.start}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
