"""`fimrl demo`: the whole loop on one machine (grows with the components that exist)."""

from __future__ import annotations

from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.db import migrate
from fimrl.db.session import get_engine
from fimrl.services.manager import start_services

console = Console()


def demo() -> None:
    """Start services, migrate, and run the pipeline stages that exist so far."""
    settings = load_settings()
    urls = start_services(settings)
    console.print(f"services up: postgres and redis ({urls.broker_url})")
    engine = get_engine(settings)
    migrate.upgrade(engine)
    console.print("schema migrated")
    console.print(
        "[yellow]not built yet:[/] task building, verifier workers, trainer and learner "
        "processes (see the open issues); the demo runs them once they land."
    )
