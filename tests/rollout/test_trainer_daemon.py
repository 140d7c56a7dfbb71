"""`fimrl trainer start --detach | status | stop` as real processes on real PostgreSQL + Redis.

One life cycle: start detached, report status, refuse a second start, crash (SIGKILL), restart
and resume, stop with SIGTERM. After it, the database must hold only whole groups, each
enqueued (the relay covers a crash between commit and enqueue), and no group twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.rollout.daemon import read_status
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.rollout.models import build_tiny_model
from fimrl.rollout.relay import relay_once
from fimrl.services.process import pid_alive
from tests.helpers import REPO, settings_env, store_omega_task, wait_for

G = 2


def make_task(engine: Engine, i: int) -> None:
    store_omega_task(engine, i, namespace="D", hash_tag="d")


def fimrl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "trainer", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def test_daemon_start_status_crash_restart_stop(
    clean_db: Engine, settings: Settings, tmp_path: Path, smollm2_tokenizer: Any
) -> None:
    tiny = build_tiny_model(tmp_path / "tiny", tokenizer=smollm2_tokenizer)
    for i in range(4):
        make_task(clean_db, i)
    env = settings_env(
        settings,
        model=tiny,
        group_size=G,
        tasks_per_batch=1,
        max_new_tokens=6,
        max_inflight_groups=1000,
        run_name="daemon-test",
    )
    log = settings.state_dir / "trainer" / "trainer.log"

    def status() -> dict[str, Any]:
        return read_status(settings)

    def written() -> int:
        return int(status().get("groups_written") or 0)

    started = fimrl(env, "start", "--detach")
    assert started.returncode == 0, started.stdout + started.stderr
    first_pid = status()["pid"]
    assert first_pid and pid_alive(first_pid)
    wait_for(lambda: written() >= 2, 120, f"two groups from the daemon (log: {log})")

    shown = fimrl(env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["running"] and doc["pid"] == first_pid
    assert doc["policy_version"] == 0 and doc["backend"] == "transformers"
    assert doc["candidates_per_s"] > 0 and "groups_in_flight" in doc
    human = fimrl(env, "status")
    assert human.returncode == 0 and "running" in human.stdout and "candidates/s" in human.stdout

    again = fimrl(env, "start", "--detach")  # one trainer per state dir
    assert again.returncode == 2 and "already runs" in again.stderr

    # A crash: the process dies wherever it is (maybe between a commit and its enqueue).
    os.kill(first_pid, signal.SIGKILL)
    wait_for(lambda: not pid_alive(first_pid), 30, "the trainer to die")
    assert not status()["running"] and status()["state"].startswith("dead")
    before_restart = count(clean_db, "SELECT count(*) FROM groups")

    restarted = fimrl(env, "start", "--detach")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    second_pid = status()["pid"]
    assert second_pid != first_pid
    wait_for(lambda: written() >= 2, 120, f"groups after the restart (log: {log})")

    stopped = fimrl(env, "stop", "--timeout", "60")
    assert stopped.returncode == 0 and "trainer stopped" in stopped.stdout
    assert not pid_alive(second_pid)
    assert status()["state"] == "stopped" and not status()["running"]
    assert fimrl(env, "status").returncode == 1
    assert "signal 15: stopping" in log.read_text()

    # Only whole groups; every candidate was enqueued except, at most, the one group the
    # SIGKILL may have caught between its commit and its enqueue, which the relay sends.
    groups = count(clean_db, "SELECT count(*) FROM groups")
    assert groups >= before_restart + 2
    assert count(clean_db, "SELECT count(*) FROM candidates") == G * groups
    assert count(clean_db, "SELECT count(*) FROM groups WHERE size <> 2") == 0
    unsent = count(clean_db, "SELECT count(*) FROM candidates WHERE enqueued_at IS NULL")
    assert unsent <= G
    assert VerifyQueue(settings).depth() >= G * groups - unsent
    run_id = count(clean_db, "SELECT id FROM runs WHERE name = 'daemon-test'")
    assert relay_once(clean_db, settings, run_id, lease_s=0).reenqueued == G * groups
    assert count(clean_db, "SELECT count(*) FROM candidates WHERE enqueued_at IS NULL") == 0
