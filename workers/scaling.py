"""Resize running workers' pools through Celery's own remote control.

``pool_grow`` / ``pool_shrink`` change a prefork pool in place (no restart, no lost
message); an autoscaled worker gets new bounds through ``autoscale`` instead, since its
autoscaler would undo a manual resize. Only nodes named here are touched: the CLI passes the
workers detached from its own state dir.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from celery import Celery

from fimrl.config import Settings
from workers.config import celery_config

__all__ = ["Resize", "scale_nodes"]

REPLY_TIMEOUT_S = 5.0
SETTLE_S = 30.0


@dataclass(frozen=True)
class Resize:
    node: str
    before: int
    after: int
    autoscaled: bool


def _app(settings: Settings) -> Celery:
    app = Celery("fimrl-control")
    app.config_from_object(celery_config(settings))
    return app


def _pool_size(app: Celery, node: str) -> tuple[int, bool] | None:
    stats = app.control.inspect(destination=[node], timeout=REPLY_TIMEOUT_S).stats() or {}
    found = stats.get(node)
    if not found:
        return None
    pool = found.get("pool", {})
    return len(pool.get("processes", [])), bool(found.get("autoscaler"))


def _settled(app: Celery, node: str, size: int, before: int) -> int:
    """The pool size once the node reports ``size`` (a grown process takes a moment to
    start), or what it reports when ``SETTLE_S`` have passed."""
    deadline = time.monotonic() + SETTLE_S
    now = before
    while time.monotonic() < deadline:
        current = _pool_size(app, node)
        now = current[0] if current else now
        if now == size:
            break
        time.sleep(0.3)
    return now


def scale_nodes(settings: Settings, nodes: Sequence[str], size: int) -> list[Resize]:
    """Set each node's pool to ``size`` processes; nodes that do not answer are skipped."""
    if size < 1:
        raise ValueError("a worker needs at least one process")
    app = _app(settings)
    done = []
    try:
        for node in nodes:
            current = _pool_size(app, node)
            if current is None:
                continue
            before, autoscaled = current
            if autoscaled:
                app.control.autoscale(size, min(before, size), destination=[node], reply=True)
            elif size > before:
                app.control.pool_grow(size - before, destination=[node], reply=True)
            elif size < before:
                app.control.pool_shrink(before - size, destination=[node], reply=True)
            # An autoscaler moves within its new bounds by load: nothing to wait for.
            after = before if autoscaled else _settled(app, node, size, before)
            done.append(Resize(node, before, after, autoscaled))
    finally:
        app.close()
    return done
