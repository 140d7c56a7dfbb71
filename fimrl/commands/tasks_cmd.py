"""`fimrl tasks build|show|stats`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fimrl.build_report import BuildReport, load_report, save_report
from fimrl.commands.config_cmd import load_settings
from fimrl.db import migrate
from fimrl.db.models import FimTask
from fimrl.db.session import get_engine
from fimrl.db.task_store import task_counts
from fimrl.errors import FimrlError
from fimrl.ingest import build_into_db, default_corpus, lean_files
from fimrl.verify.factory import resolve_backend

app = typer.Typer(help="FIM tasks: build from Lean sources, inspect.", no_args_is_help=True)
#: Where the hole is when the output is not a terminal (no reverse video): ASCII, and not
#: Lean syntax.
HOLE_MARKERS = ("-->|", "|<--")
console = Console()


@app.command("build")
def build(
    paths: list[Path] = typer.Argument(
        None,
        help="Files or directories (default: the bundled corpus the configured verifier "
        "backend can check: FimCoreCorpus for `prelude`, FimCorpus otherwise).",
    ),
    whole_proof: bool = typer.Option(
        False, "--whole-proof", help="Mask entire proofs only (miniF2F-style sets)."
    ),
) -> None:
    """Scan Lean sources into fim_tasks, with a progress bar and a summary."""
    settings = load_settings()
    if not paths:
        paths = [default_corpus(resolve_backend(settings)[0])]
    roots = [p.expanduser().resolve() for p in paths]
    try:
        total = sum(1 for _ in lean_files(roots))
    except FileNotFoundError as exc:
        raise FimrlError(str(exc)) from None
    engine = get_engine(settings)
    migrate.require_current(engine)
    with Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
    ) as progress:
        bar = progress.add_task("", total=total)
        summary = build_into_db(
            engine,
            roots,
            settings,
            whole_proof=whole_proof,
            on_file=lambda p: progress.update(bar, advance=1, description=p.name),
            on_skip=lambda source, reason: progress.console.print(
                f"[yellow]warning:[/] skipped {source}: {reason}", highlight=False
            ),
        )
    table = Table(title="tasks build")
    table.add_column("", overflow="fold")
    table.add_column("count", justify="right", overflow="fold")
    table.add_row("files", str(summary.files))
    table.add_row("declarations", str(summary.declarations))
    for kind, n in sorted(summary.per_kind.items()):
        table.add_row(f"tasks: {kind}", str(n))
    for split, n in sorted(summary.per_split.items()):
        table.add_row(f"split: {split}", str(n))
    table.add_row("stored (new)", str(summary.stored))
    table.add_row("already stored", str(summary.duplicates))
    for reason, n in sorted(summary.skipped_declarations.items()):
        table.add_row(f"declarations skipped: {reason}", str(n))
    for reason, n in sorted(summary.rejected_spans.items()):
        table.add_row(f"spans rejected: {reason}", str(n))
    table.add_row("files skipped", str(len(summary.skipped_files)))
    console.print(table)
    for source, reason in summary.skipped_files:
        console.print(f"[yellow]skipped[/] {source}: {reason}", highlight=False)
    for path in summary.paths_without_lean:
        console.print(f"[yellow]warning:[/] no .lean files under {path}", highlight=False)
    report = BuildReport(
        files=summary.files,
        skipped_files=list(summary.skipped_files),
        skipped_declarations=dict(summary.skipped_declarations),
        rejected_spans=dict(summary.rejected_spans),
        paths_without_lean=list(summary.paths_without_lean),
    )
    save_report(report, settings.state_dir)


@app.command("show")
def show(
    task_id: int, as_json: bool = typer.Option(False, "--json", help="Machine-readable.")
) -> None:
    """Print a task with its hole marked."""
    engine = get_engine(load_settings())
    with Session(engine) as session:
        task = session.get(FimTask, task_id)
    if task is None:
        raise FimrlError(f"no task with id {task_id}")
    if as_json:
        fields = ("id", "source", "decl_name", "decl_kind", "span_kind", "split", "hole_line")
        parts = ("header", "prefix", "middle", "suffix")
        typer.echo(json.dumps({k: getattr(task, k) for k in (*fields, *parts)}))
        return
    console.print(
        f"[bold]task {task.id}[/] {task.decl_name} ({task.span_kind}, {task.split}) "
        f"from {task.source}:{task.hole_line}"
    )
    if task.header.strip():
        console.print("[dim]" + task.header.rstrip().replace("[", r"\[") + "[/]")
    # A terminal shows the hole in reverse video; a pipe or file gets visible delimiters.
    opening, closing = ("[reverse]", "[/]") if console.is_terminal else HOLE_MARKERS
    if not console.is_terminal:
        console.print(f"(the hole is between {HOLE_MARKERS[0]} and {HOLE_MARKERS[1]})")
    console.print(
        task.prefix.replace("[", r"\[")
        + opening
        + task.middle.replace("[", r"\[")
        + closing
        + task.suffix.replace("[", r"\["),
        highlight=False,
        soft_wrap=True,
    )


@app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Tasks per split and span kind, and what the last build skipped, by reason."""
    settings = load_settings()
    engine = get_engine(settings)
    counts = task_counts(engine)
    with Session(engine) as session:
        decls = session.scalar(select(func.count(func.distinct(FimTask.decl_name))))
    report = load_report(settings.state_dir)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "tasks": [{"split": sp, "span_kind": k, "tasks": n} for sp, k, n in counts],
                    "distinct_declarations": decls,
                    "last_build": None
                    if report is None
                    else {
                        "files": report.files,
                        "skipped_files": report.skipped_files_by_reason(),
                        "skipped_declarations": report.skipped_declarations,
                        "rejected_spans": report.rejected_spans,
                        "paths_without_lean": report.paths_without_lean,
                    },
                }
            )
        )
        return
    table = Table(title="fim_tasks")
    for col in ("split", "span kind", "tasks"):
        table.add_column(col, overflow="fold")
    for split, kind, n in counts:
        table.add_row(split, kind, str(n))
    console.print(table)
    console.print(f"distinct declarations: {decls}")
    if report is None:
        console.print("no build report yet (`fimrl tasks build` writes one)")
        return
    skips = Table(title=f"skipped by the last build ({report.files} files)")
    for col in ("what", "reason", "count"):
        skips.add_column(col, overflow="fold")
    for reason, n in sorted(report.skipped_files_by_reason().items()):
        skips.add_row("files", reason, str(n))
    for reason, n in sorted(report.skipped_declarations.items()):
        skips.add_row("declarations", reason, str(n))
    for reason, n in sorted(report.rejected_spans.items()):
        skips.add_row("spans", reason, str(n))
    for path in report.paths_without_lean:
        skips.add_row("paths", "no .lean files", path)
    console.print(skips)
