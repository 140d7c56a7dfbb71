"""kombu's Redis transport, made to survive a broker restart that outlasts a reconnect.

Why this exists (kombu 5.7 / Celery 5.7): when Redis goes away while a worker holds
unacknowledged messages, Celery's consumer first ``collect()``s the broken connection and then
``close()``s it. If the first pass cannot close the default channel (its BRPOP read fails on
the dead socket, an error ``collect`` ignores), ``collect`` still detaches the transport from
its connection (``transport.client = None``). The second pass closes the same channel; the
channel restores its unacknowledged messages, needs a new connection pool, and builds its
parameters from ``transport.client``, which is now ``None``: an ``AttributeError`` that no
connection-error handler catches, so the worker's main process dies ("Unrecoverable error:
'NoneType' object has no attribute 'hostname'", right after "Restoring N unacknowledged
message(s)"). Any outage longer than the first reconnect attempt (about 2 s) triggers it.

The channel here keeps the parameters it connected with, so the late restore reaches the
restarted broker; if the broker is still down, the restore fails with a connection error,
which Celery ignores as it should, and the messages stay in Redis's unacknowledged set until
the visibility timeout or fimrl's relay sends them again. Either way the worker reconnects.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

__all__ = ["TRANSPORT", "Channel", "Transport"]

#: The ``broker_transport`` value that selects this module's transport (registered below).
TRANSPORT = "fimrl-redis"


class Channel(kombu_redis.Channel):
    """A Redis channel that can still reach its broker after its transport was detached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._known_connparams: dict[bool, dict[str, Any]] = {}
        super().__init__(*args, **kwargs)

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        transport = self.connection
        if transport is not None and transport.client is not None:
            params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)
            self._known_connparams[asynchronous] = dict(params)
            return params
        known = self._known_connparams.get(asynchronous) or self._known_connparams.get(
            not asynchronous
        )
        if known is None:
            raise RedisConnectionError("the broker connection was closed before it was used")
        return dict(known)


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with :class:`Channel`."""

    Channel = Channel


TRANSPORT_ALIASES.setdefault(TRANSPORT, f"{__name__}:Transport")
