"""Which FIM tasks the trainer samples next.

GSPO learns only from groups whose rewards differ: a task every candidate passes (or every
candidate fails) gives a zero advantage and is dropped by the learner. So, once this run has
verdicts, a configurable share of each batch (``frontier_fraction``) comes from the *frontier*:
tasks whose pass rate is strictly between 0 and 1. The rest is uniform over the train split, so
unseen tasks keep being tried and a task's rate can move. Before any verdict exists the whole
batch is uniform.

With a curriculum (:mod:`fimrl.rollout.curriculum`) only the current stage's tasks are
eligible, and the uniform part of a batch draws span kinds by the stage's weights.

Pass rates and the curriculum stage are computed in SQL from this run's verifications (never
from an in-memory counter), and refreshed at most every ``refresh_s`` seconds, so a restarted
trainer samples as before. The caller tags what it writes with :attr:`TaskSampler.stage`
(see :data:`fimrl.rollout.curriculum.STAGE_KEY`): that tag is what the stage is derived from.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

from fimrl.rollout.curriculum import (
    CurriculumStage,
    StageState,
    current_stage,
    eligible,
    middle_lines_sql,
)

__all__ = ["SampledTask", "TaskSampler"]


@dataclass(frozen=True)
class SampledTask:
    """The parts of a ``fim_tasks`` row prompts and extraction need (a ``HoleContext``)."""

    id: int
    decl_name: str
    header: str
    prefix: str
    suffix: str
    span_kind: str


_PASS_RATES = """
SELECT g.task_id, avg(CASE WHEN v.verdict = 'pass' THEN 1.0 ELSE 0.0 END) AS rate
FROM verifications v JOIN groups g ON g.id = v.group_id
WHERE g.run_id = :run
GROUP BY g.task_id
"""


class TaskSampler:
    """Samples train-split tasks for one run.

    Args:
        engine: the database.
        run_id: pass rates are this run's.
        split: the split sampled (``train``).
        frontier_fraction: share of a batch drawn from tasks with 0 < pass rate < 1, once any
            exist (0 disables, 1 samples only the frontier while it is large enough).
        seed: seeds the sampler's RNG.
        refresh_s: how stale the task list, the pass rates and the stage may be.
        curriculum: the stages (None or empty: every train task, uniformly).
        curriculum_window: verdicts a stage's pass rate is taken over.
    """

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        *,
        split: str = "train",
        frontier_fraction: float = 0.5,
        seed: int = 0,
        refresh_s: float = 30.0,
        curriculum: Sequence[CurriculumStage] | None = None,
        curriculum_window: int = 64,
    ) -> None:
        if not 0.0 <= frontier_fraction <= 1.0:
            raise ValueError("frontier_fraction must be in [0, 1]")
        self.engine = engine
        self.run_id = run_id
        self.split = split
        self.frontier_fraction = frontier_fraction
        self.refresh_s = refresh_s
        self.rng = random.Random(seed)
        self.excluded: dict[int, str] = {}
        self._task_ids: list[int] = []
        self._kind_of: dict[int, str] = {}
        self._lines_of: dict[int, int] = {}
        self._rates: dict[int, float] = {}
        self._loaded_at = float("-inf")
        self.curriculum = list(curriculum or [])
        self.curriculum_window = curriculum_window
        self.stage: StageState | None = None

    def exclude(self, task_id: int, reason: str) -> None:
        """Never sample ``task_id`` again in this process (e.g. its prompt is too long)."""
        self.excluded[task_id] = reason

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the task ids and this run's pass rates when older than ``refresh_s``."""
        if not force and time.monotonic() - self._loaded_at < self.refresh_s:
            return
        with self.engine.connect() as conn:
            tasks = conn.execute(
                text(
                    f"SELECT id, span_kind, {middle_lines_sql()} AS lines FROM fim_tasks "
                    "WHERE split = :s ORDER BY id"
                ),
                {"s": self.split},
            ).all()
            rows = conn.execute(text(_PASS_RATES), {"run": self.run_id}).all()
        self._task_ids = [int(t.id) for t in tasks]
        self._kind_of = {int(t.id): t.span_kind for t in tasks}
        self._lines_of = {int(t.id): int(t.lines) for t in tasks}
        self._rates = {int(r.task_id): float(r.rate) for r in rows}
        if self.curriculum:
            self.stage = current_stage(
                self.engine, self.run_id, self.curriculum, self.curriculum_window, since=self.stage
            )
        self._loaded_at = time.monotonic()

    def pass_rates(self) -> dict[int, float]:
        """This run's pass rate per task that has verdicts (as of the last refresh)."""
        self.refresh()
        return dict(self._rates)

    def pick(self, k: int) -> list[int]:
        """Up to ``k`` distinct task ids: the frontier share first, the rest by the stage mix."""
        self.refresh()
        usable = [t for t in self._task_ids if t not in self.excluded]
        candidates = [t for t in usable if self._eligible(t)]
        if not candidates and self.stage is not None:
            # A stage the corpus has no task for must not stall the trainer: sample them all.
            candidates = usable
        frontier = [t for t in candidates if 0.0 < self._rates.get(t, 0.0) < 1.0]
        want_frontier = min(len(frontier), round(k * self.frontier_fraction))
        picked = self.rng.sample(frontier, want_frontier) if want_frontier else []
        chosen = set(picked)
        rest = [t for t in candidates if t not in chosen]
        if self.stage is None or not any(self._eligible(t) for t in rest):
            picked += self.rng.sample(rest, min(k - len(picked), len(rest)))
            return picked
        by_kind: dict[str, list[int]] = {}
        for t in rest:
            by_kind.setdefault(self._kind_of[t], []).append(t)
        weights = self.curriculum[self.stage.index].span_kinds
        while len(picked) < k and by_kind:
            kinds = sorted(by_kind)
            kind = self.rng.choices(kinds, weights=[weights[x] for x in kinds])[0]
            pool = by_kind[kind]
            picked.append(pool.pop(self.rng.randrange(len(pool))))
            if not pool:
                del by_kind[kind]
        return picked

    def _eligible(self, task_id: int) -> bool:
        if self.stage is None:
            return True
        stage = self.curriculum[self.stage.index]
        return eligible(stage, self._kind_of[task_id], self._lines_of[task_id])

    def sample(self, k: int) -> list[SampledTask]:
        """Up to ``k`` tasks (fewer only when the split has fewer usable tasks)."""
        return self.load(self.pick(k))

    def load(self, task_ids: Sequence[int]) -> list[SampledTask]:
        """The rows of ``task_ids``, in that order."""
        if not task_ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, decl_name, header, prefix, suffix, span_kind FROM fim_tasks "
                    "WHERE id = ANY(:ids)"
                ),
                {"ids": list(task_ids)},
            ).all()
        by_id = {
            int(r.id): SampledTask(
                int(r.id), r.decl_name, r.header, r.prefix, r.suffix, r.span_kind
            )
            for r in rows
        }
        return [by_id[i] for i in task_ids if i in by_id]
