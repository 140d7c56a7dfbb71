"""The trainer as a process: signals, pid/log/status files, and its entry point.

``python -m fimrl.rollout.daemon`` (what ``fimrl trainer start`` runs, detached or not, and
what the systemd unit runs) loads the policy, then produces batches until SIGTERM/SIGINT. The
signal only sets an event: a running generation is abandoned (nothing of it was written), the
group being written completes, and the process exits 0. A database that is not up yet at
start is waited for, like an outage later on; a schema at the wrong revision is an error.

Files (:class:`fimrl.services.daemon.Daemon`): ``<state_dir>/trainer/trainer.pid``,
``trainer.log`` (detached starts), ``status.json``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from fimrl.config import Settings, get_settings
from fimrl.services.daemon import Daemon

log = logging.getLogger("fimrl.trainer")

__all__ = ["main", "read_status", "run_trainer"]


def _wait_for_schema(settings: Settings, stop: threading.Event, daemon: Daemon) -> Any:
    """The engine once PostgreSQL answers with the current schema (None if stopped first)."""
    from fimrl.db import migrate
    from fimrl.db.session import get_engine

    engine = get_engine(settings)
    delay = 0.5
    while not stop.is_set():
        try:
            migrate.require_current(engine)
            return engine
        except migrate.DatabaseUnavailable as exc:
            log.warning("%s; retrying in %.1fs", exc, delay)
            daemon.write_status({"state": "waiting: database", "last_error": str(exc)})
            stop.wait(delay)
            delay = min(delay * 2, 30.0)
    return None


def run_trainer(
    settings: Settings, stop: threading.Event, *, max_batches: int | None = None
) -> int:
    """Run the trainer in this process until ``stop`` is set; returns batches produced."""
    from fimrl.cpu_budget import apply_budget, budget_for
    from fimrl.rollout.generation import make_backend
    from fimrl.rollout.trainer import Trainer, trainer_daemon

    daemon = trainer_daemon(settings.state_dir)
    engine = _wait_for_schema(settings, stop, daemon)
    if engine is None:
        return 0
    budget = budget_for(settings, "trainer")
    apply_budget(budget)
    log.info("CPU budget: %s", budget.describe())
    started = time.monotonic()
    daemon.write_status({"state": "loading model", "model": settings.model})
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # weight-loading bars would fill the log file
    backend = make_backend(settings, interrupt=stop)
    log.info(
        "%s backend, model %s loaded in %.1fs",
        backend.name,
        settings.model,
        time.monotonic() - started,
    )
    trainer = Trainer(settings, engine, backend, stop_event=stop, daemon=daemon)
    try:
        return len(trainer.run(max_batches))
    finally:
        backend.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the trainer process (foreground)."""
    parser = argparse.ArgumentParser(prog="fimrl.rollout.daemon", description=__doc__)
    parser.add_argument(
        "--max-batches", type=int, default=None, help="Stop after this many batches."
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines say nothing here
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no tqdm bars in the log file
    settings = get_settings()
    from fimrl.rollout.trainer import trainer_daemon

    daemon = trainer_daemon(settings.state_dir)
    daemon.claim_foreground()
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping after the current group write", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    daemon.write_status({"state": "starting", "run": settings.run_name})
    log.info("trainer starting: run %s, model %s", settings.run_name, settings.model)
    final = "stopped"
    try:
        batches = run_trainer(settings, stop, max_batches=args.max_batches)
        log.info("trainer stopped after %d batch(es)", batches)
    except BaseException as exc:
        # Left in the status file, so `fimrl trainer status` says why the process is gone.
        final = f"failed: {type(exc).__name__}: {exc}"
        raise
    finally:
        daemon.write_status(daemon.read_status() | {"state": final})
        daemon.release()


def read_status(settings: Settings) -> dict[str, Any]:
    """What ``fimrl trainer status`` shows: running?, pid, and the last status document."""
    from fimrl.rollout.trainer import trainer_daemon

    daemon = trainer_daemon(settings.state_dir)
    pid = daemon.pid()
    status = daemon.read_status()
    state = str(status.get("state", ""))
    if pid is None and state and state != "stopped" and not state.startswith("failed"):
        status["state"] = f"dead (last state: {status['state']})"
    return status | {"running": pid is not None, "pid": pid}


if __name__ == "__main__":
    main()
