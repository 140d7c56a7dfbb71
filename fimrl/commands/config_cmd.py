"""`fimrl config show`."""

from __future__ import annotations

import json

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from fimrl.config import ConfigError, Settings, config_file_path

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)


def load_settings() -> Settings:
    """Settings, turning validation errors into one readable message."""
    from fimrl.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(
            f"invalid configuration ({problems}). Fix the FIMRL_* variable or fimrl.toml."
        ) from None


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print every setting's effective value (passwords masked) and where the file is."""
    from fimrl.cpu_budget import ROLES, budget_for

    settings = load_settings()
    values = settings.display()
    budgets = {role: budget_for(settings, role) for role in ROLES}
    if as_json:
        values["cpu_budgets"] = {
            role: {"threads": b.threads, "cpus": b.cpus, "automatic": b.automatic}
            for role, b in budgets.items()
        }
        typer.echo(json.dumps(values, indent=2, default=str))
        return
    table = Table(title=f"fimrl settings (file: {config_file_path() or 'none'})")
    for column in ("setting", "value", "env var"):  # folded, never cut with an ellipsis
        table.add_column(column, overflow="fold")
    for name, value in values.items():
        table.add_row(name, str(value), f"FIMRL_{name.upper()}")
    console = Console()
    console.print(table)
    shares = Table(title="CPU budgets (what each process of a run gets on this machine)")
    for column in ("role", "torch/BLAS threads", "CPUs"):
        shares.add_column(column, overflow="fold")
    for role, budget in budgets.items():
        threads = f"{budget.threads} (auto)" if budget.automatic else str(budget.threads)
        if role == "worker":
            threads = "1 (Lean: one process per pool process)"
        shares.add_row(role, threads, budget.where)
    console.print(shares)
