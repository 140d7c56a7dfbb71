"""The learner as a real process: status/stop, and SIGKILL mid-step then resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import psutil
from sqlalchemy import text

from fimrl.db.run_store import ensure_run
from fimrl.learn.learner import Learner

from ..helpers import REPO, settings_env, wait_for
from .conftest import tiny_model, tiny_tokenizer
from .scored import make_task, scored_group

PROMPT = [5, 6, 7]


def _scalar(engine, sql, **p):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql), p).scalar()


def _cli(env, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kill_mid_step_then_resume(clean_db, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model_dir = tmp_path / "tiny"
    model = tiny_model(seed=21)
    model.save_pretrained(model_dir)
    tiny_tokenizer().save_pretrained(model_dir)
    knobs = dict(
        model=str(model_dir),
        run_name="killme",
        groups_per_step=2,
        lease_s=3,
        checkpoint_every=1,
        learning_rate=1e-3,
        learner_cpus="0",  # its CPU budget: pinned to CPU 0, one torch thread (auto)
    )
    env = settings_env(settings, **knobs)
    run = ensure_run(clean_db, "killme")
    for i in range(2):
        scored_group(
            clean_db, run, make_task(clean_db, i), PROMPT, [[10, 11], [12]], [1.0, 0.0], model=model
        )
    started = _cli(env, "learner", "start", "--detach")
    assert started.returncode == 0, started.stderr
    try:
        wait_for(
            lambda: (
                _scalar(clean_db, "SELECT count(*) FROM policy_versions WHERE version = 1") == 1
            ),
            120,
            "step 1 to publish version 1",
        )
        status = _cli(env, "learner", "status")
        assert status.returncode == 0 and "running" in status.stdout
        daemon_pid = int((settings.state_dir / "learner" / "learner.pid").read_text())
        assert psutil.Process(daemon_pid).cpu_affinity() == [0]
        log_text = (settings.state_dir / "learner" / "learner.log").read_text()
        assert "CPU budget: 1 thread(s) (auto), CPUs 0" in log_text
        # One group only: the learner claims it and waits for a second, mid-step.
        lonely = scored_group(
            clean_db, run, make_task(clean_db, 2), PROMPT, [[10, 11], [12]], [1.0, 0.0], model=model
        )
        wait_for(
            lambda: (
                _scalar(clean_db, "SELECT status FROM groups WHERE id=:g", g=lonely) == "claimed"
            ),
            60,
            "the learner to claim the group",
        )
        # Status says what the step waits for, and what it set aside (an equal-rewards group).
        scored_group(
            clean_db, run, make_task(clean_db, 9), PROMPT, [[10, 11], [12]], [0.0, 0.0], model=model
        )
        wait_for(
            lambda: (
                "waiting: 1/2 scored groups with signal (1 dropped: equal rewards"
                in _cli(env, "learner", "status").stdout
            ),
            60,
            "the learner's status to say what it waits for",
        )
        as_json = json.loads(_cli(env, "learner", "status", "--json").stdout)
        assert as_json["running"] and as_json["state"].startswith("waiting: 1/2")
    except BaseException:
        _cli(env, "learner", "stop")  # a failed check must not leave the daemon behind
        raise
    pid = int((settings.state_dir / "learner" / "learner.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: _cli(env, "learner", "status").returncode == 1, 30, "the learner to die")
    assert _scalar(clean_db, "SELECT status FROM groups WHERE id=:g", g=lonely) == "claimed"

    # A new learner resumes from the checkpoint; the dead one's claim returns after the lease.
    scored_group(
        clean_db, run, make_task(clean_db, 3), PROMPT, [[10, 11], [12]], [1.0, 0.0], model=model
    )
    s = settings.model_copy(update=knobs)
    learner = Learner(s, clean_db, run, poll_s=0.1)
    assert (learner.step, learner.version) == (1, 1)
    report = learner.train_step()
    assert report is not None and report.step == 2 and report.groups_used == 2
    assert _scalar(clean_db, "SELECT learner_step FROM groups WHERE id=:g", g=lonely) == 2
    assert _scalar(clean_db, "SELECT count(*) FROM groups WHERE status='consumed'") == 4
    assert _scalar(clean_db, "SELECT count(*) FROM learner_steps") == 2
    assert _scalar(clean_db, "SELECT max(version) FROM policy_versions") == 2


def test_stop_is_clean_and_hands_claims_back(clean_db, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model_dir = tmp_path / "tiny"
    model = tiny_model(seed=22)
    model.save_pretrained(model_dir)
    tiny_tokenizer().save_pretrained(model_dir)
    env = settings_env(settings, model=str(model_dir), run_name="stopme", groups_per_step=2)
    run = ensure_run(clean_db, "stopme")
    g = scored_group(
        clean_db, run, make_task(clean_db, 1), PROMPT, [[10], [12]], [1.0, 0.0], model=model
    )
    assert _cli(env, "learner", "start", "--detach").returncode == 0
    wait_for(
        lambda: _scalar(clean_db, "SELECT status FROM groups WHERE id=:g", g=g) == "claimed",
        120,
        "the learner to claim the group",
    )
    stopped = _cli(env, "learner", "stop")
    assert "learner stopped" in stopped.stdout
    assert _scalar(clean_db, "SELECT status FROM groups WHERE id=:g", g=g) == "scored"
    assert _cli(env, "learner", "status").returncode == 1
