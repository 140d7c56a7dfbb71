"""The verify task: message → guard + Lean (fimrl.verify) → verdict row (fimrl.db).

Thin glue. A malformed message is logged and dropped (the relay rebuilds it from the
database); a checker fault is retried and then recorded as ``error``; a database outage is
retried with backoff, so no verdict is lost and the worker never dies on bad input.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError, OperationalError

from fimrl.config import get_settings
from fimrl.db.session import get_engine
from fimrl.db.verdict_store import record_verdict
from fimrl.verify.repl_pool import PoolExhausted
from fimrl.verify.types import CheckRequest, Limits, Verdict
from workers.app import app
from workers.config import VERIFY_TASK

log = logging.getLogger(__name__)
CHECK_RETRIES = 2
DB_RETRIES = 20


class MalformedMessage(ValueError):
    pass


@functools.cache
def checker() -> Any:
    """One checker per worker process (a REPL pool must not cross a fork)."""
    from fimrl.verify.factory import make_checker
    from fimrl.verify.latency import DelayedChecker

    settings = get_settings()
    inner = make_checker(settings)
    if settings.checker_latency_s > 0:
        return DelayedChecker(inner, settings.checker_latency_s)
    return inner


def request_from(message: Any) -> tuple[int, int, CheckRequest]:
    """(candidate id, group id, request) from a verify message, or MalformedMessage."""
    try:
        req = CheckRequest(
            header=str(message["header"]),
            prefix=str(message["prefix"]),
            middle=str(message["middle"]),
            suffix=str(message["suffix"]),
            target=message.get("decl_name"),
            reference_middle=message.get("reference"),
            limits=Limits.from_settings(get_settings()),
        )
        return int(message["candidate_id"]), int(message["group_id"]), req
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedMessage(f"malformed verify message: {exc!r}") from exc


def _row(verdict: Verdict, host: str, attempts: int) -> dict[str, Any]:
    return {
        "verdict": verdict.status,
        "reward": verdict.reward,
        "rule": verdict.rule,
        "messages": [dict(m) for m in verdict.messages],
        "detail": verdict.detail[:4000] or None,
        "duration_s": verdict.duration_s,
        "backend": verdict.backend,
        "lean_version": verdict.lean_version,
        "worker_host": host,
        "attempts": attempts,
        "cached": verdict.cached,
    }


@app.task(
    name=VERIFY_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A check that kills its worker is retried a bounded number of times, not forever.
    retry_on_worker_lost=True,
    default_retry_delay=1,  # a lost worker's check goes back to the queue at once
    max_retries=DB_RETRIES,
)
def verify(self: Task, message: dict[str, Any]) -> str:
    try:
        candidate_id, group_id, request = request_from(message)
    except MalformedMessage as exc:
        log.error("%s; dropped (the relay re-enqueues from the database)", exc)
        return "malformed"
    try:
        verdict = checker().check(request)
    except PoolExhausted as exc:  # every REPL busy past the bounded wait: try again later
        raise self.retry(exc=exc, countdown=min(30.0, 1.0 + self.request.retries)) from exc
    attempts = self.request.retries + 1
    if verdict.status == "error" and self.request.retries < CHECK_RETRIES:
        log.warning("checker error on candidate %s (%s); retrying", candidate_id, verdict.detail)
        raise self.retry(countdown=1.0 + self.request.retries)
    host = self.request.hostname or "unknown"
    try:
        record_verdict(
            get_engine(),
            candidate_id=candidate_id,
            group_id=group_id,
            verdict=_row(verdict, host, attempts),
        )
    except (OperationalError, DBAPIError) as exc:
        log.warning("database unavailable while recording candidate %s: %s", candidate_id, exc)
        raise self.retry(exc=exc, countdown=min(30.0, 0.5 * 2**self.request.retries)) from exc
    return verdict.status
