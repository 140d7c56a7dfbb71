"""The pipeline's shape with each stage on a resource of its own: what asynchrony can win.

On a real deployment generation runs on a GPU sampler, verification on CPU Lean workers and
learning on a GPU learner; overlapping them can make a step as short as the slowest stage
instead of the sum of all three. On a 2-core machine the stages would fight over the same
cores, so this mode gives each a fixed duration that uses no CPU, and measures only what
fimrl's orchestration adds or loses:

- generation: :class:`FixedTimeSampler`, a generation backend that takes ``generate_s`` per
  batch (a stand-in for the sampler; its completions are fixed token strings);
- verification: real Celery workers with the ``exact`` checker and a per-check latency
  chosen so that one batch takes ``verify_s`` across the worker processes;
- learning: the real learner (a tiny model, real claims, checkpoints and published policy
  versions) whose step is padded to ``learn_s`` before it commits (:class:`PaddedLearner`).

The trainer, the learner, the queue, PostgreSQL and the group events are fimrl's own.
Lock-step runs the same objects one stage after another; asynchronous runs the trainer and
the learner side by side. The theoretical bound of the speed-up is the sum of the stage
times over the slowest one.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.common import BenchServices, BenchWorker, worker_env
from fimrl.db.group_events import GroupEvents
from fimrl.db.run_store import ensure_run
from fimrl.learn.learner import Learner, StepReport
from fimrl.rollout.generation import LogprobSpace, Sample, Sampling
from fimrl.rollout.trainer import LEFT_PENDING, Trainer, TrainerOptions

__all__ = ["Outcome", "StageTimes", "run_isolated", "steady_state"]

TASKS_PER_BATCH = 2
GROUP_SIZE = 4
CANDIDATES_PER_BATCH = TASKS_PER_BATCH * GROUP_SIZE


@dataclass(frozen=True)
class StageTimes:
    """Seconds each stage takes for one batch (= one learner step of groups)."""

    generate_s: float
    verify_s: float
    learn_s: float

    @property
    def bound(self) -> float:
        """Lock-step time over the slowest stage: the most overlap can win."""
        stages = (self.generate_s, self.verify_s, self.learn_s)
        return sum(stages) / max(stages)

    def label(self) -> str:
        return f"g {self.generate_s:g}s / v {self.verify_s:g}s / l {self.learn_s:g}s"


@dataclass
class Outcome:
    """One mode's steady state."""

    mode: str
    s_per_step: float
    steps: int
    learner_wait_s: float
    staleness_mean: float
    staleness_max: int


class FixedTimeSampler:
    """A generation backend that takes a fixed time per batch (a GPU sampler's stand-in)."""

    name = "fixed-time"

    def __init__(self, tokenizer: Any, seconds: float, stop: threading.Event) -> None:
        self._tokenizer = tokenizer
        self.seconds = seconds
        self._stop = stop
        self._ids = list(tokenizer.encode(" rfl", add_special_tokens=False))
        if tokenizer.eos_token_id is not None:
            self._ids.append(int(tokenizer.eos_token_id))

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def context_length(self) -> int | None:
        return None

    def logprob_space(self, sampling: Sampling) -> LogprobSpace:
        return "full"

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        self._stop.wait(self.seconds)
        text = self._tokenizer.decode(self._ids)
        return [
            [Sample(list(self._ids), [-1.0] * len(self._ids), text, "stop") for _ in range(n)]
            for _ in prompts
        ]

    def reload(self, checkpoint_path: str) -> None:
        """Weights load inside ``generate_s`` on the stand-in's own resource."""

    def close(self) -> None:
        """Nothing to release."""


class PaddedLearner(Learner):
    """The real learner whose step (from the last group claimed to its commit) takes
    ``learn_s``: the tiny model's real update, checkpoint and publish, then a wait."""

    def __init__(self, *args: Any, learn_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.learn_s = learn_s
        self._computing_since = time.monotonic()

    def _gather(self) -> Any:
        gathered = super()._gather()
        self._computing_since = time.monotonic()
        return gathered

    def _commit(self, report: StepReport, group_ids: list[int], publish: str | None) -> None:
        self._stop.wait(max(0.0, self.learn_s - (time.monotonic() - self._computing_since)))
        super()._commit(report, group_ids, publish)


def steady_state(mode: str, engine: Engine, run_id: int) -> Outcome:
    """The run's learner steps after the first (which includes start-up)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT created_at, wait_time_s, staleness_mean, staleness_max "
                "FROM learner_steps WHERE run_id = :r ORDER BY step"
            ),
            {"r": run_id},
        ).all()
    if len(rows) < 2:
        return Outcome(mode, float("nan"), len(rows), float("nan"), float("nan"), 0)
    steady = rows[1:]
    return Outcome(
        mode,
        (rows[-1].created_at - rows[0].created_at).total_seconds() / (len(rows) - 1),
        len(rows),
        statistics.fmean(r.wait_time_s or 0.0 for r in steady),
        statistics.fmean(r.staleness_mean or 0.0 for r in steady),
        max(int(r.staleness_max or 0) for r in steady),
    )


def _wait_verified(events: GroupEvents, engine: Engine, run_id: int, stop: threading.Event) -> None:
    """Lock-step's verify stage: until no group of the run is pending (woken by events)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = conn.execute(
                text("SELECT count(*) FROM groups WHERE run_id = :r AND status = 'pending'"),
                {"r": run_id},
            ).scalar_one()
        if pending == 0:
            return
        events.wait(1.0, stop)
    raise RuntimeError("verification did not finish in 600 s")


