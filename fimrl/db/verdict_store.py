"""Recording verdicts: one row per candidate, and a group becomes `scored` from counts.

Both steps run in one transaction that first locks the group row, so two workers finishing
the last two candidates of a group at the same moment cannot both miss the final count, and a
redelivered message (``ON CONFLICT DO NOTHING``) changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql import insert

from fimrl.db.models import Verification

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
    values = {k: verdict[k] for k in VERIFICATION_FIELDS if k in verdict}
    with engine.begin() as conn:
        locked = conn.execute(
            text("SELECT id FROM groups WHERE id = :g FOR UPDATE"), {"g": group_id}
        ).first()
        if locked is None:
            return False
        exists = conn.execute(
            text("SELECT 1 FROM candidates WHERE id = :c AND group_id = :g"),
            {"c": candidate_id, "g": group_id},
        ).first()
        if exists is None:
            return False
        stored = conn.execute(
            insert(Verification)
            .values(candidate_id=candidate_id, group_id=group_id, **values)
            .on_conflict_do_nothing(index_elements=["candidate_id"])
            .returning(Verification.id)
        ).first()
        mark_scored_if_complete(conn, group_id)
        return stored is not None


def mark_scored_if_complete(conn: Any, group_id: int) -> bool:
    """Set a pending group to scored when its verdict count reaches its size."""
    done = conn.execute(
        text(
            "UPDATE groups g SET status = 'scored', scored_at = now() "
            "WHERE g.id = :g AND g.status = 'pending' "
            "AND (SELECT count(*) FROM verifications v WHERE v.group_id = g.id) >= g.size "
            "RETURNING g.id"
        ),
        {"g": group_id},
    ).first()
    return done is not None


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
