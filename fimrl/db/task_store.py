"""Storing FIM tasks: duplicates (same content hash) are stored once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert

from fimrl.db.models import FimTask

TASK_FIELDS = (
    "source",
    "decl_name",
    "decl_kind",
    "header",
    "prefix",
    "middle",
    "suffix",
    "span_kind",
    "split",
    "hole_line",
    "hole_col",
    "content_hash",
)


def insert_tasks(engine: Engine, rows: Iterable[Mapping[str, Any]], batch: int = 500) -> int:
    """Insert tasks, skipping content hashes already stored; returns how many were new.

    Batches commit one by one, so an interrupted build keeps what it stored.
    """
    added = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> int:
        if not chunk:
            return 0
        stmt = (
            insert(FimTask)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(FimTask.id)
        )
        with engine.begin() as conn:
            n = len(conn.execute(stmt).fetchall())
        chunk.clear()
        return n

    seen: set[str] = set()
    for row in rows:
        values = {k: row[k] for k in TASK_FIELDS if k in row}
        if values["content_hash"] in seen:  # duplicates inside one batch break ON CONFLICT
            continue
        seen.add(values["content_hash"])
        chunk.append(values)
        if len(chunk) >= batch:
            added += flush()
    added += flush()
    return added


def task_counts(engine: Engine) -> list[tuple[str, str, int]]:
    """(split, span_kind, count) over all stored tasks."""
    stmt = (
        select(FimTask.split, FimTask.span_kind, func.count())
        .group_by(FimTask.split, FimTask.span_kind)
        .order_by(FimTask.split, FimTask.span_kind)
    )
    with engine.connect() as conn:
        return [(a, b, int(c)) for a, b, c in conn.execute(stmt)]
