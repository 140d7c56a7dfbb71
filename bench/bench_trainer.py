"""Trainer throughput and overhead, the transformers and vLLM backends side by side.

Runs the real trainer loop (:class:`fimrl.rollout.trainer.Trainer`) with SmolLM2-135M-Instruct
(the offline default, float32 on CPU), G=4 candidates for 2 tasks per batch and 64 new
tokens, against real PostgreSQL and Redis, and reports per batch:

- generation throughput: completion tokens / seconds inside ``generate``;
- the trainer's overhead: batch wall time outside ``generate`` (sampling tasks and encoding
  prompts, extracting middles, the group transactions, building and enqueueing the verify
  messages, bookkeeping) as a fraction of the batch wall time. Target: < 5 %.

Each backend is measured in a process of its own, one after the other, with the same
settings and CPU budget (``--threads``, default every usable CPU): transformers with this
interpreter, vLLM with the one of ``make setup-vllm`` (``--vllm-python``, default
``.venv-vllm/bin/python``; its CPU build when no GPU is present). Also reported per backend:
engine start (building the backend: model load, and for vLLM its engine processes) and
``reload`` of a full checkpoint in place (the learner's checkpoint format; the mean of 2).

Tasks are cut from the bundled corpus (``lean_workspace/FimCorpus``) by the real FIM builder.
Servers: ``FIMRL_DATABASE_URL`` / ``FIMRL_BROKER_URL`` when set (a scratch database is
created there when allowed), else embedded PostgreSQL and Redis in a temporary directory.
The model's one-time GGUF conversion is cached in the configured state dir
(``<state_dir>/models``), like ``fimrl demo`` does.

    python bench/bench_trainer.py [--backend both|transformers|vllm] [--batches 3]
        [--group-size 4] [--tasks 2] [--max-new-tokens 64] [--threads N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
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


BACKENDS = ("transformers", "vllm")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("both", *BACKENDS), default="both")
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--batches", type=int, default=3, help="measured batches (+1 warm-up)")
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=2, help="tasks per batch")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0, help="0: every usable CPU")
    parser.add_argument(
        "--vllm-python",
        type=Path,
        default=REPO / ".venv-vllm" / "bin" / "python",
        help="interpreter with vLLM installed (make setup-vllm)",
    )
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser


def measure(args: argparse.Namespace, backend_name: str) -> dict[str, Any]:
    """Build ``backend_name``'s backend, run the trainer, time a reload; in this process."""
    from fimrl.config import Settings
    from fimrl.cpu_budget import apply_budget, budget_for, usable_cpus
    from fimrl.db.task_store import insert_tasks
    from fimrl.rollout.generation import make_backend
    from fimrl.rollout.models import local_model_dir
    from fimrl.rollout.trainer import Trainer, TrainerOptions

    console = Console()
    threads = args.threads or len(usable_cpus())
    with bench_services() as services:
        insert_tasks(services.engine, corpus_tasks(args.tasks))
        settings = services.settings(
            queue_name=f"verify-bench-{uuid.uuid4().hex[:8]}",
            model=args.model,
            generation_backend=backend_name,
            group_size=args.group_size,
            tasks_per_batch=args.tasks,
            max_new_tokens=args.max_new_tokens,
            max_inflight_groups=10_000,
            trainer_threads=threads,
            run_name="bench-trainer",
            state_dir=Settings().state_dir,  # the model conversion is cached there
        )
        apply_budget(budget_for(settings, "trainer"))
        # Converted once and cached (like `fimrl demo`), so engine start is the load alone.
        checkpoint = local_model_dir(args.model, cache_dir=settings.state_dir / "models")
        t0 = time.monotonic()
        backend = make_backend(settings)
        start_s = time.monotonic() - t0
        trainer = Trainer(
            settings, services.engine, backend, options=TrainerOptions(relay_every_s=3600)
        )
        load_before = os.getloadavg()[0]
        trainer.run(max_batches=1)  # warm-up: first-touch of the weights, connections, caches
        reports = trainer.run(max_batches=args.batches)
        load_after = os.getloadavg()[0]
        reloads = []
        for _ in range(2):
            t0 = time.monotonic()
            backend.reload(str(checkpoint))
            reloads.append(time.monotonic() - t0)
        backend.close()

    table = Table(title=f"{backend_name}: {args.model}, G={args.group_size}, {args.tasks} tasks")
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
    return {
        "backend": backend_name,
        "engine": getattr(getattr(backend, "choice", None), "describe", lambda: "")(),
        "tokens_per_s": round(tokens / gen_s, 2),
        "engine_start_s": round(start_s, 2),
        "reload_s": round(statistics.mean(reloads), 2),
        "overhead_pct": round(100 * overhead, 2),
        "overhead_max_pct": round(100 * max(r.overhead_fraction for r in reports), 2),
        "overhead_ms_median": round(1000 * statistics.median(r.overhead_s for r in reports), 1),
        "candidates_per_s": round(sum(r.candidates for r in reports) / wall_s, 3),
        "threads": threads,
        "servers": services.origin,
        "loadavg_1m": [load_before, load_after],
        "batches": [dataclasses.asdict(r) | {"overhead_s": r.overhead_s} for r in reports],
    }


