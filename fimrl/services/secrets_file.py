"""Generated secrets of the embedded services, kept in files only their owner reads (0600).

The embedded PostgreSQL and Redis listen on loopback, where every local user reaches them; a
password each, made on first start and kept beside the server's data, is what keeps other
local users out. Processes of the same user find the URLs (passwords included) in the
services registry, which is written 0600 too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["read_or_make_secret", "write_private"]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (atomically: write, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_or_make_secret(path: Path) -> str:
    """The secret in ``path``, made (random, URL-safe) if the file does not exist yet."""
    if not path.exists():
        write_private(path, secrets.token_hex(24) + "\n")
    value = path.read_text().strip()
    if not value:
        raise ValueError(f"{path} is empty; delete it and restart the service to make a new one")
    return value
