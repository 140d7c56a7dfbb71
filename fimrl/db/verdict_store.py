"""Recording verdicts: one row per candidate, and a group becomes `scored` from counts.

Both steps run in one transaction that first locks the group row, so two workers finishing
the last two candidates of a group at the same moment cannot both miss the final count, and a
redelivered message (``ON CONFLICT DO NOTHING``) changes nothing.

Two statements after ``BEGIN``: the lock (with the candidate's existence), then the insert
and the count in one statement (data-modifying CTEs). The lock must be its own statement:
under READ COMMITTED each statement reads a snapshot taken when it starts, and only a
snapshot taken after the lock is granted sees a verdict another worker committed while
this one waited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, text

VERIFICATION_FIELDS = (
    "verdict",
    "reward",
    "rule",
    "messages",
    "detail",
    "duration_s",
    "backend",
    "lean_version",
    "worker_host",
    "attempts",
    "cached",
)


def record_verdict(
    engine: Engine, *, candidate_id: int, group_id: int, verdict: Mapping[str, Any]
) -> bool:
    """Store the verdict unless one exists; True if this call stored it.

    Returns False for a redelivery (a verdict was already stored) and for a candidate that no
    longer exists (its run was deleted): neither is an error for the worker.
    """
    params = _store_params(candidate_id, group_id, verdict)
    with engine.begin() as conn:
        locked = conn.execute(_LOCK, params).first()
        if locked is None or not locked.candidate_exists:
            return False
        stored, _scored = conn.execute(_STORE_AND_SCORE, params).one()
        return bool(stored)


_LOCK = text(
    "SELECT g.id, EXISTS (SELECT 1 FROM candidates c WHERE c.id = :c AND c.group_id = g.id) "
    "AS candidate_exists FROM groups g WHERE g.id = :g FOR UPDATE OF g"
)


_STORE_AND_SCORE = text(
    """
    WITH ins AS (
        INSERT INTO verifications (candidate_id, group_id, verdict, reward, rule, messages,
                                   detail, duration_s, backend, lean_version, worker_host,
                                   attempts, cached)
        VALUES (:c, :g, :verdict, :reward, :rule,
                COALESCE(CAST(:messages AS jsonb), '[]'::jsonb), :detail, :duration_s,
                :backend, :lean_version, :worker_host, COALESCE(:attempts, 1),
                COALESCE(:cached, false))
        ON CONFLICT (candidate_id) DO NOTHING
        RETURNING id
    ), upd AS (
        UPDATE groups g SET status = 'scored', scored_at = now()
        WHERE g.id = :g AND g.status = 'pending'
          AND (SELECT count(*) FROM verifications v WHERE v.group_id = g.id)
              + (SELECT count(*) FROM ins) >= g.size
        RETURNING g.id
    )
    SELECT (SELECT count(*) FROM ins) AS stored, (SELECT count(*) FROM upd) AS scored
    """
)
"""Insert the verdict unless one exists, and mark the group scored if it is now complete.

The count of the group's verdicts does not see the row this statement inserts (one
snapshot per statement), so the insert's own count is added. Plain SQL, compiled once:
building the same statement from SQLAlchemy constructs cost more client CPU per verdict
than the two round trips it saves."""


def _store_params(candidate_id: int, group_id: int, verdict: Mapping[str, Any]) -> dict[str, Any]:
    """Bind parameters: every verification field (absent ones NULL, then the defaults)."""
    params = {k: verdict.get(k) for k in VERIFICATION_FIELDS}
    if params["messages"] is not None:
        params["messages"] = json.dumps(params["messages"])
    params["c"], params["g"] = candidate_id, group_id
    return params


def rescore_complete_groups(engine: Engine) -> int:
    """Safety net for the relay: score any pending group whose verdicts are all in."""
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "UPDATE groups g SET status = 'scored', scored_at = now() "
                "WHERE g.status = 'pending' "
                "AND (SELECT count(*) FROM verifications v WHERE v.group_id = g.id) >= g.size "
                "RETURNING g.id"
            )
        ).fetchall()
    return len(rows)
