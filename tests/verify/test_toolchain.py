"""Toolchain discovery, ``doctor`` and ``setup`` on fake and missing toolchains."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fimrl.config import Settings
from fimrl.verify.toolchain import MATHLIB_LAKEFILE, SetupError, discover, doctor, setup

REPO = Path(__file__).resolve().parents[2]


def fake_tool(path: Path, output: str, code: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable}\nimport sys\nprint({output!r})\nsys.stderr.write({output!r})\n"
        f"sys.exit({code})\n"
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def empty_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No lean/lake/elan on PATH or in ~/.elan."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    (ws / "lean-toolchain").write_text("leanprover/lean4:v4.35.0\n")
    (ws / "lakefile.toml").write_text('name = "x"\n')
    return ws


def test_repo_workspace_pins_lean_4_35(tmp_path: Path) -> None:
    ws = REPO / "lean_workspace"
    assert (ws / "lean-toolchain").read_text().strip() == "leanprover/lean4:v4.35.0"
    import tomllib

    base = tomllib.loads((ws / "lakefile.toml").read_text())
    repl = [r for r in base["require"] if r["name"] == "REPL"]
    assert repl == [
        {"name": "REPL", "git": "https://github.com/leanprover-community/repl", "rev": "v4.35.0"}
    ]
    assert [lib["name"] for lib in base["lean_lib"]] == ["FimCorpus"]
    assert not any(r["name"] == "mathlib" for r in base["require"])
    mathlib = tomllib.loads((ws / MATHLIB_LAKEFILE).read_text())
    assert {r["name"] for r in mathlib["require"]} == {"REPL", "mathlib"}


def test_doctor_lists_every_missing_piece_with_a_fix(empty_env: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    report = doctor(Settings(lean_workspace=ws))
    assert not report.ok and not report.full
    text = report.render()
    for needle in ("lean not found", "lake not found", "REPL binary", "elan", "Mathlib"):
        assert needle in text
    fixes = " ".join(p.fix for p in report.problems)
    assert "elan toolchain install leanprover/lean4:v4.35.0" in fixes
    assert "lake build repl" in fixes
    assert "elan-init.sh" in fixes
    assert {p.required for p in report.problems if "Mathlib" in p.what} == {False}
    assert report.to_dict()["ok"] is False


def test_setup_without_elan_fails_clearly(empty_env: Path, tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"elan .* is not installed") as info:
        setup(Settings(lean_workspace=workspace(tmp_path)))
    assert "elan-init.sh" in str(info.value)
    assert "exact" in str(info.value)  # says what works offline


def test_setup_reports_the_failing_step(empty_env: Path, tmp_path: Path) -> None:
    fake_tool(empty_env / "elan", "error: could not download toolchain (no network)", code=1)
    with pytest.raises(SetupError, match="toolchain install") as info:
        setup(Settings(lean_workspace=workspace(tmp_path)))
    message = str(info.value)
    assert "could not download" in message and "network" in message


def test_setup_runs_the_steps_in_order(empty_env: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    log = tmp_path / "calls.log"
    script = (
        f"#!{sys.executable}\nimport sys, os\n"
        "argv = [os.path.basename(sys.argv[0])] + sys.argv[1:]\n"
        f"open({str(log)!r}, 'a').write(' '.join(argv) + '\\n')\n"
    )
    for name in ("elan", "lake", "lean"):
        (empty_env / name).write_text(script)
        (empty_env / name).chmod(0o755)
    report = setup(Settings(lean_workspace=ws), mathlib=True)
    calls = log.read_text().splitlines()
    steps = [c for c in calls if "--version" not in c]
    assert steps == [
        "elan toolchain install leanprover/lean4:v4.35.0",
        f"lake -f {MATHLIB_LAKEFILE} exe cache get",
        f"lake -f {MATHLIB_LAKEFILE} build",
        f"lake -f {MATHLIB_LAKEFILE} build repl",
    ]
    assert [rc for _, rc in report.steps] == [0, 0, 0, 0]
    assert report.doctor is not None


def test_discover_finds_a_complete_fake_toolchain(empty_env: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    fake_tool(
        empty_env / "lean", "Lean (version 4.35.0, x86_64-unknown-linux-gnu, commit abc, Release)"
    )
    fake_tool(empty_env / "lake", "Lake version 5.0.0 (Lean version 4.35.0)")
    repl = fake_tool(ws / ".lake/packages/REPL/.lake/build/bin/repl", "")
    tc = discover(Settings(lean_workspace=ws))
    assert tc.full and tc.repl == repl
    assert tc.lean_version and "4.35.0" in tc.lean_version
    assert tc.repl_argv() == [str(empty_env / "lake"), "env", str(repl)]
    assert tc.lean_cmd() == [str(empty_env / "lake"), "env", str(empty_env / "lean")]
    report = doctor(Settings(lean_workspace=ws))
    assert report.ok and report.full
    assert [p.what for p in report.problems if p.required] == []

    (ws / ".lake/packages/mathlib").mkdir(parents=True)
    (ws / MATHLIB_LAKEFILE).write_text('name = "x"\n')
    tc = discover(Settings(lean_workspace=ws))
    assert tc.mathlib_profile
    assert tc.repl_argv()[:3] == [str(empty_env / "lake"), "-f", MATHLIB_LAKEFILE]


def test_settings_paths_win_and_version_mismatch_is_reported(
    empty_env: Path, tmp_path: Path
) -> None:
    ws = workspace(tmp_path)
    other = fake_tool(tmp_path / "opt/lean", "Lean (version 4.9.0, commit def, Release)")
    report = doctor(Settings(lean_workspace=ws, lean_bin=str(other)))
    assert report.toolchain.lean == other
    assert any("pins leanprover/lean4:v4.35.0" in p.what for p in report.problems)
    assert os.environ["PATH"] == str(empty_env)
