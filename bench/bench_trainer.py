"""Trainer throughput and overhead: the transformers backend with the CPU default model.

Runs the real trainer loop (:class:`fimrl.rollout.trainer.Trainer`) with SmolLM2-135M-Instruct
(the offline default, float32 on CPU), G=4 candidates for 2 tasks per batch and 64 new
tokens, against real PostgreSQL and Redis, and reports per batch:

- generation throughput: completion tokens / seconds inside ``generate``;
- the trainer's overhead: batch wall time outside ``generate`` (sampling tasks and encoding
  prompts, extracting middles, the group transactions, building and enqueueing the verify
  messages, bookkeeping) as a fraction of the batch wall time. Target: < 5 %.

Tasks are cut from the bundled corpus (``lean_workspace/FimCorpus``) by the real FIM builder.
Servers: ``FIMRL_DATABASE_URL`` / ``FIMRL_BROKER_URL`` when set (a scratch database is
created there when allowed), else embedded PostgreSQL and Redis in a temporary directory.
The model's one-time GGUF conversion is cached in the configured state dir
(``<state_dir>/models``), like ``fimrl demo`` does.

    python bench/bench_trainer.py [--batches 3] [--group-size 4] [--tasks 2] [--max-new-tokens 64]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/bench_trainer.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
from rich.console import Console
from rich.table import Table

from bench.common import REPO, bench_services, write_results


def corpus_tasks(n: int) -> list[dict[str, Any]]:
    """``n`` train-split FIM tasks cut from the bundled corpus by the real builder."""
    from fimrl.lean.fim import build_file

    tasks: list[dict[str, Any]] = []
    for path in sorted((REPO / "lean_workspace" / "FimCorpus").glob("*.lean")):
        for task in build_file(path, source=path.name).tasks:
            if task.split == "train" and task.span_kind in ("tactic", "tactic_run"):
                tasks.append(task.to_dict())
            if len(tasks) == n:
                return tasks
    raise RuntimeError(f"the bundled corpus gave fewer than {n} train tasks")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--batches", type=int, default=3, help="measured batches (+1 warm-up)")
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=2, help="tasks per batch")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args(argv)
    console = Console()

    from fimrl.config import Settings
    from fimrl.db.task_store import insert_tasks
    from fimrl.rollout.backends.transformers_backend import TransformersBackend
    from fimrl.rollout.trainer import Trainer, TrainerOptions

    model_cache = Settings().state_dir / "models"
    with bench_services() as services:
        origin = services.origin
        engine = services.engine
        insert_tasks(engine, corpus_tasks(args.tasks))
        settings = services.settings(
            queue_name=f"verify-bench-{uuid.uuid4().hex[:8]}",
            model=args.model,
            group_size=args.group_size,
            tasks_per_batch=args.tasks,
            max_new_tokens=args.max_new_tokens,
            max_inflight_groups=10_000,
            run_name="bench-trainer",
        )
        t0 = time.monotonic()
        backend = TransformersBackend(args.model, cache_dir=model_cache)
        load_s = time.monotonic() - t0
        trainer = Trainer(settings, engine, backend, options=TrainerOptions(relay_every_s=3600))
        load_before = os.getloadavg()[0]
        trainer.run(max_batches=1)  # warm-up: first-touch of the weights, connections, caches
        reports = trainer.run(max_batches=args.batches)
        load_after = os.getloadavg()[0]

    table = Table(title=f"trainer batches: {args.model}, G={args.group_size}, {args.tasks} tasks")
    for col in ("batch", "tokens", "generate s", "tok/s", "wall s", "outside generate"):
        table.add_column(col, justify="right")
    table.add_column("of which (ms)", justify="left")
    for r in reports:
        parts = ", ".join(f"{k} {v * 1000:.1f}" for k, v in sorted(r.timings.items()))
        table.add_row(
            str(r.batch),
            str(r.completion_tokens),
            f"{r.generate_s:.2f}",
            f"{r.completion_tokens / r.generate_s:.1f}",
            f"{r.wall_s:.2f}",
            f"{r.overhead_s * 1000:.1f} ms ({100 * r.overhead_fraction:.2f} %)",
            parts,
        )
    console.print(table)
    tokens = sum(r.completion_tokens for r in reports)
    gen_s = sum(r.generate_s for r in reports)
    wall_s = sum(r.wall_s for r in reports)
    overhead = (wall_s - gen_s) / wall_s
    summary = {
        "tokens_per_s": round(tokens / gen_s, 2),
        "overhead_pct": round(100 * overhead, 2),
        "overhead_max_pct": round(100 * max(r.overhead_fraction for r in reports), 2),
        "overhead_ms_median": round(1000 * statistics.median(r.overhead_s for r in reports), 1),
        "candidates_per_s": round(sum(r.candidates for r in reports) / wall_s, 3),
        "target_met": overhead < 0.05,
    }
    payload = {
        "summary": summary,
        "model": args.model,
        "group_size": args.group_size,
        "tasks_per_batch": args.tasks,
        "max_new_tokens": args.max_new_tokens,
        "model_load_s": round(load_s, 2),
        "servers": origin,
        "server_notes": services.notes,
        "torch_threads": __import__("torch").get_num_threads(),
        "cpus": psutil.cpu_count(),
        "loadavg_1m": [load_before, load_after],
        "batches": [dataclasses.asdict(r) | {"overhead_s": r.overhead_s} for r in reports],
    }
    out = write_results("trainer", payload)
    console.print(
        f"transformers/{args.model}: {summary['tokens_per_s']} completion tokens/s; trainer "
        f"overhead {summary['overhead_pct']} % of batch wall time (max "
        f"{summary['overhead_max_pct']} %, target < 5 %: "
        f"{'met' if summary['target_met'] else 'NOT met'}); {origin}; load avg "
        f"{load_before:.1f}->{load_after:.1f} on {psutil.cpu_count()} CPUs; results {out}"
    )
    return summary


if __name__ == "__main__":
    main()
