"""(a) Verifier workers SIGKILLed in the middle of checks: every candidate ends with one verdict.

The whole loop runs (workers, trainer, learner as real processes). First the pool children of
worker w1 are SIGKILLed while a check runs (Celery replaces them and requeues the lost check;
also covered alone in tests/workers/test_verify_workers.py), then w1's main process and its
children while a check runs: its supervisor (``fimrl workers start --detach``) starts it
again with nobody touching it, and the messages it held, unacknowledged in Redis until their
visibility timeout (minutes), are re-sent first by the run's relay (lease 3 s).
"""

from __future__ import annotations

import os
import signal

from fimrl.services.process import pid_alive

from .rig import FaultRig

BATCHES = 8


def test_worker_sigkill_mid_check(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig: FaultRig = make_rig(checker_latency_s=1.5)
    rig.add_tasks(6)
    rig.start_worker("w1", concurrency=2)
    rig.start_trainer(max_batches=BATCHES)
    rig.start_learner(max_steps=BATCHES)

    # 1. The pool children die mid-check; the main process stays.
    rig.wait(lambda: rig.count("SELECT count(*) FROM verifications") >= 2, 120, "first verdicts")
    rig.wait(lambda: rig.checks_in_flight("w1") and rig.unverified_ids(), 60, "a check on w1")
    children = rig.workers_children("w1")
    for child in children:
        os.kill(child, signal.SIGKILL)
    stale = rig.checks_in_flight("w1")
    before = rig.count("SELECT count(*) FROM verifications")

    # 2. The whole worker dies mid-check: frozen (SIGSTOP) at a moment it holds the message
    # of a candidate without a verdict, then SIGKILLed, main process first.
    rig.wait(
        lambda: rig.count("SELECT count(*) FROM verifications") >= before + 2,
        120,
        "verdicts after the pool replaced its children",
    )
    rig.wait(lambda: rig.freeze_worker_holding_work("w1", stale, BATCHES), 60, "w1 mid-check")
    dead = rig.workers["w1"]
    rig.kill_worker("w1")
    held = rig.unverified_ids()  # only the dead w1 could have verified these
    assert held
    restarted = rig.wait_restarted("w1", dead, times=2)

    counts = rig.wait_drained(180)
    print(f"\n(a) worker SIGKILL: {counts.line()}")

    assert counts.groups == BATCHES and counts.broken_groups == 0
    assert counts.candidates == 2 * BATCHES
    assert counts.verdicts == counts.candidates
    assert counts.duplicate_verdicts == 0 and counts.unverified == 0
    assert counts.consumed == BATCHES and counts.learner_steps == BATCHES
    assert counts.groups_used == counts.consumed and counts.trained_twice == 0
    # What the dead worker held was re-sent by the relay and checked by the restarted one.
    assert counts.reenqueued >= 1
    assert rig.count(
        "SELECT count(*) FROM verifications WHERE candidate_id = ANY(:ids) "
        "AND worker_host LIKE 'w1@%'",
        ids=sorted(held),
    ) == len(held)
    assert restarted != dead and rig.workers_alive("w1") and not pid_alive(dead)
    assert len(children) == 2
