"""`fimrl lean doctor|setup` through the real command line (a subprocess each).

The environment is controlled: HOME and PATH point at empty directories and the workspace is
a copy holding only ``lean-toolchain``, so "nothing installed" is true on any machine. The
real Lean 4.35.0 front end made by the prelude toolchain (:mod:`fimrl.verify.prelude`) stands
in for an installed ``lean``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..helpers import run_fimrl

REPO = Path(__file__).resolve().parents[2]
PINNED = (REPO / "lean_workspace" / "lean-toolchain").read_text().strip()


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """No lean, lake, elan or REPL anywhere the doctor looks."""
    home = tmp_path / "home"
    home.mkdir()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(REPO / "lean_workspace" / "lean-toolchain", ws / "lean-toolchain")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env.update(
        {
            "HOME": str(home),
            "PATH": str(bindir),
            "FIMRL_STATE_DIR": str(tmp_path / "state"),
            "FIMRL_LEAN_WORKSPACE": str(ws),
        }
    )
    return env


def fimrl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_fimrl(env, *args, timeout=120)


def test_doctor_names_every_missing_piece_and_its_fix(bare_env: dict[str, str]) -> None:
    out = fimrl(bare_env, "lean", "doctor")
    assert out.returncode == 0, out.stderr  # the default `exact` backend needs no Lean
    text = out.stdout
    assert "Traceback" not in text + out.stderr
    assert f"pinned         {PINNED}" in text
    for tool in ("lean", "lake", "repl", "elan"):
        assert f"\n{tool.ljust(15)}NOT FOUND" in "\n" + text
    assert "[MISSING] lean not found" in text
    assert f"fix: elan toolchain install {PINNED}" in text
    assert "[MISSING] lake not found" in text
    assert "[MISSING] the Lean REPL binary is not built" in text
    assert "lake build repl" in text
    assert "[optional] Mathlib is not fetched" in text
    assert "fimrl lean setup --mathlib" in text
    assert "exact (exact-match reference check, NOT Lean verification)" in text


@pytest.mark.parametrize("backend", ["repl", "cli"])
def test_doctor_exits_1_when_the_configured_backend_cannot_run(
    bare_env: dict[str, str], backend: str
) -> None:
    out = fimrl(bare_env | {"FIMRL_VERIFIER_BACKEND": backend}, "lean", "doctor")
    assert out.returncode == 1
    assert f"backend        {backend}: CANNOT RUN" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_doctor_json(bare_env: dict[str, str]) -> None:
    out = fimrl(bare_env | {"FIMRL_VERIFIER_BACKEND": "repl"}, "lean", "doctor", "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["ok"] is False and data["full"] is False
    assert data["backend"] == "repl" and data["backend_ok"] is False
    assert data["toolchain"]["lean"] is None
    assert any("lean not found" in p["what"] for p in data["problems"])


def test_doctor_reports_the_real_lean_version(bare_env: dict[str, str], prelude_lean: Path) -> None:
    env = bare_env | {"FIMRL_LEAN_BIN": str(prelude_lean), "FIMRL_VERIFIER_BACKEND": "cli"}
    out = fimrl(env, "lean", "doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    lean_line = next(line for line in out.stdout.splitlines() if line.startswith("lean "))
    assert str(prelude_lean) in lean_line
    assert "version 4.35.0" in lean_line
    assert "[MISSING] lean not found" not in out.stdout
    assert "lean is " not in out.stdout  # no version-mismatch problem: 4.35.0 is the pin
    assert "[MISSING] lake not found" in out.stdout  # still honest about the rest
    assert "backend        cli: can run" in out.stdout


@pytest.mark.parametrize("extra", [[], ["--mathlib"]])
def test_setup_without_elan_fails_with_one_clear_message(
    bare_env: dict[str, str], extra: list[str]
) -> None:
    out = fimrl(bare_env, "lean", "setup", *extra)
    assert out.returncode == 2
    assert "Traceback" not in out.stdout + out.stderr
    assert out.stderr.startswith("error: lean setup failed: elan")
    assert "elan-init.sh" in out.stderr
    assert "re-run `fimrl lean setup`" in out.stderr
