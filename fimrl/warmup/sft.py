"""The supervised FIM warm-up: teach a weak model to fill holes with reference middles.

A model that has never seen Lean earns no reward, and GSPO learns nothing from groups whose
rewards are all 0. A short supervised stage on the *training* split (prompt = the RL prompt,
completion = the reference middle in the shape the prompt format expects) makes the policy
write Lean at all; its checkpoint is then policy version 0 of the RL run.

It runs with TRL's ``SFTTrainer`` (prompt-completion data, loss on the completion only), not a
loop of our own. Examples whose prompt and completion exceed ``max_length`` tokens are left out
rather than truncated (a truncated completion would teach a wrong answer) and counted.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fimrl.rollout.extract import HoleContext
from fimrl.rollout.prompts import PromptFormat, encode_prompt
from fimrl.warmup.answers import round_trips, target_text

log = logging.getLogger(__name__)

__all__ = [
    "WARMUP_MARKER",
    "SFTHyper",
    "WarmupConfig",
    "WarmupResult",
    "build_examples",
    "progress_callback",
    "read_warmup_info",
    "sft_trainer",
    "train_warmup",
]

#: Written into a warm-up checkpoint: what it was trained on and how (also its completeness mark).
WARMUP_MARKER = "fimrl-warmup.json"


class WarmupTask(HoleContext, Protocol):
    """What the warm-up reads of a task: the hole's context, the reference middle, its kind."""

    @property
    def id(self) -> int: ...
    @property
    def middle(self) -> str: ...
    @property
    def span_kind(self) -> str: ...


@dataclass(frozen=True)
class WarmupConfig:
    """How long and how hard the warm-up trains.

    Attributes:
        steps: optimizer steps (the budget; examples are reshuffled each pass).
        batch_size: sequences per optimizer step.
        learning_rate: peak rate of a linear decay with 10 % warm-up.
        max_length: longest prompt + completion in tokens; longer examples are left out.
        seed: data order and initialisation of the trainer's RNG.
        bf16: bfloat16 autocast (on GPUs, and on CPUs with native bf16: ~2x faster on the
            2-core EPYC this was measured on).
        trainable_layers: train only the top N transformer layers (and the final norm);
            None trains every weight. Backward then stops N layers down: cheaper on a CPU.
    """

    steps: int = 120
    batch_size: int = 8
    learning_rate: float = 1e-4
    max_length: int = 768
    seed: int = 0
    bf16: bool = False
    trainable_layers: int | None = None

    def validate(self) -> None:
        for name in ("steps", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"warm-up {name} must be >= 1")
        if not self.learning_rate > 0:
            raise ValueError("warm-up learning_rate must be > 0")


@dataclass
class WarmupResult:
    """What a warm-up produced (also written to the checkpoint's ``fimrl-warmup.json``)."""

    checkpoint: str
    base_model: str
    prompt_format: str
    config: dict[str, Any]
    tasks: int
    examples: int
    left_out: dict[str, int]
    span_kinds: dict[str, int]
    steps: int
    epochs: float
    train_tokens: int
    completion_tokens: int
    seconds: float
    losses: list[tuple[int, float]] = field(default_factory=list)

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1][1] if self.losses else None


