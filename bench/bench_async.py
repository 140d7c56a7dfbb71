"""Asynchronous (trainer, workers and learner overlapping) versus lock-step (generate, then
verify, then learn, like a synchronous GRPO loop), in one invocation, two ways:

1. **real**: the real pipeline on this machine. The same tiny policy (random weights, SmolLM2
   tokenizer), the same verify workers (``exact`` plus a fixed check latency, so verification
   costs what a Lean check would relative to generation), the same learner settings. Lock-step
   runs trainer and learner in this process, one stage at a time, with every CPU; asynchronous
   runs ``fimrl learner start`` and ``fimrl trainer start`` as the README does, each with its
   CPU budget (``fimrl.cpu_budget``). Target: asynchronous no slower than lock-step.
2. **isolated**: each stage on a resource of its own with a fixed duration (see
   ``bench/async_isolated.py``), so only the orchestration is measured against the
   theoretical bound (sum of stage times over the slowest). Target: >= 2.8x for balanced
   stages (>= 90 % of the 3x bound). A sweep of the sampler/learner time ratio shows how
   staleness and the learner's waiting behave (a plot).

Figures are steady-state wall time per learner step from the ``learner_steps`` timestamps
(the first step, which includes start-up, is left out).
"""

from __future__ import annotations

import argparse
import os
import secrets
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

from bench.async_isolated import Outcome, steady_state
from bench.common import (
    REPO,
    BenchWorker,
    bench_services,
    machine_info,
    wait_for,
    worker_env,
    write_results,
)


def _lockstep(settings: Any, engine: Any, steps: int) -> Outcome:
    import torch

    from fimrl.cpu_budget import usable_cpus

    torch.set_num_threads(len(usable_cpus()))  # one stage at a time: the whole machine
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
    return steady_state("lock-step", engine, run_id)


def _pending(engine: Any, run_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM groups WHERE run_id = :r AND status = 'pending'"),
                {"r": run_id},
            ).scalar_one()
        )


def _asynchronous(env: dict[str, str], engine: Any, run_name: str, steps: int) -> Outcome:
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
        wait_for(
            lambda: steady_state("", engine, run_id).steps >= steps + 1, 1200, "learner steps", 0.5
        )
    finally:
        cli("trainer", "stop")
        cli("learner", "stop")
    return steady_state("asynchronous", engine, run_id)


def _real(args: argparse.Namespace, services: Any, model_dir: Path) -> dict[str, float]:
    from fimrl.cpu_budget import usable_cpus

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
        # Each mode has a state dir of its own, so the seal key cannot come from one: the
        # trainers and the workers share this one.
        message_key=secrets.token_hex(32),
    )
    queue = f"verify-async-{uuid.uuid4().hex[:6]}"
    env = worker_env(services, queue, **knobs)
    results: dict[str, float] = {}
    with BenchWorker(
        "workers.app", env, services.state_dir / "w.log", concurrency=args.workers, name="async"
    ):
        for mode in ("lockstep", "async", "async_all_cores"):
            run_name = f"bench-{mode}-{uuid.uuid4().hex[:6]}"
            state = Path(tempfile.mkdtemp(prefix=f"fimrl-bench-{mode}-"))
            if mode == "lockstep":
                settings = services.settings(queue_name=queue, run_name=run_name, **knobs)
                settings = settings.model_copy(update={"state_dir": state})
                out = _lockstep(settings, services.engine, args.steps)
            else:
                mode_env = env | {
                    "FIMRL_RUN_NAME": run_name,
                    "FIMRL_STATE_DIR": str(state),
                    "PYTHONPATH": str(REPO),
                }
                if mode == "async_all_cores":  # the ablation: torch's default, no budget
                    cores = str(len(usable_cpus()))
                    mode_env |= {"FIMRL_TRAINER_THREADS": cores, "FIMRL_LEARNER_THREADS": cores}
                out = _asynchronous(mode_env, services.engine, run_name, args.steps)
            results[f"{mode}_s_per_step"] = out.s_per_step
            results[f"{mode}_steps"] = out.steps
            results[f"{mode}_learner_wait_s"] = out.learner_wait_s
            results[f"{mode}_staleness_mean"] = out.staleness_mean
    results["speedup"] = results["lockstep_s_per_step"] / results["async_s_per_step"]
    results["speedup_all_cores"] = (
        results["lockstep_s_per_step"] / results["async_all_cores_s_per_step"]
    )
    return results


