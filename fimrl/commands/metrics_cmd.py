"""`fimrl metrics serve|show`: the Prometheus exporter (wiring over fimrl.monitoring)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings

app = typer.Typer(
    help="Prometheus metrics of the queue, groups, verdicts, learner, trainer.",
    no_args_is_help=True,
)
console = Console()


def _options(window_minutes: float) -> Any:
    from fimrl.monitoring import ExporterOptions

    try:
        return ExporterOptions(window_minutes=window_minutes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command("serve")
def serve(
    port: int = typer.Option(9108, help="TCP port of /metrics."),
    host: str = typer.Option(
        "127.0.0.1", help="Address to bind; 0.0.0.0 in a container or for a remote Prometheus."
    ),
    window_minutes: float = typer.Option(
        15.0, help="The latency histogram covers verdicts of this many recent minutes."
    ),
) -> None:
    """Serve /metrics until SIGTERM/SIGINT; every scrape reads PostgreSQL and Redis afresh."""
    from fimrl.monitoring import serve as start

    settings = load_settings()
    server, thread, collector = start(
        settings, host=host, port=port, options=_options(window_minutes)
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print(
        f"fimrl metrics on http://{host}:{server.server_port}/metrics "
        f"(queue {settings.queue_name}, latency window {window_minutes:g} min)",
        highlight=False,
    )
    try:
        stop.wait()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        collector.close()


@app.command("show")
def show(
    window_minutes: float = typer.Option(15.0, help="Latency window in minutes."),
) -> None:
    """Print what one scrape returns (Prometheus text format) and exit."""
    from fimrl.monitoring import scrape_once

    typer.echo(scrape_once(load_settings(), _options(window_minutes)), nl=False)
