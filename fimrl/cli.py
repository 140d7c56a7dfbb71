"""The `fimrl` command: wiring only; each sub-command calls into the library."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fimrl.commands import (
    config_cmd,
    db_cmd,
    demo_cmd,
    eval_cmd,
    experiment_cmd,
    lean_cmd,
    learner_cmd,
    metrics_cmd,
    report_cmd,
    services_cmd,
    sql_cmd,
    tasks_cmd,
    trainer_cmd,
    warmup_cmd,
    workers_cmd,
)
from fimrl.errors import FimrlError

app = typer.Typer(
    help="fimrl: RL from verifiable rewards on Lean 4 fill-in-the-middle tasks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(services_cmd.app, name="services")
app.add_typer(db_cmd.app, name="db")
app.add_typer(workers_cmd.app, name="workers")
app.add_typer(lean_cmd.app, name="lean")
app.add_typer(tasks_cmd.app, name="tasks")
app.add_typer(learner_cmd.app, name="learner")
app.add_typer(trainer_cmd.app, name="trainer")
app.add_typer(metrics_cmd.app, name="metrics")
app.add_typer(warmup_cmd.app, name="warmup")
app.add_typer(experiment_cmd.app, name="experiment")
app.command("demo")(demo_cmd.demo)
app.add_typer(eval_cmd.app, name="eval")
app.command("report")(report_cmd.report)
app.command("sql")(sql_cmd.sql)

err = Console(stderr=True, soft_wrap=True)


def main() -> None:
    """Entry point: a FimrlError ends with its one-line message, not a traceback."""
    try:
        app()
    except FimrlError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
