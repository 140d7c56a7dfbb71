"""`fimrl services start|stop|status`: the embedded PostgreSQL and Redis as one unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fimrl.config import Settings
from fimrl.services.postgres import EmbeddedPostgres
from fimrl.services.probe import broker_problem, database_problem
from fimrl.services.redis import EmbeddedRedis
from fimrl.services.registry import ServiceUrls, read_registry, write_registry


@dataclass(frozen=True)
class ServiceState:
    name: str
    managed: bool  # started by fimrl (embedded) rather than configured
    running: bool
    pid: int | None
    url: str | None
    problem: str | None = None  # why it does not answer (None when it does)


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.state_dir / "postgres")


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    return EmbeddedRedis(settings.state_dir / "redis")


def start_services(settings: Settings) -> ServiceUrls:
    """Start whichever service has no configured URL; record and return the URLs in force."""
    recorded = read_registry(settings.state_dir)
    db = (
        settings.database_url.get_secret_value()
        if settings.database_url is not None
        else embedded_postgres(settings).start()
    )
    broker = (
        settings.broker_url.get_secret_value()
        if settings.broker_url is not None
        else embedded_redis(settings).start()
    )
    roles = (
        embedded_postgres(settings).role_urls()
        if settings.database_url is None
        else (recorded.sql_reader_url, recorded.sql_writer_url)
    )
    reader, writer = roles or (None, None)
    urls = ServiceUrls(
        db if settings.database_url is None else recorded.database_url,
        broker if settings.broker_url is None else recorded.broker_url,
        reader,
        writer,
    )
    write_registry(settings.state_dir, urls)
    return ServiceUrls(db, broker)


def stop_services(settings: Settings) -> list[str]:
    """Stop the embedded servers (configured ones are not ours to stop)."""
    stopped = []
    if embedded_redis(settings).stop():
        stopped.append("redis")
    if embedded_postgres(settings).stop():
        stopped.append("postgres")
    return stopped


def service_states(settings: Settings) -> list[ServiceState]:
    """Each server with whether it answers now (a connection, not a pid file or a URL)."""
    recorded = read_registry(settings.state_dir)
    pg, rd = embedded_postgres(settings), embedded_redis(settings)
    states = []
    if settings.database_url is not None:
        url: str | None = settings.database_url.get_secret_value()
        pid, managed = None, False
    else:
        url, pid, managed = recorded.database_url, pg.pid(), True
    states.append(_measured("postgres", managed, pid, url, database_problem))
    if settings.broker_url is not None:
        url, pid, managed = settings.broker_url.get_secret_value(), None, False
    else:
        url, pid, managed = recorded.broker_url, rd.pid(), True
    states.append(_measured("redis", managed, pid, url, broker_problem))
    return states


def _measured(
    name: str,
    managed: bool,
    pid: int | None,
    url: str | None,
    problem_of: Callable[[str], str | None],
) -> ServiceState:
    if managed and pid is None:
        return ServiceState(name, managed, False, None, url, "not started")
    if url is None:
        return ServiceState(name, managed, False, pid, url, "no URL recorded")
    problem = problem_of(url)
    return ServiceState(name, managed, problem is None, pid, url, problem)