def build_examples(
    tasks: Sequence[WarmupTask], fmt: PromptFormat, tokenizer: Any, max_length: int
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Prompt-completion rows for TRL, and why the rest were left out (reason -> count)."""
    rows: list[dict[str, Any]] = []
    left_out: Counter[str] = Counter()
    for task in tasks:
        if not task.middle.strip():
            left_out["empty_middle"] += 1
            continue
        if not round_trips(fmt, task, task.middle):
            left_out["extraction_would_change_it"] += 1
            continue
        prompt = fmt.build(task, tokenizer)
        completion = target_text(fmt, task, task.middle)
        n_prompt = len(encode_prompt(fmt, task, tokenizer))
        n_completion = len(tokenizer(completion, add_special_tokens=False)["input_ids"]) + 1
        if n_prompt + n_completion > max_length:
            left_out["too_long"] += 1
            continue
        rows.append(
            {
                "prompt": prompt,
                "completion": completion,
                "task_id": int(task.id),
                "span_kind": task.span_kind,
                "prompt_tokens": n_prompt,
                "completion_tokens": n_completion,
            }
        )
    return rows, left_out


LogCallback = Callable[[dict[str, Any]], None]


def progress_callback(on_log: LogCallback, extra: Callable[[], dict[str, Any]]) -> Any:
    """Hand each logged training step to ``on_log``, with the caller's ``extra`` fields (the
    warm-up's total steps, an experiment arm's spent budget)."""
    from transformers import TrainerCallback

    class _Lines(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            if logs and "loss" in logs:
                on_log({"step": int(state.global_step), **extra(), **logs})

    return _Lines()


class SFTHyper(Protocol):
    """The hyperparameters every supervised stage shares (warm-up and experiment arms)."""

    @property
    def batch_size(self) -> int: ...
    @property
    def learning_rate(self) -> float: ...
    @property
    def max_length(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def bf16(self) -> bool: ...
    @property
    def trainable_layers(self) -> int | None: ...


def sft_trainer(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, str]],
    output_dir: Path,
    hyper: SFTHyper,
    *,
    max_steps: int,
    lr_scheduler_type: str,
    warmup_steps: int,
    logging_steps: int,
    callbacks: Sequence[Any] = (),
    trainer_class: Any = None,
) -> Any:
    """A TRL ``SFTTrainer`` over ``rows`` (``text`` or ``prompt``/``completion`` dicts), set up
    the way every supervised stage of fimrl trains, so a warm-up and an experiment arm differ
    only in budget and schedule.

    Checkpointing is off (``save_strategy="no"``): a caller that keeps checkpoints asks for
    them step by step. Rows are shuffled with the seed before the trainer's own sampler.
    ``trainer_class`` is an ``SFTTrainer`` subclass (default: ``SFTTrainer`` itself).
    """
    import datasets
    import torch
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    ordered = list(rows)
    random.Random(hyper.seed).shuffle(ordered)
    args = SFTConfig(
        output_dir=str(output_dir),
        max_steps=max_steps,
        per_device_train_batch_size=hyper.batch_size,
        gradient_accumulation_steps=1,
        learning_rate=hyper.learning_rate,
        lr_scheduler_type=lr_scheduler_type,
        warmup_steps=warmup_steps,
        max_length=hyper.max_length,
        completion_only_loss=True,
        packing=False,
        # Recomputing activations saves memory a 135M model does not need and costs ~35 %.
        activation_checkpointing=False,
        seed=hyper.seed,
        data_seed=hyper.seed,
        logging_steps=logging_steps,
        save_strategy="no",
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        bf16=hyper.bf16,
        # Progress is ours (on_log: a rich bar or plain lines), not tqdm's or a dict print.
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    if hyper.trainable_layers is not None:
        freeze_below(model, hyper.trainable_layers)
    datasets.disable_progress_bars()
    try:
        trainer = (trainer_class or SFTTrainer)(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(ordered),
            processing_class=tokenizer,
            callbacks=list(callbacks),
        )
    finally:
        datasets.enable_progress_bars()
    trainer.remove_callback(PrinterCallback)
    return trainer


def train_warmup(
    model: Any,
    tokenizer: Any,
    tasks: Sequence[WarmupTask],
    fmt: PromptFormat,
    out_dir: Path,
    config: WarmupConfig,
    *,
    base_model: str,
    on_log: LogCallback | None = None,
) -> WarmupResult:
    """Fine-tune ``model`` on ``tasks`` with TRL's SFTTrainer; save it to ``out_dir``.

    The checkpoint is written next to ``out_dir`` and renamed into place with its
    ``fimrl-warmup.json`` last, so a directory with that file is always complete.
    """
    config.validate()
    rows, left_out = build_examples(tasks, fmt, tokenizer, config.max_length)
    if not rows:
        reasons = ", ".join(f"{k}: {v}" for k, v in left_out.items()) or "no tasks"
        raise ValueError(f"no usable warm-up examples among {len(tasks)} tasks ({reasons})")
    out_dir = Path(out_dir)
    scratch = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    losses: list[tuple[int, float]] = []

    def record(entry: dict[str, Any]) -> None:
        losses.append((int(entry["step"]), float(entry["loss"])))
        if on_log is not None:
            on_log(entry)

    trainer = sft_trainer(
        model,
        tokenizer,
        [{"prompt": r["prompt"], "completion": r["completion"]} for r in rows],
        scratch / "trainer",
        config,
        max_steps=config.steps,
        lr_scheduler_type="linear",
        warmup_steps=max(1, config.steps // 10),
        logging_steps=max(1, min(10, config.steps // 10)),
        callbacks=[progress_callback(record, lambda: {"steps": config.steps})],
    )
    started = time.monotonic()
    trainer.train()
    seconds = time.monotonic() - started
    seen = config.steps * config.batch_size
    epochs = seen / len(rows)
    per_pass_tokens = sum(r["prompt_tokens"] + r["completion_tokens"] for r in rows)
    per_pass_completion = sum(r["completion_tokens"] for r in rows)
    result = WarmupResult(
        checkpoint=str(out_dir),
        base_model=base_model,
        prompt_format=fmt.name,
        config=asdict(config),
        tasks=len(tasks),
        examples=len(rows),
        left_out=dict(left_out),
        span_kinds=dict(Counter(r["span_kind"] for r in rows)),
        steps=int(trainer.state.global_step),
        epochs=round(epochs, 3),
        train_tokens=math.floor(per_pass_tokens * epochs),
        completion_tokens=math.floor(per_pass_completion * epochs),
        seconds=round(seconds, 2),
        losses=losses,
    )
    trained = trainer.model
    trained.save_pretrained(scratch, safe_serialization=True)
    tokenizer.save_pretrained(scratch)
    shutil.rmtree(scratch / "trainer", ignore_errors=True)
    (scratch / WARMUP_MARKER).write_text(json.dumps(asdict(result), indent=2) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    scratch.rename(out_dir)
    return result


def freeze_below(model: Any, trainable_layers: int) -> int:
    """Freeze all but the top ``trainable_layers`` decoder layers and the final norm.

    Returns the number of trainable parameters. Tied input/output embeddings stay frozen with
    the input side: the point is that backward stops early.
    """
    layers = _decoder_layers(model)
    if trainable_layers < 0 or trainable_layers > len(layers):
        raise ValueError(f"trainable_layers must be in 0..{len(layers)}, not {trainable_layers}")
    for p in model.parameters():
        p.requires_grad_(False)
    top = list(layers)[len(layers) - trainable_layers :] if trainable_layers else []
    norm = getattr(getattr(model, "model", model), "norm", None)
    for module in [*top, *([norm] if norm is not None else [])]:
        for p in module.parameters():
            p.requires_grad_(True)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _decoder_layers(model: Any) -> Any:
    inner = getattr(model, "model", None)
    layers = getattr(inner, "layers", None)
    if layers is None:
        raise ValueError(f"cannot find the decoder layers of {type(model).__name__}")
    return layers


def read_warmup_info(directory: Path | str) -> dict[str, Any] | None:
    """The warm-up record of a checkpoint directory; None if it is not a finished warm-up."""
    path = Path(directory) / WARMUP_MARKER
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None
