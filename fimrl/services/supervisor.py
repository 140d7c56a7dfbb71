"""Keep one command running: restart it whenever it dies, stop it when asked.

``fimrl workers start --detach`` runs each Celery worker under this, so a worker whose main
process dies (a broker failure Celery does not survive, the OOM killer, a stray SIGKILL) is
back within seconds with nobody at the keyboard. It is a restart policy, not a cron:

- the child is restarted as soon as it exits for any reason except a stop we asked for, after
  a backoff that doubles while it keeps dying young (1 s, 2 s, … ``max_backoff_s``) and
  resets once it has run for ``healthy_after_s``;
- SIGTERM or SIGINT is passed to the child (Celery's warm shutdown finishes the checks in
  flight) and the supervisor exits when the child has;
- the child's pid is written to ``--pid-file`` at every (re)start, so tools that signal or
  inspect the worker itself keep working; the supervisor's own pid goes to
  ``--supervisor-pid-file``.

systemd units do the same with ``Restart=always`` and do not need it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path


def _say(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"[{stamp}: supervisor] {message}", flush=True)


class Supervisor:
    """Runs ``argv`` until stopped; see the module docstring for the policy."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        pid_file: Path | None = None,
        min_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        healthy_after_s: float = 60.0,
    ) -> None:
        self.argv = list(argv)
        self.pid_file = pid_file
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.healthy_after_s = healthy_after_s
        self.restarts = 0
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop restarting and pass ``signum`` to the child."""
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    def run(self) -> int:
        """Run until stopped; returns the child's last exit code."""
        backoff = self.min_backoff_s
        code = 0
        while not self._stop.is_set():
            started = time.monotonic()
            self._child = subprocess.Popen(self.argv)
            if self._stop.is_set():  # asked to stop while the child was being started
                self._child.send_signal(signal.SIGTERM)
            if self.pid_file is not None:
                self.pid_file.write_text(f"{self._child.pid}\n")
            _say(f"started pid {self._child.pid} (restarts so far: {self.restarts})")
            code = self._child.wait()
            if self._stop.is_set():
                _say(f"pid {self._child.pid} stopped (exit {code})")
                break
            lived = time.monotonic() - started
            backoff = self.min_backoff_s if lived >= self.healthy_after_s else backoff
            how = f"signal {-code}" if code < 0 else f"exit {code}"
            _say(f"pid {self._child.pid} died ({how}) after {lived:.0f}s; restart in {backoff:g}s")
            if self._stop.wait(backoff):
                break
            self.restarts += 1
            backoff = min(backoff * 2, self.max_backoff_s)
        return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fimrl.services.supervisor", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--pid-file", type=Path, help="Written with the child's pid.")
    parser.add_argument("--supervisor-pid-file", type=Path, help="Written with our own pid.")
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to supervise (give it after --)")
    if args.supervisor_pid_file is not None:
        args.supervisor_pid_file.write_text(f"{os.getpid()}\n")
    sup = Supervisor(command, pid_file=args.pid_file, max_backoff_s=args.max_backoff)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda s, _f: sup.stop(s))
    return sup.run()


if __name__ == "__main__":
    sys.exit(main())
