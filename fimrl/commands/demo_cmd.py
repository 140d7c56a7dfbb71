"""`fimrl demo`: the README's main command."""

from __future__ import annotations

import typer

from fimrl.commands.config_cmd import load_settings


def demo(
    steps: int = typer.Option(None, help="Most learner steps of RL (default: settings.max_steps)."),
    minutes: float = typer.Option(10.0, help="Most wall-clock minutes of the RL phase."),
    model: str = typer.Option(None, help="Base model (default: settings.model)."),
    warmup: bool = typer.Option(True, help="Supervised FIM warm-up before RL."),
    eval_tasks: int = typer.Option(40, help="Held-out test tasks evaluated per policy."),
    eval_n: int = typer.Option(4, help="Samples per held-out task (pass@1 and pass@n)."),
) -> None:
    """Warm-up, asynchronous GSPO (workers, trainer, learner), held-out evaluation, report."""
    from fimrl.demo import DemoOptions, run_demo
    from fimrl.demo.evaluate import HeldOut

    settings = load_settings()
    if model:
        settings = settings.model_copy(update={"model": model})
    ks = (1,) if eval_n < 2 else (1, eval_n)
    options = DemoOptions(
        steps=steps or settings.max_steps,
        minutes=minutes,
        warmup=warmup,
        held_out=HeldOut(tasks=eval_tasks, n=eval_n, ks=ks),
    )
    run_demo(settings, options)
