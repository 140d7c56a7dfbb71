"""Engines and sessions: one engine per process and URL, with pre-ping so a restarted
PostgreSQL costs a reconnect, not a crash."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from fimrl.config import ConfigError, Settings, get_settings, mask_url


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"malformed database URL {mask_url(url)!r}: expected "
            "postgresql+psycopg://user[:password]@host[:port]/dbname"
        ) from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise ConfigError(
            f"database URL {mask_url(url)!r} is not PostgreSQL; fimrl needs PostgreSQL "
            "(JSONB, arrays, SKIP LOCKED)"
        )
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The URL as libpq takes it (``postgresql://``), for psycopg connections of our own."""
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


@functools.cache
def engine_for(url: str) -> Engine:
    return create_engine(
        normalise_url(url),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_recycle=1800,
        connect_args={"connect_timeout": 10},
    )


def get_engine(settings: Settings | None = None) -> Engine:
    from fimrl.services.registry import database_url

    return engine_for(database_url(settings or get_settings()))


@functools.cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any exception."""
    session = _factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
