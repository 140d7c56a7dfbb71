"""Reading evaluation runs back from PostgreSQL.

An evaluation is stored in the tables training already has, so no migration is needed and every
SQL tool that reads training data reads evaluations too:

- a ``runs`` row with ``kind = 'eval'`` whose ``config`` JSON says what was evaluated
  (``source_run``, ``split``, ``n``, ``ks``, the versions with their learner steps and
  checkpoints, the task filter, the sampling) and, once finished, the summary (``results``);
- one ``groups`` row per (task, policy version) with ``purpose = 'eval'`` and
  ``policy_version`` = the evaluated version of the source run (0 = the base model);
- its ``candidates`` and the workers' ``verifications``, exactly as for training.

Verdicts are never copied: pass@k is recomputed from ``verifications`` on every read, so a late
verdict (a relayed message) is counted as soon as it lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text

from fimrl.errors import FimrlError
from fimrl.eval.passk import TaskOutcome

__all__ = [
    "EVAL_KIND",
    "NL_EVAL_KIND",
    "EvalProgress",
    "RunInfo",
    "VersionInfo",
    "backends_of",
    "eval_progress",
    "eval_runs",
    "find_run",
    "get_run",
    "latest_outcomes",
    "outcomes_by_version",
    "policy_versions",
]

#: ``runs.kind`` of a Lean evaluation (``fimrl eval run``).
EVAL_KIND = "eval"
#: ``runs.kind`` of a natural-language evaluation (``fimrl eval nl``).
NL_EVAL_KIND = "eval_nl"


class UnknownRunError(FimrlError):
    """A run named on the command line does not exist."""


@dataclass(frozen=True)
class RunInfo:
    """A ``runs`` row."""

    id: int
    name: str
    kind: str
    status: str
    config: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None

    @property
    def source_run(self) -> str | None:
        """The training run an evaluation evaluated (None: a bare model)."""
        value = self.config.get("source_run")
        return str(value) if value is not None else None


@dataclass(frozen=True)
class VersionInfo:
    """A published policy of a run: version 0 is the base model."""

    version: int
    learner_step: int
    model: str
    checkpoint_path: str | None


@dataclass(frozen=True)
class EvalProgress:
    """How far an evaluation's verification has got."""

    groups: int
    pending: int
    candidates: int
    verified: int

    @property
    def done(self) -> bool:
        return self.groups > 0 and self.pending == 0


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


_RUN_COLUMNS = "id, name, kind, status, config, started_at, finished_at"


def _run(row: Any) -> RunInfo:
    return RunInfo(
        int(row.id),
        row.name,
        row.kind,
        row.status,
        dict(row.config or {}),
        row.started_at,
        row.finished_at,
    )


