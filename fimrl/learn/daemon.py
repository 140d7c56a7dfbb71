"""The learner as a process: signals, status file, and the command-line entry point."""

from __future__ import annotations

import argparse
import logging
import signal
from dataclasses import asdict

from fimrl.config import get_settings
from fimrl.cpu_budget import apply_budget, budget_for
from fimrl.db import migrate
from fimrl.db.run_store import ensure_run
from fimrl.db.session import get_engine
from fimrl.services.daemon import Daemon

log = logging.getLogger("fimrl.learner")


def learner_daemon(state_dir) -> Daemon:  # type: ignore[no-untyped-def]
    return Daemon(state_dir, "learner")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fimrl.learn", description=__doc__)
    parser.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="Stop after this many steps (default: until SIGTERM).",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    engine = get_engine(settings)
    migrate.require_current(engine)
    daemon = learner_daemon(settings.state_dir)
    daemon.claim_foreground()
    run_id = ensure_run(engine, settings.run_name)
    budget = budget_for(settings, "learner")
    apply_budget(budget)
    log.info("CPU budget: %s", budget.describe())
    from fimrl.learn.learner import Learner

    def waiting(message: str) -> None:
        daemon.write_status(
            {
                "state": message,
                "step": learner.step,
                "version": learner.version,
                "run": settings.run_name,
                "last": daemon.read_status().get("last"),
            }
        )

    learner = Learner(settings, engine, run_id, on_wait=waiting)
    signal.signal(signal.SIGTERM, lambda *_: learner.stop())
    signal.signal(signal.SIGINT, lambda *_: learner.stop())
    daemon.write_status(
        {
            "state": "running",
            "step": learner.step,
            "version": learner.version,
            "run": settings.run_name,
        }
    )
    log.info(
        "learner %s: run %s, step %d, version %d",
        learner.owner,
        settings.run_name,
        learner.step,
        learner.version,
    )
    steps = 0
    try:
        while args.max_steps is None or steps < args.max_steps:
            report = learner.train_step()
            if report is None:
                break  # stopped
            steps += 1
            log.info(
                "step %d: loss %.5f reward %.3f pass %.3f groups %d (v%d)",
                report.step,
                report.loss or 0.0,
                report.reward_mean or 0.0,
                report.pass_rate or 0.0,
                report.groups_used,
                learner.version,
            )
            daemon.write_status(
                {
                    "state": "running",
                    "step": learner.step,
                    "version": learner.version,
                    "run": settings.run_name,
                    "last": asdict(report),
                }
            )
    finally:
        daemon.write_status(
            {
                "state": "stopped",
                "step": learner.step,
                "version": learner.version,
                "run": settings.run_name,
            }
        )
        daemon.release()
