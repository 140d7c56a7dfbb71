"""Fixtures of the evaluation tests: tasks, runs and groups with planted verdicts, a tiny model.

Planted verdicts go through the workers' own store function (``record_verdict``), so groups
become ``scored`` exactly as they do when a worker finishes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from fimrl.db.rollout_store import CandidateRow, write_group
from fimrl.db.run_store import ensure_base_version, ensure_run, publish_version_in
from fimrl.db.verdict_store import record_verdict
from tests.helpers import store_omega_task

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIF2F = FIXTURES / "minif2f"


def make_task(
    engine: Engine, i: int, *, span_kind: str = "tactic", split: str = "test", source: str = "t"
) -> int:
    """A stored FIM task whose reference middle is ``omega``."""
    return store_omega_task(
        engine,
        i,
        namespace="EvalT",
        source=f"{source}/t{i}.lean",
        split=split,
        span_kind=span_kind,
        hash_tag="e",
    )


def make_train_run(
    engine: Engine,
    name: str,
    model: str,
    steps: dict[int, int],
    checkpoints: dict[int, str] | None = None,
) -> int:
    """A training run with version 0 (the base) and ``{version: learner_step}`` published.

    Checkpoint paths default to paths that do not exist (tests that never load weights).
    """
    run_id = ensure_run(engine, name, kind="train", config={"model": model})
    ensure_base_version(engine, run_id, model)
    with engine.begin() as conn:
        for version, step in steps.items():
            publish_version_in(
                conn,
                run_id=run_id,
                version=version,
                step=step,
                model=model,
                checkpoint_path=(checkpoints or {}).get(version, f"/nonexistent/ckpt-{version}"),
            )
    return run_id


def plant_group(
    engine: Engine,
    *,
    run_id: int,
    task_id: int,
    version: int,
    n: int,
    passes: int,
    purpose: str = "eval",
    fail_verdict: str = "fail",
    rule: str | None = None,
    duration_s: float = 0.01,
    backend: str = "exact",
) -> int:
    """A group of ``n`` candidates, the first ``passes`` verdicts ``pass``, the rest failing."""
    rows = [
        CandidateRow(
            completion="omega",
            middle="omega" if i < passes else "simp",
            token_ids=[1, 2, 3],
            behaviour_logprobs=[-0.1, -0.2, -0.3],
            sampling={"temperature": 1.0},
        )
        for i in range(n)
    ]
    group_id, candidate_ids = write_group(
        engine,
        run_id=run_id,
        task_id=task_id,
        policy_version=version,
        candidates=rows,
        purpose=purpose,
    )
    for i, cid in enumerate(candidate_ids):
        verdict: dict[str, Any] = {
            "verdict": "pass" if i < passes else fail_verdict,
            "reward": 1.0 if i < passes else 0.0,
            "rule": None if i < passes else rule,
            "duration_s": duration_s * (1 + i),
            "backend": backend,
            "lean_version": None,
            "worker_host": "planted@test",
        }
        record_verdict(engine, candidate_id=cid, group_id=group_id, verdict=verdict)
    return group_id


@pytest.fixture(scope="session")
def smollm2_tokenizer() -> Any:
    """The real SmolLM2 tokenizer (from the bundled GGUF), loaded once."""
    from fimrl.rollout.models import SMOLLM2_NAME, load_tokenizer

    return load_tokenizer(SMOLLM2_NAME)


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> list[Path]:
    """Two tiny random models with the real tokenizer: a base and a stand-in checkpoint."""
    from fimrl.rollout.models import build_tiny_model

    return [
        build_tiny_model(
            tmp_path_factory.mktemp(f"tiny{seed}"), tokenizer=smollm2_tokenizer, seed=seed
        )
        for seed in (0, 1)
    ]
