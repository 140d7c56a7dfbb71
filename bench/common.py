"""Helpers shared by the benchmarks: real servers, real worker processes, result files.

* :func:`bench_services` gives a migrated PostgreSQL database and a Redis broker: the
  configured ones (``FIMRL_DATABASE_URL`` / ``FIMRL_BROKER_URL``; a throw-away database is
  created on that server when the role may, else the configured database is used) or
  embedded servers started in a temporary directory and deleted afterwards.
* :class:`BenchWorker` runs a real ``celery worker`` (prefork) subprocess, like
  ``fimrl workers start`` does, and waits until it is ready.
* :func:`write_results` saves a JSON document under ``bench/results/`` (git-ignored) and
  returns its path; :func:`results_dir` is where plots go too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from workers.command import worker_argv

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"

__all__ = [
    "REPO",
    "RESULTS_DIR",
    "BenchServices",
    "BenchWorker",
    "CpuMeter",
    "bench_services",
    "machine_info",
    "noop_counter_keys",
    "results_dir",
    "tree_cpu",
    "wait_for",
    "wait_until_quiet",
    "worker_env",
    "write_results",
]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, poll: float = 0.05) -> Any:
    """Poll ``condition`` until truthy (returns its value); RuntimeError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


@dataclass
class BenchServices:
    """A migrated database and a broker for one benchmark run."""

    database_url: str
    broker_url: str
    state_dir: Path
    origin: str
    """Where the servers come from (embedded in a temp dir, or configured URLs)."""
    notes: list[str] = field(default_factory=list)
    server_pids: list[int] = field(default_factory=list)
    """Embedded servers' main pids (their CPU counts as the benchmark's own)."""
    own_database: bool = False
    """The database was made for this run (embedded or scratch): settings may be changed."""

    @property
    def engine(self) -> Any:
        from fimrl.db.session import engine_for

        return engine_for(self.database_url)

    def settings(self, **overrides: Any) -> Any:
        """A :class:`fimrl.config.Settings` for these servers (and ``overrides``)."""
        from fimrl.config import Settings

        base = {
            "state_dir": self.state_dir,
            "database_url": self.database_url,
            "broker_url": self.broker_url,
        }
        return Settings(**(base | overrides))


def _scratch_database(server_url: str) -> tuple[str, Callable[[], None]] | None:
    """Create a throw-away database on ``server_url``'s server; None if not allowed."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from fimrl.db.session import normalise_url

    url = normalise_url(server_url)
    name = f"fimrl_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError:
        admin.dispose()
        return None

    def drop() -> None:
        from fimrl.db.session import engine_for

        with contextlib.suppress(Exception):
            engine_for(scratch).dispose()
        with contextlib.suppress(SQLAlchemyError), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    return scratch, drop


@contextlib.contextmanager
def bench_services(keep: bool = False) -> Iterator[BenchServices]:
    """Servers for a benchmark; embedded ones live in a temp dir removed at the end."""
    from fimrl.db import migrate
    from fimrl.db.session import engine_for, normalise_url

    tmp = Path(tempfile.mkdtemp(prefix="fimrl-bench-"))
    started: list[Any] = []
    cleanups: list[Callable[[], None]] = []
    notes: list[str] = []
    db_url = os.environ.get("FIMRL_DATABASE_URL")
    broker = os.environ.get("FIMRL_BROKER_URL")
    origin = []
    own_db = True
    try:
        if db_url:
            made = _scratch_database(db_url)
            if made is None:
                notes.append("could not create a scratch database; using FIMRL_DATABASE_URL's")
                db_url = normalise_url(db_url)
                own_db = False
            else:
                db_url, drop = made
                cleanups.append(drop)
            origin.append("configured PostgreSQL")
        else:
            from fimrl.services.postgres import EmbeddedPostgres

            pg = EmbeddedPostgres(tmp / "postgres")
            started.append(pg)
            db_url = pg.start()
            origin.append("embedded PostgreSQL (temp dir)")
        if broker:
            origin.append("configured Redis")
        else:
            from fimrl.services.redis import EmbeddedRedis

            rd = EmbeddedRedis(tmp / "redis")
            started.append(rd)
            broker = rd.start()
            origin.append("embedded Redis (temp dir)")
        migrate.upgrade(engine_for(db_url))
        pids = [p for p in (svc.pid() for svc in started) if p is not None]
        yield BenchServices(
            db_url, broker, tmp / "state", ", ".join(origin), notes, pids, own_database=own_db
        )
    finally:
        for cleanup in cleanups:
            cleanup()
        if not keep:
            for service in reversed(started):
                with contextlib.suppress(Exception):
                    service.destroy()
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def noop_counter_keys(queue: str) -> tuple[str, str]:
    """Redis keys (done count, last finish time) of ``bench.noop_app``'s tasks on ``queue``."""
    return f"bench-noop:{queue}:done", f"bench-noop:{queue}:last"


