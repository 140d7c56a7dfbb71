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

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from fimrl.db.models import Group, Verification

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
        locked = conn.execute(_LOCK, {"g": group_id, "c": candidate_id}).first()
        if locked is None or not locked.candidate_exists:
            return False
        stored, _scored = conn.execute(_store_and_score(candidate_id, group_id, values)).one()
        return bool(stored)


_LOCK = text(
    "SELECT g.id, EXISTS (SELECT 1 FROM candidates c WHERE c.id = :c AND c.group_id = g.id) "
    "AS candidate_exists FROM groups g WHERE g.id = :g FOR UPDATE OF g"
)


def _store_and_score(candidate_id: int, group_id: int, values: Mapping[str, Any]) -> Any:
    """Insert the verdict unless one exists, and mark the group scored if it is now complete.

    The count of verdicts in the group's row does not see the row this statement inserts
    (one snapshot per statement), so the insert's own count is added.
    """
    ins = (
        insert(Verification)
        .values(candidate_id=candidate_id, group_id=group_id, **values)
        .on_conflict_do_nothing(index_elements=["candidate_id"])
        .returning(Verification.id)
        .cte("ins")
    )
    inserted = select(func.count()).select_from(ins).scalar_subquery()
    verified = (
        select(func.count())
        .select_from(Verification)
        .where(Verification.group_id == Group.id)
        .scalar_subquery()
    )
    scored = (
        update(Group)
        .where(Group.id == group_id, Group.status == "pending", verified + inserted >= Group.size)
        .values(status="scored", scored_at=func.now())
        .returning(Group.id)
        .cte("upd")
    )
    return select(inserted, select(func.count()).select_from(scored).scalar_subquery())


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
