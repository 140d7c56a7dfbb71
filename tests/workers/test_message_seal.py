"""Verdicts from trusted data only (issue 16, item 2): forged Redis messages are dropped.

An attacker who can write to Redis sends the verify task a message whose middle equals the
task's reference (for a candidate whose stored middle is garbage), a genuine message altered in
flight, one sealed with another key, and a forged retry that carries a ready-made ``pass``.
None may store a verdict; the worker keeps running and checks the genuine message afterwards.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.rollout_store import verify_messages
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.seal import SEAL, ForgedMessage, message_key, seal, unseal

from ..helpers import WorkerProcess, settings_env, wait_for
from .conftest import make_group, make_task


def _raw_send(settings: Settings, message: object) -> None:
    """What an attacker with Redis access does: publish the task directly, no fimrl code."""
    app = Celery("attacker", broker=settings.broker_url.get_secret_value())  # type: ignore[union-attr]
    app.send_task("fimrl.verify", args=[message], queue=settings.queue_name)


def _verdicts(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(  # type: ignore[misc]
                text("SELECT candidate_id, verdict FROM verifications ORDER BY candidate_id")
            )
        ]


def test_seal_round_trip_and_tampering(settings: Settings) -> None:
    key = message_key(settings)
    message = {"candidate_id": 7, "middle": "omega", "reference": "omega", "note": "ü"}
    sealed = seal(key, message)
    assert unseal(key, sealed) == message
    for altered in (
        {**sealed, "middle": "garbage"},
        {**sealed, "verdict_row": {"verdict": "pass", "reward": 1.0}},
        {k: v for k, v in sealed.items() if k != SEAL},
        seal(b"another key of at least 32 bytes....", message),
        "not a mapping",
    ):
        with pytest.raises(ForgedMessage):
            unseal(key, altered)


def test_state_dir_key_is_private_and_shared_by_concurrent_first_users(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state")
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(message_key(settings))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "state" / "message.key").st_mode)
    assert mode == 0o600
    configured = Settings(state_dir=tmp_path / "other", message_key="k" * 40)
    assert message_key(configured) == b"k" * 40
    assert "k" * 40 not in str(configured.display())


def test_forged_and_altered_messages_store_nothing(clean_db, run_id, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = make_task(clean_db, 31, middle="omega")
    _, (cid,) = make_group(clean_db, run_id, task, ["garbage that proves nothing"])
    genuine = verify_messages(clean_db, [cid])[0]
    key = message_key(settings)
    forged = {**genuine, "middle": genuine["reference"]}  # the attacker's "proof"
    worker = WorkerProcess(settings_env(settings, verifier_backend="exact"), tmp_path / "w.log")
    try:
        _raw_send(settings, forged)  # no seal at all
        _raw_send(settings, {**seal(key, genuine), "middle": genuine["reference"]})  # altered
        _raw_send(settings, seal(b"x" * 64, forged))  # sealed with another key
        _raw_send(  # a forged retry carrying a finished verdict
            settings,
            {**seal(key, genuine), "verdict_row": {"verdict": "pass", "reward": 1.0}},
        )
        wait_for(
            lambda: worker.log.read_bytes().count(b"verify message refused") >= 4,
            60,
            "the worker to refuse the four forgeries",
        )
        assert _verdicts(clean_db) == []
        # The worker is alive and checks what fimrl itself sent: the stored middle fails.
        VerifyQueue(settings).send([genuine])
        wait_for(lambda: _verdicts(clean_db), 60, "the genuine message's verdict")
        assert _verdicts(clean_db) == [(cid, "fail")]
        assert worker.proc.poll() is None
    finally:
        worker.stop()
