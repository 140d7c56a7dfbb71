"""Real Celery workers on real Redis and PostgreSQL, with the `exact` backend."""

from __future__ import annotations

import os
import signal

import psutil
import redis
from sqlalchemy import Engine, text

from fimrl.db.rollout_store import mark_enqueued, verify_messages
from fimrl.db.run_store import ensure_run
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.rollout.relay import relay_once
from workers.losses import LossLedger

from ..helpers import WorkerProcess, queued_candidate_ids, settings_env, wait_for
from .conftest import make_group, make_task


def _count(engine: Engine, sql: str, **params) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


def _enqueue(engine, settings, candidate_ids) -> None:  # type: ignore[no-untyped-def]
    VerifyQueue(settings).send(verify_messages(engine, candidate_ids))
    mark_enqueued(engine, candidate_ids)


def test_group_is_verified_and_scored(clean_db, run_id, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = make_task(clean_db, 1, middle="omega")
    group, cands = make_group(clean_db, run_id, task, ["omega", "simp", "  omega  ", "sorry"])
    worker = WorkerProcess(settings_env(settings, verifier_backend="exact"), tmp_path / "w.log")
    try:
        _enqueue(clean_db, settings, cands)
        wait_for(
            lambda: _count(
                clean_db, "SELECT count(*) FROM groups WHERE id=:g AND status='scored'", g=group
            ),
            60,
            "the group to be scored",
        )
        with clean_db.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.index, v.verdict, v.reward, v.backend, v.rule, v.worker_host "
                    "FROM verifications v JOIN candidates c ON c.id = v.candidate_id "
                    "ORDER BY c.index"
                )
            ).all()
        assert [r.verdict for r in rows][:3] == ["pass", "fail", "pass"]
        assert rows[3].verdict == "rejected" and rows[3].rule == "sorry"
        assert [r.reward for r in rows] == [1.0, 0.0, 1.0, 0.0]
        assert {r.backend for r in rows} == {"exact"}
        assert all(r.worker_host.startswith("w1@") for r in rows)
    finally:
        worker.stop()


