"""The Celery app: `celery -A workers.app worker -Q verify` (or `fimrl workers start`)."""

from __future__ import annotations

from celery import Celery

from fimrl.config import get_settings
from workers.config import celery_config

app = Celery("fimrl", include=["workers.tasks"])
app.config_from_object(celery_config(get_settings()))
