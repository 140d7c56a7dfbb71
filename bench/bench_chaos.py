"""Chaos: does a run finish by itself through worker kills, a Redis and a PostgreSQL restart?

The same run twice in one invocation, once fault-free and once under faults (see
``tests/faults/chaos.py``, shared with the CI test): N candidates from the real trainer through
Redis to ``fimrl workers start -c 4 --detach`` (supervised) and into PostgreSQL, the learner
consuming the groups, the ``exact`` checker with 20 ms added latency. The faulted run gets
``--kills`` random SIGKILLs (``--main-kills`` of them take the worker's main process, the rest
a busy pool child), one Redis restart and one PostgreSQL restart; the script does nothing else.

Targets (issue 15) at 10,000 candidates, 50 kills and both restarts: 0 lost, 0 duplicated,
0 stuck groups, finished by itself, drain time at most 1.5x the fault-free run's.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import machine_info, write_results

ROWS = (
    ("candidates", "candidates"),
    ("verdicts", "verdicts"),
    ("lost (no verdict)", "lost"),
    ("duplicated verdicts", "duplicated"),
    ("stuck groups", "stuck_groups"),
    ("worker_lost verdicts", "worker_lost_verdicts"),
    ("candidates relayed", "relayed_candidates"),
    ("pool children killed", "child_kills"),
    ("main processes killed", "main_kills"),
    ("supervised worker restarts", "worker_restarts"),
    ("Redis restarts", "redis_restarts"),
    ("PostgreSQL restarts", "postgres_restarts"),
    ("finished by itself", "finished"),
    ("drain (s)", "drain_s"),
)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--main-kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from fimrl.rollout.models import build_tiny_model
    from tests.faults.chaos import ChaosPlan, run_chaos

    console = Console()
    plan = ChaosPlan(
        candidates=args.candidates, kills=args.kills, main_kills=args.main_kills, seed=args.seed
    )
    model_dir = build_tiny_model(Path(tempfile.mkdtemp(prefix="fimrl-chaos-")), hidden_size=32)
    outcomes = {}
    for faults in (False, True):
        label = "faults" if faults else "fault-free"
        console.print(f"[bold]{label}[/]: {plan.total_candidates} candidates")
        outcomes[label] = run_chaos(model_dir, plan, faults=faults, say=console.print)
    clean, chaos = outcomes["fault-free"], outcomes["faults"]
    ratio = chaos.drain_s / clean.drain_s

    table = Table(title=f"chaos: {plan.total_candidates} candidates, -c {plan.concurrency}")
    table.add_column("")
    table.add_column("fault-free", justify="right")
    table.add_column("faults", justify="right")
    for label, key in ROWS:
        a, b = getattr(clean, key), getattr(chaos, key)
        fmt = (lambda v: f"{v:.1f}") if isinstance(a, float) else str
        table.add_row(label, fmt(a), fmt(b))
    console.print(table)
    for event in chaos.events:
        console.print(f"  [dim]{event}[/]")
    met = (
        chaos.lost == 0
        and chaos.duplicated == 0
        and chaos.stuck_groups == 0
        and chaos.finished
        and ratio <= 1.5
    )
    summary = {
        "candidates": plan.total_candidates,
        "lost": chaos.lost,
        "duplicated": chaos.duplicated,
        "stuck": chaos.stuck_groups,
        "finished": chaos.finished,
        "drain_ratio": round(ratio, 2),
        "targets_met": met,
    }
    console.print(
        f"drain {chaos.drain_s:.0f} s under faults vs {clean.drain_s:.0f} s fault-free: "
        f"{ratio:.2f}x (target <= 1.5x); targets {'met' if met else 'NOT met'}"
    )
    out = write_results(
        "chaos",
        {
            "plan": vars(args) | {"total_candidates": plan.total_candidates},
            "machine": machine_info(),
            "fault_free": clean.to_json(),
            "faults": chaos.to_json(),
            "summary": summary,
        },
    )
    console.print(f"results: {out}")
    return summary