def test_redelivery_and_malformed_messages(clean_db, run_id, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = make_task(clean_db, 2)
    group, cands = make_group(clean_db, run_id, task, ["omega", "rfl"])
    queue = VerifyQueue(settings)
    worker = WorkerProcess(settings_env(settings, verifier_backend="exact"), tmp_path / "w.log")
    try:
        messages = verify_messages(clean_db, cands)
        queue.send([{"garbage": True}, "not even a dict", {"candidate_id": "x"}])
        queue.send(messages + messages + messages)  # every message delivered three times
        wait_for(
            lambda: _count(
                clean_db, "SELECT count(*) FROM groups WHERE id=:g AND status='scored'", g=group
            ),
            60,
            "the group to be scored",
        )
        wait_for(lambda: queue.depth() == 0, 60, "the queue to drain")
        assert _count(clean_db, "SELECT count(*) FROM verifications") == 2
        assert worker.proc.poll() is None  # bad input did not take the worker down
        assert b"malformed verify message" in worker.log.read_bytes()
    finally:
        worker.stop()


def test_sigkill_mid_check_leaves_exactly_one_verdict(clean_db, run_id, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = settings_env(settings, verifier_backend="exact", checker_latency_s=1.5)
    tasks = [make_task(clean_db, 10 + i) for i in range(3)]
    groups = [make_group(clean_db, run_id, t, ["omega", "simp"]) for t in tasks]
    all_cands = [c for _, cands in groups for c in cands]
    worker = WorkerProcess(env, tmp_path / "w.log", concurrency=2)
    try:
        _enqueue(clean_db, settings, all_cands)
        # Wait until a child is busy with a check, then SIGKILL that child.
        log = worker.log

        def busy_child() -> psutil.Process | None:
            if b"received" not in log.read_bytes():
                return None
            kids = worker.children()
            return kids[0] if kids else None

        victim = wait_for(busy_child, 60, "a task to be received")
        os.kill(victim.pid, signal.SIGKILL)
        wait_for(
            lambda: (
                _count(clean_db, "SELECT count(*) FROM groups WHERE status='scored'") == len(groups)
            ),
            120,
            "all groups scored",
        )
        assert _count(clean_db, "SELECT count(*) FROM verifications") == len(all_cands)
        assert _count(clean_db, "SELECT count(DISTINCT candidate_id) FROM verifications") == len(
            all_cands
        )
        assert worker.proc.poll() is None  # the pool replaced its child
    finally:
        worker.stop()


def test_relay_reenqueues_a_lost_message(clean_db, run_id, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = make_task(clean_db, 3)
    group, cands = make_group(clean_db, run_id, task, ["omega", "decide"])
    queue = VerifyQueue(settings)
    _enqueue(clean_db, settings, cands)
    assert queue.depth() == 2
    with queue.app.connection_for_write() as conn:  # Redis loses the messages
        conn.default_channel.client.delete(settings.queue_name)
    assert queue.depth() == 0
    assert relay_once(clean_db, settings, run_id, lease_s=3600).reenqueued == 0  # lease not expired
    # Another run's overdue candidates are its own relay's business (its queue, its lease).
    other_run = ensure_run(clean_db, "another-run")
    _other_group, others = make_group(clean_db, other_run, task, ["omega"])
    assert relay_once(clean_db, settings, run_id, lease_s=0).reenqueued == 2
    assert sorted(queued_candidate_ids(settings)) == sorted(cands)
    assert _count(clean_db, "SELECT enqueue_count FROM candidates WHERE id = :c", c=others[0]) == 0
    worker = WorkerProcess(settings_env(settings, verifier_backend="exact"), tmp_path / "w.log")
    try:
        wait_for(
            lambda: _count(
                clean_db, "SELECT count(*) FROM groups WHERE id=:g AND status='scored'", g=group
            ),
            60,
            "the group to be scored",
        )
        assert relay_once(clean_db, settings, run_id, lease_s=0).reenqueued == 0  # nothing left
        assert _count(clean_db, "SELECT max(enqueue_count) FROM candidates") == 2
    finally:
        worker.stop()


def test_a_check_that_keeps_killing_its_worker_is_stored_as_worker_lost(  # type: ignore[no-untyped-def]
    clean_db, run_id, settings, tmp_path
) -> None:
    """Every time the poison candidate's check starts, its pool process dies (SIGKILL, as the
    kernel's OOM killer would). Celery requeues the message each time; after
    ``worker_max_losses`` deaths the next start stores ``error``/``worker_lost`` instead of
    checking, and the candidate is never sent again. Its neighbour is checked normally."""
    env = settings_env(
        settings, verifier_backend="exact", checker_latency_s=2.0, worker_max_losses=2
    )
    task = make_task(clean_db, 40)
    group, (poison, healthy) = make_group(clean_db, run_id, task, ["omega", "simp"])
    ledger = LossLedger(redis.Redis.from_url(settings.broker_url.get_secret_value()),
                        settings.queue_name)  # fmt: skip
    worker = WorkerProcess(env, tmp_path / "w.log", concurrency=1)
    try:
        _enqueue(clean_db, settings, [poison])
        for kill in range(2):  # the check starts (the ledger counts it), then its process dies
            wait_for(lambda k=kill: ledger.lost(poison) == k + 1, 60, f"start {kill + 1}")
            os.kill(worker.children()[0].pid, signal.SIGKILL)
        _enqueue(clean_db, settings, [healthy])
        wait_for(
            lambda: _count(
                clean_db, "SELECT count(*) FROM groups WHERE id=:g AND status='scored'", g=group
            ),
            120,
            "the group to be scored",
        )
        with clean_db.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT candidate_id, verdict, rule, lean_version, detail FROM verifications "
                    "ORDER BY candidate_id"
                )
            ).all()
        # The poison middle is the reference (`omega`): only the ledger kept it from passing.
        assert [(r.candidate_id, r.verdict) for r in rows] == [(poison, "error"), (healthy, "fail")]
        assert rows[0].rule == "worker_lost"
        assert rows[0].lean_version is None and "2 times" in rows[0].detail
        assert ledger.lost(poison) == 0  # cleared with the verdict
        assert relay_once(clean_db, settings, run_id, lease_s=0).reenqueued == 0
        assert worker.proc.poll() is None
    finally:
        worker.stop()
