"""Sending verify messages to the workers' Celery queue.

Only a producer is needed here (broker URL, queue, task name), so fimrl never imports the
worker code: any process can enqueue, and the workers can run on other hosts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from celery import Celery

from fimrl.config import Settings
from fimrl.seal import message_key, seal
from fimrl.services.registry import broker_url

VERIFY_TASK = "fimrl.verify"


@functools.cache
def _producer(url: str) -> Celery:
    app = Celery("fimrl-producer", broker=url)
    app.conf.update(
        task_serializer="json",
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        result_backend=None,
    )
    return app


class VerifyQueue:
    """Enqueue verify messages on the configured queue, sealed (``fimrl.seal``)."""

    def __init__(self, settings: Settings) -> None:
        self.queue = settings.queue_name
        self.app = _producer(broker_url(settings))
        self.key = message_key(settings)

    def send(self, messages: Iterable[dict[str, Any]]) -> int:
        """Publish each message (raises on a broker outage; callers retry with backoff)."""
        n = 0
        with self.app.producer_or_acquire() as producer:
            for message in messages:
                self.app.send_task(
                    VERIFY_TASK,
                    # Not a mapping: sent as is, and dropped by the worker as malformed.
                    args=[seal(self.key, message) if isinstance(message, dict) else message],
                    queue=self.queue,
                    producer=producer,
                    retry=True,
                    retry_policy={
                        "max_retries": 3,
                        "interval_start": 0.2,
                        "interval_step": 0.5,
                        "interval_max": 2.0,
                    },
                )
                n += 1
        return n

    def depth(self) -> int:
        """Messages waiting in the queue (Redis list length), for backpressure and KEDA."""
        with self.app.connection_for_write() as conn:
            client = conn.default_channel.client
            return int(client.llen(self.queue))