def _run_child(args: argparse.Namespace, backend_name: str, argv: list[str]) -> dict[str, Any]:
    """``measure`` in a fresh process: vLLM needs its own interpreter, and neither backend
    should inherit the other's threads, memory or warm caches."""
    python = Path(sys.executable)
    if backend_name == "vllm":
        python = args.vllm_python
        if not python.exists():
            return {"backend": "vllm", "skipped": f"{python} not found: run `make setup-vllm`"}
    with tempfile.TemporaryDirectory(prefix="bench-trainer-") as tmp:
        out = Path(tmp) / "result.json"
        # argparse keeps the last --backend: the one appended here wins over the caller's.
        cmd = [str(python), "-m", "bench.bench_trainer", *argv, "--backend", backend_name]
        done = subprocess.run([*cmd, "--child-out", str(out)], cwd=REPO, check=False)
        if done.returncode != 0 or not out.exists():
            return {"backend": backend_name, "failed": f"exit {done.returncode}"}
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.child_out is not None:  # one backend, in this process
        args.child_out.write_text(json.dumps(measure(args, args.backend), default=str))
        return {}
    chosen = BACKENDS if args.backend == "both" else (args.backend,)
    results = [_run_child(args, name, argv) for name in chosen]

    console = Console()
    table = Table(title=f"trainer: {args.model}, G={args.group_size}, {args.tasks} tasks/batch, "
                  f"{args.max_new_tokens} new tokens")  # fmt: skip
    for col in ("backend", "completion tok/s", "engine start s", "reload s", "outside generate"):
        table.add_column(col, justify="right")
    for r in results:
        if "tokens_per_s" not in r:
            table.add_row(r["backend"], r.get("skipped") or r.get("failed", "?"), "", "", "")
            continue
        table.add_row(
            r["backend"],
            f"{r['tokens_per_s']:.1f}",
            f"{r['engine_start_s']:.1f}",
            f"{r['reload_s']:.2f}",
            f"{r['overhead_pct']:.2f} %",
        )
    console.print(table)
    measured = {r["backend"]: r for r in results if "tokens_per_s" in r}
    summary: dict[str, Any] = {
        f"{name}_tokens_per_s": r["tokens_per_s"] for name, r in measured.items()
    }
    if len(measured) == 2:
        ratio = measured["vllm"]["tokens_per_s"] / measured["transformers"]["tokens_per_s"]
        summary["vllm_vs_transformers"] = round(ratio, 2)
    worst = max((r["overhead_pct"] for r in measured.values()), default=None)
    summary["overhead_max_pct"] = worst
    summary["target_met"] = worst is not None and worst < 5
    for r in results:
        if "tokens_per_s" not in r:
            summary[r["backend"]] = r.get("skipped") or r.get("failed")
    payload = {
        "summary": summary,
        "model": args.model,
        "group_size": args.group_size,
        "tasks_per_batch": args.tasks,
        "max_new_tokens": args.max_new_tokens,
        "cpus": psutil.cpu_count(),
        "backends": results,
    }
    out = write_results("trainer", payload)
    console.print(f"{summary}; results {out}")
    failed = [r["backend"] for r in results if "failed" in r]
    if failed:
        raise RuntimeError(f"backend(s) failed: {', '.join(failed)} (their output is above)")
    return summary


if __name__ == "__main__":
    main()
