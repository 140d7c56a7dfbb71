"""The registry of named queries (no database)."""

from __future__ import annotations

import pytest

from fimrl.db import queries


def test_names_and_views_are_unique_and_match() -> None:
    names = queries.names()
    assert len(names) == len(set(names)) == 9
    for q in queries.QUERIES:
        assert q.view == f"v_{q.name}"
        assert q.description.endswith(".")


@pytest.mark.parametrize(
    "alias",
    [
        "pass_rate_per_version",
        "pass-rate-per-version",
        "v_pass_rate_per_version",
        " PASS_RATE_PER_VERSION ",
    ],
)
def test_lookup_accepts_view_names_and_dashes(alias: str) -> None:
    assert queries.get(alias).name == "pass_rate_per_version"


def test_unknown_name_lists_the_known_ones() -> None:
    assert queries.lookup("nope") is None
    with pytest.raises(queries.UnknownQuery, match="pass_at_k_per_task"):
        queries.get("nope")


def test_sql_with_and_without_filters() -> None:
    q = queries.get("throughput_per_minute")
    assert q.sql() == ("SELECT * FROM v_throughput_per_minute ORDER BY run, minute DESC", {})
    sql, params = q.sql(run="demo", limit=5)
    assert sql == (
        "SELECT * FROM v_throughput_per_minute WHERE run = :run ORDER BY run, minute DESC "
        "LIMIT :limit"
    )
    assert params == {"run": "demo", "limit": 5}
    sql, _ = q.sql(run="demo", limit=5, paramstyle="pyformat")
    assert "run = %(run)s" in sql and "LIMIT %(limit)s" in sql
    assert q.sql(run=None, limit=0)[1] == {}
    with pytest.raises(ValueError, match="no filter"):
        q.sql(task=3)
