"""Celery glue: the app, its configuration and the verify task."""
