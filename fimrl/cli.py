"""The `fimrl` command: wiring only; each sub-command calls into the library."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fimrl.cli_errors import explain
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

DEBUG_FLAG = "--debug"


def _debugging() -> bool:
    """``FIMRL_DEBUG=1`` (the setting), unless the settings themselves cannot load."""
    try:
        from fimrl.config import get_settings

        return get_settings().debug
    except Exception:
        return False


def main() -> None:
    """Entry point and the CLI's one error boundary (:mod:`fimrl.cli_errors`): a known
    failure ends with one line and exit 2; an unknown one with a one-line summary and exit 1,
    or its traceback under ``--debug`` / ``FIMRL_DEBUG=1``."""
    debug = DEBUG_FLAG in sys.argv[1:]
    if debug:
        sys.argv = [a for a in sys.argv if a != DEBUG_FLAG]
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except Exception as exc:
        message = explain(exc)
        if message is not None and not debug:
            err.print(f"[bold red]error:[/] {message}", highlight=False)
            sys.exit(2)
        if debug or _debugging():
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        err.print(
            f"[bold red]error:[/] unexpected {type(exc).__name__}: {first} (run again with "
            f"{DEBUG_FLAG} or FIMRL_DEBUG=1 for the traceback, and please report it)",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
