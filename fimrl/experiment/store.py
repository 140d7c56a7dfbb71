"""The experiment's rows: every state change is written before the work it announces is trusted.

An arm moves pending -> training -> trained -> evaluated (or failed). Points are written once
their checkpoint is complete on disk, with what had been spent to reach them, so a resumed arm
continues from its last point and a report never shows a checkpoint that does not exist.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql import insert

from fimrl.db.models import Experiment, ExperimentArm, ExperimentPoint
from fimrl.errors import FimrlError
from fimrl.experiment.budget import PointReached, Spent
from fimrl.experiment.spec import ExperimentSpec

__all__ = [
    "ArmRow",
    "arm_detail",
    "arm_row",
    "arm_seconds",
    "finish_experiment",
    "open_experiment",
    "points_of",
    "record_point",
    "set_arm",
    "store_summary",
    "stored_detail",
]


@dataclass(frozen=True)
class ArmRow:
    """An arm as stored."""

    id: int
    arm: str
    status: str
    spent: Spent
    run_id: int | None
    eval_run_id: int | None
    checkpoint: str | None
    detail: dict[str, Any]
    host: str | None = None


def _spec_key(spec: dict[str, Any]) -> dict[str, Any]:
    """The parts of a spec that must not change under a resumed experiment."""
    keep = ("model", "seed", "budget", "supervised", "evaluation", "settings")
    return {k: spec.get(k) for k in keep}


def open_experiment(
    engine: Engine, spec: ExperimentSpec, budget_for: dict[str, float], detail: dict[str, Any]
) -> tuple[int, bool]:
    """The experiment's id, creating it and its arm rows on first use.

    Returns (id, resumed). A resumed experiment must have the same model, seed, budget,
    training and evaluation settings (arms may be added or the description changed); anything
    else would mix two experiments under one name. ``detail`` (held-out task ids, checker) is
    written only on creation: a resumed experiment keeps the one it started with.
    """
    spec_json = spec.to_json()
    with engine.begin() as conn:
        created = conn.execute(
            insert(Experiment)
            .values(name=spec.name, spec=spec_json, detail=detail)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(Experiment.id)
        ).scalar()
        row = conn.execute(
            text("SELECT id, spec FROM experiments WHERE name = :n"), {"n": spec.name}
        ).one()
        resumed = created is None
        if _spec_key(row.spec) != _spec_key(spec_json):
            changed = [k for k, v in _spec_key(spec_json).items() if row.spec.get(k) != v]
            raise FimrlError(
                f"experiment {spec.name!r} exists with a different {', '.join(changed)}: "
                "resuming it would mix two experiments; give this one another name"
            )
        conn.execute(
            text(
                "UPDATE experiments SET spec = CAST(:s AS jsonb), status = 'running', "
                "finished_at = NULL WHERE id = :i"
            ),
            {"s": json.dumps(spec_json), "i": row.id},
        )
        for position, arm in enumerate(spec.arms):
            conn.execute(
                insert(ExperimentArm)
                .values(
                    experiment_id=row.id,
                    arm=arm,
                    position=position,
                    budget_unit=spec.budget.match,
                    budget_target=budget_for[arm],
                )
                .on_conflict_do_nothing(constraint="uq_experiment_arms_experiment_arm")
            )
    return int(row.id), resumed


def stored_detail(engine: Engine, experiment_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT detail FROM experiments WHERE id = :i"), {"i": experiment_id}
            ).scalar_one()
        )


def arm_row(engine: Engine, experiment_id: int, arm: str) -> ArmRow:
    with engine.connect() as conn:
        r = conn.execute(
            text(
                "SELECT id, arm, status, tokens, steps, seconds, run_id, eval_run_id, "
                "checkpoint, detail, host FROM experiment_arms "
                "WHERE experiment_id = :e AND arm = :a"
            ),
            {"e": experiment_id, "a": arm},
        ).one()
    return ArmRow(
        int(r.id),
        r.arm,
        r.status,
        Spent(int(r.tokens), int(r.steps), float(r.seconds)),
        r.run_id,
        r.eval_run_id,
        r.checkpoint,
        dict(r.detail or {}),
        r.host,
    )


def arm_seconds(engine: Engine, arm_id: int) -> float:
    """The arm's clock as last written (training seconds so far, resumes included)."""
    with engine.connect() as conn:
        return float(
            conn.execute(
                text("SELECT seconds FROM experiment_arms WHERE id = :i"), {"i": arm_id}
            ).scalar_one()
        )


def arm_detail(engine: Engine, arm_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT detail FROM experiment_arms WHERE id = :i"), {"i": arm_id}
            ).scalar_one()
            or {}
        )


def set_arm(engine: Engine, arm_id: int, **values: Any) -> None:
    """Update an arm's columns; ``status='training'`` stamps start and host once,
    ``'evaluated'`` stamps the finish; ``spent`` sets tokens/steps/seconds; ``detail`` merges."""
    sets: list[str] = []
    params: dict[str, Any] = {"i": arm_id}
    spent = values.pop("spent", None)
    if isinstance(spent, Spent):
        values.update(tokens=spent.tokens, steps=spent.steps, seconds=spent.seconds)
    detail = values.pop("detail", None)
    if detail is not None:
        sets.append("detail = detail || CAST(:detail AS jsonb)")
        params["detail"] = json.dumps(detail, default=str)
    for key, value in values.items():
        sets.append(f"{key} = :{key}")
        params[key] = value
    status = values.get("status")
    if status == "training":
        sets += ["started_at = coalesce(started_at, now())", "host = :host"]
        params["host"] = socket.gethostname()
    if status == "evaluated":
        sets.append("finished_at = now()")
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE experiment_arms SET {', '.join(sets)} WHERE id = :i"), params)


def record_point(engine: Engine, arm_id: int, reached: PointReached) -> None:
    """Store a curve point (idempotent: a point re-reported after a resume keeps its row)."""
    with engine.begin() as conn:
        conn.execute(
            insert(ExperimentPoint)
            .values(
                arm_id=arm_id,
                point=reached.point,
                fraction=reached.fraction,
                tokens=reached.spent.tokens,
                steps=reached.spent.steps,
                seconds=reached.spent.seconds,
                checkpoint=reached.checkpoint,
            )
            .on_conflict_do_update(
                constraint="uq_experiment_points_arm_point",
                set_={
                    "fraction": reached.fraction,
                    "tokens": reached.spent.tokens,
                    "steps": reached.spent.steps,
                    "seconds": reached.spent.seconds,
                    "checkpoint": reached.checkpoint,
                },
            )
        )


def points_of(engine: Engine, arm_id: int) -> list[PointReached]:
    """An arm's stored points, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT point, fraction, tokens, steps, seconds, checkpoint "
                "FROM experiment_points WHERE arm_id = :a ORDER BY point"
            ),
            {"a": arm_id},
        ).all()
    return [
        PointReached(
            int(r.point),
            float(r.fraction),
            Spent(int(r.tokens), int(r.steps), float(r.seconds)),
            r.checkpoint,
        )
        for r in rows
    ]


def store_summary(engine: Engine, arm_id: int, point: int, summary: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE experiment_points SET summary = CAST(:s AS jsonb) "
                "WHERE arm_id = :a AND point = :p"
            ),
            {"s": json.dumps(summary), "a": arm_id, "p": point},
        )


def finish_experiment(engine: Engine, experiment_id: int, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE experiments SET status = :s, finished_at = now() WHERE id = :i"),
            {"s": status, "i": experiment_id},
        )