def find_run(engine: Engine, name_or_id: str) -> RunInfo:
    """The run called ``name_or_id`` (or with that id); UnknownRunError names the choices."""
    rows = _rows(engine, f"SELECT {_RUN_COLUMNS} FROM runs WHERE name = :n", n=name_or_id)
    if not rows and name_or_id.isdigit():
        rows = _rows(engine, f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = :i", i=int(name_or_id))
    if rows:
        return _run(rows[0])
    names = [r.name for r in _rows(engine, "SELECT name FROM runs ORDER BY id DESC LIMIT 10")]
    hint = f"; recent runs: {', '.join(names)}" if names else "; there are no runs yet"
    raise UnknownRunError(f"no run called {name_or_id!r}{hint}")


def get_run(engine: Engine, run_id: int) -> RunInfo:
    """The run with id ``run_id`` (it must exist)."""
    rows = _rows(engine, f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = :i", i=run_id)
    if not rows:
        raise UnknownRunError(f"no run with id {run_id}")
    return _run(rows[0])


def eval_runs(
    engine: Engine, *, source_run: str | None = None, kind: str = EVAL_KIND
) -> list[RunInfo]:
    """Evaluation runs (of ``source_run`` when given), oldest first."""
    sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE kind = :k"
    params: dict[str, Any] = {"k": kind}
    if source_run is not None:
        sql += " AND config->>'source_run' = :s"
        params["s"] = source_run
    return [_run(r) for r in _rows(engine, sql + " ORDER BY id", **params)]


def policy_versions(engine: Engine, run_id: int) -> list[VersionInfo]:
    """The published versions of a run, oldest first."""
    return [
        VersionInfo(int(r.version), int(r.learner_step or 0), r.model, r.checkpoint_path)
        for r in _rows(
            engine,
            "SELECT version, learner_step, model, checkpoint_path FROM policy_versions "
            "WHERE run_id = :r ORDER BY version",
            r=run_id,
        )
    ]


_OUTCOMES = """
SELECT g.policy_version AS version, g.task_id, t.span_kind, t.source,
       count(v.id) AS n, count(v.id) FILTER (WHERE v.verdict = 'pass') AS c
FROM groups g
JOIN fim_tasks t ON t.id = g.task_id
JOIN candidates c ON c.group_id = g.id
LEFT JOIN verifications v ON v.candidate_id = c.id
WHERE g.run_id = :r AND g.purpose = 'eval' {version_filter}
GROUP BY g.policy_version, g.task_id, t.span_kind, t.source
ORDER BY g.policy_version, g.task_id
"""


def outcomes_by_version(
    engine: Engine, eval_run_id: int, versions: Sequence[int] | None = None
) -> dict[int, list[TaskOutcome]]:
    """Per version, each task's verified sample count ``n`` and pass count ``c``.

    Only verified candidates count: a candidate still waiting for its verdict is neither a
    pass nor a failure yet.
    """
    params: dict[str, Any] = {"r": eval_run_id}
    flt = ""
    if versions is not None:
        flt = "AND g.policy_version = ANY(:v)"
        params["v"] = list(versions)
    out: dict[int, list[TaskOutcome]] = {}
    for row in _rows(engine, _OUTCOMES.format(version_filter=flt), **params):
        if int(row.n) == 0:
            continue
        out.setdefault(int(row.version), []).append(
            TaskOutcome(int(row.task_id), row.span_kind, int(row.n), int(row.c), row.source)
        )
    return out


def latest_outcomes(
    engine: Engine, source_run: str | None, version: int, *, split: str | None = None
) -> tuple[RunInfo, list[TaskOutcome]] | None:
    """The newest evaluation of ``version`` of ``source_run`` (on ``split`` when given).

    The newest, not a pool of all: evaluations may differ in sampling or task filter, and
    mixing them would average different experiments.
    """
    for run in reversed(eval_runs(engine)):
        if run.source_run != source_run:
            continue
        if split is not None and run.config.get("split") != split:
            continue
        found = outcomes_by_version(engine, run.id, [version]).get(version)
        if found:
            return run, found
    return None


def eval_progress(engine: Engine, eval_run_id: int) -> EvalProgress:
    """Groups written / still pending and candidates written / verified, of one evaluation."""
    row = _rows(
        engine,
        """
        SELECT (SELECT count(*) FROM groups WHERE run_id = :r AND purpose = 'eval') AS groups,
               (SELECT count(*) FROM groups WHERE run_id = :r AND purpose = 'eval'
                  AND status = 'pending') AS pending,
               (SELECT count(*) FROM candidates c JOIN groups g ON g.id = c.group_id
                  WHERE g.run_id = :r AND g.purpose = 'eval') AS candidates,
               (SELECT count(*) FROM verifications v JOIN groups g ON g.id = v.group_id
                  WHERE g.run_id = :r AND g.purpose = 'eval') AS verified
        """,
        r=eval_run_id,
    )[0]
    return EvalProgress(int(row.groups), int(row.pending), int(row.candidates), int(row.verified))


def backends_of(engine: Engine, run_ids: Sequence[int]) -> list[tuple[str, str | None, int]]:
    """(checker backend, Lean version, verdicts) of the given runs' verifications.

    Reports print this so an ``exact``-match figure is never read as a Lean one.
    """
    return [
        (r.backend, r.lean_version, int(r.n))
        for r in _rows(
            engine,
            "SELECT v.backend, v.lean_version, count(*) AS n FROM verifications v "
            "JOIN groups g ON g.id = v.group_id WHERE g.run_id = ANY(:r) "
            "GROUP BY 1, 2 ORDER BY 3 DESC",
            r=list(run_ids),
        )
    ]
