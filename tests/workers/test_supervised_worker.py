"""`fimrl workers start --detach` keeps its worker alive: killed, it comes back by itself and
checks again; `fimrl workers stop` ends it for good."""

from __future__ import annotations

import os
import signal

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.services.process import pid_alive, read_pid_file

from ..helpers import run_fimrl, settings_env, wait_for
from .conftest import make_group, make_task
from .test_verify_workers import _enqueue


def _scored(engine: Engine, group: int) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT status = 'scored' FROM groups WHERE id = :g"), {"g": group}
            ).scalar_one()
        )


def test_a_killed_worker_is_restarted_and_stop_ends_it(  # type: ignore[no-untyped-def]
    clean_db: Engine, run_id: int, settings: Settings
) -> None:
    env = settings_env(settings, verifier_backend="exact")
    run_dir = settings.state_dir / "workers"
    log = run_dir / "sup.log"
    started = run_fimrl(env, "workers", "start", "--detach", "-c", "1", "--hostname", "sup@%h")
    assert started.returncode == 0, started.stderr
    first = read_pid_file(run_dir / "sup.pid")
    supervisor = read_pid_file(run_dir / "sup.supervisor.pid")
    assert first and supervisor and first != supervisor
    try:
        wait_for(lambda: log.read_text().count("ready.") >= 1, 90, "the worker to be ready")
        os.kill(first, signal.SIGKILL)  # the main process, as the OOM killer would

        def restarted() -> int | None:
            pid = read_pid_file(run_dir / "sup.pid")
            return pid if pid not in (None, first) and pid_alive(pid) else None

        second = wait_for(restarted, 60, "the supervisor to start the worker again")
        wait_for(lambda: log.read_text().count("ready.") >= 2, 90, "the new worker to be ready")
        assert "died (signal 9)" in log.read_text()
        status = run_fimrl(env, "workers", "status")
        assert f"sup: pid {second} running (supervisor pid {supervisor})" in status.stdout

        group, cands = make_group(clean_db, run_id, make_task(clean_db, 50), ["omega"])
        _enqueue(clean_db, settings, cands)
        wait_for(lambda: _scored(clean_db, group), 60, "the restarted worker to check")

        stopped = run_fimrl(env, "workers", "stop")
        assert stopped.returncode == 0 and "signalled 1 worker(s)" in stopped.stdout
        wait_for(lambda: not pid_alive(supervisor) and not pid_alive(second), 60, "the stop")
        assert log.read_text().count("ready.") == 2  # stopped, not restarted
        assert not (run_dir / "sup.pid").exists()
    finally:
        for pid in (supervisor, read_pid_file(run_dir / "sup.pid")):
            if pid_alive(pid):
                os.killpg(os.getpgid(pid), signal.SIGKILL)  # type: ignore[arg-type]
