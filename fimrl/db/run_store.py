"""Runs, policy versions and learner steps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql import insert

from fimrl.db.models import PolicyVersion, Run


def ensure_run(
    engine: Engine, name: str, *, kind: str = "train", config: dict[str, Any] | None = None
) -> int:
    """The id of the run called ``name``, created on first use (any process may race)."""
    with engine.begin() as conn:
        conn.execute(
            insert(Run)
            .values(name=name, kind=kind, config=config or {})
            .on_conflict_do_nothing(index_elements=["name"])
        )
        return int(
            conn.execute(text("SELECT id FROM runs WHERE name = :n"), {"n": name}).scalar_one()
        )


def ensure_base_version(engine: Engine, run_id: int, model: str) -> None:
    """Version 0 is the base model; inserted once per run."""
    with engine.begin() as conn:
        conn.execute(
            insert(PolicyVersion)
            .values(run_id=run_id, version=0, learner_step=0, model=model, checkpoint_path=None)
            .on_conflict_do_nothing(constraint="uq_policy_versions_run_version")
        )


def publish_version_in(
    conn: Any, *, run_id: int, version: int, step: int, model: str, checkpoint_path: str
) -> None:
    conn.execute(
        insert(PolicyVersion)
        .values(
            run_id=run_id,
            version=version,
            learner_step=step,
            model=model,
            checkpoint_path=checkpoint_path,
        )
        .on_conflict_do_update(
            constraint="uq_policy_versions_run_version",
            set_={"checkpoint_path": checkpoint_path, "learner_step": step},
        )
    )


def insert_learner_step_in(conn: Any, values: dict[str, Any]) -> None:
    from fimrl.db.models import LearnerStep

    conn.execute(insert(LearnerStep).values(**values))


def last_learner_step(engine: Engine, run_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT coalesce(max(step), 0) FROM learner_steps WHERE run_id = :r"),
                {"r": run_id},
            ).scalar_one()
        )


def finish_run(engine: Engine, run_id: int, status: str = "finished") -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE runs SET status = :s, finished_at = now() WHERE id = :r"),
            {"s": status, "r": run_id},
        )