def worker_env(services: BenchServices, queue: str, **settings: Any) -> dict[str, str]:
    """Environment of a worker process: these servers, this queue, ``FIMRL_<KEY>`` extras."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env.update(
        {
            "FIMRL_STATE_DIR": str(services.state_dir),
            "FIMRL_DATABASE_URL": services.database_url,
            "FIMRL_BROKER_URL": services.broker_url,
            "FIMRL_QUEUE_NAME": queue,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"FIMRL_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class BenchWorker:
    """A real ``celery -A <app> worker -P prefork -c N`` subprocess, its log in a file.

    Started in its own session; :meth:`stop` sends SIGTERM to the group (warm shutdown) and
    SIGKILLs it if it has not exited in ``stop_timeout`` s.
    """

    def __init__(
        self,
        app: str,
        env: Mapping[str, str],
        log: Path,
        *,
        concurrency: int = 1,
        name: str = "bench",
        loglevel: str = "INFO",
        ready_timeout: float = 120.0,
    ) -> None:
        self.log = log
        self.concurrency = concurrency
        self._handle = log.open("wb")
        self.argv = worker_argv(
            env["FIMRL_QUEUE_NAME"],
            concurrency=concurrency,
            hostname=f"{name}@%h",
            loglevel=loglevel,
            app=app,
            quiet_cluster=True,
        )
        self.proc = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=dict(env),
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        started = time.monotonic()
        wait_for(self._ready, ready_timeout, f"worker {name} to be ready (log: {log})", 0.1)
        self.startup_s = time.monotonic() - started

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited: {self.log.read_text(errors='replace')[-3000:]}")
        return b"ready." in self.log.read_bytes()

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=False)
        except psutil.Error:
            return []

    def stop(self, stop_timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(stop_timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._handle.close()

    def __enter__(self) -> BenchWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tree(roots: list[int]) -> list[psutil.Process]:
    procs: dict[int, psutil.Process] = {}
    for pid in roots:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            procs[pid] = root
            for child in root.children(recursive=True):
                procs[child.pid] = child
    return list(procs.values())


def tree_cpu(roots: list[int]) -> dict[int, float]:
    """CPU seconds (user + system, incl. reaped children) of ``roots`` and descendants."""
    out: dict[int, float] = {}
    for proc in _tree(roots):
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            out[proc.pid] = t.user + t.system + t.children_user + t.children_system
    return out


class CpuMeter:
    """CPU use over an interval: the whole machine, and the part spent by ``roots``' trees.

    ``other`` (machine busy minus own) is load from processes this benchmark did not start:
    on a shared machine it shows when a number was measured under foreign load.
    """

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.ncpu = psutil.cpu_count() or 1

    def __enter__(self) -> CpuMeter:
        self._sys0 = psutil.cpu_times()
        self._own0 = tree_cpu(self.roots)
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        sys1 = psutil.cpu_times()
        own1 = tree_cpu(self.roots)
        self.wall_s = time.monotonic() - self._t0
        idle = (sys1.idle + getattr(sys1, "iowait", 0.0)) - (
            self._sys0.idle + getattr(self._sys0, "iowait", 0.0)
        )
        total = sum(sys1) - sum(self._sys0)
        self.busy = 0.0 if total <= 0 else max(0.0, 1.0 - idle / total)
        own_s = sum(max(0.0, v - self._own0.get(pid, 0.0)) for pid, v in own1.items())
        self.own_s = own_s
        capacity = self.wall_s * self.ncpu
        self.own = min(1.0, own_s / capacity) if capacity > 0 else 0.0
        self.other = max(0.0, self.busy - self.own)


def wait_until_quiet(
    max_wait_s: float, threshold: float = 0.25, window_s: float = 2.0
) -> tuple[float, float]:
    """Wait (up to ``max_wait_s``) for machine-wide CPU use below ``threshold`` over
    ``window_s``; returns (last measured busy fraction, seconds waited)."""
    started = time.monotonic()
    while True:
        busy = psutil.cpu_percent(interval=window_s) / 100.0
        waited = time.monotonic() - started
        if busy < threshold or waited >= max_wait_s:
            return busy, waited


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    freq = psutil.cpu_freq()
    return {
        "host": platform.node(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count_logical": psutil.cpu_count(logical=True),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_mhz": None if freq is None else round(freq.current),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
    }


def results_dir() -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    """Save ``payload`` as ``bench/results/<name>-<UTC time>.json`` (and ``<name>-latest``)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = results_dir() / f"{name}-{stamp}.json"
    text = json.dumps(payload, indent=2, default=str)
    out.write_text(text)
    (results_dir() / f"{name}-latest.json").write_text(text)
    return out
