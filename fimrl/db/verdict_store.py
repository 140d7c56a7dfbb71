"""Recording verdicts: one row per candidate, and a group becomes `scored` from counts.

One statement per verdict: ``fimrl_record_verdict`` (migration 0008) locks the group row,
inserts the verdict unless one exists (a redelivered message changes nothing) and marks the
group scored when its count is complete, all server-side in the call's own transaction. Two
workers finishing a group's last two candidates at the same moment cannot both miss the
final count (the migration says why).

A worker stores a verdict per message, so its connection is held (:class:`VerdictWriter`):
no pool checkout, no ping, one round trip. ``record_verdict`` is the one-off form for
everything else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

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

_RECORD = text("SELECT fimrl_record_verdict(:c, :g, CAST(:v AS jsonb))")


def _params(candidate_id: int, group_id: int, verdict: Mapping[str, Any]) -> dict[str, Any]:
    """Bind parameters: the verification fields as one JSON object (absent ones null, and
    the function's defaults apply)."""
    fields = {k: verdict.get(k) for k in VERIFICATION_FIELDS}
    return {"c": candidate_id, "g": group_id, "v": json.dumps(fields)}


def record_verdict(
    engine: Engine, *, candidate_id: int, group_id: int, verdict: Mapping[str, Any]
) -> bool:
    """Store the verdict unless one exists; True if this call stored it.

    Returns False for a redelivery (a verdict was already stored) and for a candidate that no
    longer exists (its run was deleted): neither is an error for the worker.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return bool(conn.execute(_RECORD, _params(candidate_id, group_id, verdict)).scalar())


class VerdictWriter:
    """``record_verdict`` over one held autocommit connection (a worker process's own).

    A connection that fails is dropped and the next call opens a new one, so a restarted
    PostgreSQL costs the failing call (the task retries it) and nothing after.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self.close()
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def record(self, *, candidate_id: int, group_id: int, verdict: Mapping[str, Any]) -> bool:
        """As :func:`record_verdict`: True if this call stored the verdict."""
        conn = self._connection()
        try:
            return bool(conn.execute(_RECORD, _params(candidate_id, group_id, verdict)).scalar())
        except DBAPIError:
            self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except DBAPIError:
                conn.invalidate()


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
