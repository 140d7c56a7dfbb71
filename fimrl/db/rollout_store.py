"""Writing rollouts and finding work to (re-)enqueue.

A group and its G candidates are written in one transaction, then enqueued after commit: a
crash before commit leaves nothing, a crash after it leaves candidates with no
``enqueued_at`` (or an expired one) that the relay enqueues. Work can be delayed, never lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from fimrl.db.models import Candidate, Group


@dataclass
class CandidateRow:
    """What the trainer knows of one sample."""

    completion: str
    middle: str
    token_ids: list[int]
    behaviour_logprobs: list[float]
    prompt_tokens: int = 0
    sampling: dict[str, Any] = field(default_factory=dict)


@dataclass
class GroupWrite:
    """One group to write: its candidates and what the learner needs to re-score them.

    ``write_key`` makes the write idempotent: the caller picks it before the first attempt
    and passes the same key on every retry. When a commit reached the server but its reply
    was lost, the retry finds the stored group (unique ``groups.write_key``) and returns its
    ids instead of writing the group a second time.
    """

    run_id: int
    task_id: int
    policy_version: int
    candidates: Sequence[CandidateRow]
    prompt_token_ids: Sequence[int] = ()
    prompt_format: str | None = None
    purpose: str = "train"
    write_key: uuid.UUID | None = None


def write_groups(engine: Engine, groups: Sequence[GroupWrite]) -> list[tuple[int, list[int]]]:
    """Insert groups with their candidates in one transaction; (group id, candidate ids in
    index order) per group, in input order.

    A trainer's batch costs one commit and two multi-row statements instead of a unit of
    work per group. If a write key is already stored (a retried write), each group is written
    on its own so every retried one finds its stored copy.
    """
    if not groups:
        return []
    try:
        with engine.begin() as conn:
            group_ids = [
                conn.execute(
                    insert(Group).returning(Group.id),
                    {
                        "run_id": g.run_id,
                        "task_id": g.task_id,
                        "policy_version": g.policy_version,
                        "size": len(g.candidates),
                        "purpose": g.purpose,
                        "prompt_token_ids": list(g.prompt_token_ids),
                        "prompt_format": g.prompt_format,
                        "write_key": g.write_key,
                    },
                ).scalar_one()
                for g in groups
            ]
            rows = [
                {
                    "group_id": group_id,
                    "index": i,
                    "completion": c.completion,
                    "middle": c.middle,
                    "token_ids": list(c.token_ids),
                    "behaviour_logprobs": list(c.behaviour_logprobs),
                    "sampling": c.sampling,
                    "policy_version": g.policy_version,
                    "prompt_tokens": c.prompt_tokens,
                }
                for group_id, g in zip(group_ids, groups, strict=True)
                for i, c in enumerate(g.candidates)
            ]
            stored = conn.execute(
                insert(Candidate).returning(Candidate.id, Candidate.group_id, Candidate.index),
                rows,
            ).all()
    except IntegrityError:
        if len(groups) > 1:
            return [write_groups(engine, [g])[0] for g in groups]
        # The unique key refused a second copy: an earlier attempt committed this group.
        key = groups[0].write_key
        found = _group_by_key(engine, key) if key is not None else None
        if found is None:
            raise
        return [found]
    by_group: dict[int, list[tuple[int, int]]] = {gid: [] for gid in group_ids}
    for cid, gid, index in stored:
        by_group[gid].append((index, cid))
    return [(gid, [cid for _, cid in sorted(by_group[gid])]) for gid in group_ids]


def write_group(
    engine: Engine,
    *,
    run_id: int,
    task_id: int,
    policy_version: int,
    candidates: Sequence[CandidateRow],
    prompt_token_ids: Sequence[int] = (),
    prompt_format: str | None = None,
    purpose: str = "train",
    write_key: uuid.UUID | None = None,
) -> tuple[int, list[int]]:
    """Insert one group with its candidates atomically (:func:`write_groups` of one)."""
    group = GroupWrite(
        run_id,
        task_id,
        policy_version,
        candidates,
        prompt_token_ids,
        prompt_format,
        purpose,
        write_key,
    )
    return write_groups(engine, [group])[0]


def _group_by_key(engine: Engine, write_key: uuid.UUID) -> tuple[int, list[int]] | None:
    """The (group id, candidate ids in index order) written under ``write_key``, if any."""
    with engine.connect() as conn:
        group_id = conn.execute(select(Group.id).where(Group.write_key == write_key)).scalar()
        if group_id is None:
            return None
        ids = conn.execute(
            select(Candidate.id).where(Candidate.group_id == group_id).order_by(Candidate.index)
        ).scalars()
        return group_id, list(ids)


_MESSAGE_SQL = """
SELECT c.id AS candidate_id, c.group_id, g.run_id, t.id AS task_id, t.header, t.prefix,
       c.middle, t.suffix, t.decl_name, t.middle AS reference
FROM candidates c JOIN groups g ON g.id = c.group_id JOIN fim_tasks t ON t.id = g.task_id
WHERE c.id = ANY(:ids)
ORDER BY c.id
"""


def verify_messages(engine: Engine, candidate_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Self-contained verify messages: a worker needs no read to start checking."""
    with engine.connect() as conn:
        rows = conn.execute(text(_MESSAGE_SQL), {"ids": list(candidate_ids)}).mappings()
        return [dict(r) for r in rows]


def mark_enqueued(engine: Engine, candidate_ids: Sequence[int]) -> None:
    """Stamp the enqueue lease the relay reads; no round trip when there is nothing to mark
    (a batch whose every group PostgreSQL refused)."""
    if not candidate_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE candidates SET enqueued_at = now(), enqueue_count = enqueue_count + 1 "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": list(candidate_ids)},
        )


def claim_unverified(
    engine: Engine, *, run_id: int, lease_s: float, limit: int = 1000
) -> list[int]:
    """Candidates of run ``run_id`` with no verdict whose enqueue lease expired.

    Only the run's own: its relay sends to its run's queue, where another run's workers may
    not listen, and claiming refreshes ``enqueued_at``, which would delay that run's relay.

    A candidate never enqueued counts from its creation, so the trainer's own enqueue right
    after commit is not raced by the relay.

    Claimed rows get a fresh ``enqueued_at`` in the same statement (``SKIP LOCKED``), so two
    relays running at once do not both pick the same candidate.
    """
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                """
                UPDATE candidates SET enqueued_at = now(), enqueue_count = enqueue_count + 1
                WHERE id IN (
                    SELECT c.id FROM candidates c
                    JOIN groups g ON g.id = c.group_id
                    WHERE g.run_id = :run AND g.status = 'pending'
                      AND COALESCE(c.enqueued_at, c.created_at)
                          < now() - make_interval(secs => :lease)
                      AND NOT EXISTS (SELECT 1 FROM verifications v
                                      WHERE v.candidate_id = c.id)
                    ORDER BY c.id
                    LIMIT :limit
                    FOR UPDATE OF c SKIP LOCKED
                )
                RETURNING id
                """
            ),
            {"run": run_id, "lease": lease_s, "limit": limit},
        ).fetchall()
    return sorted(r[0] for r in rows)
