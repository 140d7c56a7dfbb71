"""sql roles: fimrl_reader and fimrl_writer, the only roles `fimrl sql` connects as

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

`fimrl sql` runs an operator's free SQL. Connected as the database owner (a superuser on the
embedded server) even a read-only transaction reaches the server's files and programs
(``COPY ... TO PROGRAM``, ``pg_read_file``) and other sessions (``pg_cancel_backend``). So it
connects as one of two roles created here, with no superuser, no role or database creation, no
membership in ``pg_read_server_files`` / ``pg_execute_server_program`` / ``pg_signal_backend``:

- ``fimrl_reader``: CONNECT, schema USAGE and SELECT on fimrl's tables and views;
- ``fimrl_writer`` (``fimrl sql --write``): also INSERT, UPDATE, DELETE on fimrl's tables
  (not on ``alembic_version``) and the sequences behind their ids; no DDL.

Roles belong to the whole server and may exist already (another fimrl database on it): they
are created only when missing; the grants are per database. Default privileges make tables of
later migrations readable/writable the same way. A migrating role that may not create roles
(a managed database) skips the creation with a notice; the grants then apply to roles an
administrator created with the SQL printed by ``fimrl db sql-roles``.

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "fimrl_reader"
WRITER = "fimrl_writer"
log = logging.getLogger("alembic.runtime.migration")
ROLE_OPTIONS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"


def _exists(role: str) -> bool:
    return bool(
        op.get_bind()
        .execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        .first()
    )


def upgrade() -> None:
    bind = op.get_bind()
    may_create = bind.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    for role in (READER, WRITER):
        if _exists(role):
            continue
        if not may_create:
            log.warning("%s may not create role %s; see `fimrl db sql-roles`", _user(), role)
            continue
        op.execute(f"CREATE ROLE {role} {ROLE_OPTIONS}")
    if not (_exists(READER) and _exists(WRITER)):
        return
    db = bind.execute(text("SELECT quote_ident(current_database())")).scalar()
    op.execute(f"GRANT CONNECT ON DATABASE {db} TO {READER}, {WRITER}")
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15+ does already
    op.execute(f"GRANT USAGE ON SCHEMA public TO {READER}, {WRITER}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}, {WRITER}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {WRITER}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {WRITER}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {WRITER}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {READER}, {WRITER}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT INSERT, UPDATE, DELETE ON TABLES TO {WRITER}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {WRITER}"
    )


def _user() -> str:
    return str(op.get_bind().execute(text("SELECT current_user")).scalar())


def downgrade() -> None:
    if not (_exists(READER) and _exists(WRITER)):
        return
    db = op.get_bind().execute(text("SELECT quote_ident(current_database())")).scalar()
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {WRITER}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {READER}, {WRITER}"
    )
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {WRITER}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {READER}, {WRITER}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {READER}, {WRITER}")
    op.execute(f"REVOKE CONNECT ON DATABASE {db} FROM {READER}, {WRITER}")
