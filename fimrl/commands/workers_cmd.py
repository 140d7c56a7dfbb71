"""`fimrl workers start|stop|status`: Celery verifier workers on the configured broker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.config import REPO_ROOT
from fimrl.errors import FimrlError
from fimrl.safe_paths import safe_name
from fimrl.services.daemon import python_module_argv
from fimrl.services.probe import require_broker
from fimrl.services.process import pid_alive, read_pid_file
from fimrl.services.registry import broker_url, database_url
from workers.command import worker_argv

app = typer.Typer(help="Verifier workers (Celery, queue `verify`).", no_args_is_help=True)
console = Console()
#: A worker imports torch and the checker before it is ready: allow for a slow machine.
READY_TIMEOUT_S = 120.0


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
    if autoscale is not None:
        if concurrency is not None:
            raise FimrlError("-c and --autoscale conflict: give one (--autoscale MAX,MIN)")
        autoscale = _autoscale(autoscale)
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
    tag = safe_name(name.split("@")[0], "worker name")
    pid_file, sup_file = run_dir / f"{tag}.pid", run_dir / f"{tag}.supervisor.pid"
    if pid_alive(read_pid_file(sup_file)):
        raise FimrlError(f"worker {tag} already runs here; `fimrl workers stop` first")
    pid_file.unlink(missing_ok=True)
    supervised = python_module_argv(
        "fimrl.services.supervisor",
        "--pid-file", str(pid_file), "--supervisor-pid-file", str(sup_file), "--", *argv,
    )  # fmt: skip
    log = (run_dir / f"{tag}.log").open("ab")
    offset = log.tell()  # what this start writes begins here
    proc = subprocess.Popen(
        supervised,
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_ready(proc, pid_file, run_dir / f"{tag}.log", offset, tag)
    # The node name as Celery expands it (%h), for `workers scale`.
    (run_dir / f"{tag}.node").write_text(name.replace("%h", socket.gethostname()) + "\n")
    console.print(
        f"worker {name} started, pid {read_pid_file(pid_file)} (restarted if it dies by "
        f"supervisor pid {proc.pid}), log {run_dir / (tag + '.log')}"
    )


def _autoscale(value: str) -> str:
    """``MAX,MIN`` checked here: Celery would die on it in the background."""
    parts = value.split(",")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if (
        len(numbers) not in (1, 2)
        or min(numbers) < 0
        or numbers[0] < 1
        or (len(numbers) == 2 and numbers[1] > numbers[0])
    ):
        raise FimrlError(
            f"--autoscale {value!r}: expected MAX,MIN worker processes (e.g. 8,2), "
            "MAX >= MIN >= 0 and MAX >= 1"
        )
    return ",".join(str(n) for n in numbers)


def _wait_ready(
    proc: subprocess.Popen[bytes], pid_file: Path, log: Path, offset: int, tag: str
) -> None:
    """Until Celery says the worker is ready; a worker that dies first is an error that
    quotes its log, not a "started" line for a process that is already gone."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        with log.open("rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", errors="replace")
        if " ready." in text and pid_alive(read_pid_file(pid_file)):
            return
        died = proc.poll() is not None or " died (" in text
        if died or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # the supervisor would keep restarting it
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            tail = " | ".join(lines[-3:])
            pid_file.unlink(missing_ok=True)  # no stale entry for `workers status`
            pid_file.with_name(pid_file.name.replace(".pid", ".supervisor.pid")).unlink(
                missing_ok=True
            )
            why = "exited" if died else f"was not ready after {READY_TIMEOUT_S:.0f} s"
            raise FimrlError(f"worker {tag} {why}: {tail or 'no output'} (log {log})")
        time.sleep(0.1)


@app.command("scale")
def scale(
    processes: int = typer.Argument(..., min=1, help="Processes each local worker should run."),
) -> None:
    """Resize every detached worker of this state dir in place (Celery's pool control: no
    restart, no lost check); an autoscaled worker gets MAX = N instead."""
    from workers.scaling import scale_nodes

    settings = load_settings()
    require_broker(broker_url(settings), "no worker was resized")
    nodes = _local_nodes(settings.state_dir / "workers")
    if not nodes:
        raise FimrlError("no detached worker runs from this state dir: `fimrl workers start -d`")
    resized = scale_nodes(settings, nodes, processes)
    for r in resized:
        if r.autoscaled:
            console.print(f"{r.node}: autoscale max now {processes} ({r.after} running)")
        else:
            console.print(f"{r.node}: processes {r.before} -> {r.after}")
    missing = sorted(set(nodes) - {r.node for r in resized})
    if missing:
        raise FimrlError(f"no answer from {', '.join(missing)} (busy or gone): not resized")


def _local_nodes(run_dir: Path) -> list[str]:
    """Celery node names of this state dir's detached workers that are alive."""
    nodes = []
    for name_file in sorted(run_dir.glob("*.node")) if run_dir.exists() else []:
        tag = name_file.name.removesuffix(".node")
        if pid_alive(read_pid_file(run_dir / f"{tag}.pid")):
            nodes.append(name_file.read_text().strip())
    return nodes


@app.command("stop")
def stop() -> None:
    """Warm-stop every detached worker of this state dir (SIGTERM to its supervisor, which
    passes it on: the worker finishes its current checks and is not restarted)."""
    run_dir = load_settings().state_dir / "workers"
    stopped = 0
    for sup_file in sorted(run_dir.glob("*.supervisor.pid")) if run_dir.exists() else []:
        pid = read_pid_file(sup_file)
        if pid_alive(pid):
            os.kill(pid, signal.SIGTERM)  # type: ignore[arg-type]
            stopped += 1
        sup_file.unlink()
        (run_dir / sup_file.name.replace(".supervisor.pid", ".pid")).unlink(missing_ok=True)
        (run_dir / sup_file.name.replace(".supervisor.pid", ".node")).unlink(missing_ok=True)
    console.print(f"signalled {stopped} worker(s)")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Detached workers of this state dir and the queue depth."""
    from fimrl.rollout.enqueue import VerifyQueue

    settings = load_settings()
    run_dir = settings.state_dir / "workers"
    workers = []
    for sup_file in sorted(run_dir.glob("*.supervisor.pid")) if run_dir.exists() else []:
        tag = sup_file.name.removesuffix(".supervisor.pid")
        sup, pid = read_pid_file(sup_file), read_pid_file(run_dir / f"{tag}.pid")
        state = "running" if pid_alive(pid) else "restarting" if pid_alive(sup) else "dead"
        workers.append({"worker": tag, "pid": pid, "state": state, "supervisor_pid": sup})
        if not as_json:
            console.print(f"{tag}: pid {pid} {state} (supervisor pid {sup})")
    require_broker(broker_url(settings))  # seconds, not kombu's retry loop
    depth = VerifyQueue(settings).depth()
    if as_json:
        typer.echo(json.dumps({"workers": workers, "queue": settings.queue_name, "waiting": depth}))
        return
    console.print(f"queue {settings.queue_name}: {depth} waiting")
