"""experiments: arms, their budgets and curve points, and views over them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

`fimrl experiment run` compares training arms (base, ntp, fim-sft, fim-rlvr, fim-sft+rlvr)
from one starting model. Everything it does is a row here so an interrupted experiment resumes
at the arm and point it reached, arms can be handed to other hosts, and a notebook or
`fimrl sql` reads the comparison without fimrl:

- ``experiments``: one row per experiment, its spec as JSON, and in ``detail`` what was fixed
  when it started (the starting model, the checker, the held-out task ids every arm shares).
- ``experiment_arms``: per arm, the budget it was given (unit and target), what it spent
  (tokens that carried loss, optimizer steps, seconds of training), its GSPO run (RL arms),
  its evaluation run, its final checkpoint.
- ``experiment_points``: the checkpoints along an arm's budget (its learning curve) with what
  had been spent to reach each and, once evaluated, the pass@k summary (JSON by span kind).

Views: ``v_experiment_arms`` (one row per arm with its final point's pass@1 overall and on
whole proofs) and ``v_experiment_points`` (one row per curve point).

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARMS = ("base", "ntp", "fim-sft", "fim-rlvr", "fim-sft+rlvr")
STATUSES = ("pending", "training", "trained", "evaluated", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


#: pass@k estimate of one breakdown of a point's summary JSON ({kind: {k: {estimate,...}}}).
def _estimate(kind: str, k: int) -> str:
    return f"(p.summary -> '{kind}' -> '{k}' ->> 'estimate')::float"


V_EXPERIMENT_POINTS = f"""
CREATE VIEW v_experiment_points AS
SELECT e.name AS experiment, a.arm, p.point, p.fraction, p.tokens, p.steps, p.seconds,
       {_estimate("fim", 1)} AS fim_pass_at_1,
       {_estimate("proof", 1)} AS proof_pass_at_1,
       {_estimate("all", 1)} AS all_pass_at_1,
       p.checkpoint, p.summary IS NOT NULL AS evaluated, p.created_at
FROM experiment_points p
JOIN experiment_arms a ON a.id = p.arm_id
JOIN experiments e ON e.id = a.experiment_id
"""

V_EXPERIMENT_ARMS = f"""
CREATE VIEW v_experiment_arms AS
SELECT e.name AS experiment, a.arm, a.position, a.status, a.budget_unit, a.budget_target,
       a.tokens, a.steps, a.seconds, r.name AS rl_run, ev.name AS eval_run, a.checkpoint,
       a.host, {_estimate("fim", 1)} AS fim_pass_at_1, {_estimate("proof", 1)} AS proof_pass_at_1,
       a.started_at, a.finished_at
FROM experiment_arms a
JOIN experiments e ON e.id = a.experiment_id
LEFT JOIN runs r ON r.id = a.run_id
LEFT JOIN runs ev ON ev.id = a.eval_run_id
LEFT JOIN LATERAL (
    SELECT summary FROM experiment_points WHERE arm_id = a.id AND summary IS NOT NULL
    ORDER BY point DESC LIMIT 1
) p ON true
"""

VIEWS = (
    (
        "v_experiment_points",
        V_EXPERIMENT_POINTS,
        "Learning-curve points of experiment arms: budget fraction, tokens/steps/seconds "
        "spent, held-out FIM and whole-proof pass@1.",
    ),
    (
        "v_experiment_arms",
        V_EXPERIMENT_ARMS,
        "Per experiment arm: status, budget (unit, target), tokens/steps/seconds spent, its "
        "runs, final held-out FIM and whole-proof pass@1.",
    ),
)


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("spec", JSONB(), nullable=False),
        sa.Column("status", sa.String(16), server_default="running", nullable=False),
        sa.Column("detail", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        _now(),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_experiments"),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_arms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("budget_unit", sa.String(16), nullable=False),
        sa.Column("budget_target", sa.Float(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("steps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seconds", sa.Float(), server_default="0", nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("eval_run_id", sa.Integer(), nullable=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("host", sa.String(200), nullable=True),
        sa.Column("detail", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_arms"),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name="fk_experiment_arms_experiment_id_experiments",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_experiment_arms_run_id_runs", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["eval_run_id"],
            ["runs.id"],
            name="fk_experiment_arms_eval_run_id_runs",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("experiment_id", "arm", name="uq_experiment_arms_experiment_arm"),
        sa.CheckConstraint(_in("arm", ARMS), name="ck_experiment_arms_arm"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_experiment_arms_status"),
    )
    op.create_table(
        "experiment_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arm_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("steps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seconds", sa.Float(), server_default="0", nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("summary", JSONB(), nullable=True),
        _now(),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_points"),
        sa.ForeignKeyConstraint(
            ["arm_id"],
            ["experiment_arms.id"],
            name="fk_experiment_points_arm_id_experiment_arms",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("arm_id", "point", name="uq_experiment_points_arm_point"),
    )
    for name, sql, comment in VIEWS:
        op.execute(sql)
        op.execute(f"COMMENT ON VIEW {name} IS '{comment}'")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_experiment_arms")
    op.execute("DROP VIEW IF EXISTS v_experiment_points")
    op.drop_table("experiment_points")
    op.drop_table("experiment_arms")
    op.drop_table("experiments")
