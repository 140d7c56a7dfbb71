"""How often a check took its worker process down: the budget of a poison candidate.

When a check kills its pool process (Lean past its memory, a crash in a binding, Celery's
hard time limit), Celery requeues the same message (``reject_on_worker_lost``) with no count
of its own, and the relay would re-send it with a fresh one: without a ledger a poison
candidate circles forever. The ledger lives in the broker's Redis, keyed by queue and
candidate: +1 when a check starts, −1 when the task itself ends the attempt (a retry, an
exception), and the key deleted once the verdict is stored. What is left over are starts
whose process died. A normal check costs two round trips to Redis (start, clear): on the
verify path every round trip is a visible share of a message's time.

Two copies of one candidate checked at the same moment (a relay re-send racing the original)
count as one loss each until they end; with a budget of a few losses that is harmless.
"""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)

#: Keys expire: a candidate nobody checks for a week needs no ledger.
TTL_S = 7 * 24 * 3600

_BEGIN = """
local started = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return started
"""

_END = """
local left = redis.call('DECR', KEYS[1])
if left <= 0 then redis.call('DEL', KEYS[1]) end
return left
"""


class LossLedger:
    """Per-candidate count of check starts that never ended (see the module docstring)."""

    def __init__(self, client: redis.Redis, queue: str) -> None:
        self.client = client
        self.queue = queue
        self._begin = client.register_script(_BEGIN)
        self._end = client.register_script(_END)

    def _key(self, candidate_id: int) -> str:
        return f"fimrl:check-starts:{self.queue}:{candidate_id}"

    def begin(self, candidate_id: int) -> int:
        """Count a start; return how many earlier starts were lost (0 when Redis is down:
        a broker outage must not stop the check itself). One round trip: count and expiry in
        one script, one reply to parse."""
        try:
            started = self._begin(keys=[self._key(candidate_id)], args=[TTL_S])
        except redis.RedisError as exc:
            log.warning("loss ledger unavailable (%s); check started uncounted", exc)
            return 0
        return int(started) - 1

    def end(self, candidate_id: int) -> None:
        """The attempt ended under the task's control (it was not a lost worker): one
        round trip (decrement, and delete at zero, in one script)."""
        try:
            self._end(keys=[self._key(candidate_id)])
        except redis.RedisError as exc:
            log.warning("loss ledger unavailable (%s)", exc)

    def clear(self, candidate_id: int) -> None:
        """The candidate has its verdict: nothing left to count."""
        try:
            self.client.delete(self._key(candidate_id))
        except redis.RedisError as exc:
            log.warning("loss ledger unavailable (%s)", exc)

    def lost(self, candidate_id: int) -> int:
        """Starts not (yet) ended: for tests and operators."""
        value = self.client.get(self._key(candidate_id))
        return int(value) if value is not None else 0
