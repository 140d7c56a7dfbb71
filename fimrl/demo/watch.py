"""Watching an RL run from the database: one line per learner step, and the drain at the end.

Everything here reads PostgreSQL, the record every process writes to; nothing asks a daemon
for its in-memory state, so what the demo prints is what ``fimrl sql`` would show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.rollout.relay import relay_once

__all__ = [
    "DrainResult",
    "RunCounts",
    "StepLine",
    "drain",
    "new_steps",
    "run_counts",
    "unverified_versions",
]


@dataclass(frozen=True)
class StepLine:
    """One learner step as the demo prints it."""

    step: int
    version: int
    groups_used: int
    groups_skipped: int
    groups_dropped: int
    pass_rate: float | None
    reward: float | None
    clip_fraction: float | None
    staleness_mean: float | None
    staleness_max: int | None
    loss: float | None
    step_time_s: float | None

    def text(self, target: int) -> str:
        def f(x: float | None, spec: str) -> str:
            return "-" if x is None else format(x, spec)

        return (
            f"step {self.step}/{target}  version {self.version}  groups used {self.groups_used} "
            f"skipped {self.groups_skipped} stale {self.groups_dropped}  "
            f"pass rate {f(self.pass_rate, '.3f')}  reward {f(self.reward, '.3f')}  "
            f"clip {f(self.clip_fraction, '.2f')}  staleness {f(self.staleness_mean, '.2f')}"
            f"/{self.staleness_max if self.staleness_max is not None else '-'}  "
            f"loss {f(self.loss, '.4f')}  {f(self.step_time_s, '.0f')}s"
        )


def new_steps(engine: Engine, run_id: int, after: int) -> list[StepLine]:
    """Learner steps of the run later than ``after``, oldest first.

    ``groups_skipped`` (no signal) and ``groups_dropped`` (too stale) of a step count the groups
    the learner set aside while gathering that step's batch.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT step, policy_version, groups_used, groups_skipped, groups_dropped, "
                "pass_rate, reward_mean, clip_fraction, staleness_mean, staleness_max, loss, "
                "step_time_s FROM learner_steps WHERE run_id = :r AND step > :s ORDER BY step"
            ),
            {"r": run_id, "s": after},
        ).all()
    return [StepLine(*r) for r in rows]


@dataclass(frozen=True)
class RunCounts:
    """Where an RL run's candidates are: generated, verified, passed."""

    groups: int
    candidates: int
    verified: int
    passed: int
    versions: int

    def text(self) -> str:
        rate = f"{self.passed / self.verified:.3f}" if self.verified else "-"
        return (
            f"{self.groups} groups, {self.verified}/{self.candidates} candidates verified, "
            f"pass rate {rate}, latest version {self.versions}"
        )


def run_counts(engine: Engine, run_id: int) -> RunCounts:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM groups WHERE run_id = :r),"
                " (SELECT count(*) FROM candidates c JOIN groups g ON g.id = c.group_id"
                "   WHERE g.run_id = :r),"
                " (SELECT count(*) FROM verifications v JOIN groups g ON g.id = v.group_id"
                "   WHERE g.run_id = :r),"
                " (SELECT count(*) FROM verifications v JOIN groups g ON g.id = v.group_id"
                "   WHERE g.run_id = :r AND v.verdict = 'pass'),"
                " (SELECT coalesce(max(version), 0) FROM policy_versions WHERE run_id = :r)"
            ),
            {"r": run_id},
        ).one()
    return RunCounts(*(int(x) for x in row))


def unverified_versions(engine: Engine, run_id: int) -> dict[int, int]:
    """Policy version -> candidates it sampled that still have no verdict."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT g.policy_version, count(*) FROM candidates c "
                "JOIN groups g ON g.id = c.group_id "
                "LEFT JOIN verifications v ON v.candidate_id = c.id "
                "WHERE g.run_id = :r AND v.candidate_id IS NULL GROUP BY 1 ORDER BY 1"
            ),
            {"r": run_id},
        ).all()
    return {int(v): int(n) for v, n in rows}


@dataclass(frozen=True)
class DrainResult:
    """How the wait for the last verdicts ended."""

    seconds: float
    unverified: dict[int, int]
    relayed: int

    @property
    def complete(self) -> bool:
        return not self.unverified


def drain(
    engine: Engine,
    settings: Settings,
    run_id: int,
    *,
    timeout_s: float,
    poll_s: float = 1.0,
) -> DrainResult:
    """Wait until every candidate of the run has a verdict, or ``timeout_s`` passes.

    Once the trainer has stopped nobody runs the relay for this run, so the drain does: a
    message lost now would otherwise never be re-sent. The relay re-sends only candidates
    whose lease expired, so a live worker's message is never duplicated early.
    """
    started = time.monotonic()
    relayed = 0
    last_relay = started
    while True:
        left = unverified_versions(engine, run_id)
        if not left:
            break
        now = time.monotonic()
        if now - started >= timeout_s:
            break
        if now - last_relay >= min(settings.lease_s, 30.0):
            relayed += relay_once(engine, settings, run_id).reenqueued
            last_relay = now
        time.sleep(poll_s)
    return DrainResult(round(time.monotonic() - started, 1), left, relayed)
