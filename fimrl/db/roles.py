"""The roles `fimrl sql` connects as, and the URLs that reach them.

An operator's free SQL must not run as the database owner: on the embedded server that is a
superuser, and a superuser's read-only transaction still runs ``COPY ... TO PROGRAM`` and reads
the server's files. Migration 0005 creates ``fimrl_reader`` (SELECT on fimrl's tables and
views) and ``fimrl_writer`` (also INSERT/UPDATE/DELETE, no DDL); :func:`sql_url` points the
configured database URL at one of them unless ``sql_reader_url`` / ``sql_writer_url`` say
otherwise; the embedded server records their URLs, with the passwords it made for them.
:data:`ADMIN_SQL` is what an administrator runs where the migrating role may not create roles.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from fimrl.config import Settings
from fimrl.services.registry import database_url, read_registry

__all__ = ["ADMIN_SQL", "READER", "WRITER", "sql_url"]

READER = "fimrl_reader"
WRITER = "fimrl_writer"

#: For a server where ``fimrl db upgrade`` may not create roles: run as an administrator,
#: then ``fimrl db upgrade`` (or re-run the grants of migration 0005) grants the tables.
ADMIN_SQL = f"""\
-- fimrl: the roles `fimrl sql` connects as (no superuser, no server files or programs)
CREATE ROLE {READER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
CREATE ROLE {WRITER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
-- with password authentication: ALTER ROLE {READER} PASSWORD '...'; (same for {WRITER}),
-- then set FIMRL_SQL_READER_URL / FIMRL_SQL_WRITER_URL with those passwords.
-- in fimrl's database, as the role that owns its tables:
GRANT USAGE ON SCHEMA public TO {READER}, {WRITER};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}, {WRITER};
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {WRITER};
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {WRITER};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {WRITER};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {READER}, {WRITER};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT, UPDATE, DELETE ON TABLES TO {WRITER};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {WRITER};
"""


def sql_url(settings: Settings, *, write: bool) -> str:
    """The URL free SQL runs through: the configured one, else the database URL as the role."""
    configured = settings.sql_writer_url if write else settings.sql_reader_url
    if configured is not None:
        return configured.get_secret_value()
    if settings.database_url is None:  # the embedded server: its roles have passwords
        recorded = read_registry(settings.state_dir)
        url_of_role = recorded.sql_writer_url if write else recorded.sql_reader_url
        if url_of_role:
            return url_of_role
    url = make_url(database_url(settings))
    return url.set(username=WRITER if write else READER, password=None).render_as_string(
        hide_password=False
    )
