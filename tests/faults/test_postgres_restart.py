"""(c) PostgreSQL restarted mid-run (`pg_ctl stop -m fast`, then started on the same port).

PostgreSQL stays down until each daemon has run into the outage: the trainer counts it in its
status, the learner and the worker log it (they wait and retry with backoff). After the
restart all three are still running, reconnect (pool pre-ping), carry on, and no verdict is
lost: every candidate ends with exactly one verdict and every group is trained on once.
"""

from __future__ import annotations

from .rig import FaultRig

BATCHES = 8


def test_postgres_restart_mid_run(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig: FaultRig = make_rig(checker_latency_s=1.0)
    rig.add_tasks(6)
    worker = rig.start_worker("w1", concurrency=2)
    # The learner is consuming before the trainer starts: it takes seconds to load, and a
    # trainer that ran ahead meanwhile would leave no batch to freeze a check in (the
    # trainer must be two batches short of its end, see freeze_worker_holding_work).
    learner = rig.start_learner(max_steps=BATCHES)
    rig.wait(lambda: rig.learner_state() not in (None, "stopped"), 120, "the learner to consume")
    trainer = rig.start_trainer(max_batches=BATCHES)
    verdicts = lambda: rig.count("SELECT count(*) FROM verifications")  # noqa: E731

    rig.wait(lambda: rig.count("SELECT count(*) FROM learner_steps") >= 1, 120, "a learner step")
    # The worker is frozen mid-check while PostgreSQL stops, so the check ends in the outage.
    rig.wait(lambda: rig.freeze_worker_holding_work("w1", set(), BATCHES), 60, "a check running")
    port = rig.pg.port()
    assert rig.pg.stop()
    rig.thaw_worker("w1")

    def all_noticed() -> bool:
        return (
            int(rig.trainer_status().get("outages") or 0) >= 1
            and "database unavailable" in rig.learner_log()
            and "database unavailable" in rig.worker_log("w1").read_text(errors="replace")
        )

    rig.wait(all_noticed, 60, "trainer, learner and worker to run into the outage")
    rig.pg.start()
    assert rig.pg.port() == port
    assert rig.trainer_pid() == trainer and rig.learner_pid() == learner
    assert rig.workers_alive("w1")
    after = (verdicts(), rig.count("SELECT count(*) FROM groups"))
    rig.wait(
        lambda: verdicts() > after[0] and rig.count("SELECT count(*) FROM groups") > after[1],
        120,
        "verdicts and groups after the restart",
    )

    counts = rig.wait_drained(180)
    print(f"\n(c) postgres restart: {counts.line()}")

    assert counts.groups == BATCHES and counts.broken_groups == 0
    assert counts.candidates == 2 * BATCHES
    assert counts.verdicts == counts.candidates
    assert counts.duplicate_verdicts == 0 and counts.unverified == 0
    assert counts.consumed == BATCHES and counts.learner_steps == BATCHES
    assert counts.groups_used == counts.consumed and counts.trained_twice == 0
    assert rig.workers_alive("w1") and rig.workers["w1"] == worker
    # Trainer and learner ended by themselves (max batches / max steps), not by the outage.
    assert rig.trainer_status().get("state") == "stopped"
    assert "Traceback" not in rig.learner_log() and "Traceback" not in rig.trainer_log()
