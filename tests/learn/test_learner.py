"""The learner on a small real model against real PostgreSQL."""

from __future__ import annotations

import math
import threading

import pytest
import torch
from sqlalchemy import text

from fimrl.db.claim_store import claim_groups
from fimrl.db.run_store import ensure_run
from fimrl.learn.learner import Learner

from ..helpers import WorkerProcess, settings_env
from .conftest import tiny_model, tiny_tokenizer
from .scored import make_task, on_policy_logprobs, scored_group, unscored_group

PROMPT = [5, 6, 7]
GOOD, BAD1, BAD2, BAD3 = [10, 11, 12], [20, 21], [30, 31, 32, 33], [40]


def _settings(settings, **kw):  # type: ignore[no-untyped-def]
    base = dict(
        learning_rate=5e-3,
        groups_per_step=1,
        checkpoint_every=1,
        max_staleness=2,
        lease_s=30.0,
        epsilon_low=0.2,
        epsilon_high=0.2,
    )
    return settings.model_copy(update=base | kw)


def _rows(engine, sql, **p):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql), p).all()


def test_learning_signal_raises_the_rewarded_completion(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "signal")
    model = tiny_model(seed=11)
    learner = Learner(
        _settings(settings), clean_db, run, model=model, tokenizer=tiny_tokenizer(), poll_s=0.05
    )
    policy = learner.accelerator.unwrap_model(learner.model)
    before = {
        tuple(c): sum(on_policy_logprobs(policy, PROMPT, c, 1.0)) for c in (GOOD, BAD1, BAD2, BAD3)
    }
    for i in range(4):  # on-policy groups, each trained on once
        scored_group(
            clean_db,
            run,
            make_task(clean_db, i),
            PROMPT,
            [GOOD, BAD1, BAD2, BAD3],
            [1.0, 0.0, 0.0, 0.0],
            model=policy,
            version=learner.version,
        )
        report = learner.train_step()
        assert report is not None and report.groups_used == 1
    after = {c: sum(on_policy_logprobs(policy, PROMPT, list(c), 1.0)) for c in before}
    assert after[tuple(GOOD)] > before[tuple(GOOD)] + 0.05
    for bad in (BAD1, BAD2, BAD3):
        assert after[tuple(bad)] < before[tuple(bad)]
    steps = _rows(
        clean_db,
        "SELECT step, policy_version, groups_used, reward_mean, pass_rate, "
        "tokens FROM learner_steps ORDER BY step",
    )
    assert [s.step for s in steps] == [1, 2, 3, 4]
    assert [s.policy_version for s in steps] == [0, 1, 2, 3]
    assert all(s.reward_mean == 0.25 and s.pass_rate == 0.25 for s in steps)
    versions = _rows(
        clean_db,
        "SELECT version, checkpoint_path FROM policy_versions WHERE run_id=:r ORDER BY version",
        r=run,
    )
    assert [v.version for v in versions] == [0, 1, 2, 3, 4]
    assert versions[0].checkpoint_path is None
    assert all(
        (__import__("pathlib").Path(v.checkpoint_path) / "model.safetensors").exists()
        for v in versions[1:]
    )
    consumed = _rows(
        clean_db, "SELECT learner_step FROM groups WHERE status='consumed' ORDER BY learner_step"
    )
    assert [c.learner_step for c in consumed] == [1, 2, 3, 4]


