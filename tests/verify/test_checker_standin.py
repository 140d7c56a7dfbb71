"""Verdict rules, the cache and the factory through ``ReplChecker`` and the stand-in REPL.

The stand-in never checks proofs: these tests exercise the client (assembly, protocol,
rules, caching), and every verdict they produce is labelled as coming from a stand-in.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fimrl.config import Settings
from fimrl.verify import (
    CliChecker,
    ExactChecker,
    ReplChecker,
    ToolchainMissing,
    VerdictCache,
    make_checker,
)
from fimrl.verify.types import CheckRequest, Limits

from .conftest import STANDIN, STANDIN_ARGV, log_lines, standin_request


@pytest.fixture(scope="module")
def checker():  # type: ignore[no-untyped-def]
    with ReplChecker(
        STANDIN_ARGV, pool_size=2, default_limits=Limits(timeout_s=10, memory_mb=2048)
    ) as c:
        yield c


@pytest.mark.parametrize(
    ("middle", "status", "rule"),
    [
        ("rfl", "pass", None),
        ("rfl -- STANDIN_AXIOMS: propext, Classical.choice, Quot.sound", "pass", None),
        ("rfl -- STANDIN_ERROR", "fail", None),
        ("rfl -- STANDIN_SORRIES", "rejected", "sorry"),
        ("rfl -- STANDIN_SORRY_WARNING", "rejected", "sorry"),
        ("rfl -- STANDIN_AXIOMS: sorryAx", "rejected", "sorry"),
        ("rfl -- STANDIN_AXIOMS: Lean.ofReduceBool", "rejected", "ofReduceBool"),
        ("rfl -- STANDIN_AXIOMS: propext, cheat", "rejected", "axiom"),
        ("rfl -- STANDIN_STMT_MISMATCH", "rejected", "statement_changed"),
        ("rfl -- STANDIN_UNKNOWN_TARGET", "rejected", "target_missing"),
        ("rfl -- STANDIN_HEARTBEATS", "timeout", None),
        ("native_decide", "rejected", "native_decide"),
        ("rfl\ntheorem foo : 1 = 2 := by simp", "rejected", "command_keyword"),
    ],
)
def test_verdict_rules_through_the_repl_protocol(
    checker: ReplChecker, middle: str, status: str, rule: str | None
) -> None:
    verdict = checker.check(standin_request(middle))
    assert (verdict.status, verdict.rule) == (status, rule)
    assert verdict.reward == (1.0 if status == "pass" else 0.0)
    assert verdict.backend == "repl"
    assert verdict.lean_version == "standin"
    prefix = "static guard:" if rule in ("native_decide", "command_keyword") else "STAND-IN REPL"
    assert verdict.detail.startswith(prefix)


def test_messages_are_normalised_and_axioms_recorded(checker: ReplChecker) -> None:
    verdict = checker.check(standin_request("rfl -- STANDIN_AXIOMS: propext\n-- STANDIN_ERROR"))
    assert verdict.status == "fail"
    severities = {m["severity"] for m in verdict.messages}
    assert severities == {"error", "information"}  # REPL "info" -> "information"
    for m in verdict.messages:
        assert set(m) == {"severity", "kind", "data", "pos", "endPos"}
    ok = checker.check(standin_request("rfl -- STANDIN_AXIOMS: propext, Quot.sound"))
    assert ok.axioms == ("propext", "Quot.sound")


def test_unassemblable_request_is_an_error(checker: ReplChecker) -> None:
    bad = CheckRequest(
        header="", prefix="theorem bar : True := ", middle="rfl", suffix="", target="foo"
    )
    verdict = checker.check(bad)
    assert verdict.status == "error"
    assert "cannot assemble" in verdict.detail


def test_cache_hit_skips_lean_and_errors_are_not_cached(standin_log: Path) -> None:
    cache = VerdictCache(16)
    with ReplChecker(STANDIN_ARGV, cache=cache, default_limits=Limits(timeout_s=10)) as checker:
        first = checker.check(standin_request("rfl"))
        seen = len(log_lines(standin_log))
        second = checker.check(standin_request("rfl"))
        assert (first.cached, second.cached) == (False, True)
        assert second.status == first.status == "pass"
        assert len(log_lines(standin_log)) == seen  # no request reached the REPL
        assert cache.hits == 1
        # different limits are a different key
        checker.check(standin_request("rfl", timeout_s=9))
        assert len(log_lines(standin_log)) == seen + 1
        # errors are not cached: the second garbage check reaches a REPL again
        checker.check(standin_request("rfl -- STANDIN_GARBAGE"))
        n = len(log_lines(standin_log))
        again = checker.check(standin_request("rfl -- STANDIN_GARBAGE"))
        assert again.status == "error" and not again.cached
        assert len(log_lines(standin_log)) > n


def test_cache_lru_eviction_and_thread_safety() -> None:
    import threading

    from fimrl.verify.types import Verdict

    cache = VerdictCache(maxsize=3)
    v = Verdict(status="pass", reward=1.0, backend="x")
    for k in "abcd":
        assert cache.put(k, v)
    assert cache.get("a") is None and cache.get("d") is not None
    assert not cache.put("t", v.replace(status="timeout"))
    assert not cache.put("e", v.replace(status="error"))

    def hammer(n: int) -> None:
        for i in range(500):
            cache.put(f"{n}-{i}", v)
            cache.get(f"{n}-{i - 1}")

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 3


def test_make_checker_backends(tmp_path: Path) -> None:
    settings = Settings(verifier_backend="exact", lean_workspace=tmp_path)
    assert isinstance(make_checker(settings), ExactChecker)
    with make_checker(settings, backend="repl", repl_argv=STANDIN_ARGV) as repl:
        assert isinstance(repl, ReplChecker)
        assert repl.pool.size == settings.repl_pool_size
        assert repl.default_limits == Limits.from_settings(settings)
        assert repl.cache is not None
        assert repl.check(standin_request("rfl")).status == "pass"
    cli = make_checker(settings, backend="cli", lean_cmd=["lean"], threads=2)
    assert isinstance(cli, CliChecker) and cli.threads == 2
    with pytest.raises(ValueError, match="unknown verifier backend"):
        make_checker(settings, backend="nope")


def test_standin_configured_as_repl_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``FIMRL_REPL_BIN=tests/standin/standin_repl.py``: the whole stack runs without Lean,
    and every verdict says it came from a stand-in."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(verifier_backend="repl", repl_bin=str(STANDIN), lean_workspace=tmp_path)
    with make_checker(settings) as checker:
        assert checker.pool.argv == [str(STANDIN)]
        verdict = checker.check(standin_request("rfl"))
        assert (verdict.status, verdict.lean_version) == ("pass", "standin")
        assert "not Lean verification" in verdict.detail


def test_make_checker_without_toolchain_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lean, lake or repl anywhere
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(verifier_backend="repl", lean_workspace=tmp_path)
    with pytest.raises(ToolchainMissing, match="fimrl lean doctor"):
        make_checker(settings)
    with pytest.raises(ToolchainMissing, match="lean not found"):
        make_checker(settings, backend="cli")
