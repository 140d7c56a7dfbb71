"""`fimrl services start|stop|status`: the embedded PostgreSQL and Redis as one unit."""

from __future__ import annotations

from dataclasses import dataclass

from fimrl.config import Settings
from fimrl.services.postgres import EmbeddedPostgres
from fimrl.services.redis import EmbeddedRedis
from fimrl.services.registry import ServiceUrls, read_registry, write_registry


@dataclass(frozen=True)
class ServiceState:
    name: str
    managed: bool  # started by fimrl (embedded) rather than configured
    running: bool
    pid: int | None
    url: str | None


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
    recorded = read_registry(settings.state_dir)
    pg, rd = embedded_postgres(settings), embedded_redis(settings)
    states = []
    if settings.database_url is not None:
        states.append(
            ServiceState("postgres", False, True, None, settings.database_url.get_secret_value())
        )
    else:
        pid = pg.pid()
        states.append(ServiceState("postgres", True, pid is not None, pid, recorded.database_url))
    if settings.broker_url is not None:
        states.append(
            ServiceState("redis", False, True, None, settings.broker_url.get_secret_value())
        )
    else:
        pid = rd.pid()
        states.append(ServiceState("redis", True, pid is not None, pid, recorded.broker_url))
    return states
