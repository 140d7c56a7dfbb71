"""Planted experiments for the analysis views: every number a test expects is written here."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, text

from fimrl.db.models import Candidate, FimTask, Group, Run, Verification

T0 = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
_hash = itertools.count(1)


@dataclass
class V:
    """One candidate and its verdict (a planted row of ``verifications``)."""

    verdict: str
    reward: float | None = None  # default: 1.0 for pass, else 0.0
    rule: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 1.0
    backend: str = "repl"
    host: str = "host-a"
    at: dt.datetime | None = None
    detail: str | None = None


def msg(severity: str, data: str, kind: str | None = None) -> dict[str, Any]:
    """A stored Lean message (the shape of ``fimrl.verify.rules.normalize_message``)."""
    return {
        "severity": severity,
        "kind": kind,
        "data": data,
        "pos": {"line": 1, "column": 0},
        "endPos": None,
    }


def add_run(conn: Connection, name: str) -> int:
    return conn.execute(insert(Run).values(name=name).returning(Run.id)).scalar_one()


def add_task(conn: Connection, name: str) -> int:
    return conn.execute(
        insert(FimTask)
        .values(
            source="Planted.lean",
            decl_name=name,
            decl_kind="theorem",
            header="",
            prefix=f"theorem {name} : True := by\n  ",
            middle="trivial",
            suffix="\n",
            span_kind="tactic",
            split="train",
            content_hash=f"{next(_hash):064d}",
        )
        .returning(FimTask.id)
    ).scalar_one()


def add_group(
    conn: Connection,
    run_id: int,
    task_id: int,
    version: int,
    verdicts: Sequence[V | None],
    *,
    purpose: str = "train",
    created_at: dt.datetime = T0,
) -> int:
    """A group of ``len(verdicts)`` candidates; ``None`` is a candidate still unverified."""
    conn.execute(
        text(
            "INSERT INTO policy_versions (run_id, version, learner_step, model) "
            "VALUES (:r, :v, 0, 'planted') ON CONFLICT DO NOTHING"
        ),
        {"r": run_id, "v": version},
    )
    group_id = conn.execute(
        insert(Group)
        .values(
            run_id=run_id,
            task_id=task_id,
            policy_version=version,
            size=len(verdicts),
            purpose=purpose,
            created_at=created_at,
        )
        .returning(Group.id)
    ).scalar_one()
    for index, v in enumerate(verdicts):
        cand = conn.execute(
            insert(Candidate)
            .values(
                group_id=group_id,
                index=index,
                completion="trivial",
                middle="trivial",
                token_ids=[1, 2],
                behaviour_logprobs=[-0.5, -0.1],
                policy_version=version,
            )
            .returning(Candidate.id)
        ).scalar_one()
        if v is None:
            continue
        conn.execute(
            insert(Verification).values(
                candidate_id=cand,
                group_id=group_id,
                verdict=v.verdict,
                reward=v.reward if v.reward is not None else float(v.verdict == "pass"),
                rule=v.rule,
                messages=v.messages,
                detail=v.detail,
                duration_s=v.duration_s,
                backend=v.backend,
                lean_version=None if v.backend == "exact" else "v4.35.0",
                worker_host=v.host,
                created_at=v.at or created_at + dt.timedelta(seconds=30),
            )
        )
    return group_id


def many(verdict: str, n: int, **kw: Any) -> list[V]:
    return [V(verdict, **kw) for _ in range(n)]


__all__ = ["T0", "V", "add_group", "add_run", "add_task", "many", "msg"]
