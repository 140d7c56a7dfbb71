"""`fimrl services start|stop|status`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from fimrl.commands.config_cmd import load_settings
from fimrl.config import mask_url
from fimrl.services.manager import service_states, start_services, stop_services

app = typer.Typer(
    help="Embedded PostgreSQL and Redis (when no URL is configured).", no_args_is_help=True
)
console = Console()


@app.command("start")
def start() -> None:
    """Start the embedded servers that have no configured URL; harmless if running."""
    settings = load_settings()
    urls = start_services(settings)
    console.print(f"postgres: {mask_url(urls.database_url or '')}")
    console.print(f"redis:    {mask_url(urls.broker_url or '')}")
    console.print(f"recorded in {settings.state_dir / 'services.json'}")


@app.command("stop")
def stop() -> None:
    """Stop the embedded servers (data stays in the state dir)."""
    stopped = stop_services(load_settings())
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Which servers answer now (each is asked), where, and whether fimrl manages them;
    exit 1 when one does not."""
    table = Table()
    for col in ("service", "managed", "answers", "pid", "url", "problem"):
        table.add_column(col, overflow="fold")
    states = service_states(load_settings())
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "service": st.name,
                        "managed": st.managed,
                        "answers": st.running,
                        "pid": st.pid,
                        "url": mask_url(st.url) if st.url else None,
                        "problem": st.problem,
                    }
                    for st in states
                ]
            )
        )
        if not all(st.running for st in states):
            raise typer.Exit(1)
        return
    for st in states:
        table.add_row(
            st.name,
            "embedded" if st.managed else "configured",
            "yes" if st.running else "no",
            str(st.pid or "-"),
            mask_url(st.url) if st.url else "-",
            st.problem or "",
        )
    console.print(table)
    if not all(st.running for st in states):
        raise typer.Exit(1)
