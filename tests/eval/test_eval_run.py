"""`fimrl eval run` end to end: a tiny model samples, a real Celery worker verifies (`exact`),
pass@k is stored; then resuming, `eval show` and the learner's claim query on the result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.claim_store import claim_groups
from fimrl.eval.results import eval_runs
from fimrl.eval.runner import EvalOptions, EvalRunner, resolve_versions

from ..helpers import REPO, WorkerProcess, settings_env
from .conftest import make_task, make_train_run


def _cli(settings: Settings, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=REPO,
        env=settings_env(settings, model=str(model), max_new_tokens=8) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_eval_run_samples_verifies_and_stores_pass_at_k(
    clean_db: Engine, settings: Settings, tmp_path: Path, tiny_dirs: list[Path]
) -> None:
    base, checkpoint = tiny_dirs
    train_run = make_train_run(clean_db, "e2e", str(base), {1: 3}, {1: str(checkpoint)})
    test_tasks = [
        make_task(clean_db, i, span_kind=("proof" if i == 2 else "tactic")) for i in range(4)
    ]
    other = [make_task(clean_db, 10, split="train"), make_task(clean_db, 11, split="valid")]

    worker = WorkerProcess(settings_env(settings, verifier_backend="exact"), tmp_path / "w.log")
    try:
        done = _cli(
            settings, base,
            "eval", "run", "--run", "e2e", "--base", "--version", "1", "--split", "test",
            "--k", "1,4", "--n", "4", "--batch", "3", "--timeout", "120", "--name", "e2e-eval",
            "--json",
        )  # fmt: skip
    finally:
        worker.stop()
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["eval_run"] == "e2e-eval" and out["source_run"] == "e2e" and out["tasks"] == 4
    assert set(out["results"]) == {"0", "1"}
    for summary in out["results"].values():
        assert summary["all"]["1"]["tasks"] == 4 and summary["all"]["4"]["tasks"] == 4
        assert "proof" in summary and "tactic" in summary  # broken down by span kind
    assert [b[0] for b in out["backends"]] == ["exact"]

    with clean_db.connect() as conn:
        groups = conn.execute(
            text(
                "SELECT g.id, g.run_id, g.task_id, g.policy_version, g.purpose, g.status, g.size "
                "FROM groups g ORDER BY g.id"
            )
        ).all()
        verdicts = conn.execute(
            text("SELECT count(*), min(backend), max(backend) FROM verifications")
        ).one()
        samples = conn.execute(
            text(
                "SELECT g.policy_version, g.task_id, array_agg(c.token_ids::text "
                "ORDER BY c.index) AS toks FROM candidates c JOIN groups g ON g.id = c.group_id "
                "GROUP BY 1, 2"
            )
        ).all()
        run = conn.execute(
            text("SELECT kind, status, config FROM runs WHERE name = 'e2e-eval'")
        ).one()
    assert len(groups) == 8  # 4 test tasks x 2 versions; the train/valid tasks never sampled
    assert {g.task_id for g in groups} == set(test_tasks) and not set(other) & {
        g.task_id for g in groups
    }
    assert {(g.purpose, g.status, g.size) for g in groups} == {("eval", "scored", 4)}
    assert {g.policy_version for g in groups} == {0, 1}
    assert {g.run_id for g in groups} != {train_run}
    assert verdicts == (32, "exact", "exact")
    # Version 1 was sampled from the checkpoint's weights, not the base's.
    by_version = {(s.policy_version, s.task_id): s.toks for s in samples}
    assert any(by_version[(0, t)] != by_version[(1, t)] for t in test_tasks)
    assert run.kind == "eval" and run.status == "finished"
    assert run.config["source_run"] == "e2e" and run.config["split"] == "test"
    assert set(run.config["results"]) == {"0", "1"}
    assert [v["label"] for v in run.config["versions"]] == ["base", "v1"]

    # Nothing of it is claimable by the learner (its run, or the evaluation's).
    eval_id = eval_runs(clean_db, source_run="e2e")[0].id
    for run_id in (train_run, eval_id):
        assert claim_groups(clean_db, run_id=run_id, owner="learner", limit=100, lease_s=60) == []

    # Resuming under the same name samples nothing again (no model is even loaded).
    source, specs = resolve_versions(clean_db, settings, "e2e", [1], base=True)

    def no_model(model: str) -> object:
        raise AssertionError(f"nothing left to sample, yet {model} was loaded")

    again = EvalRunner(settings, clean_db, backend_factory=no_model).run(  # type: ignore[arg-type]
        source, specs, EvalOptions(split="test", n=4, ks=(1, 4), name="e2e-eval", timeout_s=5)
    )
    assert again.resumed_groups == 8 and set(again.summaries) == {0, 1}
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM groups")).scalar() == 8

    shown = _cli(settings, base, "eval", "show")
    assert shown.returncode == 0, shown.stderr
    assert "e2e-eval" in shown.stdout and "NOT Lean" in shown.stdout
    assert "pass@4" in shown.stdout and "whole proof" in shown.stdout
    listed = _cli(settings, base, "eval", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["status"], row["source_run"]) == ("e2e-eval", "finished", "e2e")
    assert (row["split"], row["n"], row["versions"]) == ("test", 4, ["base", "v1"])
