"""Is a server answering right now? Status is measured, never remembered.

A pid file says a process was started, a configured URL says where a server should be:
neither says it answers. ``fimrl services status`` and ``fimrl workers status`` ask the
server itself, with a short timeout, and report why not when it does not.
"""

from __future__ import annotations

__all__ = ["broker_problem", "database_problem"]

TIMEOUT_S = 3


def database_problem(url: str) -> str | None:
    """``None`` when PostgreSQL at ``url`` runs ``SELECT 1``; else why not, in one line."""
    import psycopg
    from sqlalchemy.engine import make_url

    from fimrl.db.session import normalise_url

    libpq = make_url(normalise_url(url)).set(drivername="postgresql")
    try:
        with psycopg.connect(
            libpq.render_as_string(hide_password=False), connect_timeout=TIMEOUT_S
        ) as conn:
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
