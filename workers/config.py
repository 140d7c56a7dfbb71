"""Celery configuration for verifier workers, derived from fimrl's settings.

Every choice here serves "a lost worker loses no work": late acks with requeue on worker
loss (bounded by retries), one message prefetched per process, a visibility timeout longer
than any check, time limits above the verifier's own, and children recycled by count and
memory so a leaking Lean binding cannot grow forever.
"""

from __future__ import annotations

from typing import Any

from fimrl.config import Settings
from fimrl.services.registry import broker_url

VERIFY_TASK = "fimrl.verify"


def celery_config(settings: Settings) -> dict[str, Any]:
    check = settings.check_timeout_s + settings.checker_latency_s
    soft_limit = 3 * check + 30  # one check plus retries inside the REPL pool, generously
    return {
        "broker_url": broker_url(settings),
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # wait for a restarted Redis, forever
        "broker_transport_options": {"visibility_timeout": max(3600, int(4 * soft_limit))},
        "task_default_queue": settings.queue_name,
        "task_routes": {VERIFY_TASK: {"queue": settings.queue_name}},
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": soft_limit,
        "task_time_limit": soft_limit + 30,
        "worker_max_tasks_per_child": settings.worker_max_tasks_per_child,
        "worker_max_memory_per_child": settings.worker_max_memory_per_child_kb,
        "worker_soft_shutdown_timeout": min(60.0, soft_limit),
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
    }
