"""Names that become paths, and paths that must stay under the state directory.

Run, report, experiment, warm-up and worker names come from the command line, from TOML files
and from the database, and each becomes a directory or file name under the state dir. A name
like ``../../../../tmp/x`` would write wherever its author wanted (with the writer's rights),
so every such name is checked against one pattern before it touches the file system, and the
joined path is resolved and checked to stay under the state dir (symlinks included).
"""

from __future__ import annotations

import re
from pathlib import Path

from fimrl.errors import FimrlError

__all__ = ["SAFE_NAME", "safe_name", "state_path"]

#: Letters, digits and ``. _ + -``; starts with a letter or digit (so never ``.`` or ``..``).
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


def safe_name(name: str, what: str) -> str:
    """``name`` unchanged if it may name a file; a :class:`FimrlError` naming ``what`` if not."""
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        raise FimrlError(
            f"{what} {name!r} cannot name a file: use letters, digits, '.', '_', '+' or '-', "
            "starting with a letter or digit, at most 128 characters"
        )
    return name


def state_path(state_dir: Path, *parts: str, what: str = "name") -> Path:
    """``state_dir / part / …`` with every part checked, resolved to stay under ``state_dir``."""
    root = Path(state_dir).expanduser().resolve()
    path = root.joinpath(*(safe_name(part, what) for part in parts))
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise FimrlError(f"{path} leads outside the state dir {root} (a symlink?); refusing it")
    return resolved
