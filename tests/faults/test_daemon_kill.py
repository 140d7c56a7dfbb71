"""(d) The learner and the trainer SIGKILLed mid-run, then started again: both resume.

The learner takes 2 groups per step, so while the next group is being verified it holds a
claimed group; it is frozen (SIGSTOP) until it is seen holding one and then SIGKILLed, so its
claim is stranded until the lease (3 s) expires. The trainer is SIGKILLed wherever it is
(generating, writing, or between a commit and its enqueue: the relay covers that one). A new
learner resumes from the last published checkpoint and step; a new trainer continues the run.

What "no group duplicated" means here: the trainer writes each generated group once (it keeps
the group id after the commit and only retries the enqueue), and a restarted trainer draws
fresh random streams, so no two groups of the run may share task, policy version *and* samples
(see ``rig.DUPLICATE_GROUPS_SQL``); a task sampled again in a later batch is not a duplicate.
"No group trained on twice": each consumed group carries the one step that used it, each
step's ``groups_used`` equals the groups that carry it, and steps are numbered 1..K once.

A group may legitimately end ``dropped`` as stale (more than ``max_staleness`` versions behind
the learner when claimed): the dead learner's stranded claim comes back only after its lease,
and a group the killed trainer committed but never enqueued is verified only after the
relay's lease, while the new learner keeps stepping. Every such drop must say "stale"; any
other ending than consumed, stale-dropped or one scored group short of a step fails.
"""

from __future__ import annotations

import os
import signal

from .rig import FaultRig

FIRST_BATCHES = 40  # more than happen before the trainer is killed
SECOND_BATCHES = 4
PER_STEP = 2
STALE_SQL = "SELECT id FROM groups WHERE status = 'dropped' AND reason LIKE 'stale:%'"


def test_trainer_and_learner_sigkill_then_resume(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig: FaultRig = make_rig(groups_per_step=PER_STEP, checker_latency_s=0.5, group_size=2)
    rig.add_tasks(6)
    rig.start_worker("w1", concurrency=2)
    trainer = rig.start_trainer(max_batches=FIRST_BATCHES)
    learner = rig.start_learner()
    steps = lambda: rig.count("SELECT count(*) FROM learner_steps")  # noqa: E731

    # 1. The learner dies holding a claim.
    rig.wait(lambda: steps() >= 1, 120, "a first learner step")
    owner = f"learner-%-{learner}-%"

    def frozen_with_claim() -> bool:
        os.kill(learner, signal.SIGSTOP)
        held = rig.count(
            "SELECT count(*) FROM groups WHERE status = 'claimed' AND lease_owner LIKE :o", o=owner
        )
        if held:
            return True
        os.kill(learner, signal.SIGCONT)
        return False

    rig.wait(frozen_with_claim, 60, "the learner to hold a claim")
    rig.kill(learner, "learner")
    stranded = rig.ids(
        "SELECT id FROM groups WHERE status = 'claimed' AND lease_owner LIKE :o", o=owner
    )
    dead_steps = steps()
    assert stranded

    # 2. The trainer dies wherever it is.
    written = rig.count("SELECT count(*) FROM groups")
    rig.wait(lambda: rig.count("SELECT count(*) FROM groups") > written, 60, "one more group")
    rig.kill(trainer, "trainer")
    groups_before = rig.count("SELECT count(*) FROM groups")
    assert groups_before < FIRST_BATCHES

    # 3. Both start again and resume.
    rig.start_trainer(max_batches=SECOND_BATCHES)
    rig.start_learner()

    def drained() -> bool:
        if rig.trainer_pid() is not None or rig.unverified_ids():
            return False
        usable = rig.count("SELECT count(*) FROM groups") - len(rig.ids(STALE_SQL))
        consumed = rig.count("SELECT count(*) FROM groups WHERE status = 'consumed'")
        return consumed == usable - usable % PER_STEP

    rig.wait(drained, 180, "the second trainer to finish and the learner to consume its groups")
    stop = rig.cli("learner", "stop")
    assert stop.returncode == 0 and "learner stopped" in stop.stdout
    counts = rig.counts()
    print(f"\n(d) trainer + learner SIGKILL: {counts.line()}")

    assert counts.groups == groups_before + SECOND_BATCHES
    assert counts.broken_groups == 0 and counts.duplicate_groups == 0
    assert counts.candidates == 2 * counts.groups
    assert counts.verdicts == counts.candidates
    assert counts.duplicate_verdicts == 0 and counts.unverified == 0
    stale = set(rig.ids(STALE_SQL))
    usable = counts.groups - len(stale)
    leftover = usable % PER_STEP  # one group short of a step: handed back on stop
    assert counts.groups_by_status == {"consumed": usable - leftover} | (
        {"scored": leftover} if leftover else {}
    ) | ({"dropped": len(stale)} if stale else {})
    assert counts.consumed == PER_STEP * counts.learner_steps == counts.groups_used
    assert counts.trained_twice == 0 and counts.consumed_without_step == 0
    assert counts.distinct_steps == counts.learner_steps == counts.max_step  # steps 1..K, once
    assert counts.learner_steps > dead_steps
    # The dead learner's claims were trained on once, by the new learner (or found stale).
    assert rig.count(
        "SELECT count(*) FROM groups WHERE id = ANY(:ids) AND status = 'consumed' "
        "AND learner_step > :k",
        ids=sorted(set(stranded) - stale),
        k=dead_steps,
    ) == len(set(stranded) - stale)
    versions = rig.count("SELECT count(*) FROM policy_versions")
    assert versions == counts.learner_steps + 1  # v0 and one per step (checkpoint_every 1)
    assert "resuming from" in rig.learner_log()
