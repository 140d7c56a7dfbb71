"""`fimrl learner start|stop|status`."""

from __future__ import annotations

import json
import os
import time

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.config import REPO_ROOT
from fimrl.learn.daemon import learner_daemon
from fimrl.services.daemon import python_module_argv

app = typer.Typer(help="The GSPO learner daemon.", no_args_is_help=True)
console = Console()


@app.command("start")
def start(
    detach: bool = typer.Option(False, help="Run in the background (pid/log in state dir)."),
    max_steps: int = typer.Option(None, help="Stop after this many steps."),
) -> None:
    """Start the learner for the configured run (resumes from its latest checkpoint)."""
    settings = load_settings()
    extra = ["--max-steps", str(max_steps)] if max_steps else []
    if not detach:
        from fimrl.learn.daemon import main

        main(extra)
        return
    daemon = learner_daemon(settings.state_dir)
    env = os.environ | {"FIMRL_STATE_DIR": str(settings.state_dir), "PYTHONPATH": str(REPO_ROOT)}
    pid = daemon.start_detached(python_module_argv("fimrl.learn", *extra), env)
    console.print(f"learner started, pid {pid}, log {daemon.log_file}")


@app.command("stop")
def stop() -> None:
    """SIGTERM: the current step finishes or its claims are handed back."""
    stopped = learner_daemon(load_settings().state_dir).stop()
    console.print("learner stopped" if stopped else "learner was not running")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Running?, what it is doing or waiting for, step, version, last step (exit 1 if down)."""
    daemon = learner_daemon(load_settings().state_dir)
    pid = daemon.pid()
    st = daemon.read_status()
    age = time.time() - float(st["updated"]) if "updated" in st else None
    if as_json:
        typer.echo(json.dumps(st | {"running": pid is not None, "age_s": age}, default=str))
    else:
        # A dead learner's last state is history, not its state now.
        state = st.get("state", "never started")
        if pid is None and "state" in st:
            state = "stopped"
        running = f"running, pid {pid}" if pid else "not running"
        heard = f", status written {age:.0f} s ago" if age is not None and pid else ""
        console.print(f"learner: {running} ({state}{heard})", highlight=False, soft_wrap=True)
        if st:
            console.print(
                f"run {st.get('run')}: step {st.get('step')}, policy version {st.get('version')}"
            )
            last = st.get("last") or {}
            if last:
                console.print(
                    f"last step: loss {last.get('loss'):.5f}, reward "
                    f"{last.get('reward_mean'):.3f}, groups {last.get('groups_used')}, "
                    f"wait {last.get('wait_time_s'):.1f}s"
                )
    if pid is None:
        raise typer.Exit(1)
