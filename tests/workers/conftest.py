"""Fixtures for worker tests: a run, tasks and groups in the real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fimrl.db.models import Run
from fimrl.db.rollout_store import CandidateRow, write_group
from tests.helpers import store_omega_task


@pytest.fixture
def run_id(clean_db: Engine) -> int:
    with Session(clean_db) as session:
        run = Run(name="worker-test")
        session.add(run)
        session.commit()
        return run.id


def make_task(engine: Engine, i: int = 0, middle: str = "omega") -> int:
    return store_omega_task(engine, i, namespace="FimT", middle=middle)


def make_group(
    engine: Engine, run_id: int, task_id: int, middles: list[str], version: int = 0
) -> tuple[int, list[int]]:
    rows = [
        CandidateRow(
            completion=m, middle=m, token_ids=[1, 2, 3], behaviour_logprobs=[-0.1, -0.2, -0.3]
        )
        for m in middles
    ]
    return write_group(
        engine, run_id=run_id, task_id=task_id, policy_version=version, candidates=rows
    )


@pytest.fixture
def groups_factory(clean_db: Engine, run_id: int) -> Iterator[object]:
    yield lambda task_id, middles: make_group(clean_db, run_id, task_id, middles)
