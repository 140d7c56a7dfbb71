"""Asynchronous (trainer, workers and learner overlapping) versus lock-step (generate, then
verify, then learn, like a synchronous GRPO loop), same configuration, same run.

Both modes use the same tiny policy (random weights, SmolLM2 tokenizer), the same verifier
workers (`exact` backend plus a fixed check latency, so verification costs what a real Lean
check would relative to generation) and the same learner settings. The figure is the
steady-state wall time per learner step, from the `learner_steps` timestamps of each mode.
Target: asynchronous at least 1.5x faster.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from bench.common import REPO, BenchWorker, bench_services, wait_for, worker_env, write_results


def _learner_wait(engine: Any, run_id: int) -> float:
    """Mean seconds per steady-state step the learner spent waiting for scored groups."""
    with engine.connect() as conn:
        value = conn.execute(
            text(
                "SELECT avg(wait_time_s) FROM learner_steps WHERE run_id = :r AND step > "
                "(SELECT min(step) FROM learner_steps WHERE run_id = :r)"
            ),
            {"r": run_id},
        ).scalar()
    return float(value or 0.0)


def _per_step(engine: Any, run_id: int) -> tuple[float, int]:
    with engine.connect() as conn:
        times = [
            r[0]
            for r in conn.execute(
                text("SELECT created_at FROM learner_steps WHERE run_id = :r ORDER BY step"),
                {"r": run_id},
            )
        ]
    if len(times) < 2:
        return float("nan"), len(times)
    return (times[-1] - times[0]).total_seconds() / (len(times) - 1), len(times)


def _lockstep(settings: Any, engine: Any, steps: int) -> tuple[float, int]:
    from fimrl.db.run_store import ensure_run
    from fimrl.learn.learner import Learner
    from fimrl.rollout.generation import make_backend
    from fimrl.rollout.trainer import Trainer, trainer_daemon

    run_id = ensure_run(engine, settings.run_name)
    stop = threading.Event()
    trainer = Trainer(
        settings,
        engine,
        make_backend(settings, interrupt=stop),
        stop_event=stop,
        daemon=trainer_daemon(settings.state_dir),
    )
    learner = Learner(settings, engine, run_id, poll_s=0.05)
    for _ in range(steps + 1):  # one warm-up step: the figure is steady state
        trainer.step()  # generate a batch, write, enqueue
        wait_for(lambda: _pending(engine, run_id) == 0, 600, "verification")  # verify
        learner.train_step()  # learn
    return _per_step(engine, run_id)


def _pending(engine: Any, run_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM groups WHERE run_id = :r AND status = 'pending'"),
                {"r": run_id},
            ).scalar_one()
        )


def _asynchronous(env: dict[str, str], engine: Any, run_name: str, steps: int) -> tuple[float, int]:
    from fimrl.db.run_store import ensure_run

    run_id = ensure_run(engine, run_name)

    def cli(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "fimrl.cli", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"fimrl {' '.join(args)}: {done.stderr[-2000:]}")

    cli("learner", "start", "--detach", "--max-steps", str(steps + 1))
    cli("trainer", "start", "--detach")
    try:
        wait_for(lambda: _per_step(engine, run_id)[1] >= steps + 1, 1200, "learner steps", 0.5)
    finally:
        cli("trainer", "stop")
        cli("learner", "stop")
    return _per_step(engine, run_id)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--check-latency", type=float, default=0.4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from fimrl.db.run_store import ensure_run
    from fimrl.rollout.models import build_tiny_model

    with bench_services() as services:
        model_dir = Path(tempfile.mkdtemp(prefix="fimrl-bench-tiny-"))
        build_tiny_model(model_dir, hidden_size=128, num_layers=4)
        knobs = dict(
            model=str(model_dir),
            group_size=4,
            tasks_per_batch=2,
            groups_per_step=2,
            max_new_tokens=32,
            max_staleness=4,
            checkpoint_every=1,
            skip_zero_variance=False,
            max_inflight_groups=4,
            learning_rate=1e-4,
            checker_latency_s=args.check_latency,
            verifier_backend="exact",
        )
        from fimrl.ingest import BUNDLED_CORPUS, build_into_db

        build_into_db(services.engine, [BUNDLED_CORPUS], services.settings())
        queue = f"verify-async-{uuid.uuid4().hex[:6]}"
        env = worker_env(services, queue, **knobs)
        results: dict[str, float] = {}
        services.state_dir.mkdir(parents=True, exist_ok=True)
        with BenchWorker(
            "workers.app", env, services.state_dir / "w.log", concurrency=args.workers, name="async"
        ):
            for mode in ("lockstep", "async"):
                run_name = f"bench-{mode}-{uuid.uuid4().hex[:6]}"
                state = Path(tempfile.mkdtemp(prefix=f"fimrl-bench-{mode}-"))
                if mode == "lockstep":
                    settings = services.settings(queue_name=queue, run_name=run_name, **knobs)
                    settings = settings.model_copy(update={"state_dir": state})
                    per_step, n = _lockstep(settings, services.engine, args.steps)
                else:
                    mode_env = env | {
                        "FIMRL_RUN_NAME": run_name,
                        "FIMRL_STATE_DIR": str(state),
                        "PYTHONPATH": str(REPO),
                    }
                    per_step, n = _asynchronous(mode_env, services.engine, run_name, args.steps)
                results[f"{mode}_s_per_step"] = per_step
                results[f"{mode}_steps"] = n
                run_id = ensure_run(services.engine, run_name)
                results[f"{mode}_learner_wait_s"] = _learner_wait(services.engine, run_id)
    speedup = results["lockstep_s_per_step"] / results["async_s_per_step"]
    results["speedup"] = speedup
    table = Table(
        title=f"wall time per learner step (steady state, {args.steps} steps, "
        f"check latency {args.check_latency}s, {args.workers} worker processes, "
        f"{os.cpu_count()} cores)"
    )
    table.add_column("mode")
    table.add_column("s / step", justify="right")
    table.add_column("learner waits for data, s / step", justify="right")
    for label, mode in (
        ("lock-step (generate -> verify -> learn)", "lockstep"),
        ("asynchronous (overlapping processes)", "async"),
    ):
        table.add_row(
            label,
            f"{results[f'{mode}_s_per_step']:.2f}",
            f"{results[f'{mode}_learner_wait_s']:.2f}",
        )
    table.add_row("speed-up (target >= 1.5x)", f"{speedup:.2f}x", "")
    Console().print(table)
    write_results("async", results)
    return results


if __name__ == "__main__":
    main()