def _real_table(args: argparse.Namespace, results: dict[str, float]) -> Table:
    from fimrl.config import Settings
    from fimrl.cpu_budget import budget_for

    budgets = ", ".join(
        f"{role} {budget_for(Settings(), role).threads}" for role in ("trainer", "learner")
    )
    table = Table(
        title=f"real pipeline: wall time per learner step (steady state, {args.steps} steps, "
        f"check latency {args.check_latency}s, {args.workers} worker processes, "
        f"{os.cpu_count()} cores; async threads: {budgets})"
    )
    table.add_column("mode")
    table.add_column("s / step", justify="right")
    table.add_column("learner waits for data, s / step", justify="right")
    for label, mode in (
        ("lock-step (generate -> verify -> learn), all cores", "lockstep"),
        ("asynchronous (overlapping processes), CPU budgets", "async"),
        ("asynchronous, no budgets (each process all cores)", "async_all_cores"),
    ):
        table.add_row(
            label,
            f"{results[f'{mode}_s_per_step']:.2f}",
            f"{results[f'{mode}_learner_wait_s']:.2f}",
        )
    table.add_row("speed-up with budgets (target >= 1.0x)", f"{results['speedup']:.2f}x", "")
    table.add_row("speed-up without budgets", f"{results['speedup_all_cores']:.2f}x", "")
    return table


def _isolated(
    args: argparse.Namespace, services: Any, model_dir: Path, console: Console
) -> dict[str, Any]:
    from bench.async_isolated import StageTimes, run_isolated

    t = args.stage_s
    balanced = StageTimes(t, t, t)
    sweep = [StageTimes(t * r, t, t) for r in args.ratios if r != 1.0]
    runs = run_isolated(
        services,
        model_dir,
        [(balanced, True), *((times, False) for times in sweep)],
        args.isolated_steps,
        args.isolated_workers,
        say=console.print,
    )
    (times, lock, asyn), rest = runs[0], runs[1:]
    assert lock is not None
    speedup = lock.s_per_step / asyn.s_per_step
    table = Table(
        title=f"resource-isolated stages ({args.isolated_steps} steps, "
        f"{args.isolated_workers} worker processes): orchestration against the bound"
    )
    for column in ("stages", "lock-step s/step", "async s/step", "speed-up", "bound", "of bound"):
        table.add_column(column, justify="right")
    table.add_row(
        times.label(),
        f"{lock.s_per_step:.2f}",
        f"{asyn.s_per_step:.2f}",
        f"{speedup:.2f}x",
        f"{times.bound:.2f}x",
        f"{speedup / times.bound:.0%}",
    )
    console.print(table)
    ratio_rows = sorted(
        [(times, asyn)] + [(tm, a) for tm, _lock, a in rest], key=lambda row: row[0].generate_s
    )
    sweep_table = Table(title="sampler/learner time ratio (verify fixed): asynchronous only")
    for column in (
        "sampler / learner",
        "s / step",
        "slowest stage / step",
        "staleness mean",
        "max",
        "learner wait s / step",
    ):
        sweep_table.add_column(column, justify="right")
    points = []
    for tm, out in ratio_rows:
        slowest = max(tm.generate_s, tm.verify_s, tm.learn_s)
        point = {
            "ratio": tm.generate_s / tm.learn_s,
            "s_per_step": out.s_per_step,
            "efficiency": slowest / out.s_per_step,
            "staleness_mean": out.staleness_mean,
            "staleness_max": out.staleness_max,
            "learner_wait_s": out.learner_wait_s,
        }
        points.append(point)
        sweep_table.add_row(
            f"{point['ratio']:g}",
            f"{out.s_per_step:.2f}",
            f"{point['efficiency']:.0%}",
            f"{out.staleness_mean:.2f}",
            str(out.staleness_max),
            f"{out.learner_wait_s:.2f}",
        )
    console.print(sweep_table)
    plot = _plot(points, t)
    console.print(f"plot: {plot}")
    return {
        "stage_s": t,
        "lockstep_s_per_step": lock.s_per_step,
        "async_s_per_step": asyn.s_per_step,
        "speedup": speedup,
        "bound": times.bound,
        "of_bound": speedup / times.bound,
        "sweep": points,
        "plot": str(plot),
    }


