"""`fimrl demo`: the README's main command."""

from __future__ import annotations

import typer

from fimrl.commands.config_cmd import load_settings


def demo(
    steps: int = typer.Option(None, help="Learner steps to run (default: settings.max_steps)."),
    timeout: float = typer.Option(1800.0, help="Give up after this many seconds."),
) -> None:
    """Run the whole loop locally: services, tasks, workers, trainer, learner, report."""
    from fimrl.demo import run_demo

    settings = load_settings()
    run_demo(settings, steps=steps or settings.max_steps, timeout_s=timeout)
