"""Letting another local user reach files that fimrl owns, and nothing more.

Two processes run as a different user than the one that installed or built their files: the
embedded PostgreSQL server (it refuses to run as root) and Lean checks of a worker that runs
as root (untrusted proofs must not run with root's rights). Each needs to *read* one tree —
binaries, shared libraries, ``.olean`` files — that may sit under a private directory (CI puts
the virtual environment under a ``0o700`` temporary directory). Parents get search permission
only (``o+x``: passing through, not listing), the tree itself read permission; secrets (the
``0o600`` files in the state dir) stay private because nothing here touches their modes.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["open_tree_for_others", "traversable_by_others"]


def traversable_by_others(path: Path) -> None:
    """Give other users search permission (``o+x``) on every parent of ``path``."""
    for parent in reversed(Path(path).parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def open_tree_for_others(root: Path, *, marker: str | None = None) -> None:
    """Make ``root`` reachable and readable by other users: its parents searchable, its
    directories ``o+rx``, its files ``o+r`` (``o+x`` where the owner may execute).

    ``marker``: a file written into ``root`` once done, so later calls skip the walk (a
    tree that does not change after it is built).
    """
    root = Path(root)
    traversable_by_others(root)
    done = root / marker if marker is not None else None
    if done is not None and done.exists():
        return
    for directory, _dirs, files in os.walk(root):
        os.chmod(directory, os.stat(directory).st_mode | 0o005)
        for name in files:
            full = os.path.join(directory, name)
            if os.path.islink(full):
                continue
            mode = os.stat(full).st_mode
            os.chmod(full, mode | 0o004 | (0o001 if mode & 0o100 else 0))
    if done is not None:
        done.touch()
