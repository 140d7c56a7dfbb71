"""`fimrl warmup run|show`: the supervised FIM warm-up as its own stage."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.db import migrate
from fimrl.db.session import get_engine
from fimrl.errors import FimrlError

app = typer.Typer(
    help="Supervised FIM warm-up (policy version 0 of an RL run).", no_args_is_help=True
)
console = Console()


@app.command("run")
def run(
    name: str = typer.Option(None, help="Warm-up run name (default: <run_name>-warmup)."),
    steps: int = typer.Option(None, help="Optimizer steps (default: settings.warmup_steps)."),
) -> None:
    """Fine-tune the configured model on the train split's reference middles (TRL SFTTrainer).

    Start an RL run from it with FIMRL_MODEL=<the printed checkpoint>.
    """
    from fimrl.warmup.stage import run_warmup_shown

    settings = load_settings()
    if steps is not None:
        if steps < 1:
            raise FimrlError("--steps must be >= 1")
        settings = settings.model_copy(update={"warmup_steps": steps})
    name = name or f"{settings.run_name}-warmup"
    engine = get_engine(settings)
    migrate.require_current(engine)
    result, trained = run_warmup_shown(console, engine, settings, name)
    verb = "trained" if trained else "reused (same model, format and budget)"
    left = ", ".join(f"{k} {v}" for k, v in sorted(result.left_out.items())) or "none"
    console.print(
        f"warm-up {name!r} {verb}: {result.steps} steps, {result.examples} examples "
        f"({result.epochs:.2f} epochs; left out: {left}), final loss "
        f"{result.final_loss if result.final_loss is not None else float('nan'):.3f}, "
        f"{result.seconds:.0f}s",
        highlight=False,
    )
    console.print(f"checkpoint: {result.checkpoint}", highlight=False, soft_wrap=True)


@app.command("show")
def show(name: str = typer.Argument(..., help="Warm-up run name.")) -> None:
    """The recorded warm-up: budget, examples, tokens, losses (JSON)."""
    from sqlalchemy import text

    settings = load_settings()
    engine = get_engine(settings)
    migrate.require_current(engine)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT kind, config FROM runs WHERE name = :n"), {"n": name}
        ).first()
    if row is None or row.kind != "warmup":
        raise FimrlError(f"no warm-up run named {name!r}")
    console.print_json(json.dumps(row.config["warmup"]))
