"""The chaos run: N candidates through trainer → Redis → workers → PostgreSQL, under faults.

One :class:`FaultRig` per run: its own PostgreSQL and Redis, one verifier node started the
way the README tells operators (``fimrl workers start -c 4 --detach``, i.e. under fimrl's
supervisor), the trainer and the learner as detached daemons, the ``exact`` checker with a
fixed added latency. The driver only injects faults and watches: random SIGKILLs of pool
children and of the worker's main process (with its children: a node crash), one Redis
restart (SIGTERM, AOF kept) and one PostgreSQL restart (``pg_ctl stop -m fast``). Faults fire
at random points of the run's *progress* (fractions of the candidates verified), so a slow
machine gets the same faults at the same stage of the run, not at the same second.

Everything that brings the run back is the system's own: Celery requeues a lost pool child's
message, the supervisor restarts a dead main process, workers reconnect to the restarted
broker and database, and the run's relay (trainer, then learner) re-sends candidates whose
message died with a node. The outcome is read from PostgreSQL: lost (candidates without a
verdict), duplicated (a second verdict for a candidate), stuck (groups never consumed),
``worker_lost`` verdicts (a candidate whose checks kept dying), and the drain time.

Used by ``tests/faults/test_chaos.py`` (a small run in CI) and ``bench/bench_chaos.py``
(10,000 candidates, 50 kills, both restarts, beside a fault-free run of the same size).
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from fimrl.services.process import pid_alive, read_pid_file

from .rig import FaultRig

__all__ = ["ChaosOutcome", "ChaosPlan", "run_chaos"]

NODE = "w1"


@dataclass(frozen=True)
class ChaosPlan:
    """How big the run is and which faults hit it.

    ``main_kills`` of the ``kills`` take the worker's main process with its pool (the
    supervisor must restart it); the rest take one busy pool child. Few main kills: each one
    costs a supervised restart (seconds) plus a relay lease before its messages return.
    """

    candidates: int = 10_000
    kills: int = 50
    main_kills: int = 3
    redis_restart: bool = True
    postgres_restart: bool = True
    seed: int = 0
    group_size: int = 8
    tasks_per_batch: int = 10
    concurrency: int = 4
    latency_s: float = 0.02
    lease_s: float = 15.0
    timeout_s: float = 1800.0

    @property
    def batches(self) -> int:
        return math.ceil(self.candidates / (self.group_size * self.tasks_per_batch))

    @property
    def total_candidates(self) -> int:
        return self.batches * self.tasks_per_batch * self.group_size

    def knobs(self) -> dict[str, Any]:
        """Settings of the rig's processes (``FIMRL_*``)."""
        return {
            "group_size": self.group_size,
            "tasks_per_batch": self.tasks_per_batch,
            "checker_latency_s": self.latency_s,
            "lease_s": self.lease_s,
            "max_inflight_groups": 4 * self.tasks_per_batch,
            "groups_per_step": self.tasks_per_batch,  # one learner step per batch
            "checkpoint_every": 10,
            "max_staleness": 1_000_000,  # measure the verify path, not staleness drops
        }


@dataclass
class ChaosOutcome:
    """What one run did, read from PostgreSQL and the worker's log."""

    faults: bool
    candidates: int = 0
    verdicts: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck_groups: int = 0
    worker_lost_verdicts: int = 0
    relayed_candidates: int = 0
    drain_s: float = 0.0
    finished: bool = False
    child_kills: int = 0
    main_kills: int = 0
    redis_restarts: int = 0
    postgres_restarts: int = 0
    worker_restarts: int = 0
    events: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(order=True)
class _Fault:
    at: float  # fraction of the candidates verified when it fires
    kind: str  # "child", "main", "redis", "postgres"


def _schedule(plan: ChaosPlan) -> list[_Fault]:
    rng = random.Random(plan.seed)
    kinds = ["main"] * min(plan.main_kills, plan.kills) + ["child"] * max(
        0, plan.kills - plan.main_kills
    )
    faults = [_Fault(rng.uniform(0.03, 0.9), kind) for kind in kinds]
    if plan.redis_restart:
        faults.append(_Fault(0.35, "redis"))
    if plan.postgres_restart:
        faults.append(_Fault(0.65, "postgres"))
    return sorted(faults)


