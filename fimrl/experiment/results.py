"""An arm's measured outcomes: where they live and how they are summarised.

Every arm is evaluated by ``fimrl eval`` into an evaluation run of its own
(``experiment_arms.eval_run_id``); the arm's curve point ``p`` is that run's policy version
``p``. The base arm has one point, 0 (the starting model, at zero budget); a trained arm's
points are 1..len(budget.points). The evaluated tasks are the experiment's fixed held-out set:
partial-span FIM tasks and whole-proof tasks (span kind ``proof``, the transfer measure).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from fimrl.eval.passk import PassAtK, TaskOutcome, summarize
from fimrl.eval.results import outcomes_by_version

__all__ = ["FIM", "PROOF", "point_outcomes", "summarize_point"]

#: Breakdown of every partial-span task (all span kinds but ``proof``).
FIM = "fim"
#: Breakdown of the whole-proof tasks.
PROOF = "proof"


def summarize_point(
    outcomes: Sequence[TaskOutcome], ks: Sequence[int], *, seed: int = 0
) -> dict[str, dict[int, PassAtK]]:
    """pass@k for ``all``, ``fim`` (partial spans), and each span kind (``proof`` included)."""
    summary = summarize(outcomes, ks, seed=seed)
    fim = [o for o in outcomes if o.span_kind != PROOF]
    if fim:
        summary[FIM] = summarize(fim, ks, seed=seed)["all"]
    return summary


def point_outcomes(engine: Engine, eval_run_id: int, point: int) -> list[TaskOutcome]:
    """The verified outcomes of an arm's curve point (empty if not evaluated yet)."""
    return outcomes_by_version(engine, eval_run_id, [point]).get(point, [])
