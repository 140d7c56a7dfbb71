"""Schema migrations through Alembic, with errors a person can act on."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from fimrl.config import mask_url
from fimrl.errors import FimrlError
from fimrl.resources import migrations_dir
from fimrl.services.probe import database_unreachable

#: The Alembic script directory this fimrl runs (see :func:`fimrl.resources.migrations_dir`).
MIGRATIONS_DIR = migrations_dir()


class MigrationError(FimrlError):
    """The schema cannot be moved as asked."""


class DatabaseUnavailable(FimrlError):
    """PostgreSQL did not answer."""


def alembic_config(url: str) -> Config:
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise MigrationError(
            f"fimrl's migrations are missing: {MIGRATIONS_DIR} has no env.py. In a checkout, "
            "restore migrations/ from git; an installed fimrl must come from its own build "
            "(its wheel ships them in fimrl/_data/migrations): reinstall it."
        )
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    return cfg


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("")).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    except OperationalError as exc:
        raise DatabaseUnavailable(
            database_unreachable(
                mask_url(engine.url.render_as_string()),
                str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc),
            )
        ) from exc


def _check_known(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(""))
    for rev in current_revisions(engine):
        try:
            known = script.get_revision(rev) is not None
        except Exception:  # alembic raises ResolutionError/CommandError for unknown ids
            known = False
        if not known:
            raise MigrationError(
                f"the database is at schema revision {rev!r}, which this fimrl does not know "
                f"(newest known: {', '.join(sorted(script_heads()))}). It was migrated by a "
                "newer fimrl: upgrade fimrl. Nothing was changed."
            )


def _known_revision_lookup(exc: Exception) -> bool:
    return "Can't locate revision" in str(exc) or "No such revision" in str(exc)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _check_known(engine)
    url = engine.url.render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), revision)
    except Exception as exc:
        if _known_revision_lookup(exc):
            raise MigrationError(f"unknown revision {revision!r}: {exc}") from exc
        raise


def downgrade(engine: Engine, revision: str) -> None:
    _check_known(engine)
    url = engine.url.render_as_string(hide_password=False)
    try:
        command.downgrade(alembic_config(url), revision)
    except Exception as exc:
        if _known_revision_lookup(exc):
            raise MigrationError(f"unknown revision {revision!r}: {exc}") from exc
        raise


def is_current(engine: Engine) -> bool:
    return current_revisions(engine) == script_heads()


def require_current(engine: Engine) -> None:
    """Refuse to run against a schema that is missing, behind or ahead of this code."""
    _check_known(engine)
    if not is_current(engine):
        raise MigrationError(
            "the database schema is not at this fimrl's revision "
            f"(database: {sorted(current_revisions(engine)) or 'empty'}, code: "
            f"{sorted(script_heads())}). Run `fimrl db upgrade`."
        )


__all__ = [
    "MIGRATIONS_DIR",
    "DatabaseUnavailable",
    "MigrationError",
    "current_revisions",
    "downgrade",
    "is_current",
    "require_current",
    "script_heads",
    "upgrade",
]
