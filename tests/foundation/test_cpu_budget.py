"""CPU budgets per role: what the settings give each process, and that processes apply them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from fimrl.config import Settings
from fimrl.cpu_budget import BudgetError, budget_for, parse_cpus, usable_cpus

from ..helpers import REPO, WorkerProcess, settings_env


@pytest.mark.parametrize(
    ("spec", "cpus"),
    [("", None), (" ", None), ("0", (0,)), ("0-3", (0, 1, 2, 3)), ("3,0-1, 1", (0, 1, 3))],
)
def test_cpu_lists_parse(spec: str, cpus: tuple[int, ...] | None) -> None:
    assert parse_cpus(spec) == cpus


@pytest.mark.parametrize(("spec", "why"), [("a", "not a CPU number"), ("3-1", "ascending")])
def test_bad_cpu_lists_are_refused_when_settings_load(spec: str, why: str) -> None:
    with pytest.raises(BudgetError, match=why):
        parse_cpus(spec)
    with pytest.raises(ValidationError, match=why):
        Settings(learner_cpus=spec)


def test_automatic_budgets_share_the_machine_between_trainer_and_learner(tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = len(usable_cpus())
    settings = Settings(state_dir=tmp_path)
    for role in ("trainer", "learner"):
        budget = budget_for(settings, role)
        assert (budget.threads, budget.cpus, budget.automatic) == (max(1, n // 2), None, True)
    assert budget_for(settings, "worker").threads == 1  # workers run Lean, not torch
    # Pinned: all of its own CPUs; explicit threads win over the automatic share.
    pinned = Settings(state_dir=tmp_path, trainer_cpus="0", learner_threads=3)
    assert budget_for(pinned, "trainer").threads == 1
    assert budget_for(pinned, "trainer").cpus == (0,)
    assert budget_for(pinned, "learner").threads == 3
    assert not budget_for(pinned, "learner").automatic


def test_cpus_the_process_cannot_use_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    beyond = max(usable_cpus()) + 1
    settings = Settings(state_dir=tmp_path, worker_cpus=f"0,{beyond}")
    with pytest.raises(BudgetError, match=f"worker_cpus names CPU\\(s\\) {beyond} "):
        budget_for(settings, "worker")


def test_a_budget_pins_the_process_and_sizes_its_pools() -> None:
    code = (
        "import json, os, torch\n"
        "from fimrl.cpu_budget import CpuBudget, apply_budget\n"
        "apply_budget(CpuBudget('learner', 1, (0,), False))\n"
        "print(json.dumps([torch.get_num_threads(), sorted(os.sched_getaffinity(0)), "
        "os.environ['OMP_NUM_THREADS']]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [1, [0], "1"]


def test_config_show_prints_the_budgets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "FIMRL_STATE_DIR": str(tmp_path), "FIMRL_TRAINER_CPUS": "0"}
    out = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "config", "show", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    budgets = json.loads(out.stdout)["cpu_budgets"]
    assert budgets["trainer"] == {"threads": 1, "cpus": [0], "automatic": True}
    assert budgets["learner"]["threads"] == max(1, len(usable_cpus()) // 2)


def test_a_pinned_worker_and_its_pool_run_on_its_cpus(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = settings_env(settings, worker_cpus="0")
    worker = WorkerProcess(env, tmp_path / "w.log", concurrency=2)
    try:
        import psutil

        main = psutil.Process(worker.proc.pid)
        assert main.cpu_affinity() == [0]
        assert [c.cpu_affinity() for c in worker.children()] == [[0], [0]]
    finally:
        worker.stop()