def test_stale_and_zero_variance_groups_are_dropped_and_counted(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "drops")
    model = tiny_model(seed=2)
    learner = Learner(
        _settings(settings, max_staleness=1),
        clean_db,
        run,
        model=model,
        tokenizer=tiny_tokenizer(),
        poll_s=0.05,
    )
    learner.version = 3  # pretend three versions were published
    scored_group(
        clean_db,
        run,
        make_task(clean_db, 1),
        PROMPT,
        [GOOD, BAD1],
        [1.0, 0.0],
        model=model,
        version=1,
    )  # 2 behind: stale
    scored_group(
        clean_db,
        run,
        make_task(clean_db, 2),
        PROMPT,
        [GOOD, BAD1],
        [0.0, 0.0],
        model=model,
        version=3,
    )  # no signal
    scored_group(
        clean_db,
        run,
        make_task(clean_db, 3),
        PROMPT,
        [GOOD, BAD1],
        [1.0, 0.0],
        model=model,
        version=2,
    )  # 1 behind: fine
    report = learner.train_step()
    assert report is not None
    assert (report.groups_used, report.groups_dropped, report.groups_skipped) == (1, 1, 1)
    assert report.staleness_max == 1
    reasons = dict(
        _rows(
            clean_db,
            "SELECT status || ':' || coalesce(split_part(reason, ':', 1),"
            " ''), count(*) FROM groups GROUP BY 1",
        )
    )
    assert reasons == {"dropped:stale": 1, "dropped:no signal": 1, "consumed:": 1}
    row = _rows(clean_db, "SELECT groups_dropped, groups_skipped FROM learner_steps")[0]
    assert tuple(row) == (1, 1)


def test_bad_groups_are_quarantined_with_reasons(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "quarantine")
    model = tiny_model(seed=3)
    learner = Learner(
        _settings(settings), clean_db, run, model=model, tokenizer=tiny_tokenizer(), poll_s=0.05
    )
    t = [make_task(clean_db, i) for i in range(5)]
    scored_group(
        clean_db,
        run,
        t[0],
        PROMPT,
        [GOOD, BAD1],
        [1.0, 0.0],
        logprobs=[[-1.0, math.nan, -1.0], [-1.0, -1.0]],
    )
    scored_group(
        clean_db, run, t[1], PROMPT, [GOOD, []], [1.0, 0.0], logprobs=[[-1.0, -1.0, -1.0], []]
    )
    scored_group(
        clean_db,
        run,
        t[2],
        PROMPT,
        [GOOD, [10, 999]],
        [1.0, 0.0],
        logprobs=[[-1.0, -1.0, -1.0], [-1.0, -1.0]],
    )
    g = scored_group(clean_db, run, t[3], PROMPT, [GOOD, BAD1], [1.0, 0.0], model=model)
    with clean_db.begin() as conn:  # a verification went missing after scoring
        conn.execute(
            text(
                "DELETE FROM verifications WHERE candidate_id = (SELECT min(id) "
                "FROM candidates WHERE group_id = :g)"
            ),
            {"g": g},
        )
    scored_group(clean_db, run, t[4], PROMPT, [GOOD, BAD1], [1.0, 0.0], model=model)
    report = learner.train_step()
    assert report is not None and report.groups_used == 1 and report.groups_quarantined == 4
    reasons = [
        r.reason
        for r in _rows(clean_db, "SELECT reason FROM groups WHERE status='quarantined' ORDER BY id")
    ]
    assert "NaN" in reasons[0]
    assert "empty completion" in reasons[1]
    assert "outside the vocabulary" in reasons[2]
    assert "no verification" in reasons[3]
    assert torch.isfinite(torch.tensor(report.loss))