class _Driver:
    def __init__(self, rig: FaultRig, plan: ChaosPlan, outcome: ChaosOutcome) -> None:
        self.rig = rig
        self.plan = plan
        self.outcome = outcome
        self.rng = random.Random(plan.seed + 1)
        self.pid_file = rig.state_dir / "workers" / f"{NODE}.pid"

    def main_pid(self) -> int | None:
        pid = read_pid_file(self.pid_file)
        return pid if pid is not None and pid_alive(pid) else None

    def fire(self, fault: _Fault) -> bool:
        """Inject one fault; False when it cannot fire yet (no worker process up right now)."""
        if fault.kind in ("child", "main"):
            pid = self.main_pid()
            try:
                pool = psutil.Process(pid).children(recursive=True) if pid else []
            except psutil.NoSuchProcess:
                pool = []
            if not pool:
                return False
            assert pid is not None
            if fault.kind == "child":
                victims = [self.rng.choice(pool)]
                self.outcome.child_kills += 1
            else:  # the main process and its pool: the node is gone
                os.kill(pid, signal.SIGKILL)
                victims = pool
                self.outcome.main_kills += 1
            for victim in victims:
                with contextlib.suppress(psutil.NoSuchProcess):
                    victim.kill()
        elif fault.kind == "redis":
            self.rig.restart_redis()
            self.outcome.redis_restarts += 1
        else:
            assert self.rig.pg.stop()
            self.rig.pg.start()
            self.outcome.postgres_restarts += 1
        return True


def _verified(rig: FaultRig) -> int | None:
    try:
        return rig.count("SELECT count(DISTINCT candidate_id) FROM verifications")
    except Exception:  # the database may be the thing that is down right now
        return None


def _drained(rig: FaultRig) -> bool:
    try:
        left = rig.count("SELECT count(*) FROM groups WHERE status <> 'consumed'")
    except Exception:
        return False
    return rig.trainer_pid() is None and rig.learner_pid() is None and left == 0


def run_chaos(
    model_dir: Path,
    plan: ChaosPlan,
    *,
    faults: bool,
    say: Callable[[str], None] = print,
    poll_s: float = 0.1,
    logs_to: Path | None = None,
) -> ChaosOutcome:
    """One run of ``plan.total_candidates`` candidates, with the plan's faults or none.

    ``logs_to``: a directory that receives the worker's, trainer's and learner's logs.
    """
    outcome = ChaosOutcome(faults=faults)
    rig = FaultRig(model_dir, **plan.knobs())
    try:
        rig.add_tasks(max(16, plan.tasks_per_batch))
        rig.start_worker(NODE, concurrency=plan.concurrency)
        driver = _Driver(rig, plan, outcome)
        pending = _schedule(plan) if faults else []
        total = plan.total_candidates
        started = time.monotonic()
        rig.start_trainer(max_batches=plan.batches)
        rig.start_learner(max_steps=plan.batches)
        last_report = 0.0
        while time.monotonic() - started < plan.timeout_s:
            done = _verified(rig)
            while pending and done is not None and done >= pending[0].at * total:
                if not driver.fire(pending[0]):
                    break  # no worker process up right now: the next poll tries again
                fault = pending.pop(0)
                outcome.events.append(
                    f"{time.monotonic() - started:6.1f}s {done}/{total} verified: {fault.kind}"
                )
            if not pending and done == total and _drained(rig):
                outcome.finished = True
                break
            now = time.monotonic() - started
            if now - last_report >= 10:
                last_report = now
                say(f"  {now:5.0f}s  {done if done is not None else '?'}/{total} verified")
            time.sleep(poll_s)
        outcome.drain_s = time.monotonic() - started
        counts = rig.counts()
        outcome.candidates = counts.candidates
        outcome.verdicts = counts.verdicts
        outcome.lost = counts.unverified
        outcome.duplicated = counts.duplicate_verdicts
        outcome.stuck_groups = counts.groups - counts.consumed
        outcome.relayed_candidates = counts.reenqueued
        outcome.worker_lost_verdicts = rig.count(
            "SELECT count(*) FROM verifications WHERE rule = 'worker_lost'"
        )
        log = rig.worker_log(NODE).read_text(errors="replace")
        outcome.worker_restarts = log.count("supervisor] started pid") - 1 if log else 0
        if not outcome.finished:
            say(rig.diagnostics()[-6000:])
        return outcome
    finally:
        if logs_to is not None:
            _keep_logs(rig, logs_to)
        rig.close()


def _keep_logs(rig: FaultRig, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for path in (
        rig.worker_log(NODE),
        rig.state_dir / "trainer" / "trainer.log",
        rig.state_dir / "learner" / "learner.log",
    ):
        if path.exists():
            shutil.copy(path, directory / path.name)
