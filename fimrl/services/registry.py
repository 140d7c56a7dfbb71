"""Where every fimrl process finds the database and broker.

Configured URLs (``FIMRL_DATABASE_URL`` / ``FIMRL_BROKER_URL`` or the TOML file) always win.
Otherwise the URLs that `fimrl services start` recorded in ``<state_dir>/services.json`` are
used, so a Celery worker, the trainer and the learner started later find the same servers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from fimrl.config import Settings
from fimrl.errors import FimrlError
from fimrl.services.secrets_file import write_private

REGISTRY_FILE = "services.json"


class NotConfigured(FimrlError):
    """No URL configured and no embedded service recorded."""


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str | None
    broker_url: str | None
    #: The embedded server's `fimrl sql` roles (fimrl_reader, fimrl_writer), with passwords.
    sql_reader_url: str | None = None
    sql_writer_url: str | None = None


def registry_path(state_dir: Path) -> Path:
    return state_dir / REGISTRY_FILE


def read_registry(state_dir: Path) -> ServiceUrls:
    """URLs recorded by `fimrl services start`; a corrupt file is reported, never removed."""
    path = registry_path(state_dir)
    if not path.exists():
        return ServiceUrls(None, None)
    try:
        data = json.loads(path.read_text())
        return ServiceUrls(
            data.get("database_url"),
            data.get("broker_url"),
            data.get("sql_reader_url"),
            data.get("sql_writer_url"),
        )
    except (OSError, ValueError, AttributeError) as exc:
        raise NotConfigured(
            f"{path} is unreadable or not JSON ({exc}). Move it away and run "
            "`fimrl services start` again, or set FIMRL_DATABASE_URL and FIMRL_BROKER_URL."
        ) from exc


def write_registry(state_dir: Path, urls: ServiceUrls) -> None:
    """Atomically record the URLs, readable by their owner only: they carry passwords."""
    write_private(registry_path(state_dir), json.dumps(asdict(urls)))


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    url = read_registry(settings.state_dir).database_url
    if not url:
        raise NotConfigured(
            "No database configured. Run `fimrl services start` (embedded PostgreSQL under "
            f"{settings.state_dir}) or set FIMRL_DATABASE_URL=postgresql+psycopg://user@host/db."
        )
    return url


def broker_url(settings: Settings) -> str:
    if settings.broker_url is not None:
        return settings.broker_url.get_secret_value()
    url = read_registry(settings.state_dir).broker_url
    if not url:
        raise NotConfigured(
            "No broker configured. Run `fimrl services start` (embedded Redis under "
            f"{settings.state_dir}) or set FIMRL_BROKER_URL=redis://host:6379/0."
        )
    return url
