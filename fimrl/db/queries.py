"""The named analysis queries: one registry for `fimrl sql`, the tests and the benchmark.

Each named query reads one view created by migration 0002 (so psql or a notebook sees the
same thing as ``SELECT * FROM v_...``); the registry adds the description, the default order
and the filters the CLI offers. Every view has a ``run`` column (the run's name).

>>> q = get("pass_rate_per_version")
>>> sql, params = q.sql(run="demo", limit=10)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from fimrl.errors import FimrlError

#: k values of the pass@k columns of ``v_pass_at_k_per_task`` (fixed by migration 0002).
PASS_AT_K = (1, 8, 32)


class UnknownQuery(FimrlError):
    """No named query has this name."""


@dataclass(frozen=True)
class NamedQuery:
    """A named query: ``SELECT * FROM <view> [WHERE filters] ORDER BY ... [LIMIT n]``."""

    name: str
    """What `fimrl sql NAME` takes (the view's name without ``v_``)."""
    view: str
    """The view created by migration 0002."""
    description: str
    """One line for `fimrl sql list` and the README."""
    order_by: str
    """Default order of the rows (SQL, columns of the view)."""
    filters: Mapping[str, str] = field(default_factory=lambda: {"run": "run"})
    """Filter option name -> view column compared with ``=``."""

    def sql(
        self, *, limit: int | None = None, paramstyle: str = "named", **filters: Any
    ) -> tuple[str, dict[str, Any]]:
        """SQL text and its parameters: ``:name`` placeholders (SQLAlchemy ``text()``), or
        ``%(name)s`` with ``paramstyle="pyformat"`` (psycopg).

        Filters whose value is None are left out; an unknown filter is a ``ValueError``.
        ``limit`` None or 0 returns every row.
        """
        if paramstyle not in ("named", "pyformat"):
            raise ValueError(f"paramstyle must be 'named' or 'pyformat', not {paramstyle!r}")

        def ph(key: str) -> str:
            return f":{key}" if paramstyle == "named" else f"%({key})s"

        where: list[str] = []
        params: dict[str, Any] = {}
        for key, value in filters.items():
            if key not in self.filters:
                raise ValueError(f"query {self.name!r} has no filter {key!r}")
            if value is None:
                continue
            where.append(f"{self.filters[key]} = {ph(key)}")
            params[key] = value
        sql = f"SELECT * FROM {self.view}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {self.order_by}"
        if limit:
            if limit < 0:
                raise ValueError("limit must be >= 0")
            sql += f" LIMIT {ph('limit')}"
            params["limit"] = int(limit)
        return sql, params


QUERIES: tuple[NamedQuery, ...] = (
    NamedQuery(
        "pass_rate_per_version",
        "v_pass_rate_per_version",
        "Pass rate and mean reward per run, policy version and purpose (train/eval): groups, "
        "candidates (group sizes), verified, passes.",
        "run, policy_version, purpose",
    ),
    NamedQuery(
        "pass_at_k_per_task",
        "v_pass_at_k_per_task",
        "Per run and task: n verified samples, c passes, unbiased pass@1/@8/@32 "
        "(Chen et al.; NULL where n < k).",
        "run, task_id",
    ),
    NamedQuery(
        "tasks_never_solved",
        "v_tasks_never_solved",
        "Tasks attempted in a run with no pass, most attempted first, with verdict counts.",
        "run, attempts DESC, task_id",
    ),
    NamedQuery(
        "lean_error_kinds",
        "v_lean_error_kinds",
        "Most common Lean error kinds (error messages by kind; kindless ones by their first "
        "line) with an example.",
        "run, errors DESC, kind, head",
    ),
    NamedQuery(
        "verification_latency",
        "v_verification_latency",
        "Verification time p50/p95/p99, mean and max (s) per run, backend and worker host.",
        "run, backend, worker_host",
    ),
    NamedQuery(
        "rejections_per_rule",
        "v_rejections_per_rule",
        "Rejected candidates per guard/axiom rule, share of the run's rejections, an example.",
        "run, rejections DESC, rule",
    ),
    NamedQuery(
        "throughput_per_minute",
        "v_throughput_per_minute",
        "Verdicts stored per minute per run, split by verdict, newest minute first.",
        "run, minute DESC",
    ),
    NamedQuery(
        "experiment_arms",
        "v_experiment_arms",
        "Per experiment arm: status, budget (unit, target), tokens/steps/seconds spent, its "
        "runs, final held-out FIM and whole-proof pass@1.",
        "experiment, position",
        filters={"experiment": "experiment"},
    ),
    NamedQuery(
        "experiment_points",
        "v_experiment_points",
        "Learning-curve points of experiment arms: budget fraction, tokens/steps/seconds "
        "spent, held-out FIM and whole-proof pass@1.",
        "experiment, arm, point",
        filters={"experiment": "experiment"},
    ),
)

_BY_NAME = {q.name: q for q in QUERIES}


def names() -> list[str]:
    return [q.name for q in QUERIES]


def lookup(name: str) -> NamedQuery | None:
    """The query called ``name``; also accepts the view name (``v_...``) and dashes."""
    key = name.strip().lower().replace("-", "_")
    return _BY_NAME.get(key.removeprefix("v_"))


def get(name: str) -> NamedQuery:
    query = lookup(name)
    if query is None:
        raise UnknownQuery(
            f"no named query {name!r}; `fimrl sql list` shows them: {', '.join(names())}"
        )
    return query


def fetch(
    conn: Connection, name: str, *, limit: int | None = None, **filters: Any
) -> tuple[list[str], list[Sequence[Any]]]:
    """Run a named query on ``conn``: (column names, rows)."""
    sql, params = get(name).sql(limit=limit, **filters)
    result = conn.execute(text(sql), params)
    return list(result.keys()), [tuple(row) for row in result]


__all__ = [
    "PASS_AT_K",
    "QUERIES",
    "NamedQuery",
    "UnknownQuery",
    "fetch",
    "get",
    "lookup",
    "names",
]
