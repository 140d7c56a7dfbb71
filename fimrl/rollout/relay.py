"""The relay: re-enqueue candidates whose verify message was lost.

Redis is a work queue, not the record: a message lost in a Redis restart, a flushed list or
a crash between commit and enqueue is noticed here because the candidate still has no verdict
after its lease, and is enqueued again. Duplicates are harmless (the verdict upsert).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.rollout_store import claim_unverified, verify_messages
from fimrl.db.verdict_store import rescore_complete_groups
from fimrl.rollout.enqueue import VerifyQueue


@dataclass(frozen=True)
class RelayPass:
    reenqueued: int
    rescored: int


def relay_once(
    engine: Engine, settings: Settings, run_id: int, *, lease_s: float | None = None
) -> RelayPass:
    """One sweep for run ``run_id``: re-enqueue its expired candidates onto its queue
    (``settings.queue_name``), score groups whose verdicts are all in."""
    lease = settings.lease_s if lease_s is None else lease_s
    ids = claim_unverified(engine, run_id=run_id, lease_s=lease)
    sent = VerifyQueue(settings).send(verify_messages(engine, ids)) if ids else 0
    return RelayPass(reenqueued=sent, rescored=rescore_complete_groups(engine))
