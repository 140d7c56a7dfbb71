"""(b) Redis restarted mid-run, once with its data (AOF) and once with the queue lost.

Groups of 4 candidates and one worker process keep verify messages waiting in the Redis list.
Each restart happens while at least two messages wait there. With the AOF kept, the queue
comes back as it was; with the AOF deleted, the waiting messages are gone and the trainer's
relay re-enqueues their candidates once their lease (3 s) expires. Either way every candidate
ends with exactly one verdict, and worker, trainer and learner ride through both restarts.
"""

from __future__ import annotations

from .rig import FaultRig

BATCHES = 7
G = 4


def test_redis_restart_mid_run(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig: FaultRig = make_rig(group_size=G, checker_latency_s=0.5)
    rig.add_tasks(6)
    rig.start_worker("w1", concurrency=1)
    rig.start_trainer(max_batches=BATCHES)
    rig.start_learner(max_steps=BATCHES)
    verdicts = lambda: rig.count("SELECT count(*) FROM verifications")  # noqa: E731

    # 1. Restart with the data: what waited in the queue is still there afterwards.
    rig.wait(lambda: verdicts() >= G and rig.queue_depth() >= 2, 120, "messages waiting")
    rig.restart_redis()
    assert rig.queue_depth() >= 1
    before = verdicts()
    rig.wait(lambda: verdicts() >= before + G, 120, "verdicts after the first restart")

    # 2. Restart without the data: the waiting messages are lost.
    # (Two batches short of the trainer's end: it relays until the lost group is scored.)
    rig.wait(
        lambda: rig.queue_depth() >= 2 and rig.trainer_batches() <= BATCHES - 2,
        120,
        "messages waiting again",
    )
    lost = rig.unverified_ids()
    rig.restart_redis(lose_data=True)
    assert rig.trainer_pid() and rig.learner_pid() and rig.workers_alive("w1")

    counts = rig.wait_drained(180)
    print(f"\n(b) redis restarts: {counts.line()}")

    assert counts.groups == BATCHES and counts.broken_groups == 0
    assert counts.candidates == G * BATCHES
    assert counts.verdicts == counts.candidates
    assert counts.duplicate_verdicts == 0 and counts.unverified == 0
    assert counts.consumed == BATCHES and counts.learner_steps == BATCHES
    assert counts.groups_used == counts.consumed and counts.trained_twice == 0
    # The lost messages' candidates were re-sent by the relay (no one else re-sends).
    assert (
        rig.count(
            "SELECT count(*) FROM candidates WHERE id = ANY(:ids) AND enqueue_count > 1",
            ids=sorted(lost),
        )
        >= 1
    )
    assert rig.workers_alive("w1")  # the same worker reconnected twice


def test_busy_worker_rides_out_a_broker_outage(make_rig) -> None:  # type: ignore[no-untyped-def]
    """(b') Redis down while checks run and the worker waits on an empty queue, long enough
    for the consumer's first reconnect to fail.

    That is the state in which kombu used to kill the worker's main process ("Unrecoverable
    error: 'NoneType' object has no attribute 'hostname'" right after "Restoring N
    unacknowledged message(s)"; the root cause is in ``workers.broker``): unacknowledged
    messages held, and a BRPOP outstanding for the free pool slot. The same main process must
    ride through every outage with no supervisor restart, and the run must finish with one
    verdict per candidate.
    """
    batches, g, outages = 6, 3, 3
    rig: FaultRig = make_rig(group_size=g, checker_latency_s=1.5, max_staleness=64)
    rig.add_tasks(6)
    pid = rig.start_worker("w1", concurrency=g + 1)
    rig.start_trainer(max_batches=batches)
    rig.start_learner(max_steps=batches)
    log = rig.worker_log("w1")
    refused = lambda: log.read_text(errors="replace").count("consumer: Cannot connect")  # noqa: E731

    for outage in range(outages):
        rig.wait(
            lambda: len(rig.checks_in_flight("w1")) >= 2 and rig.queue_depth() == 0,
            120,
            f"checks running on an emptied queue before outage {outage + 1}",
        )
        before = refused()
        # Down until the worker's first reconnect attempt has failed (or the worker died).
        rig.restart_redis(down_until=lambda b=before: refused() > b or not rig.workers_alive("w1"))
        assert rig.workers_alive("w1"), log.read_text(errors="replace")[-4000:]

    counts = rig.wait_drained(240)
    print(f"\n(b') busy worker, {outages} outages: {counts.line()}")
    text = log.read_text(errors="replace")
    assert "Unrecoverable error" not in text
    assert rig.workers_alive("w1") and rig.workers["w1"] == pid
    assert "restarts so far: 1" not in text  # the supervisor never had to step in
    assert counts.candidates == g * batches and counts.verdicts == counts.candidates
    assert counts.duplicate_verdicts == 0 and counts.unverified == 0
    assert counts.consumed == batches and counts.broken_groups == 0
