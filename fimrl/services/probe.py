"""Is a server answering right now? Status is measured, never remembered.

A pid file says a process was started, a configured URL says where a server should be:
neither says it answers. ``fimrl services status`` and ``fimrl workers status`` ask the
server itself, with a short timeout, and report why not when it does not.
"""

from __future__ import annotations

__all__ = [
    "broker_problem",
    "broker_unreachable",
    "database_problem",
    "database_unreachable",
    "require_broker",
]

TIMEOUT_S = 3

_FIX = {
    "database": ("PostgreSQL", "FIMRL_DATABASE_URL"),
    "broker": ("the broker (Redis)", "FIMRL_BROKER_URL"),
}


def _unreachable(service: str, masked_url: str | None, problem: str, consequence: str) -> str:
    name, variable = _FIX[service]
    where = f" at {masked_url}" if masked_url else ""
    then = f"; {consequence}" if consequence else ""
    problem = problem.rstrip(". ")  # server messages end with a full stop, or not
    return (
        f"cannot reach {name}{where}: {problem}{then}. "
        f"Start it with `fimrl services start` or fix {variable}."
    )


def database_unreachable(masked_url: str | None, problem: str, consequence: str = "") -> str:
    """The one line every command prints for a database that does not answer: what, where,
    why, and the fix, worded the same wherever the failure is met."""
    return _unreachable("database", masked_url, problem, consequence)


def broker_unreachable(masked_url: str | None, problem: str, consequence: str = "") -> str:
    """The broker's twin of :func:`database_unreachable`."""
    return _unreachable("broker", masked_url, problem, consequence)


def require_broker(url: str, consequence: str = "") -> None:
    """Raise the one-line error before any work when the broker does not answer: a model
    loaded or a run row written first would be wasted or left behind."""
    from fimrl.config import mask_url
    from fimrl.errors import FimrlError

    problem = broker_problem(url)
    if problem is not None:
        raise FimrlError(broker_unreachable(mask_url(url), problem, consequence))


def database_problem(url: str) -> str | None:
    """``None`` when PostgreSQL at ``url`` runs ``SELECT 1``; else why not, in one line."""
    import psycopg

    from fimrl.db.session import libpq_url

    try:
        with psycopg.connect(libpq_url(url), connect_timeout=TIMEOUT_S) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return _first_line(exc)
    return None


def broker_problem(url: str) -> str | None:
    """``None`` when Redis at ``url`` answers PING; else why not, in one line."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
    try:
        client.ping()
    except redis.RedisError as exc:
        return _first_line(exc)
    finally:
        client.close()
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
