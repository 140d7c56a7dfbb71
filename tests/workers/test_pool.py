"""The worker pool (``workers.pool``): a retired child is replaced as soon as it is reaped.

The race it covers — the child's sentinel fires before the kernel lets ``waitpid`` reap it —
cannot be forced on a real process from a test, so one test drives the exit handler's
follow-up with a real child process whose exit code is read through a window that reports
"still running" for its first looks (the race's only observable effect), on kombu's real
event loop; another runs a real worker whose children retire after every task.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest
from kombu.asynchronous import Hub
from sqlalchemy import Engine, text

from workers.config import celery_config
from workers.pool import AsynPool, TaskPool

from ..helpers import WorkerProcess, settings_env, wait_for
from .conftest import make_group, make_task


class _ReapWindow:
    """A real process whose ``exitcode`` reads None for its first ``hidden`` looks after it
    exited: what Celery sees when the sentinel beats the reap."""

    def __init__(self, proc: Any, hidden: int) -> None:
        self.proc = proc
        self.hidden = hidden
        self.looks = 0
        self._popen = proc._popen

    @property
    def exitcode(self) -> int | None:
        self.looks += 1
        if self.looks <= self.hidden:
            return None
        return self.proc.exitcode


class _Pool(AsynPool):
    """The real exit follow-up, with ``maintain_pool`` counted instead of forking."""

    def __init__(self) -> None:  # no processes: only the follow-up is under test
        self.maintained: list[int] = []
        self.window: _ReapWindow | None = None

    def maintain_pool(self) -> None:
        assert self.window is not None
        self.maintained.append(self.window.looks)


def _exited_child() -> Any:
    proc = multiprocessing.get_context("fork").Process(target=lambda: None)
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    return proc


def _maintained_after_exit(hidden: int, tries_left: int) -> list[int]:
    """Run the exit follow-up on kombu's event loop until the pool is maintained; the
    number of exit-code looks at each ``maintain_pool`` call."""
    pool, hub = _Pool(), Hub()
    pool.window = window = _ReapWindow(_exited_child(), hidden)
    try:
        pool._replace_when_reaped(hub, window, tries_left=tries_left)
        deadline = time.monotonic() + 30
        while not pool.maintained and time.monotonic() < deadline:
            hub.run_once()
    finally:
        hub.close()
    return pool.maintained


@pytest.mark.parametrize("hidden", [0, 1, 5])
def test_replacement_waits_for_the_reap_then_happens_once(hidden: int) -> None:
    # replaced exactly once, on the first look that saw the process exited
    assert _maintained_after_exit(hidden, tries_left=1000) == [hidden + 1]


def test_replacement_gives_up_waiting_to_the_pool_timer() -> None:
    """A child that never looks reaped does not keep the loop busy forever: after the
    bounded wait the pool is maintained anyway (its own 5 s timer covers the rest)."""
    assert _maintained_after_exit(hidden=10**9, tries_left=3) == [4]


def test_workers_run_this_pool(settings: Any) -> None:
    assert celery_config(settings)["worker_pool"] == "workers.pool:TaskPool"
    assert TaskPool.Pool is AsynPool


def test_children_retiring_after_every_task_lose_nothing(
    clean_db: Engine, run_id: int, settings: Any, tmp_path: Any
) -> None:
    """One pool process that retires after each task: every candidate still gets its one
    verdict, from a fresh child each time."""
    from fimrl.db.rollout_store import mark_enqueued, verify_messages
    from fimrl.rollout.enqueue import VerifyQueue

    groups = [
        make_group(clean_db, run_id, make_task(clean_db, 40 + i), ["omega"] * 3) for i in range(3)
    ]
    cands = [c for _, cs in groups for c in cs]
    env = settings_env(settings, verifier_backend="exact", worker_max_tasks_per_child=1)
    worker = WorkerProcess(env, tmp_path / "w.log", concurrency=1)
    try:
        first = {p.pid for p in worker.children()}
        VerifyQueue(settings).send(verify_messages(clean_db, cands))
        mark_enqueued(clean_db, cands)

        def scored() -> bool:
            with clean_db.connect() as conn:
                n = conn.execute(
                    text("SELECT count(*) FROM groups WHERE run_id = :r AND status = 'scored'"),
                    {"r": run_id},
                ).scalar()
            return n == len(groups)

        wait_for(scored, 120, "every group to be scored")
        with clean_db.connect() as conn:
            hosts = conn.execute(
                text("SELECT count(*), count(DISTINCT candidate_id) FROM verifications")
            ).one()
        assert tuple(hosts) == (len(cands), len(cands))
        assert worker.proc.poll() is None
        assert {p.pid for p in worker.children()}.isdisjoint(first)  # children were replaced
    finally:
        worker.stop()
