"""The trainer's curriculum: easy holes first, wider span kinds as the pass rate rises.

A weak policy earns reward on one-tactic holes long before it can write a sub-proof, and GSPO
learns only from groups whose rewards differ. So sampling starts with the easy stage and
moves on when this run's recent pass rate on the current stage's tasks reaches its threshold.

The stage is *derived from PostgreSQL* (this run's verdicts), never kept only in memory. The
trainer tags each candidate with the stage it was sampled in (``candidates.sampling``, key
:data:`STAGE_KEY`); walking the stages in order, stage i is passed once some ``window``
consecutive verdicts of its own candidates (recorded after stage i-1 was passed) pass at
``advance_at`` or more. Counting only a stage's own candidates keeps the next stage from being
passed on the very verdicts that passed this one (every one-tactic hole is also a "short"
task); "once" makes the stage a function of an append-only history, so it never goes back,
and a restarted trainer resumes where it was. Candidates written without a tag (before the
curriculum, or with it disabled) count for no stage; renaming a stage starts it afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, text

__all__ = [
    "DEFAULT_CURRICULUM",
    "STAGE_KEY",
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
        advance_at: pass rate over ``curriculum_window`` consecutive verdicts of candidates
            sampled in this stage at which the next stage starts; None on the last stage.
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
    (at most the window): what will make it advance. ``entered_at``: the pass rate of the
    previous stage's window that started this one (None for the first stage);
    ``after_verdict``: the id of that window's last verdict (0 for the first stage): only
    later verdicts count for this stage.
    """

    index: int
    name: str
    rate: float | None
    verdicts: int
    entered_at: float | None = None
    after_verdict: int = 0

    def describe(self, window: int) -> str:
        """E.g. ``stage 1 "short" (pass rate 0.34 over last 64 verdicts of stage 0; now ...)``."""
        rate = "-" if self.rate is None else f"{self.rate:.2f}"
        now = f"now {rate} over {self.verdicts}/{window}"
        if self.entered_at is None:
            return f'stage {self.index} "{self.name}" ({now} verdicts)'
        return (
            f'stage {self.index} "{self.name}" (pass rate {self.entered_at:.2f} over last '
            f"{window} verdicts of stage {self.index - 1}; {now})"
        )


#: The ``candidates.sampling`` key the trainer writes the sampling stage's name under.
STAGE_KEY = "curriculum_stage"

# Rolling pass rate over the last ``window`` verdicts of candidates sampled in one stage (after
# it was entered), in verdict order. Returns the first full window at the threshold (where the
# stage was passed: its last verdict id and its rate) and the latest window (the rate now).
_ROLLING = """
WITH r AS (
  SELECT v.id, count(*) OVER w AS n, avg((v.verdict = 'pass')::int) OVER w AS rate
  FROM verifications v
  JOIN candidates c ON c.id = v.candidate_id JOIN groups g ON g.id = v.group_id
  WHERE g.run_id = :run AND g.purpose = 'train' AND c.sampling ->> :key = :stage
    AND v.id > :after
  WINDOW w AS (ORDER BY v.id ROWS BETWEEN {back} PRECEDING AND CURRENT ROW)
), passed AS (
  SELECT id, rate FROM r WHERE n = :window AND rate >= :advance_at ORDER BY id LIMIT 1
), latest AS (
  SELECT n, rate FROM r ORDER BY id DESC LIMIT 1
)
SELECT passed.id AS passed_id, passed.rate AS passed_rate, latest.n, latest.rate
FROM latest LEFT JOIN passed ON true
"""


@dataclass(frozen=True)
class _Evidence:
    passed_id: int | None  # the last verdict of the first window that reached advance_at
    passed_rate: float | None  # and that window's pass rate
    rate: float | None
    verdicts: int


def _evidence(
    engine: Engine, run_id: int, stage: CurriculumStage, window: int, after: int
) -> _Evidence:
    # The frame offset is an int from validated settings, not user text: formatted in.
    sql = _ROLLING.format(back=int(window) - 1)
    with engine.connect() as conn:
        row = conn.execute(
            text(sql),
            {
                "run": run_id,
                "key": STAGE_KEY,
                "stage": stage.name,
                "after": after,
                "window": window,
                # The last stage never advances: a threshold no rate reaches.
                "advance_at": 2.0 if stage.advance_at is None else stage.advance_at,
            },
        ).first()
    if row is None:  # no verdict of this stage yet
        return _Evidence(None, None, None, 0)
    return _Evidence(
        None if row.passed_id is None else int(row.passed_id),
        None if row.passed_rate is None else float(row.passed_rate),
        float(row.rate),
        int(row.n),
    )


def current_stage(
    engine: Engine,
    run_id: int,
    stages: Sequence[CurriculumStage],
    window: int,
    *,
    since: StageState | None = None,
) -> StageState:
    """The stage this run has reached, walking the stages from the first (or ``since``).

    Stage i counts only verdicts of candidates *sampled in stage i* (tagged
    ``sampling.curriculum_stage`` by the trainer) recorded after stage i-1 was passed, so
    stage i+1 is not passed on the same easy verdicts that passed stage i. Stage i is passed
    once any full window of those verdicts reached ``advance_at``: verdicts are only ever
    added, so the answer never goes back, in this process or after a restart. ``since`` (a
    state this process already reached) skips the stages before it.
    """
    if not stages:
        raise ValueError("an empty curriculum has no stage")
    index = 0 if since is None else min(since.index, len(stages) - 1)
    entered_at = None if since is None else since.entered_at
    after = 0 if since is None else since.after_verdict
    while True:
        stage = stages[index]
        found = _evidence(engine, run_id, stage, window, after)
        if found.passed_id is None or index == len(stages) - 1:
            return StageState(index, stage.name, found.rate, found.verdicts, entered_at, after)
        entered_at, after = found.passed_rate, found.passed_id
        index += 1
