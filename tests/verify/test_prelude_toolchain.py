"""Building the prelude toolchain: names, cache, launchers, self-test, a broken placeholder."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fimrl.config import Settings
from fimrl.resources import lean_workspace_dir
from fimrl.verify.prelude import PreludeToolchain, build_prelude
from fimrl.verify.prelude.names import demangle, mangle
from fimrl.verify.prelude_checker import PreludeChecker
from fimrl.verify.types import CheckRequest

from ..helpers import run_fimrl, settings_env, store_omega_task


@pytest.mark.parametrize(
    "name",
    [
        "Lean.Parser.Tactic.exact",
        "Lean.Parser.Tactic.tacticHave__",
        "term_<;>_",
        "Lean.Parser.Tactic._aux_Init_Tactics___macroRules_Lean_Parser_Tactic_rwSeq_1",
        "term∃_,_",
    ],
)
def test_names_round_trip_through_lean_mangling(name: str) -> None:
    symbol = mangle(name)
    assert symbol.startswith("l_")
    assert mangle(".".join(f"«{c}»" for c in demangle(symbol) or [])) == symbol


def test_known_mangled_forms() -> None:
    assert mangle("Lean.Parser.Tactic.exact") == "l_Lean_Parser_Tactic_exact"
    assert mangle("term_=_") == "l_term___x3d__"
    assert demangle("not a symbol") is None


def test_build_is_cached_and_reports_what_works(
    prelude_toolchain: PreludeToolchain, tmp_path_factory: pytest.TempPathFactory
) -> None:
    manifest = prelude_toolchain.manifest
    assert manifest["lean_version"].startswith("4.35.0 prelude:FimCore@")
    for tactic in ("intro", "exact", "induction", "rw", "simp", "decide", "calc"):
        assert tactic in manifest["working"]
    assert manifest["broken"] == {}
    again = build_prelude(prelude_toolchain.root.parent, lean_workspace_dir())
    assert again.root == prelude_toolchain.root
    assert again.manifest["build_s"] == manifest["build_s"]  # loaded, not rebuilt


def test_python_launcher_runs_lean_without_a_compiler(tmp_path: Path) -> None:
    tc = build_prelude(tmp_path, lean_workspace_dir(), launcher="python")
    assert tc.manifest["launcher"] == "Python ctypes launcher"
    checker = PreludeChecker(tc, tmp_dir=tmp_path)
    verdict = checker.check(
        CheckRequest(
            header=tc.header,
            prefix="theorem t (p : Prop) (h : p) : p := by\n  ",
            middle="exact h",
            suffix="\n",
            target="t",
        )
    )
    assert verdict.status == "pass", verdict.detail


def _workspace_with_a_broken_placeholder(tmp_path: Path) -> Path:
    """FimCore plus a macro for `trivial` whose placeholder names a data object (a parser
    description), so Lean jumps into data and dies on a signal when `trivial` is used."""
    ws = tmp_path / "ws"
    src = lean_workspace_dir()
    ws.mkdir()
    shutil.copy(src / "FimCore.lean", ws / "FimCore.lean")
    shutil.copytree(src / "FimCore", ws / "FimCore")
    (ws / "FimCore" / "Broken0.lean").write_text(
        "prelude\nimport FimCore.Tactics\ndef tacticFunext___ : Lean.Macro := fun s _ _ => s\n"
    )
    (ws / "FimCore" / "Broken.lean").write_text(
        "prelude\nimport FimCore.Broken0\n"
        "attribute [macro Lean.Parser.Tactic.tacticTrivial] tacticFunext___\n"
    )
    root = (ws / "FimCore.lean").read_text()
    (ws / "FimCore.lean").write_text(root + "import FimCore.Broken\n")
    return ws


def test_a_broken_placeholder_is_named_by_the_self_test_and_checks_give_error(
    tmp_path: Path,
) -> None:
    tc = build_prelude(tmp_path / "prelude", _workspace_with_a_broken_placeholder(tmp_path))
    assert "trivial" in tc.manifest["broken"]
    assert "exact" in tc.manifest["working"]
    checker = PreludeChecker(tc, tmp_dir=tmp_path)
    request = CheckRequest(
        header=tc.header,
        prefix="theorem t : True := by\n  ",
        middle="trivial",
        suffix="\n",
        target="t",
    )
    verdict = checker.check(request)
    assert verdict.status == "error", verdict
    assert "checker fault" in verdict.detail
    fixed = dataclasses.replace(request, middle="exact True.intro")
    assert checker.check(fixed).status == "pass"


def _fimrl(
    *args: str, env_extra: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_fimrl(dict(os.environ) | env_extra, *args, stdin=stdin)


def test_lean_check_command_gives_leans_verdict(tmp_path: Path) -> None:
    env = {"FIMRL_STATE_DIR": str(tmp_path / "state")}
    good = tmp_path / "good.lean"
    good.write_text("prelude\nimport FimCore\ntheorem g (a : Nat) : a + 0 = a := by simp\n")
    out = _fimrl("lean", "check", str(good), "--json", env_extra=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "pass"
    assert result["backend"] == "prelude"
    assert set(result["axioms"]) == {"g"}
    bad = "prelude\nimport FimCore\naxiom cheat : False\ntheorem b : 1 = 2 := cheat.elim\n"
    out = _fimrl("lean", "check", "-", "--json", env_extra=env, stdin=bad)
    assert out.returncode == 1
    assert json.loads(out.stdout)["status"] == "rejected"
    wrong = "prelude\nimport FimCore\ntheorem w : 1 = 2 := by rfl\n"
    out = _fimrl("lean", "check", "-", "--json", env_extra=env, stdin=wrong)
    assert json.loads(out.stdout)["status"] == "fail"
    out = _fimrl("lean", "check", str(tmp_path / "missing.lean"), env_extra=env)
    assert out.returncode == 2
    assert "no such file" in out.stderr
    out = _fimrl("lean", "check", str(tmp_path), env_extra=env)
    assert (out.returncode, "is not a file" in out.stderr) == (2, True)
    binary = tmp_path / "binary.lean"
    binary.write_bytes(b"\xff\xfe")
    out = _fimrl("lean", "check", str(binary), env_extra=env)
    assert (out.returncode, "is not UTF-8 text" in out.stderr) == (2, True)


def test_doctor_reports_the_prelude_toolchain(tmp_path: Path) -> None:
    out = _fimrl(
        "lean",
        "doctor",
        "--json",
        env_extra={"FIMRL_STATE_DIR": str(tmp_path), "FIMRL_VERIFIER_BACKEND": "prelude"},
    )
    data = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr
    assert data["prelude"]["available"] is True
    assert data["backend_ok"] is True
    assert "exact" in data["prelude"]["working"]


def test_lean_check_a_candidate_for_a_stored_task(settings: Settings, engine: Any) -> None:
    """`--task ID --middle TEXT` runs the configured backend on the stored task, as a worker."""
    task_id = store_omega_task(engine, 1, header="prelude\nimport FimCore\n")
    env = settings_env(settings, verifier_backend="prelude")
    args = ("lean", "check", "--task", str(task_id), "--json", "--middle")
    good = _fimrl(*args, "exact Nat.add_comm n 1", env_extra=env)
    assert good.returncode == 0, good.stderr
    verdict = json.loads(good.stdout)
    assert (verdict["status"], verdict["backend"]) == ("pass", "prelude")
    assert verdict["lean_version"].startswith("4.35.0 prelude:FimCore@")
    wrong = _fimrl(*args, "rfl", env_extra=env)
    assert (wrong.returncode, json.loads(wrong.stdout)["status"]) == (1, "fail")
    refused = _fimrl(*args, "sorry", env_extra=env)
    assert json.loads(refused.stdout)["rule"] == "sorry"
    missing = _fimrl("lean", "check", "--task", "999999", "--middle", "rfl", env_extra=env)
    assert missing.returncode == 2
    assert "no task with id 999999" in missing.stderr


def test_another_platform_gets_one_clear_line_and_auto_falls_back_to_exact(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fimrl.verify.factory import resolve_backend
    from fimrl.verify.prelude import PreludeUnavailable, locate_library

    monkeypatch.setattr("fimrl.verify.prelude.wheel.platform.machine", lambda: "aarch64")
    with pytest.raises(PreludeUnavailable, match="needs x86-64 Linux"):
        locate_library()
    settings = Settings(state_dir=tmp_path, verifier_backend="auto", lean_bin=str(tmp_path / "x"))
    name, why = resolve_backend(settings)
    assert name == "exact"
    assert "NOT Lean" in why and "x86-64 Linux" in why


def test_a_first_use_build_says_so_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="fimrl.verify.prelude.build"):
        build_prelude(tmp_path, lean_workspace_dir())
    assert any("prelude toolchain ready" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "proof",
    [
        "theorem a1 (l : List Nat) : (l ++ []).length = l.length := by simp",
        "theorem a2 (f : Nat → Nat) (x : Nat) : f (x + 0) = f x := by simp",
        "theorem a3 (p : Prop) : (p ∧ True) ↔ p := by simp",
        "theorem a4 (h : true = false) : False := by cases h",
        "def dbl : Nat → Nat\n  | 0 => 0\n  | n + 1 => dbl n + 2\n"
        "theorem a5 (n : Nat) : dbl n = 2 * n := by\n  induction n with\n  | zero => rfl\n"
        "  | succ k ih => simp [dbl, ih]; rw [Nat.mul_succ]",
        "def pick (c : Bool) (a b : Nat) : Nat := if c = true then a else b\n"
        "theorem a6 : pick true 1 2 = 1 := by simp [pick]",
        "theorem a7 (a b : Nat) (h : a ≤ b) (e : b = 3) : a ≤ 3 := by\n"
        "  calc a ≤ b := h\n    _ = 3 := e",
    ],
)
def test_fimcore_supports_what_simp_cases_match_and_calc_look_up(
    prelude_toolchain: PreludeToolchain, proof: str
) -> None:
    from fimrl.verify.file_check import check_file

    verdict = check_file(
        prelude_toolchain.header + proof + "\n",
        prelude_toolchain.lean_cmd(),
        env=prelude_toolchain.env(),
    )
    assert verdict.status == "pass", verdict.detail
