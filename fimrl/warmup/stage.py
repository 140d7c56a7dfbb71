"""The warm-up as a stage of a run: train tasks from the database in, a recorded checkpoint out.

A warm-up is a row of ``runs`` (``kind = 'warmup'``) whose ``config`` holds everything it did
(settings, examples, tokens, losses) and a checkpoint directory under the state dir. An RL run
that starts from it sets ``model`` to that directory, so its policy version 0 *is* the warm-up
checkpoint (``policy_versions.model``) and the run's own config names the warm-up run.

Finished warm-ups are reused: running the stage again with the same name and settings loads
nothing and returns the recorded result, so an interrupted demo or experiment resumes after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run, finish_run
from fimrl.errors import FimrlError
from fimrl.progress import StepBar
from fimrl.safe_paths import safe_name, state_path
from fimrl.warmup.precision import use_bf16
from fimrl.warmup.sft import WarmupConfig, WarmupResult, read_warmup_info, train_warmup

__all__ = [
    "WARMUP_KIND",
    "WarmupTaskRow",
    "config_from_settings",
    "run_warmup",
    "run_warmup_shown",
    "train_tasks",
    "warmup_dir",
    "warmup_line",
]

WARMUP_KIND = "warmup"


class WarmupTaskRow:
    """A train-split ``fim_tasks`` row as the warm-up reads it."""

    __slots__ = ("header", "id", "middle", "prefix", "span_kind", "suffix")

    def __init__(self, row: Any) -> None:
        self.id = int(row.id)
        self.header = row.header
        self.prefix = row.prefix
        self.middle = row.middle
        self.suffix = row.suffix
        self.span_kind = row.span_kind


def warmup_dir(settings: Settings, name: str) -> Path:
    """Where the checkpoint of warm-up ``name`` lives (names are checked: they become paths)."""
    name = safe_name(name, "warm-up name")  # the name itself, before the prefix hides it
    return state_path(settings.state_dir, "checkpoints", f"warmup-{name}", what="warm-up name")


def config_from_settings(settings: Settings) -> WarmupConfig:
    """The warm-up budget the settings ask for, precision resolved for this machine."""
    return WarmupConfig(
        steps=settings.warmup_steps,
        batch_size=settings.warmup_batch_size,
        learning_rate=settings.warmup_learning_rate,
        max_length=settings.warmup_max_length,
        seed=settings.seed,
        bf16=use_bf16(settings.warmup_precision),
        trainable_layers=settings.warmup_trainable_layers,
    )


def train_tasks(engine: Engine) -> list[WarmupTaskRow]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, header, prefix, middle, suffix, span_kind FROM fim_tasks "
                "WHERE split = 'train' ORDER BY id"
            )
        ).all()
    return [WarmupTaskRow(r) for r in rows]


def _reusable(info: dict[str, Any] | None, settings: Settings, config: WarmupConfig) -> bool:
    return (
        info is not None
        and info.get("base_model") == settings.model
        and info.get("prompt_format") == settings.prompt_format
        and info.get("config") == asdict(config)
    )


def run_warmup(
    engine: Engine,
    settings: Settings,
    name: str,
    *,
    on_log: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[WarmupResult, bool]:
    """Warm ``settings.model`` up on the train split as warm-up run ``name``.

    Returns the result and whether it was trained now (False: a finished warm-up with the
    same base model, prompt format and budget was found and reused).
    """
    import torch

    from fimrl.rollout.models import load_causal_lm, load_tokenizer
    from fimrl.rollout.prompts import get_prompt_format

    out = warmup_dir(settings, name)
    config = config_from_settings(settings)
    info = read_warmup_info(out)
    if _reusable(info, settings, config):
        assert info is not None
        result = WarmupResult(**{**info, "losses": [tuple(x) for x in info.get("losses", [])]})
        _record(engine, name, settings, result)
        return result, False
    tasks = train_tasks(engine)
    if not tasks:
        raise FimrlError("no train-split tasks in the database: run `fimrl tasks build` first")
    fmt = get_prompt_format(settings.prompt_format)
    cache = settings.state_dir / "models"
    tokenizer = load_tokenizer(settings.model, cache_dir=cache)
    model = load_causal_lm(settings.model, torch.float32, cache_dir=cache)
    torch.manual_seed(settings.seed)
    result = train_warmup(
        model, tokenizer, tasks, fmt, out, config, base_model=settings.model, on_log=on_log
    )
    _record(engine, name, settings, result)
    return result, True


def warmup_line(entry: dict[str, Any]) -> str:
    """One line per logged warm-up step: step, loss, learning rate."""
    lr = entry.get("learning_rate")
    return f"warm-up step {entry['step']}/{entry['steps']}  loss {float(entry['loss']):.3f}" + (
        f"  lr {float(lr):.2e}" if lr is not None else ""
    )


def run_warmup_shown(
    console: Console, engine: Engine, settings: Settings, name: str
) -> tuple[WarmupResult, bool]:
    """:func:`run_warmup` with its progress on ``console``: a bar on a terminal, a line per
    logged step in a pipe (what `fimrl warmup run` and `fimrl demo` both show)."""
    with StepBar(console, "warm-up", settings.warmup_steps) as bar:
        return run_warmup(
            engine, settings, name, on_log=lambda e: bar.update(int(e["step"]), warmup_line(e))
        )


def _record(engine: Engine, name: str, settings: Settings, result: WarmupResult) -> int:
    config = {"warmup": asdict(result), "settings": settings.display()}
    run_id = ensure_run(engine, name, kind=WARMUP_KIND, config=config)
    with engine.begin() as conn:
        kind = conn.execute(text("SELECT kind FROM runs WHERE id = :r"), {"r": run_id}).scalar()
        if kind != WARMUP_KIND:
            raise FimrlError(f"run {name!r} exists and is a {kind} run, not a warm-up")
        conn.execute(
            text("UPDATE runs SET config = CAST(:c AS jsonb) WHERE id = :r"),
            {"c": _json(config), "r": run_id},
        )
    finish_run(engine, run_id)
    return run_id


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=str)
