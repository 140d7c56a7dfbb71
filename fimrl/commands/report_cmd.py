"""`fimrl report RUN`: the experiment report (one self-contained HTML file)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.commands.eval_cmd import parse_ks

console = Console()


def report(
    run: str = typer.Argument(None, help="Training run name or id (default: run_name)."),
    out: Path = typer.Option(None, help="HTML path (default: state_dir/reports/RUN/)."),
    k: str = typer.Option("1,8,32", "--k", help="k of the pass@k figures."),
    render: bool = typer.Option(
        False, "--screenshot", help="Also render it in headless Chromium to a PNG beside it."
    ),
) -> None:
    """Write the HTML report: reward, pass@k per span kind over steps, latency, rejections."""
    from fimrl.db.session import get_engine
    from fimrl.eval.report import screenshot, write_report
    from fimrl.safe_paths import state_path

    settings = load_settings()
    engine = get_engine(settings)
    name = run or settings.run_name
    path = out or state_path(settings.state_dir, "reports", name, what="run name") / "report.html"
    written = write_report(engine, name, path, ks=parse_ks(k))
    console.print(f"report: {written}")
    if render:
        png = screenshot(written, written.with_suffix(".png"))
        console.print(f"rendered by Chromium: {png}")
