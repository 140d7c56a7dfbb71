"""Waiting loops wake on their run's group events (migration 0007), not a poll interval.

The waits below use timeouts far longer than the work: a wait that returned only at its
timeout would make the test take minutes and fail its assertion on ``events``.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, text

from fimrl.db.group_events import GroupEvents
from fimrl.db.run_store import ensure_run
from fimrl.learn.learner import Learner

from .conftest import tiny_model, tiny_tokenizer
from .scored import make_task, scored_group, unscored_group

LONG = 600.0
LOGPROBS = [[-1.0], [-1.0]]


def _set_status(engine: Engine, group_id: int, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE groups SET status = :s WHERE id = :g"), {"s": status, "g": group_id}
        )


def test_a_wait_ends_on_its_runs_event_and_only_on_it(clean_db: Engine) -> None:
    mine, other = ensure_run(clean_db, "mine"), ensure_run(clean_db, "other")
    task = make_task(clean_db, 0)
    group, _ = unscored_group(clean_db, mine, task, [5, 6], [[7], [8]], logprobs=LOGPROBS)
    foreign, _ = unscored_group(clean_db, other, task, [5, 6], [[7], [8]], logprobs=LOGPROBS)
    events = GroupEvents(clean_db, mine, {"scored"})
    stop = threading.Event()
    assert events.listen()
    # Events of another run, and statuses not asked for, do not end a wait.
    _set_status(clean_db, foreign, "scored")
    _set_status(clean_db, group, "dropped")
    assert events.wait(0.5, stop) is False
    # An event that arrived after listen() and before the wait is kept: the wait ends at once.
    _set_status(clean_db, group, "scored")
    assert events.wait(LONG, stop) is True
    assert events.events == 1
    # A stop ends a wait too (not an event).
    stop.set()
    assert events.wait(LONG, stop) is False
    events.close()


def test_the_learner_wakes_when_a_group_is_scored(clean_db: Engine, settings) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "wakes")
    waiting = threading.Event()
    learner = Learner(
        settings.model_copy(update=dict(groups_per_step=1, learning_rate=1e-3)),
        clean_db,
        run,
        model=tiny_model(seed=4),
        tokenizer=tiny_tokenizer(),
        poll_s=LONG,  # polling alone would look again only after ten minutes
        on_wait=lambda _message: waiting.set(),
    )
    reports: list[object] = []
    thread = threading.Thread(target=lambda: reports.append(learner.train_step()))
    thread.start()
    try:
        # Once it waits (its claim found nothing), a worker scores a group.
        assert waiting.wait(60), "the learner never waited"
        task = make_task(clean_db, 1)
        sampler = tiny_model(seed=4)  # the learner's weights: on-policy log-probs
        scored_group(clean_db, run, task, [5, 6, 7], [[10, 11], [12]], [1.0, 0.0], model=sampler)
        thread.join(120)  # a bound: the step takes a second once woken
    finally:
        learner.stop()
        thread.join(30)
    assert reports and reports[0] is not None
    assert learner.events.events == 1
