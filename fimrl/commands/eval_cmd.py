"""`fimrl eval run|show|list|compare|plot|nl`: wiring over :mod:`fimrl.eval`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from fimrl.commands.config_cmd import load_settings
from fimrl.errors import FimrlError
from fimrl.safe_paths import state_path

if TYPE_CHECKING:
    from fimrl.eval.compare import Comparison
    from fimrl.eval.passk import PassAtK
    from fimrl.eval.results import EvalProgress
    from fimrl.eval.runner import VersionSpec

# The evaluation modules (numpy, Celery, the rollout stack) are imported inside the commands,
# so `fimrl --help` and every other sub-command start without them.

app = typer.Typer(
    help="Evaluate policy versions: pass@k on held-out Lean tasks, comparisons, NL maths.",
    no_args_is_help=True,
)
console = Console()


def parse_ks(value: str) -> tuple[int, ...]:
    """``1,8,32`` -> (1, 8, 32)."""
    try:
        ks = tuple(sorted({int(part) for part in value.split(",") if part.strip()}))
    except ValueError:
        raise FimrlError(
            f"--k takes integers separated by commas, e.g. 1,8,32 (got {value!r})"
        ) from None
    if not ks or ks[0] < 1:
        raise FimrlError("--k needs positive integers, e.g. 1,8,32")
    return ks


def _fmt(p: PassAtK | None) -> str:
    return "-" if p is None else f"{p.estimate:.3f} [{p.low:.3f}, {p.high:.3f}]"


def _checker_line(backends: Sequence[tuple[str, str | None, int]]) -> str:
    if not backends:
        return "[yellow]no verdicts[/]"
    names = ", ".join(f"{b} (Lean {lv or '-'}, {n})" for b, lv, n in backends)
    if any(b == "exact" for b, _, _ in backends):
        return f"[bold yellow]checker: {names} — EXACT-MATCH, NOT Lean verification[/]"
    return f"[green]checker: {names}[/]"


def _order(keys: Sequence[str]) -> list[str]:
    from fimrl.eval.passk import WHOLE_PROOF_KIND

    rest = sorted(k for k in keys if k not in ("all", WHOLE_PROOF_KIND))
    return [k for k in ("all", WHOLE_PROOF_KIND) if k in keys] + rest


def _summary_table(title: str, summary: dict[str, dict[int, PassAtK]], ks: Sequence[int]) -> Table:
    from fimrl.eval.passk import breakdown_label

    table = Table(title=title)
    table.add_column("tasks", overflow="fold")
    table.add_column("n tasks", justify="right", overflow="fold")
    for k in ks:
        table.add_column(f"pass@{k} [95% CI]", justify="right", overflow="fold")
    for key in _order(list(summary)):
        row = summary[key]
        count = max((p.tasks for p in row.values()), default=0)
        table.add_row(breakdown_label(key), str(count), *[_fmt(row.get(k)) for k in ks])
    return table


def _print_summaries(
    title: str,
    specs: Sequence[VersionSpec],
    summaries: dict[int, dict[str, dict[int, PassAtK]]],
    ks: Sequence[int],
) -> None:
    labels = {s.version: s for s in specs}
    for version, summary in summaries.items():
        spec = labels.get(version)
        name = spec.label if spec else f"v{version}"
        step = f", learner step {spec.learner_step}" if spec else ""
        console.print(_summary_table(f"{title}: {name}{step}", summary, ks))


@app.command("run")
def run(
    version: list[int] = typer.Option(None, "--version", help="Policy version (repeatable)."),
    base: bool = typer.Option(False, "--base", help="Also evaluate the base model (version 0)."),
    run_name: str = typer.Option(None, "--run", help="Training run (default: run_name)."),
    split: str = typer.Option("test", help="train | valid | test | all."),
    k: str = typer.Option("1,8,32", "--k", help="k of pass@k, comma separated."),
    n: int = typer.Option(32, "--n", help="Samples per task (>= every k)."),
    span_kind: list[str] = typer.Option(None, "--span-kind", help="Only these kinds."),
    source: str = typer.Option(None, "--source", help="Only tasks whose source starts so."),
    limit: int = typer.Option(None, help="At most this many tasks (seeded subset)."),
    temperature: float = typer.Option(None, help="Sampling temperature (default: setting)."),
    max_new_tokens: int = typer.Option(None, help="Completion length (default: setting)."),
    batch: int = typer.Option(8, help="Tasks per generate call."),
    timeout: float = typer.Option(3600.0, help="Seconds to wait for verdicts."),
    seed: int = typer.Option(0, help="Seeds the task subset, sampling and bootstrap."),
    name: str = typer.Option(None, help="Evaluation run name (an existing one is resumed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Sample n completions per task per version, verify them on the workers, print pass@k."""
    from fimrl.db import migrate
    from fimrl.db.session import get_engine
    from fimrl.eval.passk import summary_to_json
    from fimrl.eval.runner import EvalOptions, EvalRunner, default_eval_name, resolve_versions

    settings = load_settings()
    engine = get_engine(settings)
    migrate.require_current(engine)
    ks = parse_ks(k)
    source_run, specs = resolve_versions(
        engine, settings, run_name or settings.run_name, version or [], base=base
    )
    options = EvalOptions(
        split=split,
        n=n,
        ks=ks,
        span_kinds=tuple(span_kind or ()),
        source_prefix=source,
        limit=limit,
        temperature=temperature,
        max_new_tokens=max_new_tokens,
        tasks_per_batch=batch,
        timeout_s=timeout,
        seed=seed,
        name=name or default_eval_name(source_run, split),
    )
    err = Console(stderr=True)
    err.print(
        f"evaluation [bold]{options.name}[/]: {', '.join(s.label for s in specs)} of "
        f"{source_run or 'the base model'}"
    )
    with err.status("starting evaluation") as status:

        def progress(message: str, p: EvalProgress | None) -> None:
            if p is None:
                status.update(message)
            else:
                status.update(
                    f"{message}: {p.verified}/{p.candidates} candidates verified, "
                    f"{p.pending}/{p.groups} groups pending"
                )

        try:
            report = EvalRunner(settings, engine, on_progress=progress).run(
                source_run, specs, options
            )
        except KeyboardInterrupt:
            raise FimrlError(
                f"interrupted; the groups written are kept: resume with --name {options.name}"
            ) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "eval_run": report.run_name,
                    "source_run": report.source_run,
                    "tasks": report.tasks,
                    "backends": report.backends,
                    "results": {str(v): summary_to_json(s) for v, s in report.summaries.items()},
                },
                indent=2,
            )
        )
        return
    console.print(
        f"evaluation [bold]{report.run_name}[/] of {report.source_run or 'the base model'}: "
        f"{report.tasks} tasks, split {split}, n={n}"
        + (f", {len(report.skipped)} skipped (prompt too long)" if report.skipped else "")
    )
    console.print(_checker_line(report.backends))
    _print_summaries("pass@k", specs, report.summaries, ks)


