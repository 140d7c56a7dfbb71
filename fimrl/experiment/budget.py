"""Budgets: what an arm has spent, and the targets of its learning-curve points.

Arms differ in what a step is (a batch of FIM examples, of Lean text, of GSPO groups), so the
experiment counts three things for every arm and holds one of them equal: tokens that carried
loss, optimizer steps, and seconds of training.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fimrl.experiment.spec import BudgetUnit

__all__ = ["Budget", "PointReached", "Spent"]


@dataclass
class Spent:
    """What an arm has used so far (cumulative across resumes)."""

    tokens: int = 0
    steps: int = 0
    seconds: float = 0.0

    def of(self, unit: BudgetUnit) -> float:
        return float(getattr(self, unit))

    def plus(self, other: Spent) -> Spent:
        return Spent(
            self.tokens + other.tokens, self.steps + other.steps, self.seconds + other.seconds
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Budget:
    """A budget in one unit, with the fractions at which checkpoints are kept."""

    unit: BudgetUnit
    amount: float
    points: tuple[float, ...] = (1.0,)

    def target(self, point: int) -> float:
        return self.amount * self.points[point]

    def reached(self, spent: Spent, point: int) -> bool:
        return spent.of(self.unit) >= self.target(point) - 1e-9

    def scaled(self, share: float) -> Budget:
        """The same unit and points over ``share`` of the amount (a two-stage arm's stage)."""
        return Budget(self.unit, self.amount * share, self.points)


@dataclass(frozen=True)
class PointReached:
    """A learning-curve checkpoint: point ``point`` (index into the budget's fractions)."""

    point: int
    fraction: float
    spent: Spent
    checkpoint: str
