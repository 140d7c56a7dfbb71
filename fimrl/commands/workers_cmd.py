"""`fimrl workers start|stop|status`: Celery verifier workers on the configured broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.config import REPO_ROOT
from fimrl.services.process import pid_alive, read_pid_file
from fimrl.services.registry import broker_url, database_url
from workers.command import worker_argv

app = typer.Typer(help="Verifier workers (Celery, queue `verify`).", no_args_is_help=True)
console = Console()


@app.command("start")
def start(
    concurrency: int = typer.Option(
        None, "-c", "--concurrency", help="Worker processes (default: settings)."
    ),
    autoscale: str = typer.Option(None, help="MAX,MIN processes instead of -c."),
    hostname: str = typer.Option(None, help="Node name, e.g. lean1@%h (default w-<pid>@host)."),
    detach: bool = typer.Option(False, help="Run in the background (pid/log in state dir)."),
    loglevel: str = typer.Option("INFO"),
) -> None:
    """Start workers; any number of hosts can join the same broker and database."""
    settings = load_settings()
    broker_url(settings), database_url(settings)  # fail early with the clear message
    name = hostname or f"w-{os.getpid()}@{socket.gethostname()}"
    argv = worker_argv(
        settings.queue_name,
        concurrency=concurrency or settings.worker_concurrency,
        autoscale=autoscale,
        hostname=name,
        loglevel=loglevel,
    )
    env = os.environ | {"FIMRL_STATE_DIR": str(settings.state_dir)}
    if not detach:
        os.chdir(REPO_ROOT)
        os.execvpe(argv[0], argv, env)
    run_dir = settings.state_dir / "workers"
    run_dir.mkdir(parents=True, exist_ok=True)
    tag = name.split("@")[0]
    log = (run_dir / f"{tag}.log").open("ab")
    proc = subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    (run_dir / f"{tag}.pid").write_text(f"{proc.pid}\n")
    console.print(f"worker {name} started, pid {proc.pid}, log {run_dir / (tag + '.log')}")


@app.command("stop")
def stop() -> None:
    """Warm-stop every detached worker of this state dir (SIGTERM: finish current checks)."""
    run_dir = load_settings().state_dir / "workers"
    stopped = 0
    for pid_file in sorted(run_dir.glob("*.pid")) if run_dir.exists() else []:
        pid = read_pid_file(pid_file)
        if pid_alive(pid):
            os.killpg(pid, signal.SIGTERM)  # type: ignore[arg-type]
            stopped += 1
        pid_file.unlink()
    console.print(f"signalled {stopped} worker(s)")


@app.command("status")
def status() -> None:
    """Detached workers of this state dir and the queue depth."""
    from fimrl.rollout.enqueue import VerifyQueue

    settings = load_settings()
    run_dir = settings.state_dir / "workers"
    for pid_file in sorted(run_dir.glob("*.pid")) if run_dir.exists() else []:
        pid = read_pid_file(pid_file)
        console.print(f"{pid_file.stem}: pid {pid} {'running' if pid_alive(pid) else 'dead'}")
    console.print(f"queue {settings.queue_name}: {VerifyQueue(settings).depth()} waiting")