def _plot(points: list[dict[str, float]], stage_s: float) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bench.common import results_dir

    ratios = [p["ratio"] for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(ratios, [p["staleness_mean"] for p in points], marker="o", label="mean")
    left.plot(ratios, [p["staleness_max"] for p in points], marker="s", label="max")
    left.set_xlabel("sampler time / learner time per batch (log scale)")
    left.set_ylabel("staleness of trained groups (policy versions)")
    left.legend()
    right.plot(ratios, [p["learner_wait_s"] for p in points], marker="o", label="learner waits")
    right.plot(ratios, [p["s_per_step"] for p in points], marker="s", label="step time")
    right.set_xlabel("sampler time / learner time per batch (log scale)")
    right.set_ylabel("seconds per learner step")
    right.legend()
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ratios, [f"{r:g}" for r in ratios])
        ax.set_ylim(bottom=0)
    fig.suptitle(
        f"asynchronous pipeline, stages on their own resources (learner and verify {stage_s:g} s)"
    )
    fig.tight_layout()
    out = results_dir() / "async-ratio-sweep.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modes", default="real,isolated", help="real, isolated or both")
    parser.add_argument("--steps", type=int, default=6, help="real: steady-state steps")
    parser.add_argument("--check-latency", type=float, default=0.4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--isolated-steps", type=int, default=8)
    parser.add_argument("--isolated-workers", type=int, default=4)
    parser.add_argument("--stage-s", type=float, default=1.5, help="isolated: balanced stage")
    parser.add_argument(
        "--ratios",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[0.25, 0.5, 1.0, 2.0, 4.0],
        help="isolated: sampler/learner time ratios of the sweep",
    )
    args = parser.parse_args(argv)
    modes = {m.strip() for m in args.modes.split(",")}
    unknown = modes - {"real", "isolated"}
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")

    from transformers.utils import logging as hf_logging

    from fimrl.ingest import BUNDLED_CORPUS, build_into_db
    from fimrl.rollout.models import build_tiny_model

    hf_logging.disable_progress_bar()  # a bar per checkpoint would bury the figures
    console = Console()
    results: dict[str, Any] = {"machine": machine_info()}
    with bench_services() as services:
        build_into_db(services.engine, [BUNDLED_CORPUS], services.settings())
        services.state_dir.mkdir(parents=True, exist_ok=True)
        if "real" in modes:
            model_dir = Path(tempfile.mkdtemp(prefix="fimrl-bench-tiny-"))
            build_tiny_model(model_dir, hidden_size=128, num_layers=4)
            results["real"] = _real(args, services, model_dir)
            console.print(_real_table(args, results["real"]))
        if "isolated" in modes:
            model_dir = Path(tempfile.mkdtemp(prefix="fimrl-bench-iso-"))
            build_tiny_model(model_dir, hidden_size=32, num_layers=2)
            results["isolated"] = _isolated(args, services, model_dir, console)
    path = write_results("async", results)
    console.print(f"results: {path}")
    summary: dict[str, Any] = {}
    if "real" in results:
        summary["real async/lock-step"] = f"{results['real']['speedup']:.2f}x"
    if "isolated" in results:
        iso = results["isolated"]
        summary["isolated async/lock-step"] = (
            f"{iso['speedup']:.2f}x of {iso['bound']:.2f}x bound ({iso['of_bound']:.0%})"
        )
    return summary


if __name__ == "__main__":
    main()
