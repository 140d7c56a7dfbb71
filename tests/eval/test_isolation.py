"""Evaluation groups never reach the learner: its claim query takes only purpose='train'."""

from __future__ import annotations

from sqlalchemy import Engine, text

from fimrl.db.claim_store import claim_groups
from fimrl.db.run_store import ensure_run

from .conftest import make_task, make_train_run, plant_group


def _statuses(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {r.id: r.status for r in conn.execute(text("SELECT id, status FROM groups"))}


def test_eval_groups_are_never_claimed(clean_db: Engine) -> None:
    train_run = make_train_run(clean_db, "iso-train", "tiny", {1: 10})
    eval_run = ensure_run(clean_db, "iso-eval", kind="eval", config={"source_run": "iso-train"})
    train_task = make_task(clean_db, 1, split="train")
    test_task = make_task(clean_db, 2, split="test")

    train_group = plant_group(
        clean_db, run_id=train_run, task_id=train_task, version=1, n=4, passes=2, purpose="train"
    )
    # The normal place of eval groups: their own evaluation run...
    eval_groups = [
        plant_group(clean_db, run_id=eval_run, task_id=test_task, version=v, n=4, passes=p)
        for v, p in ((0, 1), (1, 3))
    ]
    # ...and the worst case: an eval group filed under the training run itself.
    eval_groups.append(
        plant_group(clean_db, run_id=train_run, task_id=test_task, version=1, n=4, passes=2)
    )
    assert set(_statuses(clean_db).values()) == {"scored"}  # all claimable, were they train

    assert claim_groups(clean_db, run_id=train_run, owner="learner", limit=100, lease_s=60) == [
        train_group
    ]
    assert claim_groups(clean_db, run_id=eval_run, owner="learner", limit=100, lease_s=60) == []
    assert claim_groups(clean_db, run_id=train_run, owner="other", limit=100, lease_s=60) == []

    # The lease-expiry branch of the claim query must not pick them up either.
    with clean_db.begin() as conn:
        conn.execute(
            text(
                "UPDATE groups SET status = 'claimed', lease_owner = 'ghost', "
                "lease_expires_at = now() - interval '1 hour' WHERE purpose = 'eval'"
            )
        )
    for run_id in (train_run, eval_run):
        assert claim_groups(clean_db, run_id=run_id, owner="learner", limit=100, lease_s=60) == []
    statuses = _statuses(clean_db)
    assert statuses[train_group] == "claimed"
    assert all(statuses[g] == "claimed" for g in eval_groups)  # untouched: still the ghost's
    with clean_db.connect() as conn:
        owners = conn.execute(
            text("SELECT DISTINCT lease_owner FROM groups WHERE purpose = 'eval'")
        ).scalars()
        assert list(owners) == ["ghost"]
