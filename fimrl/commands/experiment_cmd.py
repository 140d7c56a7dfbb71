"""`fimrl experiment run|report|list`: the comparison of training arms the project exists for."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fimrl.commands.config_cmd import load_settings
from fimrl.errors import FimrlError
from fimrl.safe_paths import state_path

app = typer.Typer(
    help="Compare training arms (base, ntp, fim-sft, fim-rlvr, fim-sft+rlvr) at one budget.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)  # a pipe gets whole lines (paths, step lines)


def _say(message: str) -> None:
    console.print(message, highlight=False, markup=False)


def _engine():  # type: ignore[no-untyped-def]
    from fimrl.db import migrate
    from fimrl.db.session import get_engine
    from fimrl.services.manager import start_services

    settings = load_settings()
    start_services(settings)
    engine = get_engine(settings)
    migrate.require_current(engine)
    return settings, engine


@app.command("run")
def run(
    file: Path = typer.Argument(
        ..., help="The experiment file (TOML), e.g. experiments/cpu-small.toml."
    ),
    arm: list[str] = typer.Option(
        None, help="Only this arm (repeatable): share an experiment's arms between hosts."
    ),
    take_over: bool = typer.Option(
        False, help="Resume an arm another host was training (that host is gone)."
    ),
) -> None:
    """Run every arm of the experiment and write its report; run again to resume it."""
    from fimrl.experiment.run import run_experiment
    from fimrl.experiment.spec import load_spec

    spec = load_spec(file)
    if not console.is_terminal:  # a pipe gets our lines, not transformers' progress bars
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    report = run_experiment(load_settings(), spec, _say, only=arm or (), take_over=take_over)
    _say(f"report: {report} (and {report.with_suffix('.html').name})")
    _say(f"again any time: fimrl experiment report {spec.name}")


@app.command("report")
def report(
    name: str = typer.Argument(..., help="The experiment's name (its file's `name`)."),
    out: Path = typer.Option(None, help="Directory for the report (default: state dir)."),
) -> None:
    """Write the comparison report (Markdown + HTML + plots) from what the database holds."""
    from fimrl.experiment.report import write_experiment_report

    settings, engine = _engine()
    target = out or state_path(
        settings.state_dir, "reports", f"experiment-{name}", what="experiment name"
    )
    path = write_experiment_report(engine, name, target)
    _say(f"report: {path} (and {path.with_suffix('.html').name})")


@app.command("list")
def list_arms(
    name: str = typer.Argument(None, help="Only this experiment."),
    as_json: bool = typer.Option(False, "--json", help="Every column of every arm, as JSON."),
) -> None:
    """Every experiment's arms: status, budget spent, final held-out pass@1."""
    from fimrl.db import queries

    _, engine = _engine()
    with engine.connect() as conn:
        columns, rows = queries.fetch(conn, "experiment_arms", experiment=name)
    if not rows and name:
        raise FimrlError(f"no experiment called {name!r}: `fimrl experiment list` shows all")
    if as_json:  # an empty list is an answer too: no experiments yet
        typer.echo(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str))
        return
    if not rows:
        _say("no experiments yet: fimrl experiment run experiments/cpu-small.toml")
        return
    shown = [
        "experiment", "arm", "status", "budget_unit", "budget_target", "tokens", "steps",
        "seconds", "fim_pass_at_1", "proof_pass_at_1",
    ]  # fmt: skip
    index = {c: i for i, c in enumerate(columns)}

    def cell(v: object) -> str:
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    body = [[cell(row[index[c]]) for c in shown] for row in rows]
    if not console.is_terminal:  # a pipe gets whole tab-separated lines, never a cut table
        for line in [shown, *body]:
            print("\t".join(line))
        return
    table = Table(title="experiment arms", title_justify="left")
    for c in shown:
        left = c in ("experiment", "arm", "status")
        table.add_column(c, justify="left" if left else "right", overflow="fold")
    for cells in body:
        table.add_row(*cells)
    console.print(table)
