"""A bench-only Celery app: the verifier workers' configuration with a no-op task.

``celery -A bench.noop_app worker`` runs with exactly ``workers.config.celery_config`` (same
broker, queue, acks, prefetch, limits, events, child recycling), and registers a task under
the verify task's name, so the benchmark enqueues the very same messages through
:class:`fimrl.rollout.enqueue.VerifyQueue`. The task body does nothing with the message but
wait ``checker_latency_s`` (the stand-in check time the verify worker's checker waits too,
0 by default); it makes one pipelined Redis call (count, finish time) so the benchmark knows
when all are done.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import redis
from celery import Celery

from bench.common import noop_counter_keys as counter_keys
from fimrl.config import get_settings
from fimrl.services.registry import broker_url
from workers.config import VERIFY_TASK, celery_config

app = Celery("fimrl-bench-noop")
app.config_from_object(celery_config(get_settings()))


@functools.cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(broker_url(get_settings()))


@app.task(name=VERIFY_TASK, acks_late=True, reject_on_worker_lost=True)
def noop(message: Any) -> None:
    settings = get_settings()
    if settings.checker_latency_s > 0:
        time.sleep(settings.checker_latency_s)
    done, last = counter_keys(settings.queue_name)
    pipe = _client().pipeline(transaction=False)
    pipe.incr(done)
    pipe.set(last, repr(time.time()))
    pipe.execute()
