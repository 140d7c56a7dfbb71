"""What an experiment is: ``EXPERIMENT.toml`` read into a checked spec.

One file names the arms, the starting model, the budget every arm gets (and which of tokens,
optimizer steps or seconds is held equal), the evaluation all arms share, and any fimrl
setting for the RL arms and the evaluation. The spec is stored with the experiment, so a
resumed experiment is refused if its file changed in a way that would mix two experiments.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fimrl.errors import FimrlError

__all__ = [
    "ARMS",
    "BudgetSpec",
    "EvaluationSpec",
    "ExperimentSpec",
    "SupervisedSpec",
    "load_spec",
]

#: Every arm fimrl knows, in the order they run (and the report lists them).
ARMS: tuple[str, ...] = ("base", "ntp", "fim-sft", "fim-rlvr", "fim-sft+rlvr")
BudgetUnit = Literal["tokens", "steps", "seconds"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetSpec(_Strict):
    """The training budget of every trained arm.

    ``match`` is the quantity held equal across arms; the other two are recorded. Tokens are
    the tokens that carry loss: the completion of a FIM example or a GSPO sample, every token
    of a next-token text. Seconds are wall-clock seconds of the arm's training (for an RL arm,
    sampling, verification and learning together: what a researcher waits for).
    """

    match: BudgetUnit = "seconds"
    amount: float = Field(gt=0, description="The budget in the matched unit.")
    sft_share: float = Field(
        default=0.5, gt=0, lt=1, description="Share of fim-sft+rlvr's budget spent on SFT."
    )
    points: tuple[float, ...] = Field(
        default=(0.5, 1.0), description="Learning-curve checkpoints as fractions of the budget."
    )

    @field_validator("points")
    @classmethod
    def _points(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not 0 < p <= 1 for p in v):
            raise ValueError("points are fractions in (0, 1], e.g. [0.5, 1.0]")
        if list(v) != sorted(set(v)) or v[-1] != 1.0:
            raise ValueError("points must be increasing and end at 1.0 (the full budget)")
        return v


class SupervisedSpec(_Strict):
    """How the supervised arms (ntp, fim-sft and the SFT stage of fim-sft+rlvr) train."""

    batch_size: int = Field(default=8, ge=1)
    learning_rate: float = Field(default=2e-4, gt=0)
    max_length: int = Field(default=512, ge=16)
    trainable_layers: int | None = Field(default=None, ge=0)


class EvaluationSpec(_Strict):
    """The evaluation every arm gets: the same seeded held-out tasks and sampling.

    ``fim_tasks`` test-split tasks of the partial span kinds (tactic, run, subproof, calc
    step) and ``proof_tasks`` whole-proof tasks (the transfer measure), each drawn among the
    tasks whose prompts fit ``max_prompt_tokens``.
    """

    fim_tasks: int = Field(default=24, ge=0)
    proof_tasks: int = Field(default=8, ge=0)
    n: int = Field(default=4, ge=1)
    ks: tuple[int, ...] = (1, 4)
    seed: int = 0
    nl: str | None = Field(
        default=None, description="A natural-language set for `fimrl eval nl` (JSONL path)."
    )
    timeout_s: float = Field(default=1800.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> EvaluationSpec:
        if self.fim_tasks + self.proof_tasks < 1:
            raise ValueError("evaluate at least one task (fim_tasks + proof_tasks >= 1)")
        if not self.ks or min(self.ks) < 1 or self.n < max(self.ks):
            raise ValueError(f"ks must be positive and <= n ({self.n}); got {list(self.ks)}")
        return self


class ExperimentSpec(_Strict):
    """One experiment file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
    description: str = ""
    model: str | None = Field(default=None, description="Starting model (default: settings).")
    arms: tuple[str, ...] = ARMS
    seed: int = 0
    budget: BudgetSpec
    supervised: SupervisedSpec = SupervisedSpec()
    evaluation: EvaluationSpec = EvaluationSpec()
    settings: dict[str, Any] = Field(
        default_factory=dict, description="fimrl settings (names without FIMRL_) for this run."
    )

    @field_validator("arms")
    @classmethod
    def _arms(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [a for a in v if a not in ARMS]
        if unknown:
            raise ValueError(f"unknown arm(s) {unknown}; arms are {', '.join(ARMS)}")
        if len(set(v)) != len(v):
            raise ValueError("an arm is listed twice")
        if not v:
            raise ValueError("name at least one arm")
        return tuple(a for a in ARMS if a in v)  # the canonical order

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def load_spec(path: Path | str) -> ExperimentSpec:
    """Read and check an experiment file; every problem is one clear :class:`FimrlError`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise FimrlError(f"no experiment file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FimrlError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FimrlError(f"{path} is not valid TOML: {exc}") from None
    try:
        return ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()
        )
        raise FimrlError(f"{path}: {problems}") from None
