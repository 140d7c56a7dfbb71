"""The trainer's curriculum: easy holes first, wider span kinds as the pass rate rises.

A weak policy earns reward on one-tactic holes long before it can write a sub-proof, and GSPO
learns only from groups whose rewards differ. So sampling starts with the easy stage and
moves on when this run's recent pass rate on the current stage's tasks reaches its threshold.

The stage is *derived from PostgreSQL* (this run's verdicts), never kept only in memory:
walking the stages in order, stage i is passed when the last ``window`` verdicts of training
candidates on tasks eligible for stage i pass at ``advance_at`` or more. A restarted trainer
therefore resumes at the stage it had reached; within a process the stage never goes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, text

__all__ = [
    "DEFAULT_CURRICULUM",
    "CurriculumStage",
    "StageState",
    "current_stage",
    "eligible",
    "middle_lines_sql",
    "validate_schedule",
]


class CurriculumStage(BaseModel):
    """One stage: which span kinds are sampled (relative weights) and when to move on.

    Attributes:
        name: shown in logs and reports.
        span_kinds: span kind -> relative weight (``tactic``, ``tactic_run``, ``subproof``,
            ``calc_step``, ``proof``); kinds left out are not sampled in this stage.
        max_middle_lines: only holes whose reference middle has at most this many lines
            (1 = one-tactic holes); None: any length.
        advance_at: pass rate over the last ``curriculum_window`` verdicts of this stage at
            which the next stage starts; None on the last stage.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    span_kinds: dict[str, float]
    max_middle_lines: int | None = Field(default=None, ge=1)
    advance_at: float | None = Field(default=None, gt=0, le=1)

    @field_validator("span_kinds")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in value.values()):
            raise ValueError("span kind weights must be >= 0")
        if not sum(value.values()) > 0:
            raise ValueError("a stage needs a span kind with a positive weight")
        return value

    @property
    def kinds(self) -> list[str]:
        """The span kinds this stage samples (positive weight)."""
        return [k for k, w in self.span_kinds.items() if w > 0]


def validate_schedule(stages: Sequence[CurriculumStage]) -> None:
    """Every stage but the last says when to advance; the last does not; names are unique."""
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ValueError(f"curriculum stage names must be unique: {names}")
    for stage in stages[:-1]:
        if stage.advance_at is None:
            raise ValueError(f"curriculum stage {stage.name!r} is not the last: set advance_at")
    if stages and stages[-1].advance_at is not None:
        raise ValueError(f"the last curriculum stage ({stages[-1].name!r}) cannot advance")


#: The default schedule: one-line single tactics, then short spans, then every kind in the
#: task builder's default mix.
DEFAULT_CURRICULUM: list[CurriculumStage] = [
    CurriculumStage(
        name="one-tactic", span_kinds={"tactic": 1.0}, max_middle_lines=1, advance_at=0.3
    ),
    CurriculumStage(
        name="short",
        span_kinds={"tactic": 0.5, "tactic_run": 0.3, "calc_step": 0.2},
        advance_at=0.3,
    ),
    CurriculumStage(
        name="all",
        span_kinds={
            "tactic": 0.35,
            "tactic_run": 0.25,
            "subproof": 0.2,
            "calc_step": 0.05,
            "proof": 0.15,
        },
    ),
]


def middle_lines_sql(column: str = "middle") -> str:
    """SQL for the number of lines of a reference middle, blank edges ignored."""
    trimmed = f"btrim({column}, E' \\n\\t')"
    return f"(length({trimmed}) - length(replace({trimmed}, E'\\n', '')) + 1)"


def eligible(stage: CurriculumStage, span_kind: str, middle_lines: int) -> bool:
    """May ``stage`` sample a task of this span kind and middle length?"""
    if stage.span_kinds.get(span_kind, 0.0) <= 0:
        return False
    return stage.max_middle_lines is None or middle_lines <= stage.max_middle_lines


@dataclass(frozen=True)
class StageState:
    """Where the curriculum stands: the stage, and the evidence that put it there.

    ``rate``/``verdicts``: this stage's recent pass rate, and how many verdicts it is over
    (at most the window): what will make it advance.
    """

    index: int
    name: str
    rate: float | None
    verdicts: int

    def describe(self, window: int) -> str:
        rate = "-" if self.rate is None else f"{self.rate:.2f}"
        return (
            f'stage {self.index} "{self.name}" (pass rate {rate} over the last '
            f"{self.verdicts}/{window} verdicts)"
        )


_RECENT = """
SELECT avg((r.verdict = 'pass')::int) AS rate, count(*) AS n FROM (
  SELECT v.verdict FROM verifications v
  JOIN groups g ON g.id = v.group_id JOIN fim_tasks t ON t.id = g.task_id
  WHERE g.run_id = :run AND g.purpose = 'train' AND t.span_kind = ANY(:kinds)
    AND (CAST(:max_lines AS integer) IS NULL OR {lines} <= CAST(:max_lines AS integer))
  ORDER BY v.id DESC LIMIT :window
) r
"""


def _recent(
    engine: Engine, run_id: int, stage: CurriculumStage, window: int
) -> tuple[float | None, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(_RECENT.format(lines=middle_lines_sql("t.middle"))),
            {
                "run": run_id,
                "kinds": stage.kinds,
                "max_lines": stage.max_middle_lines,
                "window": window,
            },
        ).one()
    return (None if row.rate is None else float(row.rate)), int(row.n)


def current_stage(
    engine: Engine, run_id: int, stages: Sequence[CurriculumStage], window: int, *, floor: int = 0
) -> StageState:
    """The stage this run has reached (never below ``floor``: stages do not go back)."""
    if not stages:
        raise ValueError("an empty curriculum has no stage")
    index = min(floor, len(stages) - 1)
    while index < len(stages) - 1:
        stage = stages[index]
        rate, n = _recent(engine, run_id, stage, window)
        if n < window or rate is None or rate < (stage.advance_at or 1.0):
            return StageState(index, stage.name, rate, n)
        index += 1
    rate, n = _recent(engine, run_id, stages[index], window)
    return StageState(index, stages[index].name, rate, n)
