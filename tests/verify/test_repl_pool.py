"""The REPL pool through real subprocesses (the stand-in REPL): every pool rule.

The stand-in (tests/standin/standin_repl.py) speaks the REPL protocol and misbehaves on
request (hang, crash, garbage, memory blow-up), so each failure path of the client runs
against a real process, a real pipe and a real process group.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from fimrl.verify.repl_checker import ReplChecker
from fimrl.verify.repl_pool import PoolExhausted, ReplPool
from fimrl.verify.repl_process import ReplCrashed, ReplProcess, ReplTimeout, split_imports
from fimrl.verify.types import Limits

from .conftest import STANDIN, STANDIN_ARGV, process_alive, standin_request, wait_until


def make_pool(**kw: object) -> ReplPool:
    params: dict[str, object] = {
        "size": 2,
        "max_uses": 100,
        "max_rss_mb": 10_000,
        "memory_mb": 2048,
        "header_timeout_s": 20,
        "acquire_timeout_s": 20,
    }
    params.update(kw)
    return ReplPool(STANDIN_ARGV, **params)  # type: ignore[arg-type]


def make_checker(**kw: object) -> ReplChecker:
    limits = kw.pop("default_limits", Limits(timeout_s=10, memory_mb=2048))
    params: dict[str, object] = {
        "pool_size": 2,
        "max_uses": 100,
        "max_rss_mb": 10_000,
        "header_timeout_s": 20,
        "acquire_timeout_s": 20,
        "default_limits": limits,
    }
    params.update(kw)
    return ReplChecker(STANDIN_ARGV, **params)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the process itself


def test_process_runs_header_once_and_commands_on_its_env() -> None:
    repl = ReplProcess(STANDIN_ARGV, header="import Mathlib", header_timeout_s=10)
    try:
        assert repl.header_env == 0
        assert repl.standin and repl.lean_version == "standin"
        first = repl.command("theorem a : True := trivial", timeout_s=5)
        second = repl.command("theorem b : True := trivial", timeout_s=5)
        assert (first["env"], second["env"]) == (1, 2)  # both built on env 0, new ids
        assert repl.uses == 2
    finally:
        repl.kill()
    assert not process_alive(repl.pid)


def test_blank_header_sends_commands_without_env(standin_log: Path) -> None:
    repl = ReplProcess(STANDIN_ARGV, header="  \n")
    try:
        assert repl.header_env is None
        repl.command("x", timeout_s=5)
    finally:
        repl.kill()
    assert standin_log.read_text().count('"env": null') == 1


def test_process_timeout_kills_the_group() -> None:
    repl = ReplProcess(STANDIN_ARGV, header="")
    with pytest.raises(ReplTimeout):
        repl.command("-- STANDIN_HANG", timeout_s=0.5)
    assert not process_alive(repl.pid)


def test_process_crash_is_reported_with_stderr() -> None:
    repl = ReplProcess(STANDIN_ARGV, header="")
    with pytest.raises(ReplCrashed, match="crashing on request"):
        repl.command("-- STANDIN_CRASH", timeout_s=5)
    repl.kill()


@pytest.mark.parametrize(
    ("header", "imports"),
    [
        ("import Mathlib\nimport Aesop\nopen Nat\n", "import Mathlib\nimport Aesop\n"),
        ("/- c -/ import A.B -- x\n\nnamespace Foo\n", "/- c -/ import A.B -- x\n\n"),
        ("import A", "import A"),
        ("prelude\nimport Init.Core\ndef x := 1\n", "prelude\nimport Init.Core\n"),
        ("theorem a : True := trivial\n", ""),
        ("", ""),
    ],
)
def test_split_imports(header: str, imports: str) -> None:
    got_imports, rest = split_imports(header)
    assert got_imports == imports
    assert got_imports + rest == header


def test_headers_with_the_same_imports_share_a_repl(standin_log: Path) -> None:
    h1 = "import Mathlib\nopen Nat\n"
    h2 = "import Mathlib\ntheorem earlier : True := trivial\n"
    with make_checker(pool_size=2) as checker:
        for header in (h1, h2, h1, h2):
            assert checker.check(standin_request("rfl", header=header)).status == "pass"
        requests = [json.loads(line) for line in standin_log.read_text().splitlines()]
        assert len({r["pid"] for r in requests}) == 1
        # imports (-> env 0); h1 rest on 0 (-> 1); check on 1; h2 rest on 0 (-> 3); check on 3;
        # then h1 and h2 again straight on their cached envs 1 and 3
        assert [r["env"] for r in requests] == [None, 0, 1, 0, 3, 1, 3]
        assert checker.pool.stats()["started_total"] == 1


def test_error_in_the_rest_of_a_header_keeps_the_repl() -> None:
    with make_checker() as checker:
        assert checker.check(standin_request("rfl")).status == "pass"
        pid = checker.pool.snapshot()[0].pid
        bad = checker.check(
            standin_request("rfl", header="import Mathlib\ndef x := y -- STANDIN_HEADER_ERROR\n")
        )
        assert bad.status == "error" and "header (after imports) failed" in bad.detail
        assert checker.check(standin_request("rfl")).status == "pass"
        assert checker.pool.snapshot()[0].pid == pid


# ------------------------------------------------------------------ pool rules


def test_reuse_free_repl_with_matching_header() -> None:
    with make_pool() as pool:
        a = pool.acquire("import A")
        pid = a.pid
        pool.release(a)
        b = pool.acquire("import A")
        assert b.pid == pid
        pool.release(b)
        assert pool.stats()["started_total"] == 1


def test_new_repl_while_under_the_limit() -> None:
    with make_pool(size=3) as pool:
        a = pool.acquire("import A")
        b = pool.acquire("import A")  # a is busy: same header, but a second process
        c = pool.acquire("import B")
        assert len({a.pid, b.pid, c.pid}) == 3
        assert pool.stats()["busy"] == 3
        for r in (a, b, c):
            pool.release(r)


def test_repl_that_died_while_idle_frees_its_slot() -> None:
    with make_pool(size=1) as pool:
        a = pool.acquire("import A")
        pool.release(a)
        a._proc.kill()  # killed from outside while idle (e.g. by the kernel OOM killer)
        a._proc.wait(timeout=5)
        b = pool.acquire("import A", timeout_s=2)
        assert b.pid != a.pid and b.alive
        assert pool.stats()["retired_total"] == 1
        pool.release(b)


def test_different_memory_limit_is_a_different_repl() -> None:
    with make_pool(size=3) as pool:
        a = pool.acquire("import A", memory_mb=1024)
        pool.release(a)
        b = pool.acquire("import A", memory_mb=2048)
        assert a.pid != b.pid
        pool.release(b)


def test_recycle_least_recently_used_free_repl_at_capacity() -> None:
    with make_pool(size=2) as pool:
        a = pool.acquire("import A")
        b = pool.acquire("import B")
        pool.release(a)  # a is now the least recently used
        pool.release(b)
        c = pool.acquire("import C")
        assert not process_alive(a.pid)
        assert process_alive(b.pid)
        assert c.pid not in (a.pid, b.pid)
        assert pool.stats()["recycled_total"] == 1
        assert {i.header for i in pool.snapshot()} == {"import B", "import C"}
        pool.release(c)


def test_bounded_wait_then_clear_error() -> None:
    with make_pool(size=1) as pool:
        held = pool.acquire("import A")
        started = time.monotonic()
        with pytest.raises(PoolExhausted, match="all 1 busy"):
            pool.acquire("import A", timeout_s=0.3)
        assert time.monotonic() - started >= 0.3
        pool.release(held)


def test_waiter_gets_the_released_repl() -> None:
    with make_pool(size=1) as pool:
        held = pool.acquire("import A")
        got: list[int] = []
        waiter = threading.Thread(target=lambda: got.append(pool.acquire("import A").pid))
        waiter.start()
        waiter.join(timeout=0.2)
        assert waiter.is_alive(), "the waiter must block while the only REPL is busy"
        pool.release(held)
        waiter.join(timeout=10)
        assert got == [held.pid]


def served_by(log: Path) -> list[int]:
    """Pid of the stand-in that served each request, in order (header requests included)."""
    return [json.loads(line)["pid"] for line in log.read_text().splitlines()]


def test_recycle_after_max_uses(standin_log: Path) -> None:
    with make_checker(max_uses=2) as checker:
        for _ in range(3):
            assert checker.check(standin_request("rfl")).status == "pass"
        pids = served_by(standin_log)  # header, check, check | header, check
        assert len(pids) == 5
        assert pids[0] == pids[1] == pids[2] != pids[3] == pids[4]
        assert not process_alive(pids[0])
        assert checker.pool.stats()["retired_total"] == 1


def test_recycle_over_rss_threshold() -> None:
    with make_checker(max_rss_mb=60) as checker:
        assert checker.check(standin_request("rfl")).status == "pass"
        small = checker.pool.snapshot()[0].pid  # a fresh stand-in is ~15-30 MiB
        assert checker.check(standin_request("rfl")).status == "pass"
        assert checker.pool.snapshot()[0].pid == small
        assert checker.check(standin_request("rfl -- STANDIN_RSS: 120")).status == "pass"
        assert checker.pool.snapshot() == []  # retired on release
        assert not process_alive(small)
        assert checker.check(standin_request("rfl")).status == "pass"
        assert checker.pool.snapshot()[0].pid != small


def test_timeout_kills_group_leaves_no_orphan_and_replaces(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    with make_checker(default_limits=Limits(timeout_s=1.0, memory_mb=2048)) as checker:
        verdict = checker.check(standin_request(f"rfl -- STANDIN_SPAWN_CHILD: {pidfile}"))
        assert verdict.status == "timeout"
        assert verdict.reward == 0.0
        assert "killed" in verdict.detail
        child = int(pidfile.read_text())
        wait_until(lambda: not process_alive(child), 5, "the REPL's child to die")
        assert checker.pool.snapshot() == []
        ok = checker.check(standin_request("rfl"))
        assert ok.status == "pass"


def test_timeout_through_a_lake_env_like_wrapper(tmp_path: Path) -> None:
    """``lake env repl`` is a parent process with the REPL as its child: both must die."""
    wrapper = tmp_path / "fake_lake_env.sh"
    wrapper.write_text(f'#!/bin/sh\n"{sys.executable}" "{STANDIN}"\n')  # no exec: a child
    wrapper.chmod(0o755)
    checker = ReplChecker(
        [str(wrapper)], default_limits=Limits(timeout_s=1.0, memory_mb=2048), pool_size=1
    )
    with checker:
        assert checker.check(standin_request("rfl")).status == "pass"
        shell_pid = checker.pool.snapshot()[0].pid
        repl_pids = [p.pid for p in psutil.Process(shell_pid).children(recursive=True)]
        assert repl_pids, "the wrapper should have the stand-in as a child"
        assert checker.check(standin_request("rfl -- STANDIN_HANG")).status == "timeout"
        for pid in [shell_pid, *repl_pids]:
            wait_until(lambda pid=pid: not process_alive(pid), 5, f"pid {pid} to die")


@pytest.mark.parametrize(
    ("marker", "detail"),
    [
        ("STANDIN_CRASH", "exited before answering"),
        ("STANDIN_GARBAGE", "non-JSON"),
    ],
)
def test_crash_and_garbage_are_errors_and_the_repl_is_replaced(marker: str, detail: str) -> None:
    with make_checker() as checker:
        assert checker.check(standin_request("rfl")).status == "pass"
        before = checker.pool.snapshot()[0].pid
        verdict = checker.check(standin_request(f"rfl -- {marker}"))
        assert verdict.status == "error"
        assert detail in verdict.detail
        assert not process_alive(before)
        again = checker.check(standin_request("rfl"))
        assert again.status == "pass"
        assert checker.pool.snapshot()[0].pid != before


def test_memory_blowup_is_an_error_under_rlimit_as() -> None:
    limits = Limits(timeout_s=20, memory_mb=400)
    with make_checker(default_limits=limits) as checker:
        verdict = checker.check(standin_request("rfl -- STANDIN_MEMORY"))
        assert verdict.status == "error"
        assert "memory limit exceeded" in verdict.detail
        assert "MemoryError" in verdict.detail
        assert checker.check(standin_request("rfl")).status == "pass"


def test_header_failure_is_an_error_with_its_messages() -> None:
    with make_checker() as checker:
        verdict = checker.check(
            standin_request("rfl", header="import Nope -- STANDIN_HEADER_ERROR")
        )
        assert verdict.status == "error"
        assert "header failed" in verdict.detail
        assert verdict.messages and verdict.messages[0]["severity"] == "error"
        assert checker.pool.snapshot() == []


def test_header_reuse_makes_later_checks_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HEADER_DELAY", "0.5")  # imitates `import Mathlib`
    with make_checker() as checker:
        first = checker.check(standin_request("rfl"))
        second = checker.check(standin_request("exact rfl"))
        assert first.status == second.status == "pass"
        assert first.duration_s >= 0.5
        assert second.duration_s < first.duration_s - 0.4


def test_threads_get_their_own_verdicts() -> None:
    cases = {
        "rfl": ("pass", None),
        "rfl -- STANDIN_ERROR": ("fail", None),
        "rfl -- STANDIN_AXIOMS: sorryAx": ("rejected", "sorry"),
        "rfl -- STANDIN_AXIOMS: cheat": ("rejected", "axiom"),
        "rfl -- STANDIN_SLOW: 0.05": ("pass", None),
        "exact sorry": ("rejected", "sorry"),
    }
    middles = list(cases) * 6
    headers = ["import Mathlib", "import Other"]
    results: dict[int, tuple[str, str | None]] = {}
    errors: list[BaseException] = []
    with make_checker(pool_size=3) as checker:

        def work(i: int) -> None:
            try:
                v = checker.check(standin_request(middles[i], header=headers[i % 2]))
                results[i] = (v.status, v.rule)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(middles))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors
        assert {i: results[i] for i in range(len(middles))} == {
            i: cases[m] for i, m in enumerate(middles)
        }
        stats = checker.pool.stats()
        assert stats["busy"] == 0
        assert len(checker.pool.snapshot()) <= 3
