"""End-to-end checks against a FULL Lean toolchain (lean, lake, REPL) for both Lean backends.

Marked ``lean``: skipped, with the doctor's list of what is missing, on machines without
the toolchain (``fimrl lean setup`` installs it where there is network access). No Mathlib
needed: the tasks use only Lean's core library.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fimrl.config import Settings
from fimrl.verify import Checker, make_checker
from fimrl.verify.cli_checker import parse_json_lines
from fimrl.verify.rules import assemble, evaluate
from fimrl.verify.toolchain import Toolchain, doctor
from fimrl.verify.types import CheckRequest, Limits

pytestmark = pytest.mark.lean


@pytest.fixture(scope="module")
def toolchain() -> Toolchain:
    report = doctor()
    if not report.full:
        missing = "; ".join(p.what for p in report.problems if p.required) or "incomplete"
        pytest.skip(f"no full Lean toolchain (`fimrl lean doctor`): {missing}")
    return report.toolchain


@pytest.fixture(scope="module", params=["repl", "cli"])
def checker(request: pytest.FixtureRequest, toolchain: Toolchain) -> Iterator[Checker]:
    settings = Settings(
        verifier_backend=request.param,
        lean_workspace=toolchain.workspace,
        check_timeout_s=120,
        verdict_cache_size=0,
    )
    with make_checker(settings) as c:
        yield c


def task(prefix: str, middle: str, **limits: float) -> CheckRequest:
    target = None if prefix.lstrip().startswith("example") else prefix.split()[1]
    return CheckRequest(
        header="",
        prefix=prefix,
        middle=middle,
        suffix="\n",
        target=target,
        limits=Limits(**limits) if limits else None,  # type: ignore[arg-type]
    )


ADD_ZERO = "theorem add_zero' (n : Nat) : n + 0 = n := by\n  "
COMM = "theorem comm' (a b : Nat) : a + b = b + a := by\n  "


def test_correct_proof_passes(checker: Checker) -> None:
    verdict = checker.check(task(ADD_ZERO, "simp"))
    assert verdict.status == "pass", verdict.detail
    assert verdict.lean_version and verdict.lean_version != "standin"
    assert set(verdict.axioms) <= {"propext", "Classical.choice", "Quot.sound"}


def test_wrong_proof_fails(checker: Checker) -> None:
    verdict = checker.check(task(COMM, "rfl"))
    assert verdict.status == "fail"
    assert any(m["severity"] == "error" for m in verdict.messages)


def test_sorry_rejected_by_guard_and_by_lean(checker: Checker) -> None:
    assert checker.check(task(COMM, "sorry")).rule == "sorry"
    verdict = checker._run(task(COMM, "sorry"), checker.default_limits)
    assert (verdict.status, verdict.rule) == ("rejected", "sorry")


def test_axiom_in_context_rejected(checker: Checker) -> None:
    prefix = "axiom cheat : False\ntheorem bad' : 1 = 2 := by\n  "
    verdict = checker.check(task(prefix, "exact cheat.elim"))
    assert (verdict.status, verdict.rule) == ("rejected", "axiom")
    assert "cheat" in verdict.axioms


def test_native_decide_rejected_by_guard_and_by_lean(checker: Checker) -> None:
    prefix = "theorem small' : 10 < 20 := by\n  "
    assert checker.check(task(prefix, "native_decide")).rule == "native_decide"
    verdict = checker._run(task(prefix, "native_decide"), checker.default_limits)
    assert (verdict.status, verdict.rule) == ("rejected", "ofReduceBool")


def test_statement_change_rejected(toolchain: Toolchain, tmp_path: Path) -> None:
    request = task(ADD_ZERO, "simp")
    asm = assemble(request, Limits())
    decl = f"theorem {asm.target_name} (n : Nat) : n + 0 = n :="
    tampered = asm.body.replace(decl, f"theorem {asm.target_name} (n : Nat) : n = n :=")
    path = tmp_path / "Tampered.lean"
    path.write_text(tampered)
    out = subprocess.run(
        [*toolchain.lean_cmd(), "--json", str(path)],
        capture_output=True,
        text=True,
        cwd=toolchain.workspace,
        timeout=300,
    )
    verdict = evaluate(parse_json_lines(out.stdout)[0], [], asm)
    assert (verdict.status, verdict.rule) == ("rejected", "statement_changed")


def test_loop_times_out(checker: Checker) -> None:
    prefix = "theorem loop' : True := by\n  "
    middle = "repeat (first | skip)\n  trivial"
    by_heartbeats = checker.check(task(prefix, middle, max_heartbeats=1000, timeout_s=120))
    assert by_heartbeats.status == "timeout"
    by_clock = checker.check(task(prefix, middle, max_heartbeats=0, timeout_s=3))
    assert by_clock.status == "timeout"
    assert checker.check(task(ADD_ZERO, "simp")).status == "pass"  # replaced / still works


def test_header_reuse_makes_the_second_check_faster(toolchain: Toolchain) -> None:
    settings = Settings(
        verifier_backend="repl", lean_workspace=toolchain.workspace, verdict_cache_size=0
    )
    with make_checker(settings, pool_size=1) as checker:
        header = "import Lean\n"
        first = checker.check(
            CheckRequest(
                header=header, prefix=ADD_ZERO, middle="simp", suffix="\n", target="add_zero'"
            )
        )
        second = checker.check(
            CheckRequest(header=header, prefix=COMM, middle="omega", suffix="\n", target="comm'")
        )
        assert first.status == second.status == "pass"
        assert second.duration_s < first.duration_s
