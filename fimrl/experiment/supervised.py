"""The supervised arms' training (ntp, fim-sft, and fim-sft+rlvr's SFT stage) on a budget.

An experiment holds one quantity equal across arms (loss tokens, optimizer steps or seconds),
so a supervised arm cannot be given a step count up front: it trains until what it has spent
in the matched unit reaches the budget, keeping a checkpoint at each learning-curve point on
the way. Each point is a complete model directory (evaluated like any other checkpoint) that
also holds what continues training from it exactly, so an interrupted experiment resumes
from its last point instead of retraining the arm.

Training is TRL's ``SFTTrainer`` set up as the warm-up's (:func:`fimrl.warmup.sft.sft_trainer`):
text rows train on every token, prompt-completion rows on the completion only.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from fimrl.experiment.budget import Budget, PointReached, Spent
from fimrl.warmup.sft import progress_callback, sft_trainer

__all__ = [
    "POINT_MARKER",
    "RESUME_DIR",
    "SupervisedConfig",
    "row_kind",
    "train_supervised",
]

#: The subfolder of a point with the trainer state that resumes from it (optimizer, scheduler,
#: RNG states, step); deleting it leaves a plain model directory.
RESUME_DIR = "resume"
#: Written into each point: which point it is and what had been spent (its completeness mark).
POINT_MARKER = "fimrl-point.json"
#: Where the trainer writes a checkpoint before it is renamed into place (same filesystem).
_SCRATCH = ".training"
#: ``max_steps`` of a tokens or seconds budget, whose last step is not known in advance: the
#: budget stops training, this bound never does.
_UNBOUNDED_STEPS = 10**9
#: What the HF Trainer writes into a checkpoint beside the model and tokenizer.
_RESUME_FILES = (
    "optimizer.pt",
    "scheduler.pt",
    "scaler.pt",
    "rng_state*.pth",
    "trainer_state.json",
    "training_args.bin",
)

RowKind = str  # "text" | "prompt-completion"


@dataclass(frozen=True)
class SupervisedConfig:
    """How a supervised arm trains (the budget says how long).

    Attributes:
        batch_size: sequences per optimizer step.
        learning_rate: the constant rate after the warm-up.
        max_length: longest sequence in tokens (rows are expected to fit; see
            :mod:`fimrl.experiment.ntp_data`).
        seed: data order and the trainer's RNG.
        bf16: bfloat16 autocast.
        trainable_layers: train only the top N decoder layers (None: every weight).
        warmup_steps: linear warm-up of the learning rate, then constant. The schedule is
            constant because a tokens or seconds budget ends at a step nobody knows in
            advance, and a decaying schedule needs that step; it also leaves fim-sft+rlvr's
            SFT stage trained the same way as the fim-sft arm, only shorter.
        log_every: optimizer steps between ``on_log`` entries.
    """

    batch_size: int = 8
    learning_rate: float = 2e-4
    max_length: int = 512
    seed: int = 0
    bf16: bool = False
    trainable_layers: int | None = None
    warmup_steps: int = 10
    log_every: int = 10

    def validate(self) -> None:
        for name in ("batch_size", "max_length", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"supervised {name} must be >= 1")
        if self.warmup_steps < 0:
            raise ValueError("supervised warmup_steps must be >= 0")
        if not self.learning_rate > 0:
            raise ValueError("supervised learning_rate must be > 0")


def row_kind(rows: list[dict[str, Any]]) -> RowKind:
    """``"text"`` or ``"prompt-completion"``: what every row is; a ValueError otherwise.

    The two kinds train different losses (every token, the completion only), so a mix would
    silently train an arm on a blend of objectives.
    """
    if not rows:
        raise ValueError("no training rows: a supervised arm needs at least one example")
    kinds: set[RowKind] = set()
    for i, row in enumerate(rows):
        keys = set(row)
        if keys == {"text"}:
            kinds.add("text")
        elif keys == {"prompt", "completion"}:
            kinds.add("prompt-completion")
        else:
            raise ValueError(
                f"row {i} has keys {sorted(keys)}; a row is {{'text'}} "
                "or {'prompt', 'completion'}"
            )
        if not all(isinstance(v, str) for v in row.values()):
            raise ValueError(f"row {i}: values must be strings")
    if len(kinds) > 1:
        raise ValueError(
            "rows mix text and prompt-completion examples; train one kind per arm "
            "(every token vs the completion only)"
        )
    return kinds.pop()


class _Tally:
    """Loss tokens of the micro-batches since the last optimizer step.

    Counted where the batch is in hand (the trainer's ``training_step``); kept as a tensor so
    a GPU is synchronised once per step, not once per micro-batch.
    """

    def __init__(self) -> None:
        self._pending: Any = 0

    def add(self, inputs: dict[str, Any]) -> None:
        # A causal LM scores position t+1 from positions <= t: the first label of a sequence
        # is never predicted, so the loss tokens are the labels after it that are not -100
        # (the count the HF Trainer itself normalises the loss by).
        labels = inputs.get("shift_labels")
        if labels is None:
            labels = inputs["labels"][..., 1:]
        self._pending = self._pending + labels.ne(-100).sum()

    def take(self) -> int:
        n, self._pending = int(self._pending), 0
        return n


@dataclass
class _Run:
    """The budget of one call: what is spent, which points are due, and publishing them."""

    budget: Budget
    spent: Spent
    next: int  # index of the next point to reach
    out_dir: Path
    first_point: int
    on_point: Callable[[PointReached], None] | None
    tally: _Tally = field(default_factory=_Tally)
    due: list[int] = field(default_factory=list)
    mark: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> bool:
        return self.next >= len(self.budget.points)

    def restart_clock(self) -> None:
        self.mark = time.monotonic()

    def step_end(self, global_step: int) -> bool:
        """Count one optimizer step; True when a point is due (the caller saves)."""
        now = time.monotonic()
        self.spent.seconds += now - self.mark
        self.mark = now
        self.spent.steps += 1
        self.spent.tokens += self.tally.take()
        if global_step != self.spent.steps:
            raise RuntimeError(
                f"trainer step {global_step} and counted steps {self.spent.steps} disagree"
            )
        while not self.finished and self.budget.reached(self.spent, self.next):
            self.due.append(self.next)
            self.next += 1
        return bool(self.due)

    def publish(self, checkpoint: Path) -> None:
        """Turn the trainer's checkpoint into the due points, each renamed into place whole."""
        _split_resume_state(checkpoint)
        due, self.due = self.due, []
        for n, index in enumerate(due):
            number = self.first_point + index
            final = self.out_dir / f"point-{number}"
            staged = checkpoint
            if n < len(due) - 1:  # one step reached several points: each gets its own copy
                staged = checkpoint.with_name(f"{checkpoint.name}.point-{number}")
                shutil.rmtree(staged, ignore_errors=True)
                shutil.copytree(checkpoint, staged, symlinks=True)
            reached = PointReached(
                number, self.budget.points[index], replace(self.spent), str(final)
            )
            marker = {**asdict(reached), "unit": self.budget.unit, "amount": self.budget.amount}
            (staged / POINT_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
            if final.exists():  # left by a run that stopped before reporting it: stale
                shutil.rmtree(final)
            staged.rename(final)
            if self.on_point is not None:
                self.on_point(reached)


def _split_resume_state(checkpoint: Path) -> None:
    """Move the trainer state into ``resume/``, beside links to the model files.

    The point's top level is then a plain model directory, and ``resume/`` alone is a
    checkpoint the HF Trainer resumes from (it reads the weights beside its state); the links
    are relative, so they survive the rename and any move of the whole point.
    """
    state = checkpoint / RESUME_DIR
    state.mkdir()
    for pattern in _RESUME_FILES:
        for path in checkpoint.glob(pattern):
            path.rename(state / path.name)
    for path in checkpoint.iterdir():
        if path.is_file():
            os.symlink(Path("..") / path.name, state / path.name)


def _counting_trainer_class(tally: _Tally) -> Any:
    from trl import SFTTrainer

    class _CountingSFTTrainer(SFTTrainer):  # type: ignore[misc]
        def training_step(self, model: Any, inputs: Any, num_items_in_batch: Any = None) -> Any:
            tally.add(inputs)
            return super().training_step(model, inputs, num_items_in_batch)

    return _CountingSFTTrainer


def _budget_callback(run: _Run) -> Any:
    from transformers import TrainerCallback

    class _BudgetCallback(TrainerCallback):  # type: ignore[misc]
        def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            run.restart_clock()

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if run.step_end(int(state.global_step)):
                control.should_save = True
            if run.finished:
                control.should_training_stop = True

        def on_save(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            run.publish(Path(args.output_dir) / f"checkpoint-{state.global_step}")
            run.restart_clock()  # saving (and on_point) is not training time

    return _BudgetCallback()


def _resume_from(resume: PointReached, budget: Budget, first_point: int) -> tuple[int, Path | None]:
    """The index of the next point after ``resume`` and the trainer state to load.

    None for the state when ``resume`` was the last point: nothing is left to train.
    """
    index = resume.point - first_point
    if not 0 <= index < len(budget.points):
        raise ValueError(
            f"resume point {resume.point} is not one of this budget's points "
            f"({first_point}..{first_point + len(budget.points) - 1})"
        )
    if abs(budget.points[index] - resume.fraction) > 1e-9:
        raise ValueError(
            f"resume point {resume.point} was at fraction {resume.fraction}, "
            f"this budget puts it at {budget.points[index]}: a different budget"
        )
    if index == len(budget.points) - 1:
        return index + 1, None
    state = Path(resume.checkpoint) / RESUME_DIR
    try:
        saved = json.loads((state / "trainer_state.json").read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot resume from {resume.checkpoint}: {exc}") from None
    if int(saved.get("global_step", -1)) != resume.spent.steps:
        raise ValueError(
            f"{resume.checkpoint} holds step {saved.get('global_step')}, but the point "
            f"says {resume.spent.steps} steps were spent"
        )
    return index + 1, state


def train_supervised(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    out_dir: Path,
    budget: Budget,
    config: SupervisedConfig,
    *,
    first_point: int = 1,
    resume: PointReached | None = None,
    on_point: Callable[[PointReached], None] | None = None,
    on_log: Callable[[dict[str, Any]], None] | None = None,
) -> Spent:
    """Train ``model`` on ``rows`` until ``budget`` is spent; return what was spent in all.

    At each budget point ``i`` (the first optimizer step at which the spent amount reaches
    ``budget.target(i)``) the model, tokenizer and trainer state are saved to
    ``out_dir/point-{first_point + i}`` and ``on_point`` is told. Counted: ``tokens``, the
    tokens that carry loss (all of a text row's tokens but its first, whose prediction has no
    context; a completion's tokens and its EOS); ``steps``, optimizer steps; ``seconds``, wall
    time from the start of training, less the time spent saving points.

    ``resume`` is the last point an interrupted call reported: training goes on from its
    weights, optimizer, scheduler, RNG state, data position and spent counters, and the
    returned ``Spent`` counts from the start of the arm, not of this call.
    """
    config.validate()
    row_kind(rows)
    out_dir = Path(out_dir)
    spent = Spent()
    next_point, state = 0, None
    if resume is not None:
        next_point, state = _resume_from(resume, budget, first_point)
        spent = replace(resume.spent)
        if state is None:
            return spent
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = out_dir / _SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    final_target = budget.target(len(budget.points) - 1)
    # A steps budget ends the trainer's own way too; the others end only by the budget.
    max_steps = math.ceil(final_target - 1e-9) if budget.unit == "steps" else _UNBOUNDED_STEPS
    run = _Run(budget, spent, next_point, out_dir, first_point, on_point)
    callbacks = [_budget_callback(run)]
    if on_log is not None:
        callbacks.append(
            progress_callback(
                on_log,
                lambda: {"unit": budget.unit, "budget": final_target, "spent": spent.to_json()},
            )
        )
    trainer = sft_trainer(
        model,
        tokenizer,
        rows,
        scratch,
        config,
        max_steps=max_steps,
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=config.warmup_steps,
        logging_steps=config.log_every,
        callbacks=callbacks,
        trainer_class=_counting_trainer_class(run.tally),
    )
    trainer.train(resume_from_checkpoint=None if state is None else str(state))
    shutil.rmtree(scratch, ignore_errors=True)
    if not run.finished:
        raise RuntimeError(
            f"training stopped at step {spent.steps} with {spent.of(budget.unit):g} of "
            f"{final_target:g} {budget.unit} spent"
        )
    return replace(spent)
