"""The Celery app: `celery -A workers.app worker -Q verify` (or `fimrl workers start`)."""

from __future__ import annotations

from typing import Any

from celery import Celery, signals

from fimrl.config import get_settings
from fimrl.cpu_budget import apply_budget, budget_for
from workers.config import celery_config

app = Celery("fimrl", include=["workers.tasks"])
app.config_from_object(celery_config(get_settings()))


@signals.worker_init.connect
def _cpu_budget(**_: Any) -> None:
    """Pin the worker before its pool forks: pool processes and their Lean checks inherit it."""
    apply_budget(budget_for(get_settings(), "worker"))
