"""`fimrl db upgrade|downgrade|current|sql-roles`."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.db import migrate
from fimrl.db.session import get_engine

app = typer.Typer(help="Schema migrations (Alembic).", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    engine = get_engine(load_settings())
    migrate.upgrade(engine, revision)
    console.print(f"schema at {', '.join(sorted(migrate.current_revisions(engine)))}")


@app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="Target, e.g. -1 or base.")) -> None:
    """Migrate the schema down to REVISION (drops the tables and data of later revisions)."""
    engine = get_engine(load_settings())
    migrate.downgrade(engine, revision)
    current = sorted(migrate.current_revisions(engine))
    console.print(f"schema at {', '.join(current) if current else 'base (empty)'}")


@app.command("current")
def current(as_json: bool = typer.Option(False, "--json", help="Machine-readable.")) -> None:
    """Print the database's revision and the code's newest one."""
    engine = get_engine(load_settings())
    db = sorted(migrate.current_revisions(engine))
    heads = sorted(migrate.script_heads())
    if as_json:
        typer.echo(json.dumps({"database": db, "code": heads, "current": db == heads}))
        return
    console.print(f"database: {', '.join(db) if db else 'base (empty)'}")
    console.print(f"code:     {', '.join(heads)}")


@app.command("sql-roles")
def sql_roles() -> None:
    """Print the SQL that creates the roles `fimrl sql` connects as (for an administrator)."""
    from fimrl.db.roles import ADMIN_SQL

    typer.echo(ADMIN_SQL, nl=False)