def test_concurrent_claims_never_share_a_group(clean_db) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "claims")
    for i in range(60):
        scored_group(
            clean_db,
            run,
            make_task(clean_db, i),
            PROMPT,
            [GOOD, BAD1],
            [1.0, 0.0],
            logprobs=[[-1.0] * 3, [-1.0] * 2],
        )
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def claimer(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while ids := claim_groups(clean_db, run_id=run, owner=name, limit=3, lease_s=60):
            mine += ids
        got[name] = mine

    threads = [threading.Thread(target=claimer, args=(f"l{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    claimed = [g for ids in got.values() for g in ids]
    assert len(claimed) == 60 and len(set(claimed)) == 60
    owners = _rows(clean_db, "SELECT count(DISTINCT lease_owner) FROM groups")[0][0]
    assert owners >= 2


def test_expired_claims_return(clean_db) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, "lease")
    scored_group(
        clean_db,
        run,
        make_task(clean_db, 1),
        PROMPT,
        [GOOD, BAD1],
        [1.0, 0.0],
        logprobs=[[-1.0] * 3, [-1.0] * 2],
    )
    assert claim_groups(clean_db, run_id=run, owner="a", limit=5, lease_s=3600)
    assert claim_groups(clean_db, run_id=run, owner="b", limit=5, lease_s=3600) == []
    with clean_db.begin() as conn:  # a's lease runs out (it crashed)
        conn.execute(text("UPDATE groups SET lease_expires_at = now() - interval '1 second'"))
    assert len(claim_groups(clean_db, run_id=run, owner="b", limit=5, lease_s=3600)) == 1


@pytest.mark.parametrize("lora", [False, True])
def test_resume_from_checkpoint(clean_db, settings, lora, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = ensure_run(clean_db, f"resume-{lora}")
    model = tiny_model(seed=5)
    model.save_pretrained(tmp_path / "base")
    tiny_tokenizer().save_pretrained(tmp_path / "base")
    s = _settings(settings, use_lora=lora, model=str(tmp_path / "base"))
    first = Learner(s, clean_db, run, tokenizer=tiny_tokenizer(), poll_s=0.05)
    scored_group(
        clean_db, run, make_task(clean_db, 1), PROMPT, [GOOD, BAD1], [1.0, 0.0], model=model
    )
    assert first.train_step() is not None
    trained = {
        k: v.clone() for k, v in first.accelerator.unwrap_model(first.model).state_dict().items()
    }
    # A new learner process for the same run starts where the first stopped.
    second = Learner(s, clean_db, run, tokenizer=tiny_tokenizer(), poll_s=0.05)
    assert (second.version, second.step) == (1, 1)
    for k, v in second.accelerator.unwrap_model(second.model).state_dict().items():
        torch.testing.assert_close(v, trained[k])
    assert second.optimizer.state_dict()["state"]  # optimizer moments restored too
    saved = sorted(p.name for p in (tmp_path / "state" / "checkpoints").rglob("*.safetensors"))
    assert saved == (["adapter_model.safetensors"] if lora else ["model.safetensors"])


def test_the_learner_relays_lost_messages_after_the_trainer_is_gone(  # type: ignore[no-untyped-def]
    clean_db, settings, tmp_path
) -> None:
    """A group written but never delivered (the trainer exited, Redis lost the list): the
    learner waiting on it re-sends its candidates to the run's queue once their lease
    expired, a real worker scores them, and the learner trains on the group."""
    run = ensure_run(clean_db, "relayed")
    s = _settings(settings, lease_s=1.0)
    learner = Learner(s, clean_db, run, model=tiny_model(seed=3), tokenizer=tiny_tokenizer())
    policy = learner.accelerator.unwrap_model(learner.model)
    completions = [GOOD, BAD1]
    _group, ids = unscored_group(
        clean_db,
        run,
        make_task(clean_db, 0),
        PROMPT,
        completions,
        logprobs=[on_policy_logprobs(policy, PROMPT, c, 1.0) for c in completions],
        middles=["trivial", "simp"],  # the task's reference middle is `trivial`
    )
    worker = WorkerProcess(settings_env(s, verifier_backend="exact"), tmp_path / "w.log", 1)
    stopper = threading.Timer(120, learner.stop)  # a bound, not a synchronisation
    stopper.start()
    try:
        report = learner.train_step()
    finally:
        stopper.cancel()
        worker.stop()
    assert report is not None and report.groups_used == 1
    verdicts = _rows(
        clean_db,
        "SELECT c.id, v.verdict, c.enqueue_count FROM candidates c "
        "JOIN verifications v ON v.candidate_id = c.id ORDER BY c.id",
    )
    assert [(v.id, v.verdict) for v in verdicts] == [(ids[0], "pass"), (ids[1], "fail")]
    assert all(v.enqueue_count == 1 for v in verdicts)  # sent once, by the learner's relay
