"""An RL arm's training: the asynchronous GSPO loop, run to a budget.

The trainer and learner start as their own processes (``fimrl trainer|learner start``) exactly
as an operator starts them, against workers the experiment started once; this module watches
``learner_steps`` and stops both when the budget is spent. What the arm spent is durable:
tokens and steps are sums over its learner steps, and seconds are written to the arm's row
at every poll, so a killed experiment resumes with the clock where it stopped.

A curve point is the newest published policy version when the point's target is reached (the
version produced by that learner step, for a tokens or steps budget). Before the learner has
published anything the point is version 0: the arm had not changed the policy yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.claim_store import latest_policy_version
from fimrl.db.run_store import ensure_base_version, ensure_run
from fimrl.demo.processes import Roles
from fimrl.errors import FimrlError
from fimrl.experiment.budget import Budget, PointReached, Spent
from fimrl.learn.daemon import learner_daemon
from fimrl.rollout.trainer import trainer_daemon

__all__ = ["RLStage", "train_rl"]

RL_KIND = "experiment"


@dataclass(frozen=True)
class RLStage:
    """One RL stage of an arm.

    Attributes:
        run_name: the GSPO run (created on first use, resumed after).
        policy0: the policy it starts from (the base model or the SFT stage's checkpoint).
        budget: this stage's budget (for a two-stage arm, the share left after SFT).
        first_point: the arm's point index of this stage's first budget fraction.
        before: what the arm spent before this stage (the SFT stage), counted in the points.
    """

    run_name: str
    policy0: str
    budget: Budget
    first_point: int
    before: Spent


def _learner_totals(engine: Engine, run_id: int) -> tuple[int, int]:
    with engine.connect() as conn:
        steps, tokens = conn.execute(
            text("SELECT count(*), coalesce(sum(tokens), 0) FROM learner_steps WHERE run_id = :r"),
            {"r": run_id},
        ).one()
    return int(steps), int(tokens)


def _newest_version(
    engine: Engine, run_id: int, by_step: int | None = None
) -> tuple[int, str | None]:
    return latest_policy_version(engine, run_id, by_step=by_step) or (0, None)


def _crossing(engine: Engine, run_id: int, unit: str, target: float) -> tuple[int, int, int] | None:
    """(step, steps so far, cumulative tokens) of the learner step that first reached ``target``.

    The learner can take several steps between two polls; a point is the step that crossed
    its target, not whatever step the poll happened to see.
    """
    measure = "n" if unit == "steps" else "cum_tokens"
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT step, n, cum_tokens FROM (SELECT step, "
                "row_number() OVER (ORDER BY step) AS n, "
                "sum(tokens) OVER (ORDER BY step) AS cum_tokens "
                "FROM learner_steps WHERE run_id = :r) s "
                f"WHERE {measure} >= :t ORDER BY step LIMIT 1"
            ),
            {"r": run_id, "t": target - 1e-9},
        ).first()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def _point_at(
    engine: Engine, run_id: int, budget: Budget, index: int, spent: Spent
) -> tuple[Spent, int, str | None]:
    """What was spent at point ``index`` and the policy version it is."""
    if budget.unit != "seconds":
        crossed = _crossing(engine, run_id, budget.unit, budget.target(index))
        if crossed is not None:
            step, steps, tokens = crossed
            return Spent(tokens, steps, spent.seconds), *_newest_version(engine, run_id, step)
    return spent, *_newest_version(engine, run_id)


def train_rl(
    engine: Engine,
    settings: Settings,
    roles: Roles,
    stage: RLStage,
    *,
    seconds_so_far: float,
    done: list[PointReached],
    on_point: Callable[[PointReached, int], None],
    on_spent: Callable[[Spent], None],
    on_line: Callable[[str], None],
    poll_s: float = 1.0,
) -> tuple[int, Spent]:
    """Run GSPO until ``stage.budget`` is spent; return the run id and the arm's total spent.

    ``seconds_so_far`` is the arm's clock when this call starts (SFT stage and earlier RL
    attempts included); ``done`` are the points of this stage already recorded (resume).
    ``on_point(point, version)`` is called with each new point and the policy version it is.
    """
    run_id = ensure_run(engine, stage.run_name, kind=RL_KIND, config=settings.display())
    ensure_base_version(engine, run_id, stage.policy0)
    budget = stage.budget
    next_index = len(done)
    last = len(budget.points) - 1

    def spent_now(clock0: float) -> Spent:
        steps, tokens = _learner_totals(engine, run_id)
        rl_seconds = seconds_so_far + (time.monotonic() - clock0) - stage.before.seconds
        return Spent(tokens, steps, max(0.0, rl_seconds))

    if next_index > last:
        return run_id, stage.before.plus(spent_now(time.monotonic()))
    for name in ("trainer", "learner"):  # a killed experiment may have left its daemons
        roles.fimrl(name, "stop")
    roles.start("trainer", "trainer", "start", "--detach")
    learner_args = ["learner", "start", "--detach"]
    if budget.unit == "steps":
        taken, _ = _learner_totals(engine, run_id)
        learner_args += ["--max-steps", str(max(1, int(budget.target(last)) - taken))]
    roles.start("learner", *learner_args)
    daemons = {
        "trainer": trainer_daemon(roles.state_dir),
        "learner": learner_daemon(roles.state_dir),
    }
    clock0 = time.monotonic()
    last_step = -1
    try:
        while next_index <= last:
            spent = spent_now(clock0)
            on_spent(stage.before.plus(spent))
            if spent.steps != last_step:
                last_step = spent.steps
                on_line(
                    f"  {stage.run_name}: step {spent.steps}, {spent.tokens} tokens, "
                    f"{spent.seconds:.0f}s of {budget.target(last):g} {budget.unit}"
                )
            while next_index <= last and budget.reached(spent, next_index):
                at, version, checkpoint = _point_at(engine, run_id, budget, next_index, spent)
                point = PointReached(
                    stage.first_point + next_index,
                    budget.points[next_index],
                    stage.before.plus(at),
                    checkpoint or stage.policy0,
                )
                on_point(point, version)
                next_index += 1
            if next_index > last:
                break
            for name, daemon in daemons.items():
                if daemon.pid() is None and not budget.reached(spent_now(clock0), last):
                    raise FimrlError(
                        f"the {name} of {stage.run_name} stopped early; end of its log:\n"
                        + roles.log_tail(name)
                    )
            time.sleep(poll_s)
    finally:
        roles.stop("trainer")
        roles.stop("learner")
    return run_id, stage.before.plus(spent_now(clock0))
