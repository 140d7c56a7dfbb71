"""The verdict store on its own, against the real database, with workers racing each other.

A group must become ``scored`` exactly when its last verdict is stored, whichever worker
stores it and however the commits interleave: the interesting case is two workers storing
a group's last two verdicts at the same moment (each must see the other's row, or the group
stays ``pending``).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from fimrl.db.verdict_store import VerdictWriter, record_verdict

from .conftest import make_group, make_task

VERDICT = {
    "verdict": "pass",
    "reward": 1.0,
    "backend": "exact",
    "duration_s": 0.01,
    "worker_host": "test",
}


def _store_side(
    url: str,
    groups: list[tuple[int, list[int]]],
    side: int,
    together: Any,
    results: Any,
) -> None:
    """One worker process: for each group, meet the other worker, then store one verdict
    (side 0 as a worker does, over its held connection; side 1 with ``record_verdict``)."""
    from fimrl.db.session import engine_for

    engine = engine_for(url)
    writer = VerdictWriter(engine)
    try:
        for group_id, cands in groups:
            together.wait(30)
            if side == 0:
                got = writer.record(candidate_id=cands[side], group_id=group_id, verdict=VERDICT)
            else:
                got = record_verdict(
                    engine, candidate_id=cands[side], group_id=group_id, verdict=VERDICT
                )
            results.put(got)
    finally:
        writer.close()
        engine.dispose()


def test_racing_workers_score_every_group_once(clean_db: Engine, run_id: int) -> None:
    """Two worker processes store each group's two verdicts at the same moment (a barrier per
    group): without the group lock both would count one verdict and leave it pending."""
    groups = [make_group(clean_db, run_id, make_task(clean_db, i), ["a", "b"]) for i in range(40)]
    ctx = multiprocessing.get_context("spawn")
    together = ctx.Barrier(2)
    results = ctx.Queue()
    url = clean_db.url.render_as_string(hide_password=False)
    procs = [
        ctx.Process(target=_store_side, args=(url, groups, side, together, results))
        for side in (0, 1)
    ]
    for p in procs:
        p.start()
    stored = [results.get(timeout=120) for _ in range(2 * len(groups))]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]

    assert stored == [True] * (2 * len(groups))
    with clean_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT g.status, g.scored_at IS NOT NULL AS stamped, count(v.id) AS n "
                "FROM groups g LEFT JOIN verifications v ON v.group_id = g.id GROUP BY g.id"
            )
        ).all()
    assert len(rows) == len(groups)
    assert all(r.status == "scored" and r.stamped and r.n == 2 for r in rows)
    # A redelivery of any of them stores nothing and leaves the group as it is.
    for group_id, cands in groups:
        for cand in cands:
            assert not record_verdict(
                clean_db, candidate_id=cand, group_id=group_id, verdict=VERDICT
            )
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM verifications")).scalar() == 2 * len(groups)


def test_unknown_group_or_candidate_stores_nothing(clean_db: Engine, run_id: int) -> None:
    group_id, (c0, c1) = make_group(clean_db, run_id, make_task(clean_db), ["a", "b"])
    other_group, (d0,) = make_group(clean_db, run_id, make_task(clean_db, 1), ["c"])
    assert not record_verdict(clean_db, candidate_id=c0, group_id=10**9, verdict=VERDICT)
    assert not record_verdict(clean_db, candidate_id=d0, group_id=group_id, verdict=VERDICT)
    assert record_verdict(clean_db, candidate_id=c0, group_id=group_id, verdict=VERDICT)
    with clean_db.connect() as conn:
        status = conn.execute(text("SELECT status FROM groups WHERE id = :g"), {"g": group_id})
        assert status.scalar() == "pending"  # one of two verdicts
        assert conn.execute(text("SELECT count(*) FROM verifications")).scalar() == 1
    assert other_group != group_id and c1 != c0


def test_every_field_is_stored_as_given_and_defaults_fill_the_rest(
    clean_db: Engine, run_id: int
) -> None:
    group_id, (c0, c1) = make_group(clean_db, run_id, make_task(clean_db), ["a", "b"])
    full = {
        **VERDICT,
        "verdict": "fail",
        "reward": 0.0,
        "rule": "axiom",
        "messages": [{"severity": "error", "data": "unknown 'x' — ∀", "pos": {"line": 3}}],
        "detail": "uses sorryAx",
        "lean_version": "4.35.0",
        "attempts": 2,
        "cached": True,
    }
    assert record_verdict(clean_db, candidate_id=c0, group_id=group_id, verdict=full)
    assert record_verdict(clean_db, candidate_id=c1, group_id=group_id, verdict=VERDICT)
    with clean_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT candidate_id, verdict, reward, rule, messages, detail, duration_s, "
                "backend, lean_version, worker_host, attempts, cached FROM verifications "
                "ORDER BY candidate_id"
            )
        ).all()
        status = conn.execute(text("SELECT status FROM groups WHERE id = :g"), {"g": group_id})
        assert status.scalar() == "scored"
    stored = {k: getattr(rows[0], k) for k in full}
    assert stored == full
    assert rows[1].messages == [] and rows[1].attempts == 1 and rows[1].cached is False
    assert rows[1].rule is None and rows[1].lean_version is None


def test_writer_replaces_a_connection_the_database_dropped(clean_db: Engine, run_id: int) -> None:
    """A restarted or killed backend costs the call that meets it (the task retries it) and
    nothing after: the writer opens a new connection on its next call."""
    group_id, (c0, c1) = make_group(clean_db, run_id, make_task(clean_db), ["a", "b"])
    writer = VerdictWriter(clean_db)
    try:
        assert writer.record(candidate_id=c0, group_id=group_id, verdict=VERDICT)
        assert not writer.record(candidate_id=c0, group_id=group_id, verdict=VERDICT)
        held = writer._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        with clean_db.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": held}).scalar()
        with pytest.raises(DBAPIError):
            writer.record(candidate_id=c1, group_id=group_id, verdict=VERDICT)
        assert writer.record(candidate_id=c1, group_id=group_id, verdict=VERDICT)
        again = writer._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        assert again != held
    finally:
        writer.close()
    with clean_db.connect() as conn:
        status = conn.execute(text("SELECT status FROM groups WHERE id = :g"), {"g": group_id})
        assert status.scalar() == "scored"
        assert conn.execute(text("SELECT count(*) FROM verifications")).scalar() == 2
