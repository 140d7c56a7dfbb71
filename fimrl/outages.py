"""What "a server is unreachable right now" looks like, for every loop that rides outages.

The trainer, the learner's relay sweeps and the relay daemon wait and retry on these, never
exit. Data errors (a value PostgreSQL refuses) are not in here: retrying cannot fix them.
"""

from __future__ import annotations

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
