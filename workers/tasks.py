"""The verify task: message → guard + Lean (fimrl.verify) → verdict row (fimrl.db).

Thin glue. A message without a valid seal (``fimrl.seal``: forged or altered in Redis) or a
malformed one is logged and dropped (the relay rebuilds it from the database); a checker
fault is retried and then recorded as ``error``; a check that keeps taking its process down
is recorded as ``error``/``worker_lost``; a database outage is retried with backoff for as
long as it lasts, so no verdict is lost and the worker never dies on bad input.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import redis
from celery import Task
from sqlalchemy.exc import DBAPIError, OperationalError

from fimrl.config import get_settings
from fimrl.db.session import get_engine
from fimrl.db.verdict_store import VerdictWriter
from fimrl.seal import ForgedMessage, message_key, seal, unseal
from fimrl.services.registry import broker_url
from fimrl.verify.factory import make_checker
from fimrl.verify.latency import DelayedChecker
from fimrl.verify.repl_pool import PoolExhausted
from fimrl.verify.types import CheckRequest, Limits, Verdict
from workers.app import app
from workers.config import VERIFY_TASK
from workers.losses import LossLedger

log = logging.getLogger(__name__)
CHECK_RETRIES = 2


class MalformedMessage(ValueError):
    pass


@functools.cache
def checker() -> Any:
    """One checker per worker process (a REPL pool must not cross a fork)."""
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


def carried_state(message: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """(checker errors so far, verdict already computed) that a retry carries."""
    verdict_row = message.get("verdict_row")
    try:
        check_errors = int(message.get("check_errors") or 0)
    except (TypeError, ValueError) as exc:
        raise MalformedMessage(f"malformed verify message: check_errors {exc!r}") from exc
    if verdict_row is not None and not isinstance(verdict_row, dict):
        raise MalformedMessage("malformed verify message: verdict_row is not a mapping")
    return check_errors, verdict_row


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


def _worker_lost(losses: int) -> Verdict:
    return Verdict(
        status="error",
        reward=0.0,
        backend=get_settings().verifier_backend,
        rule="worker_lost",
        detail=(
            f"the check took its worker process down {losses} times (killed, out of memory "
            "or past the hard time limit): stored as an error, never sent again"
        ),
    )


@functools.cache
def key() -> bytes:
    return message_key(get_settings())


@functools.cache
def writer() -> VerdictWriter:
    """One held database connection per worker process for its verdicts."""
    return VerdictWriter(get_engine())


@functools.cache
def ledger() -> LossLedger:
    """One broker connection per worker process for the loss ledger."""
    settings = get_settings()
    return LossLedger(redis.Redis.from_url(broker_url(settings)), settings.queue_name)


def _db_backoff(retries: int) -> float:
    return min(30.0, 0.5 * 2 ** min(retries, 6))


def _checked_row(
    task: Task, message: dict[str, Any], candidate_id: int, request: CheckRequest, check_errors: int
) -> dict[str, Any]:
    """Run the check under the loss ledger; raises Celery's Retry for a retryable fault.

    On return the attempt is still open in the ledger: the caller clears it once the verdict
    is stored, or ends it when storing fails (one round trip either way).
    """
    host = task.request.hostname or "unknown"
    losses = ledger().begin(candidate_id)
    if losses >= get_settings().worker_max_losses:
        log.error("candidate %s took its worker down %d times: stored", candidate_id, losses)
        return _row(_worker_lost(losses), host, check_errors + losses + 1)
    try:
        verdict = checker().check(request)
    except PoolExhausted as exc:  # every REPL busy past the bounded wait: try again later
        ledger().end(candidate_id)  # this attempt ended here: its process did not die
        raise task.retry(exc=exc, countdown=min(30.0, 1.0 + task.request.retries)) from exc
    except BaseException:
        ledger().end(candidate_id)
        raise
    if verdict.status == "error" and check_errors < CHECK_RETRIES:
        ledger().end(candidate_id)
        log.warning("checker error on candidate %s (%s); retrying", candidate_id, verdict.detail)
        raise task.retry(
            countdown=1.0 + check_errors,
            kwargs={"message": seal(key(), {**message, "check_errors": check_errors + 1})},
        )
    return _row(verdict, host, check_errors + 1)


@app.task(
    name=VERIFY_TASK,
    bind=True,
    acks_late=True,
    # A lost worker's message goes back to the queue; the loss ledger bounds how often.
    reject_on_worker_lost=True,
    default_retry_delay=1,
    max_retries=None,  # each retry reason has its own bound (CHECK_RETRIES, the ledger)
)
def verify(self: Task, message: Any) -> str:
    """Check one candidate and store its verdict.

    Three budgets, kept apart: the message's ``check_errors`` counts checker faults (retried
    CHECK_RETRIES times, then stored as ``error``); the loss ledger counts checks that took
    their process down (``worker_max_losses``, then stored as ``error``/``worker_lost``); a
    database outage is retried with capped backoff for as long as it lasts, carrying the
    verdict already computed (``verdict_row``, sealed with the rest), so no check is repeated
    and neither budget is spent.
    """
    try:
        message = unseal(key(), message)
    except ForgedMessage as exc:
        log.error("verify message refused: %s; dropped", exc)
        return "forged"
    try:
        candidate_id, group_id, request = request_from(message)
        check_errors, verdict_row = carried_state(message)
    except MalformedMessage as exc:
        log.error("%s; dropped (the relay re-enqueues from the database)", exc)
        return "malformed"
    checked_here = verdict_row is None
    if verdict_row is None:
        verdict_row = _checked_row(self, message, candidate_id, request, check_errors)
    try:
        writer().record(candidate_id=candidate_id, group_id=group_id, verdict=verdict_row)
    except (OperationalError, DBAPIError) as exc:
        if checked_here:
            ledger().end(candidate_id)  # the check is over; the retry carries its verdict
        log.warning("database unavailable while recording candidate %s: %s", candidate_id, exc)
        raise self.retry(
            exc=exc,
            countdown=_db_backoff(self.request.retries),
            kwargs={"message": seal(key(), {**message, "verdict_row": verdict_row})},
        ) from exc
    except BaseException:
        if checked_here:
            ledger().end(candidate_id)  # an exception, not a lost process
        raise
    ledger().clear(candidate_id)
    return str(verdict_row["verdict"])
