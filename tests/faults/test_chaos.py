"""(e) The chaos run, small: kills of pool children and of the worker's main process, a Redis
restart and a PostgreSQL restart in one run that must finish by itself with nothing lost.

The full size (10,000 candidates, 50 kills, drain time against a fault-free run) is
``make bench BENCH_ARGS=chaos``; this is the same driver at a size CI affords.
"""

from __future__ import annotations

from pathlib import Path

from .chaos import ChaosPlan, run_chaos


def test_a_run_finishes_by_itself_through_every_kind_of_fault(tiny_model_dir: Path) -> None:
    plan = ChaosPlan(
        candidates=480, kills=8, main_kills=1, tasks_per_batch=6, lease_s=6, timeout_s=400
    )
    outcome = run_chaos(tiny_model_dir, plan, faults=True)
    print("\n(e) chaos:", outcome.to_json())

    assert outcome.finished, outcome.events
    assert outcome.child_kills == 7 and outcome.main_kills == 1
    assert outcome.redis_restarts == 1 and outcome.postgres_restarts == 1
    assert outcome.worker_restarts >= 1  # the supervisor brought the killed node back
    assert outcome.candidates == plan.total_candidates == outcome.verdicts
    assert outcome.lost == 0 and outcome.duplicated == 0 and outcome.stuck_groups == 0
