"""Background processes with a pid file, a log file and a JSON status file.

The trainer and the learner are long-running daemons with the same life cycle: start
(foreground, or detached into their own session), report status, stop with SIGTERM so the
current unit of work finishes cleanly. This module is that life cycle, once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fimrl.errors import FimrlError
from fimrl.services.process import pid_alive, read_pid_file


@dataclass(frozen=True)
class Daemon:
    """Files of one named daemon under ``<state_dir>/<name>/``."""

    state_dir: Path
    name: str

    @property
    def dir(self) -> Path:
        return self.state_dir / self.name

    @property
    def pid_file(self) -> Path:
        return self.dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.dir / f"{self.name}.log"

    @property
    def status_file(self) -> Path:
        return self.dir / "status.json"

    def pid(self) -> int | None:
        pid = read_pid_file(self.pid_file)
        return pid if pid_alive(pid) else None

    def start_detached(self, argv: list[str], env: dict[str, str] | None = None) -> int:
        """Spawn ``argv`` in its own session, logging to the log file; refuse a second one."""
        running = self.pid()
        if running is not None:
            raise FimrlError(
                f"{self.name} already runs (pid {running}); `fimrl {self.name} stop` first"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def claim_foreground(self) -> None:
        """Record this process as the daemon (foreground start); refuse a second one."""
        running = self.pid()
        if running is not None and running != os.getpid():
            raise FimrlError(f"{self.name} already runs (pid {running})")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(f"{os.getpid()}\n")

    def release(self) -> None:
        if read_pid_file(self.pid_file) == os.getpid():
            self.pid_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 120.0) -> bool:
        """SIGTERM and wait for exit (SIGKILL after ``timeout``); False if not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def write_status(self, status: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(status | {"pid": os.getpid(), "updated": time.time()}, default=str)
        )
        os.replace(tmp, self.status_file)

    def read_status(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status_file.read_text()))
        except (OSError, ValueError):
            return {}


def python_module_argv(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
