"""Each named query returns the numbers of a planted experiment (real PostgreSQL, views of
migration 0002, queried through the same registry as `fimrl sql`)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from fimrl.db import queries
from tests.sql.scenario import MIN, T0, UNKNOWN_ID, PlantedGroup, per_task, plant, verdicts_of


def pass_at_k(n: int, c: int, k: int) -> float | None:
    """Chen et al.'s unbiased estimator, exactly (rational arithmetic)."""
    if n < k:
        return None
    if n - c < k:
        return 1.0
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


@pytest.fixture
def planted(clean_db: Engine) -> list[PlantedGroup]:
    return plant(clean_db)


def rows(engine: Engine, name: str, **filters: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        columns, data = queries.fetch(conn, name, **filters)
    return [dict(zip(columns, row, strict=True)) for row in data]


def test_every_named_query_has_its_view_and_runs(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    for q in queries.QUERIES:
        if "run" not in q.filters:
            continue  # the experiment views: tests/experiment plants experiments
        assert rows(clean_db, q.name), q.name
        assert rows(clean_db, q.name, run="alpha")
        assert all(r["run"] == "beta" for r in rows(clean_db, q.name, run="beta"))
        assert rows(clean_db, q.name, run="no-such-run") == []
        assert len(rows(clean_db, q.name, limit=1)) == 1


def test_pass_rate_per_version(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = {
        (r["run"], r["policy_version"], r["purpose"]): r
        for r in rows(clean_db, "pass_rate_per_version")
    }
    # By hand, for the first group: 8 verdicts, 2 passes, rewards 1 + 1 + 0.5 (shaped fail).
    first = got["alpha", 0, "train"]
    assert (first["groups"], first["candidates"], first["verified"], first["passes"]) == (
        1,
        8,
        8,
        2,
    )
    assert first["pass_rate"] == pytest.approx(0.25)
    assert first["mean_reward"] == pytest.approx(2.5 / 8)
    # Version 1: 16 candidates sampled, 14 verified (two pending), 6 passes.
    v1 = got["alpha", 1, "train"]
    assert (v1["groups"], v1["candidates"], v1["verified"], v1["passes"]) == (2, 16, 14, 6)
    assert v1["pass_rate"] == pytest.approx(6 / 14)
    assert got["alpha", 0, "eval"]["pass_rate"] == 0.0

    # Every row against a plain-Python aggregation of the planted data.
    expect: dict[tuple[str, int, str], dict[str, float]] = defaultdict(
        lambda: {"groups": 0, "candidates": 0, "verified": 0, "passes": 0, "reward": 0.0}
    )
    for g in planted:
        e = expect[g.run, g.version, g.purpose]
        e["groups"] += 1
        e["candidates"] += len(g.verdicts)
        for v in g.verdicts:
            if v is not None:
                e["verified"] += 1
                e["passes"] += v.verdict == "pass"
                e["reward"] += v.reward if v.reward is not None else float(v.verdict == "pass")
    assert set(got) == set(expect)
    for key, e in expect.items():
        r = got[key]
        assert (r["groups"], r["candidates"], r["verified"], r["passes"]) == (
            e["groups"],
            e["candidates"],
            e["verified"],
            e["passes"],
        ), key
        assert r["pass_rate"] == pytest.approx(e["passes"] / e["verified"])
        assert r["mean_reward"] == pytest.approx(e["reward"] / e["verified"])
    assert [r["policy_version"] for r in rows(clean_db, "pass_rate_per_version", run="beta")] == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_pass_at_k_per_task(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = {
        (r["run"], r["decl_name"].removeprefix("planted_")): r
        for r in rows(clean_db, "pass_at_k_per_task")
    }
    expect = per_task(planted)
    assert set(got) == set(expect)
    for key, (n, c) in expect.items():
        r = got[key]
        assert (r["n"], r["c"]) == (n, c), key
        for k in queries.PASS_AT_K:
            want = pass_at_k(n, c, k)
            if want is None:
                assert r[f"pass_at_{k}"] is None, (key, k)
            else:
                assert r[f"pass_at_{k}"] == pytest.approx(want, rel=1e-12, abs=1e-15), (key, k)
    # The cases the planted data was built for, by hand:
    assert got["alpha", "t1"]["pass_at_1"] == pytest.approx(7 / 16)
    assert got["alpha", "t1"]["pass_at_8"] == pytest.approx(1 - 9 / 12870)  # C(9,8)/C(16,8)
    assert got["alpha", "t3"]["pass_at_8"] is None  # n = 6 < 8
    assert got["beta", "t4"]["pass_at_32"] == pytest.approx(
        1 - math.comb(37, 32) / math.comb(40, 32)
    )
    assert got["beta", "t6"]["pass_at_32"] == 1.0  # n - c = 27 < 32
    assert got["beta", "t5"]["pass_at_32"] == 0.0


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (1, 0, 1),
        (1, 1, 1),
        (10, 3, 1),
        (16, 7, 8),
        (40, 3, 32),
        (32, 5, 32),
        (8, 0, 8),
        (200, 150, 8),
        (1000, 1, 32),
        (5000, 2, 32),
        (100000, 7, 32),
        (31, 4, 32),
    ],
)
def test_pass_at_k_function_matches_python(clean_db, n: int, c: int, k: int) -> None:  # type: ignore[no-untyped-def]
    """``pass_at_k(n, c, k)`` (the SQL function of migration 0002) vs exact arithmetic."""
    from sqlalchemy import text

    with clean_db.connect() as conn:
        got = conn.execute(text("SELECT pass_at_k(:n, :c, :k)"), {"n": n, "c": c, "k": k}).scalar()
    want = pass_at_k(n, c, k)
    if want is None:
        assert got is None
    else:
        assert got == pytest.approx(want, rel=1e-10, abs=1e-15)


def test_pass_at_k_function_refuses_nonsense(clean_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="pass_at_k needs"), clean_db.connect() as conn:
        conn.execute(text("SELECT pass_at_k(3, 5, 1)"))


def test_tasks_never_solved(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = {
        (r["run"], r["decl_name"].removeprefix("planted_")): r
        for r in rows(clean_db, "tasks_never_solved")
    }
    expect = {key for key, (_, c) in per_task(planted).items() if c == 0}
    assert set(got) == expect == {("alpha", "t2"), ("beta", "t2"), ("beta", "t5")}
    assert (
        got["beta", "t5"]["attempts"],
        got["beta", "t5"]["fails"],
        got["beta", "t5"]["rejected"],
    ) == (40, 39, 1)
    assert (got["beta", "t2"]["attempts"], got["beta", "t2"]["rejected"]) == (8, 1)
    assert got["alpha", "t2"]["last_verified_at"] == T0 + MIN + dt.timedelta(seconds=30)
    # Most attempted first within a run.
    assert [r["decl_name"] for r in rows(clean_db, "tasks_never_solved", run="beta")] == [
        "planted_t5",
        "planted_t2",
    ]


def test_lean_error_kinds(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = {(r["run"], r["kind"], r["head"]): r for r in rows(clean_db, "lean_error_kinds")}
    assert {k: r["errors"] for k, r in got.items()} == {
        ("alpha", "anonymous", "unsolved goals"): 5,
        ("alpha", "anonymous", "linarith failed to find a contradiction"): 3,
        ("alpha", "anonymous", "unknown identifier"): 3,
        ("alpha", UNKNOWN_ID, None): 2,
        ("alpha", "anonymous", "type mismatch"): 1,
        ("alpha", "runtime.maxHeartbeats", None): 1,
    }
    # Warnings and information messages are not errors; beta (exact backend) has no messages.
    assert not any(kind == "linter.unusedVariables" for _, kind, _ in got)
    # The example is one of the group's messages (the least in byte order).
    assert (
        got["alpha", "anonymous", "unsolved goals"]["example"] == "unsolved goals\ncase a\n⊢ 1 = 2"
    )
    assert got["alpha", UNKNOWN_ID, None]["example"] == "Unknown identifier `bar`"
    # Most common first.
    ordered = [r["errors"] for r in rows(clean_db, "lean_error_kinds", run="alpha")]
    assert ordered == sorted(ordered, reverse=True)
    # Counted from the planted messages in Python too.
    counted: Counter[tuple[str, str]] = Counter()
    for g, v in verdicts_of(planted):
        for m in v.messages:
            if m["severity"] == "error":
                counted[g.run, m["kind"] or "anonymous"] += 1
    by_kind: Counter[tuple[str, str]] = Counter()
    for (run, kind, _), r in got.items():
        by_kind[run, kind] += r["errors"]
    assert by_kind == counted


def test_verification_latency(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    durations: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for g, v in verdicts_of(planted):
        durations[g.run, v.backend, v.host].append(v.duration_s)
    got = {
        (r["run"], r["backend"], r["worker_host"]): r
        for r in rows(clean_db, "verification_latency")
    }
    assert set(got) == set(durations)
    for key, ds in durations.items():
        r = got[key]
        p50, p95, p99 = np.percentile(ds, [50, 95, 99])  # linear = percentile_cont
        assert r["verdicts"] == len(ds)
        assert r["p50_s"] == pytest.approx(p50, rel=1e-12)
        assert r["p95_s"] == pytest.approx(p95, rel=1e-12)
        assert r["p99_s"] == pytest.approx(p99, rel=1e-12)
        assert r["p50_s"] == pytest.approx(statistics.median(ds), rel=1e-12)
        assert r["mean_s"] == pytest.approx(statistics.fmean(ds), rel=1e-12)
        assert r["max_s"] == max(ds)
    assert got["beta", "exact", "trainer-0"]["verdicts"] == 120


def test_rejections_per_rule(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = {(r["run"], r["rule"]): r for r in rows(clean_db, "rejections_per_rule")}
    assert {k: r["rejections"] for k, r in got.items()} == {
        ("alpha", "sorry"): 2,
        ("alpha", "native_decide"): 1,
        ("beta", "axiom"): 1,
        ("beta", "(no rule)"): 1,
    }
    assert got["alpha", "sorry"]["share"] == pytest.approx(2 / 3)
    assert got["alpha", "native_decide"]["share"] == pytest.approx(1 / 3)
    assert got["beta", "axiom"]["share"] == pytest.approx(0.5)
    assert got["alpha", "sorry"]["example_detail"] == "`sorry` after by"
    assert [r["rule"] for r in rows(clean_db, "rejections_per_rule", run="alpha")] == [
        "sorry",
        "native_decide",
    ]


def test_throughput_per_minute(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    got = rows(clean_db, "throughput_per_minute", run="alpha")
    # Newest minute first; verdicts land 30 s after their group was created.
    assert [
        (
            r["minute"],
            r["verdicts"],
            r["passes"],
            r["fails"],
            r["rejected"],
            r["timeouts"],
            r["errors"],
        )
        for r in got
    ] == [
        (T0 + 5 * MIN, 6, 1, 3, 2, 0, 0),
        (T0 + MIN, 12, 5, 7, 0, 0, 0),
        (T0, 8, 2, 3, 1, 1, 1),
    ]
    minute = {r["minute"]: r for r in got}
    g1 = [v for g in planted[:1] for v in g.verdicts if v is not None]
    assert minute[T0]["mean_duration_s"] == pytest.approx(
        statistics.fmean(v.duration_s for v in g1)
    )
    beta = rows(clean_db, "throughput_per_minute", run="beta")
    assert [(r["minute"], r["verdicts"]) for r in beta] == [(T0 + 10 * MIN, 120)]
    # The same minutes in any session time zone with a whole-minute offset.
    from sqlalchemy import text

    with clean_db.connect() as conn:
        conn.execute(text("SET TIME ZONE 'Asia/Kolkata'"))  # +05:30
        shifted = conn.execute(
            text(
                "SELECT minute, verdicts FROM v_throughput_per_minute "
                "WHERE run = 'alpha' ORDER BY minute"
            )
        ).all()
    assert [(m.astimezone(dt.UTC), n) for m, n in shifted] == [
        (T0, 8),
        (T0 + MIN, 12),
        (T0 + 5 * MIN, 6),
    ]


def test_lean_error_kinds_survives_malformed_messages(planted, clean_db) -> None:  # type: ignore[no-untyped-def]
    """A row whose messages are not an array (hand-written, or an old writer) is skipped,
    not an error for the whole view."""
    from sqlalchemy import text

    from tests.sql.plant import V, add_group

    with clean_db.begin() as conn:
        run_id, task_id = conn.execute(
            text("SELECT r.id, t.id FROM runs r, fim_tasks t WHERE r.name = 'alpha' LIMIT 1")
        ).one()
        group = add_group(conn, run_id, task_id, 7, [V("fail"), V("fail"), V("fail")])
        conn.execute(
            text(
                "UPDATE verifications SET messages = CASE id % 3 "
                'WHEN 0 THEN \'{"severity": "error", "kind": "odd", "data": "x"}\'::jsonb '
                "WHEN 1 THEN '\"just a string\"'::jsonb ELSE 'null'::jsonb END "
                "WHERE group_id = :g"
            ),
            {"g": group},
        )
    got = {
        (r["kind"], r["head"]): r["errors"] for r in rows(clean_db, "lean_error_kinds", run="alpha")
    }
    assert got[("anonymous", "unsolved goals")] == 5
    assert not any(kind == "odd" for kind, _ in got)
