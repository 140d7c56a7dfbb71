"""Checker processes cannot outlive their limit (issue 16, item 4), tried as a hostile proof
would: a child in its own session holding the output, a daemon left behind by a run that
succeeded, the limits it runs under, a huge file, and Lean run as another user when the
worker is root.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psutil
import pytest

from fimrl.verify.cli_checker import CliChecker
from fimrl.verify.procutil import FILE_SIZE_MB, check_environment, checker_user, run_in_group


def _alive_with(marker: str) -> list[int]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(marker in part for part in p.info["cmdline"] or []):
                found.append(p.pid)
        except psutil.Error:
            continue
    return found


def _sleeper() -> str:
    """A sleep duration no other process uses: the marker that finds the escaped child."""
    return f"600.{uuid.uuid4().int % 10**6:06d}"


@pytest.mark.timeout(60)  # the old code waited for the escaped child's end-of-file: 10 min
def test_a_child_in_its_own_session_holding_the_output_dies_at_the_deadline(
    tmp_path: Path,
) -> None:
    marker = _sleeper()
    run = run_in_group(
        ["bash", "-c", f"setsid sleep {marker} & sleep {marker}"],
        timeout_s=1.0,
        memory_mb=None,
        work_dir=tmp_path,
    )
    assert run.timed_out
    assert _alive_with(marker) == []


@pytest.mark.timeout(60)
def test_a_daemon_left_by_a_finished_run_is_killed(tmp_path: Path) -> None:
    marker = _sleeper()
    run = run_in_group(
        ["bash", "-c", f"(setsid sleep {marker} &) ; echo done"],
        timeout_s=30.0,
        memory_mb=None,
        work_dir=tmp_path,
    )
    assert run.returncode == 0 and run.stdout.strip() == "done"
    assert _alive_with(marker) == []


def test_cpu_processes_and_file_size_are_limited(tmp_path: Path) -> None:
    run = run_in_group(
        ["cat", "/proc/self/limits"], timeout_s=7.0, memory_mb=512, work_dir=tmp_path
    )
    limits = {line[:26].strip(): line[26:].split() for line in run.stdout.splitlines()[1:]}
    assert limits["Max cpu time"][:2] == ["8", "13"]
    assert limits["Max file size"][0] == str(FILE_SIZE_MB * 1024 * 1024)
    assert limits["Max address space"][0] == str(512 * 1024 * 1024)
    assert limits["Max core file size"][0] == "0"
    assert limits["Max processes"][0] != "unlimited"


def test_a_file_past_the_size_limit_is_cut(tmp_path: Path) -> None:
    out = tmp_path / "big"
    run = run_in_group(
        ["bash", "-c", f"head -c {FILE_SIZE_MB + 16}M /dev/zero > {out}"],
        timeout_s=60.0,
        memory_mb=None,
        work_dir=tmp_path,
    )
    assert run.returncode != 0
    assert out.stat().st_size <= FILE_SIZE_MB * 1024 * 1024


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run a check as another user")
def test_checks_run_as_the_checker_user_when_the_worker_is_root(tmp_path: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    os.chown(tmp_path, nobody.pw_uid, nobody.pw_gid)
    run = run_in_group(
        ["id", "-u"], timeout_s=10.0, memory_mb=None, work_dir=tmp_path, user="nobody"
    )
    assert run.stdout.strip() == str(nobody.pw_uid)


def test_the_checker_user_setting_resolves_to_an_unprivileged_user_for_root() -> None:
    import pwd

    own = pwd.getpwuid(os.geteuid()).pw_name
    assert checker_user(own) is None  # naming the worker's own user means no switch
    with pytest.raises(ValueError, match="no such user"):
        checker_user("no-such-user-fimrl")
    if os.geteuid() == 0:
        assert checker_user("auto") == "nobody"  # a root worker never runs Lean as root
        assert checker_user("nobody") == "nobody"
    else:
        assert checker_user("auto") is None
        with pytest.raises(ValueError, match="only a worker running as root"):
            checker_user("nobody")


def test_a_check_never_sees_the_workers_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's environment holds the database URL and the message key; an elaborated
    proof could read its own environment, so Lean gets PATH, locale and Lean's variables."""
    monkeypatch.setenv("FIMRL_DATABASE_URL", "postgresql://fimrl:hunter2@db/fimrl")
    monkeypatch.setenv("FIMRL_MESSAGE_KEY", "k" * 64)
    monkeypatch.setenv("LEAN_PATH", "/opt/lean/lib")
    for env in (check_environment(), CliChecker(["lean"]).env):
        run = run_in_group(["env"], timeout_s=10.0, memory_mb=None, work_dir=tmp_path, env=env)
        assert "hunter2" not in run.stdout and "FIMRL_" not in run.stdout
        assert "LEAN_PATH=/opt/lean/lib" in run.stdout and "PATH=" in run.stdout


def test_a_check_runs_in_its_private_directory(tmp_path: Path) -> None:
    run = run_in_group(["pwd"], timeout_s=10.0, memory_mb=None, work_dir=tmp_path)
    assert run.stdout.strip() == str(tmp_path)


def test_a_lean_that_cannot_start_is_an_error_verdict_not_a_crash(tmp_path: Path) -> None:
    from fimrl.verify.types import CheckRequest

    checker = CliChecker([str(tmp_path / "no-such-lean")], lean_version="4.35.0")
    verdict = checker.check(
        CheckRequest(
            header="", prefix="theorem t : True := by\n  ", middle="trivial", suffix="", target="t"
        )
    )
    assert verdict.status == "error" and "cannot start Lean" in (verdict.detail or "")
