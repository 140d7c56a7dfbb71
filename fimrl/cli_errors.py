"""What a failed command prints: one line that names the problem and the fix.

Every sub-command shares this boundary (``fimrl.cli.main``), so an unreachable database or
broker, a broken configuration file or a bad setting reads the same wherever it surfaces —
at start-up, in the middle of a command, or deep inside a library call — instead of a
traceback that shows where it surfaced rather than what to do. Only failures fimrl does not
know keep their traceback, behind ``--debug`` / ``FIMRL_DEBUG=1``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from fimrl.errors import FimrlError
from fimrl.services.probe import broker_unreachable, database_unreachable

__all__ = ["explain"]


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or during, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0]


def _setting_url(name: str) -> str:
    """The configured URL ``name``, masked, or how it is chosen when it cannot be read."""
    try:
        from fimrl.config import get_settings, mask_url
        from fimrl.services import registry

        settings = get_settings()
        pick = registry.database_url if name == "database" else registry.broker_url
        return mask_url(pick(settings))
    except Exception:  # the settings may be what is broken
        return "(the configured URL)"


def _database_down(exc: BaseException) -> bool:
    import sqlalchemy.exc

    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency
        psycopg = None  # type: ignore[assignment]
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        return True
    return psycopg is not None and isinstance(exc, psycopg.OperationalError)


def _broker_down(exc: BaseException) -> bool:
    import kombu.exceptions
    import redis.exceptions

    return isinstance(
        exc,
        redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError
        | kombu.exceptions.OperationalError,
    )


def _bad_setting(exc: BaseException) -> str | None:
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError) or exc.title != "Settings":
        return None
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
    )
    return (
        f"bad setting: {problems} (from a FIMRL_* variable or the config file); "
        "`fimrl config show --help` lists the settings"
    )


def explain(exc: BaseException) -> str | None:
    """The one-line message for a failure fimrl knows, or ``None`` for an unknown one."""
    for link in _chain(exc):
        if isinstance(link, FimrlError):
            return str(link)
        if isinstance(link, tomllib.TOMLDecodeError):
            from fimrl.config import config_file_path

            return (
                f"config file {config_file_path()} is not valid TOML: {link}. Fix it, or "
                "point FIMRL_CONFIG at another file."
            )
        setting = _bad_setting(link)
        if setting is not None:
            return setting
        if _database_down(link):
            return database_unreachable(_setting_url("database"), _first_line(link))
        if _broker_down(link):
            return broker_unreachable(_setting_url("broker"), _first_line(link))
    return None
