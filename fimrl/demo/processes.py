"""The demo's daemons, started and stopped exactly as an operator would: through `fimrl`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fimrl.config import REPO_ROOT
from fimrl.errors import FimrlError

__all__ = ["Roles"]


class Roles:
    """Starts `fimrl workers|trainer|learner` detached in ``env``; stops what it started.

    Stopping is per role so the demo can stop the trainer first (no new candidates), let the
    workers finish verifying, then stop the learner and, after the evaluation, the workers.
    """

    def __init__(self, env: dict[str, str], state_dir: Path, say: Callable[[str], None]) -> None:
        self.env = env
        self.state_dir = state_dir
        self.say = say
        self.started: list[str] = []

    def fimrl(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fimrl.cli", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, name: str, *args: str) -> None:
        done = self.fimrl(*args)
        if done.returncode != 0:
            raise FimrlError(
                f"could not start the {name}: {(done.stderr or done.stdout).strip()[-1500:]}"
            )
        self.started.append(name)
        self.say(f"started {name}")

    def start_workers(self, concurrency: int) -> None:
        host = f"demo-{os.getpid()}@%h"
        self.start(
            "workers", "workers", "start", "--detach", "-c", str(concurrency), "--hostname", host
        )

    def running(self, name: str) -> bool:
        return self.fimrl(name, "status", timeout=60).returncode == 0

    def log_tail(self, name: str, chars: int = 2000) -> str:
        log = self.state_dir / name / f"{name}.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    def stop(self, name: str) -> None:
        if name in self.started:
            self.fimrl(name, "stop")
            self.started.remove(name)
            self.say(f"stopped {name}")

    def stop_all(self) -> None:
        for name in reversed(list(self.started)):
            self.stop(name)