@app.command("show")
def show(
    eval_run: str = typer.Argument(None, help="Evaluation run (default: the newest)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """pass@k of an evaluation run, recomputed from the stored verdicts."""
    from fimrl.db.session import get_engine
    from fimrl.eval.passk import summary_to_json
    from fimrl.eval.results import EVAL_KIND, backends_of, eval_runs, find_run
    from fimrl.eval.runner import VersionSpec, summarize_eval

    engine = get_engine(load_settings())
    if eval_run:
        info = find_run(engine, eval_run)
    else:
        runs = eval_runs(engine)
        if not runs:
            raise FimrlError("no evaluation runs yet: `fimrl eval run --base`")
        info = runs[-1]
    if info.kind != EVAL_KIND:
        raise FimrlError(f"run {info.name!r} is a {info.kind} run, not an evaluation")
    ks = tuple(info.config.get("ks") or (1, 8, 32))
    summaries = summarize_eval(engine, info.id, ks, seed=int(info.config.get("seed", 0)))
    if as_json:
        typer.echo(json.dumps({str(v): summary_to_json(s) for v, s in summaries.items()}))
        return
    console.print(
        f"evaluation [bold]{info.name}[/] ({info.status}) of "
        f"{info.source_run or 'the base model'}: split {info.config.get('split')}, "
        f"n={info.config.get('n')}, {info.config.get('tasks')} tasks"
    )
    console.print(_checker_line(backends_of(engine, [info.id])))
    specs = [VersionSpec(**s) for s in info.config.get("versions", [])]
    _print_summaries("pass@k", specs, summaries, ks)


@app.command("list")
def list_runs(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Evaluation runs, newest last."""
    from fimrl.db.session import get_engine
    from fimrl.eval.results import eval_runs

    engine = get_engine(load_settings())
    runs = eval_runs(engine)
    if as_json:
        rows = [
            {
                "name": info.name,
                "status": info.status,
                "source_run": info.source_run,
                "split": info.config.get("split"),
                "n": info.config.get("n"),
                "tasks": info.config.get("tasks"),
                "versions": [v.get("label") for v in info.config.get("versions", [])],
            }
            for info in runs
        ]
        typer.echo(json.dumps(rows, default=str))
        return
    table = Table(title="evaluations")
    for col in ("name", "status", "of run", "split", "n", "tasks", "versions"):
        table.add_column(col, overflow="fold")
    for info in runs:
        versions = ", ".join(v.get("label", "?") for v in info.config.get("versions", []))
        table.add_row(
            info.name,
            info.status,
            info.source_run or "-",
            str(info.config.get("split")),
            str(info.config.get("n")),
            str(info.config.get("tasks")),
            versions,
        )
    console.print(table)


def _comparison_table(c: Comparison) -> Table:
    from fimrl.eval.passk import breakdown_label

    table = Table(title=f"{c.a.label} ({c.a_eval}) vs {c.b.label} ({c.b_eval})")
    for col in ("tasks", "k", c.a.label, c.b.label, f"{c.a.label} - {c.b.label}", "paired"):
        table.add_column(col, justify="left" if col == "tasks" else "right", overflow="fold")
    for row in c.rows:
        diff = "-"
        if row.diff is not None:
            d = row.diff
            diff = f"{d.estimate:+.3f} [{d.low:+.3f}, {d.high:+.3f}]"
        table.add_row(
            breakdown_label(row.breakdown),
            str(row.k),
            _fmt(row.a),
            _fmt(row.b),
            diff,
            str(row.paired),
        )
    return table


def _comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        "a": {"label": c.a.label, "eval_run": c.a_eval},
        "b": {"label": c.b.label, "eval_run": c.b_eval},
        "rows": [
            {
                "breakdown": r.breakdown,
                "k": r.k,
                "a": r.a.to_json() if r.a else None,
                "b": r.b.to_json() if r.b else None,
                "diff": r.diff.to_json() if r.diff else None,
                "paired": r.paired,
            }
            for r in c.rows
        ],
    }


@app.command("compare")
def compare(
    a: str = typer.Argument(..., help="Version A: N, vN, base, or RUN:N."),
    b: str = typer.Argument(..., help="Version B: N, vN, base, or RUN:N."),
    run_name: str = typer.Option(None, "--run", help="Training run (default: run_name)."),
    split: str = typer.Option(None, help="Only evaluations of this split."),
    eval_run: str = typer.Option(None, "--eval-run", help="Take both from this evaluation."),
    k: str = typer.Option("1,8,32", "--k", help="k of pass@k."),
    plot: Path = typer.Option(None, help="PNG of pass@k vs step (default: state dir)."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Do not write the plot."),
    seed: int = typer.Option(0, help="Bootstrap seed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A and B side by side, A - B with its paired bootstrap interval; plot of pass@k vs step."""
    from fimrl.db.session import get_engine
    from fimrl.eval.compare import (
        compare_versions,
        parse_version_ref,
        passk_over_steps,
        write_passk_vs_step_plot,
    )

    settings = load_settings()
    engine = get_engine(settings)
    ks = parse_ks(k)
    default_run = run_name or settings.run_name
    ref_a, ref_b = parse_version_ref(a), parse_version_ref(b)
    result = compare_versions(
        engine,
        ref_a,
        ref_b,
        default_run=default_run,
        ks=ks,
        split=split,
        eval_run=eval_run,
        seed=seed,
    )
    written: Path | None = None
    if not no_plot:
        plot_run = ref_a.run or default_run
        points = passk_over_steps(engine, plot_run, ks, split=split, seed=seed)
        written = write_passk_vs_step_plot(
            points,
            plot
            or state_path(settings.state_dir, "reports", plot_run, what="run name")
            / "passk_vs_step.png",
            title=f"{plot_run}: held-out pass@k against training step",
        )
    if as_json:
        out = _comparison_json(result)
        out["plot"] = str(written) if written else None
        typer.echo(json.dumps(out, indent=2))
        return
    console.print(_comparison_table(result))
    if written:
        console.print(f"plot: {written}")


@app.command("plot")
def plot_cmd(
    run_name: str = typer.Argument(None, help="Training run (default: run_name)."),
    out: Path = typer.Option(None, help="PNG path (default: state dir)."),
    split: str = typer.Option(None, help="Only evaluations of this split."),
    k: str = typer.Option("1,8,32", "--k"),
) -> None:
    """PNG of held-out pass@k against learner step for a run's evaluated versions."""
    from fimrl.db.session import get_engine
    from fimrl.eval.compare import passk_over_steps, write_passk_vs_step_plot

    settings = load_settings()
    engine = get_engine(settings)
    name = run_name or settings.run_name
    target = out or state_path(settings.state_dir, "reports", name, what="run name")
    points = passk_over_steps(engine, name, parse_ks(k), split=split)
    path = write_passk_vs_step_plot(
        points,
        target if out else target / "passk_vs_step.png",
        title=f"{name}: held-out pass@k against training step",
    )
    console.print(f"plot: {path} ({len({p.version for p in points})} evaluated versions)")


@app.command("nl")
def nl(
    file: Path = typer.Argument(..., help='JSONL: {"question": ..., "answer": ...} per line.'),
    version: list[int] = typer.Option(None, "--version", help="Policy version (repeatable)."),
    base: bool = typer.Option(False, "--base", help="Also evaluate the base model."),
    run_name: str = typer.Option(None, "--run", help="Training run (default: run_name)."),
    k: str = typer.Option("1,8", "--k", help="k of pass@k."),
    n: int = typer.Option(None, "--n", help="Samples per problem (default: largest k)."),
    temperature: float = typer.Option(None, help="Sampling temperature (default: setting)."),
    max_new_tokens: int = typer.Option(512, help="Solution length in tokens."),
    seed: int = typer.Option(0),
    name: str = typer.Option(None, help="Name of the stored NL evaluation run."),
) -> None:
    """Final-answer pass@k on natural-language problems, next to the Lean pass@k."""
    from fimrl.db import migrate
    from fimrl.db.session import get_engine
    from fimrl.eval.nl import lean_figures, load_problems, run_nl_eval
    from fimrl.eval.runner import resolve_versions

    settings = load_settings()
    engine = get_engine(settings)
    migrate.require_current(engine)
    ks = parse_ks(k)
    problems = load_problems(file)
    source_run, specs = resolve_versions(
        engine, settings, run_name or settings.run_name, version or [], base=base
    )
    with console.status("starting") as status:
        report = run_nl_eval(
            settings,
            engine,
            problems,
            specs,
            source_run=source_run,
            source_file=str(file),
            n=n or max(ks),
            ks=ks,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            seed=seed,
            on_progress=status.update,
            name=name,
        )
    table = Table(title=f"{file.name}: {len(problems)} problems ({report.run_name})")
    table.add_column("version", overflow="fold")
    for kk in ks:
        table.add_column(f"NL pass@{kk}", justify="right", overflow="fold")
    for kk in ks:
        table.add_column(f"Lean pass@{kk}", justify="right", overflow="fold")
    table.add_column("Lean figures from", overflow="fold")
    for result in report.results:
        lean = lean_figures(engine, source_run, result.spec.version, ks)
        lean_k = lean[1] if lean else {}
        table.add_row(
            result.spec.label,
            *[_fmt(result.pass_at_k.get(kk)) for kk in ks],
            *[_fmt(lean_k.get(kk)) for kk in ks],
            lean[0] if lean else "no Lean evaluation",
        )
    console.print(table)