def _parts(
    settings: Any, engine: Engine, times: StageTimes, stop: threading.Event
) -> tuple[Trainer, PaddedLearner, int]:
    from fimrl.rollout.models import load_tokenizer

    run_id = ensure_run(engine, settings.run_name)
    sampler = FixedTimeSampler(load_tokenizer(settings.model), times.generate_s, stop)
    options = TrainerOptions(relay_every_s=settings.lease_s, poll_s=1.0)
    trainer = Trainer(settings, engine, sampler, options=options, stop_event=stop)
    learner = PaddedLearner(settings, engine, run_id, learn_s=times.learn_s)
    return trainer, learner, run_id


def lockstep(settings: Any, engine: Engine, times: StageTimes, steps: int) -> Outcome:
    stop = threading.Event()
    trainer, learner, run_id = _parts(settings, engine, times, stop)
    events = GroupEvents(engine, run_id, LEFT_PENDING)
    events.listen()
    for _ in range(steps + 1):  # the first step is start-up
        if trainer.step() is None:
            raise RuntimeError(f"lock-step trainer produced nothing: {trainer.status()}")
        _wait_verified(events, engine, run_id, stop)
        if learner.train_step() is None:
            raise RuntimeError("lock-step learner took no step")
    events.close()
    return steady_state("lock-step", engine, run_id)


def asynchronous(settings: Any, engine: Engine, times: StageTimes, steps: int) -> Outcome:
    stop = threading.Event()
    trainer, learner, run_id = _parts(settings, engine, times, stop)
    sampling = threading.Thread(target=trainer.run, name="trainer", daemon=True)
    sampling.start()
    try:
        learner.run(max_steps=steps + 1)
    finally:
        stop.set()
        learner.stop()
        sampling.join(60)
    return steady_state("asynchronous", engine, run_id)


def run_isolated(
    services: BenchServices,
    model_dir: Path,
    plans: Sequence[tuple[StageTimes, bool]],
    steps: int,
    workers: int,
    say: Any = print,
) -> list[tuple[StageTimes, Outcome | None, Outcome]]:
    """Each ``(times, with_lockstep)`` plan: lock-step (when asked) and asynchronous."""
    knobs: dict[str, Any] = dict(
        model=str(model_dir),
        group_size=GROUP_SIZE,
        tasks_per_batch=TASKS_PER_BATCH,
        groups_per_step=TASKS_PER_BATCH,
        max_new_tokens=8,
        max_staleness=8,
        checkpoint_every=1,
        skip_zero_variance=False,
        max_inflight_groups=2 * TASKS_PER_BATCH,
        learning_rate=1e-4,
        verifier_backend="exact",
    )
    results = []
    for times, with_lockstep in plans:
        # One batch of checks spread over the worker processes takes verify_s.
        latency = times.verify_s * workers / CANDIDATES_PER_BATCH
        queue = f"verify-iso-{uuid.uuid4().hex[:6]}"
        env = worker_env(services, queue, checker_latency_s=latency, **knobs)
        log = services.state_dir / f"iso-{queue}.log"
        with BenchWorker("workers.app", env, log, concurrency=workers, name=queue):
            outcomes: dict[str, Outcome] = {}
            for mode in ("lock-step", "asynchronous") if with_lockstep else ("asynchronous",):
                settings = services.settings(
                    queue_name=queue,
                    run_name=f"iso-{mode}-{uuid.uuid4().hex[:6]}",
                    checker_latency_s=latency,
                    **knobs,
                )
                run = lockstep if mode == "lock-step" else asynchronous
                outcomes[mode] = run(settings, services.engine, times, steps)
                say(
                    f"  {times.label()}: {mode} {outcomes[mode].s_per_step:.2f} s/step "
                    f"(staleness {outcomes[mode].staleness_mean:.2f})"
                )
        results.append((times, outcomes.get("lock-step"), outcomes["asynchronous"]))
    return results
