"""Celery's prefork pool, with a recycled child replaced at once instead of up to 5 s later.

A child retires after ``worker_max_tasks_per_child`` tasks (or past its memory cap). Celery
learns of the exit when the child's sentinel pipe becomes readable and then replaces it
(``maintain_pool``). But the kernel closes a dying process's files *before* it turns it into
a zombie that ``waitpid`` can reap, so the sentinel may fire while the child does not yet
look exited: nothing is replaced, the sentinel is no longer watched, and the replacement
waits for the pool's 5-second maintenance timer. Measured on a 2-core VM with one process
per worker: stalls of 0.3–3.5 s at every 500th task, the whole worker idle meanwhile — the
"capped mode" that made ``bench_verify`` rounds disagree by 3×, and up to a few percent of a
real run's throughput.

Here the exit handler waits for the reap (a few short timer ticks on the event loop, never a
blocking wait) and replaces the child then. ``fimrl workers start``, the tests and the
benchmarks all run this pool: ``workers.config`` names it as ``worker_pool``, which Celery's
``-P prefork`` (the default) defers to.
"""

from __future__ import annotations

from typing import Any

from celery.concurrency import asynpool, prefork

#: How long to keep looking for the reap after the sentinel fired, and how often.
REAP_WAIT_S = 2.0
REAP_POLL_S = 0.002


class AsynPool(asynpool.AsynPool):  # type: ignore[misc]
    def _event_process_exit(self, hub: Any, proc: Any) -> None:
        super()._event_process_exit(hub, proc)
        if proc._popen is not None and proc.exitcode is None:
            self._replace_when_reaped(hub, proc, REAP_WAIT_S / REAP_POLL_S)

    def _replace_when_reaped(self, hub: Any, proc: Any, tries_left: float) -> None:
        if proc.exitcode is None and tries_left > 0:
            hub.call_later(REAP_POLL_S, self._replace_when_reaped, hub, proc, tries_left - 1)
            return
        self.maintain_pool()  # past the wait the 5 s timer still covers it


class TaskPool(prefork.TaskPool):  # type: ignore[misc]
    """Prefork with :class:`AsynPool` (``worker_pool = "workers.pool:TaskPool"``)."""

    Pool = AsynPool
