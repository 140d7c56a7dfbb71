"""Waking a waiting loop when a group of its run changes status, instead of sleeping.

The learner waits for scored groups, the trainer for room in flight (its pending groups
getting scored). Each used to sleep a poll interval between looks, which costs up to that
interval every learner step: in a balanced pipeline whose stages take a second or two, that
is most of what overlapping them saves. Migration 0007 makes PostgreSQL send
``NOTIFY fimrl_groups, '<run_id> <status>'`` on every new group and status change; a loop
holding a :class:`GroupEvents` wakes on the first event of its run with a status it cares
about.

Events only shorten waits; they never replace the look that follows. A missed event (the
listening connection dropped in an outage, a proxy in front of PostgreSQL that does not pass
LISTEN on) costs the caller's timeout, as polling did, so correctness never depends on them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Collection
from typing import Any

import psycopg
from sqlalchemy import Engine

from fimrl.db.session import libpq_url

__all__ = ["CHANNEL", "GroupEvents"]

log = logging.getLogger(__name__)

CHANNEL = "fimrl_groups"
#: Longest stretch spent blocked on the socket before ``stop`` is looked at again.
SLICE_S = 0.25
#: After a lost listening connection, how long waits fall back to sleeping before the next
#: connection attempt (an outage must not turn every wait into a connect timeout).
RECONNECT_S = 10.0
CONNECT_TIMEOUT_S = 3


class GroupEvents:
    """LISTEN for one run's group events; :meth:`wait` returns early when one arrives."""

    def __init__(self, engine: Engine, run_id: int, statuses: Collection[str]) -> None:
        self._url = libpq_url(engine.url.render_as_string(hide_password=False))
        self._prefix = f"{run_id} "
        self._statuses = frozenset(statuses)
        self._conn: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0
        self.events = 0  # events of interest seen: how often a wait ended early

    def listen(self) -> bool:
        """Start listening now (before the look whose outcome a wait will follow), so an
        event between that look and the wait is kept; False where events are unavailable."""
        return self._connection() is not None

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Block until an event of interest, ``stop`` or ``timeout``; True when an event
        ended it. Events that arrived since the last wait count (none is lost between a
        look and the wait that follows it)."""
        deadline = time.monotonic() + timeout
        conn = self._connection()
        if conn is None:
            stop.wait(timeout)
            return False
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                for note in conn.notifies(timeout=min(left, SLICE_S)):
                    if self._wanted(note.payload):
                        self.events += 1
                        return True
        except psycopg.Error as exc:
            log.warning("group events lost (%s): polling until they return", exc)
            self._drop()
            stop.wait(max(0.0, deadline - time.monotonic()))
        return False

    def close(self) -> None:
        """Release the listening connection (a later wait opens a new one)."""
        self._drop()
        self._retry_at = 0.0

    def _wanted(self, payload: str) -> bool:
        return payload.startswith(self._prefix) and payload[len(self._prefix) :] in self._statuses

    def _connection(self) -> psycopg.Connection[Any] | None:
        if self._conn is not None:
            return self._conn
        if time.monotonic() < self._retry_at:
            return None
        try:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.info("no group events (%s): polling", exc)
            self._retry_at = time.monotonic() + RECONNECT_S
            return None
        self._conn = conn
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None
        self._retry_at = time.monotonic() + RECONNECT_S
