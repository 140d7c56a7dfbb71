"""Migrations and constraints on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fimrl.db import migrate
from fimrl.db.models import Base, Candidate, FimTask, Group, Run, Verification


def test_upgrade_downgrade_upgrade(fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(fresh_database())
    assert migrate.current_revisions(engine) == set()
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.is_current(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_db_current_json_names_both_revisions(fresh_database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = fresh_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env |= {"FIMRL_DATABASE_URL": url, "FIMRL_STATE_DIR": str(tmp_path)}

    def current() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "fimrl.cli", "db", "current", "--json"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    heads = sorted(migrate.script_heads())
    assert current() == {"database": [], "code": heads, "current": False}
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    assert current() == {"database": heads, "code": heads, "current": True}


def test_migration_matches_models(engine) -> None:  # type: ignore[no-untyped-def]
    """The migration builds exactly what the models declare (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_newer_schema_is_refused_untouched(fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(fresh_database())
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(migrate.MigrationError, match="newer fimrl"):
        migrate.upgrade(engine)
    with pytest.raises(migrate.MigrationError, match="newer fimrl"):
        migrate.downgrade(engine, "base")
    assert "fim_tasks" in inspect(engine).get_table_names()
    engine.dispose()


def _task(i: int = 0, content_hash: str | None = None) -> FimTask:
    return FimTask(
        source="x.lean",
        decl_name=f"t{i}",
        decl_kind="theorem",
        header="",
        prefix="theorem t : True := by\n  ",
        middle="trivial",
        suffix="\n",
        span_kind="tactic",
        split="train",
        content_hash=content_hash or f"{i:064d}",
    )


def _group_with_candidate(session: Session, task: FimTask, run: Run) -> Candidate:
    group = Group(run_id=run.id, task_id=task.id, policy_version=0, size=1)
    session.add(group)
    session.flush()
    cand = Candidate(
        group_id=group.id,
        index=0,
        completion="trivial",
        middle="trivial",
        token_ids=[1, 2],
        behaviour_logprobs=[-0.5, -0.1],
        policy_version=0,
    )
    session.add(cand)
    session.flush()
    return cand


def test_unique_content_hash(clean_db) -> None:  # type: ignore[no-untyped-def]
    with Session(clean_db) as session:
        session.add(_task(1, "a" * 64))
        session.commit()
        session.add(_task(2, "a" * 64))
        with pytest.raises(IntegrityError):
            session.commit()


def test_one_verification_per_candidate_and_upsert(clean_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.dialects.postgresql import insert

    with Session(clean_db) as session:
        run = Run(name="r")
        task = _task()
        session.add_all([run, task])
        session.flush()
        cand = _group_with_candidate(session, task, run)
        row = dict(
            candidate_id=cand.id,
            group_id=cand.group_id,
            verdict="pass",
            reward=1.0,
            duration_s=0.1,
            backend="exact",
            worker_host="h",
        )
        for _ in range(3):  # a redelivered message upserts, never duplicates
            session.execute(
                insert(Verification)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["candidate_id"])
            )
        session.commit()
        assert session.scalar(select(text("count(*)")).select_from(Verification)) == 1
        session.add(Verification(**row))
        with pytest.raises(IntegrityError):
            session.commit()


def test_candidate_index_unique_within_group(clean_db) -> None:  # type: ignore[no-untyped-def]
    with Session(clean_db) as session:
        run, task = Run(name="r"), _task()
        session.add_all([run, task])
        session.flush()
        cand = _group_with_candidate(session, task, run)
        session.add(
            Candidate(
                group_id=cand.group_id,
                index=0,
                completion="",
                middle="",
                token_ids=[],
                behaviour_logprobs=[],
                policy_version=0,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_check_constraints(clean_db) -> None:  # type: ignore[no-untyped-def]
    with Session(clean_db) as session:
        bad = _task()
        bad.split = "dev"
        session.add(bad)
        with pytest.raises(IntegrityError):
            session.commit()


def test_cascades_from_task_and_run(clean_db) -> None:  # type: ignore[no-untyped-def]
    with Session(clean_db) as session:
        run, task = Run(name="r"), _task()
        session.add_all([run, task])
        session.flush()
        cand = _group_with_candidate(session, task, run)
        session.add(
            Verification(
                candidate_id=cand.id,
                group_id=cand.group_id,
                verdict="fail",
                reward=0.0,
                duration_s=0.2,
                backend="exact",
                worker_host="h",
            )
        )
        session.commit()
        session.execute(text("DELETE FROM fim_tasks"))
        session.commit()
        for table in ("groups", "candidates", "verifications"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        task2 = _task(2)
        session.add(task2)
        session.flush()
        _group_with_candidate(session, task2, run)
        session.commit()
        session.execute(text("DELETE FROM runs"))
        session.commit()
        assert session.execute(text("SELECT count(*) FROM groups")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM fim_tasks")).scalar() == 1
