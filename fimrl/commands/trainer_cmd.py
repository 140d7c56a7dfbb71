"""`fimrl trainer start|stop|status`: the rollout daemon (wiring over fimrl.rollout.daemon)."""

from __future__ import annotations

import json
import os
import time

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.config import REPO_ROOT
from fimrl.services.daemon import python_module_argv
from fimrl.services.process import pid_alive

app = typer.Typer(help="The trainer daemon (rollouts).", no_args_is_help=True)
console = Console()

# How long `start --detach` waits for the child to report before returning anyway.
_START_REPORT_S = 60.0


@app.command("start")
def start(
    detach: bool = typer.Option(False, help="Run in the background (pid/log in state dir)."),
    max_batches: int = typer.Option(None, help="Stop after this many batches."),
) -> None:
    """Start producing groups for the configured run (follows the learner's versions)."""
    from fimrl.rollout.trainer import trainer_daemon

    settings = load_settings()
    extra = ["--max-batches", str(max_batches)] if max_batches else []
    if not detach:
        from fimrl.rollout.daemon import main

        main(extra)
        return
    daemon = trainer_daemon(settings.state_dir)
    env = os.environ | {"FIMRL_STATE_DIR": str(settings.state_dir), "PYTHONPATH": str(REPO_ROOT)}
    if daemon.pid() is None:  # a running trainer keeps its status; start_detached refuses
        daemon.status_file.unlink(missing_ok=True)
    pid = daemon.start_detached(python_module_argv("fimrl.rollout.daemon", *extra), env)
    # Wait until the child has reported (or died), so a broken start is visible here.
    deadline = time.monotonic() + _START_REPORT_S
    while time.monotonic() < deadline and pid_alive(pid):
        if daemon.read_status().get("pid") == pid:
            break
        time.sleep(0.1)
    if not pid_alive(pid) and daemon.read_status().get("state") != "stopped":
        tail = daemon.log_file.read_text(errors="replace")[-2000:]
        console.print(f"[bold red]trainer exited at start[/] (log {daemon.log_file}):\n{tail}")
        raise typer.Exit(1)
    console.print(f"trainer started, pid {pid}, log {daemon.log_file}")


@app.command("stop")
def stop(
    timeout: float = typer.Option(120.0, help="Seconds to wait before SIGKILL."),
) -> None:
    """SIGTERM: the group being written completes, a running generation is abandoned."""
    from fimrl.rollout.trainer import trainer_daemon

    stopped = trainer_daemon(load_settings().state_dir).stop(timeout)
    console.print("trainer stopped" if stopped else "trainer was not running")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Running?, policy version, groups in flight, candidates per second (exit 1 if down)."""
    from fimrl.rollout.daemon import read_status

    st = read_status(load_settings())
    if as_json:
        typer.echo(json.dumps(st, default=str))
    else:
        running = f"running, pid {st['pid']}" if st["running"] else "not running"
        state = st.get("state", "never started")
        if not st["running"] and "state" in st:
            state = "stopped"  # its last state is history, not its state now
        heard = ""
        if st["running"] and isinstance(st.get("updated"), int | float):
            heard = f", status written {time.time() - st['updated']:.0f} s ago"
        console.print(f"trainer: {running} ({state}{heard})", highlight=False, soft_wrap=True)
        if "policy_version" in st and st["running"]:  # a stopped trainer has nothing in flight
            console.print(
                f"run {st.get('run')}: policy version {st['policy_version']} "
                f"(latest {st.get('latest_version')}, staleness {st.get('staleness')}), "
                f"groups in flight {st.get('groups_in_flight')}/{st.get('max_inflight_groups')}, "
                f"{st.get('candidates_per_s', 0.0):.2f} candidates/s, "
                f"{st.get('groups_written', 0)} groups written"
            )
        skipped = st.get("skipped") or {}
        if skipped:
            console.print(f"skipped tasks: {skipped}")
        if st.get("last_error"):
            console.print(f"last error: {st['last_error']}", highlight=False)
    if not st["running"]:
        raise typer.Exit(1)
