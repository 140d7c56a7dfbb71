"""Celery configuration for verifier workers, derived from fimrl's settings.

Every choice here serves "a lost worker loses no work": late acks with requeue on worker
loss (bounded by the loss ledger, ``workers.losses``), one message prefetched per process, a
visibility timeout just longer than any legitimate hold of a message, time limits above the
verifier's own, and children recycled by count and memory so a leaking Lean binding cannot
grow forever.
"""

from __future__ import annotations

from typing import Any

from fimrl.config import Settings
from fimrl.services.registry import broker_url
from workers.broker import TRANSPORT

VERIFY_TASK = "fimrl.verify"


def celery_config(settings: Settings) -> dict[str, Any]:
    check = settings.check_timeout_s + settings.checker_latency_s
    soft_limit = 3 * check + 30  # one check plus retries inside the REPL pool, generously
    hard_limit = soft_limit + 30
    url = broker_url(settings)
    return {
        "broker_url": url,
        # Redis through our transport: a broker restart must not kill the worker (workers.broker).
        "broker_transport": TRANSPORT if url.split("://", 1)[0] in ("redis", "rediss") else None,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # wait for a restarted Redis, forever
        "broker_transport_options": {"visibility_timeout": visibility_timeout(hard_limit)},
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
        # Prefork, with a recycled child replaced as soon as it is reaped (workers.pool).
        "worker_pool": "workers.pool:TaskPool",
        "task_soft_time_limit": soft_limit,
        "task_time_limit": hard_limit,
        "worker_max_tasks_per_child": settings.worker_max_tasks_per_child,
        "worker_max_memory_per_child": settings.worker_max_memory_per_child_kb,
        "worker_soft_shutdown_timeout": min(60.0, soft_limit),
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
    }


def visibility_timeout(hard_limit_s: float) -> int:
    """Seconds before Redis hands a delivered, unacknowledged message to another worker.

    It is how long a message of a worker that died outright (SIGKILL of the main process, a
    lost host) waits before anyone else gets it; a pool process that dies is requeued at once
    by Celery instead. It must outlast the longest a live worker legitimately holds a message:
    one prefetched wait for a busy process plus one check up to the hard time limit (and a
    retry's countdown of at most 30 s). Twice the hard limit plus a minute covers that, so a
    long check is never handed out twice, and a lost one comes back in minutes, not an hour
    (default settings: 2 × 240 s + 60 s = 9 minutes). The relay (``lease_s``) is the other,
    database-driven path back for a lost candidate.
    """
    return int(2 * hard_limit_s + 60)
