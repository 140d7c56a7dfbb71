"""The learner's side of the queue: claiming scored groups with a lease.

``FOR UPDATE SKIP LOCKED`` lets any number of learners claim at once without sharing a group;
the lease makes a crashed learner's claims claimable again once it expires. A group leaves
the claimable set only as ``consumed`` (trained on), ``dropped`` (stale or no signal) or
``quarantined`` (bad data), each with the step or reason recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass
class ScoredCandidate:
    candidate_id: int
    token_ids: list[int]
    behaviour_logprobs: list[float]
    reward: float | None
    verdict: str | None


@dataclass
class ScoredGroup:
    group_id: int
    task_id: int
    policy_version: int
    size: int
    prompt_token_ids: list[int]
    temperature: float
    candidates: list[ScoredCandidate]


def claim_groups(
    engine: Engine, *, run_id: int, owner: str, limit: int, lease_s: float
) -> list[int]:
    """Claim up to ``limit`` scored (or lease-expired) train groups, oldest first."""
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                """
                UPDATE groups SET status = 'claimed', lease_owner = :owner,
                       lease_expires_at = now() + make_interval(secs => :lease)
                WHERE id IN (
                    SELECT id FROM groups
                    WHERE run_id = :run AND purpose = 'train'
                      AND (status = 'scored'
                           OR (status = 'claimed' AND lease_expires_at < now()))
                    ORDER BY created_at, id
                    LIMIT :limit
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id
                """
            ),
            {"owner": owner, "lease": lease_s, "run": run_id, "limit": limit},
        ).fetchall()
    return sorted(r[0] for r in rows)


def load_groups(engine: Engine, group_ids: Sequence[int]) -> list[ScoredGroup]:
    """Groups with their candidates' tokens, behaviour log-probs and rewards."""
    if not group_ids:
        return []
    with engine.connect() as conn:
        groups = conn.execute(
            text(
                "SELECT id, task_id, policy_version, size, prompt_token_ids FROM groups "
                "WHERE id = ANY(:ids) ORDER BY id"
            ),
            {"ids": list(group_ids)},
        ).all()
        cands = conn.execute(
            text(
                "SELECT c.group_id, c.id, c.token_ids, c.behaviour_logprobs, c.sampling, "
                "v.reward, v.verdict FROM candidates c "
                "LEFT JOIN verifications v ON v.candidate_id = c.id "
                "WHERE c.group_id = ANY(:ids) ORDER BY c.group_id, c.index"
            ),
            {"ids": list(group_ids)},
        ).all()
    by_group: dict[int, list[ScoredCandidate]] = {}
    temperature: dict[int, float] = {}
    for row in cands:
        by_group.setdefault(row.group_id, []).append(
            ScoredCandidate(
                row.id, list(row.token_ids), list(row.behaviour_logprobs), row.reward, row.verdict
            )
        )
        temperature[row.group_id] = float((row.sampling or {}).get("temperature", 1.0))
    return [
        ScoredGroup(
            g.id,
            g.task_id,
            g.policy_version,
            g.size,
            list(g.prompt_token_ids or []),
            temperature.get(g.id, 1.0),
            by_group.get(g.id, []),
        )
        for g in groups
    ]


def finish_groups(
    engine: Engine,
    *,
    owner: str,
    status: str,
    group_ids: Sequence[int],
    step: int | None = None,
    reason: str | None = None,
) -> int:
    """Move claimed groups to consumed / dropped / quarantined (only if still ours)."""
    if not group_ids:
        return 0
    with engine.begin() as conn:
        return finish_groups_in(
            conn, owner=owner, status=status, group_ids=group_ids, step=step, reason=reason
        )


def finish_groups_in(
    conn,
    *,
    owner: str,
    status: str,
    group_ids: Sequence[int],  # type: ignore[no-untyped-def]
    step: int | None = None,
    reason: str | None = None,
) -> int:
    rows = conn.execute(
        text(
            "UPDATE groups SET status = :status, learner_step = :step, reason = :reason, "
            "consumed_at = now(), lease_owner = NULL, lease_expires_at = NULL "
            "WHERE id = ANY(:ids) AND status = 'claimed' AND lease_owner = :owner RETURNING id"
        ),
        {"status": status, "step": step, "reason": reason, "ids": list(group_ids), "owner": owner},
    ).fetchall()
    return len(rows)


def latest_policy_version(
    engine: Engine, run_id: int, *, by_step: int | None = None
) -> tuple[int, str | None] | None:
    """(version, checkpoint path) of the newest published policy of a run.

    ``by_step`` limits it to versions published by that learner step or earlier.
    """
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT version, checkpoint_path FROM policy_versions WHERE run_id = :r "
                "AND (CAST(:s AS integer) IS NULL OR learner_step <= :s) "
                "ORDER BY version DESC LIMIT 1"
            ),
            {"r": run_id, "s": by_step},
        ).first()
    return (int(row[0]), row[1]) if row else None


def release_groups(engine: Engine, *, owner: str, group_ids: Sequence[int]) -> int:
    """Hand claimed groups back (a learner stopping cleanly), without waiting for the lease."""
    if not group_ids:
        return 0
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "UPDATE groups SET status = 'scored', lease_owner = NULL, "
                "lease_expires_at = NULL "
                "WHERE id = ANY(:ids) AND status = 'claimed' AND lease_owner = :owner "
                "RETURNING id"
            ),
            {"ids": list(group_ids), "owner": owner},
        ).fetchall()
    return len(rows)
