"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fim_tasks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("decl_name", sa.Text(), nullable=False),
        sa.Column("decl_kind", sa.String(length=32), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("middle", sa.Text(), nullable=False),
        sa.Column("suffix", sa.Text(), nullable=False),
        sa.Column("span_kind", sa.String(length=32), nullable=False),
        sa.Column("split", sa.String(length=8), nullable=False),
        sa.Column("hole_line", sa.Integer(), nullable=False),
        sa.Column("hole_col", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("split IN ('train', 'valid', 'test')", name=op.f("ck_fim_tasks_split")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fim_tasks")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_fim_tasks_content_hash")),
    )
    op.create_index(op.f("ix_fim_tasks_decl_name"), "fim_tasks", ["decl_name"], unique=False)
    op.create_index(
        "ix_fim_tasks_split_span_kind", "fim_tasks", ["split", "span_kind"], unique=False
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), server_default="train", nullable=False),
        sa.Column("status", sa.String(length=32), server_default="running", nullable=False),
        sa.Column(
            "config",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("name", name=op.f("uq_runs_name")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "prompt_token_ids",
            postgresql.ARRAY(sa.Integer()),
            server_default=sa.text("'{}'::integer[]"),
            nullable=False,
        ),
        sa.Column("prompt_format", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=8), server_default="train", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("learner_step", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('train', 'eval')", name=op.f("ck_groups_purpose")),
        sa.CheckConstraint(
            "status IN ('pending', 'scored', 'claimed', 'consumed', 'dropped', 'quarantined')",
            name=op.f("ck_groups_status"),
        ),
        sa.CheckConstraint("size >= 1", name=op.f("ck_groups_size_positive")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_groups_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["fim_tasks.id"],
            name=op.f("fk_groups_task_id_fim_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(
        "ix_groups_claimable",
        "groups",
        ["run_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('scored', 'claimed') AND purpose = 'train'"),
    )
    op.create_index("ix_groups_run_status", "groups", ["run_id", "status"], unique=False)
    op.create_index("ix_groups_run_version", "groups", ["run_id", "policy_version"], unique=False)
    op.create_index(op.f("ix_groups_task_id"), "groups", ["task_id"], unique=False)
    op.create_table(
        "learner_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("loss", sa.Float(), nullable=True),
        sa.Column("clip_fraction", sa.Float(), nullable=True),
        sa.Column("mean_ratio", sa.Float(), nullable=True),
        sa.Column("reward_mean", sa.Float(), nullable=True),
        sa.Column("pass_rate", sa.Float(), nullable=True),
        sa.Column("staleness_mean", sa.Float(), nullable=True),
        sa.Column("staleness_max", sa.Integer(), nullable=True),
        sa.Column("groups_used", sa.Integer(), nullable=False),
        sa.Column("groups_dropped", sa.Integer(), nullable=False),
        sa.Column("groups_skipped", sa.Integer(), nullable=False),
        sa.Column("groups_quarantined", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("step_time_s", sa.Float(), nullable=True),
        sa.Column("wait_time_s", sa.Float(), nullable=True),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_learner_steps_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_steps")),
        sa.UniqueConstraint("run_id", "step", name="uq_learner_steps_run_step"),
    )
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("learner_step", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("checkpoint_path", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_policy_versions_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("run_id", "version", name="uq_policy_versions_run_version"),
    )
    op.create_table(
        "candidates",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("completion", sa.Text(), nullable=False),
        sa.Column("middle", sa.Text(), nullable=False),
        sa.Column("token_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("behaviour_logprobs", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column(
            "sampling",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("enqueue_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_candidates_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("group_id", "index", name="uq_candidates_group_index"),
    )
    op.create_index(op.f("ix_candidates_group_id"), "candidates", ["group_id"], unique=False)
    op.create_table(
        "verifications",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reward", sa.Float(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column(
            "messages",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("lean_version", sa.String(length=64), nullable=True),
        sa.Column("worker_host", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("cached", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "verdict IN ('pass', 'fail', 'rejected', 'timeout', 'error')",
            name=op.f("ck_verifications_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_verifications_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_verifications_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_verifications_candidate_id")),
    )
    op.create_index(
        "ix_verifications_backend_host", "verifications", ["backend", "worker_host"], unique=False
    )
    op.create_index(
        op.f("ix_verifications_created_at"), "verifications", ["created_at"], unique=False
    )
    op.create_index(op.f("ix_verifications_group_id"), "verifications", ["group_id"], unique=False)
    op.create_index(
        "ix_verifications_rule",
        "verifications",
        ["rule"],
        unique=False,
        postgresql_where=sa.text("rule IS NOT NULL"),
    )
    op.create_index("ix_verifications_verdict", "verifications", ["verdict"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_verifications_verdict", table_name="verifications")
    op.drop_index(
        "ix_verifications_rule",
        table_name="verifications",
        postgresql_where=sa.text("rule IS NOT NULL"),
    )
    op.drop_index(op.f("ix_verifications_group_id"), table_name="verifications")
    op.drop_index(op.f("ix_verifications_created_at"), table_name="verifications")
    op.drop_index("ix_verifications_backend_host", table_name="verifications")
    op.drop_table("verifications")
    op.drop_index(op.f("ix_candidates_group_id"), table_name="candidates")
    op.drop_table("candidates")
    op.drop_table("policy_versions")
    op.drop_table("learner_steps")
    op.drop_index(op.f("ix_groups_task_id"), table_name="groups")
    op.drop_index("ix_groups_run_version", table_name="groups")
    op.drop_index("ix_groups_run_status", table_name="groups")
    op.drop_index(
        "ix_groups_claimable",
        table_name="groups",
        postgresql_where=sa.text("status IN ('scored', 'claimed') AND purpose = 'train'"),
    )
    op.drop_table("groups")
    op.drop_table("runs")
    op.drop_index("ix_fim_tasks_split_span_kind", table_name="fim_tasks")
    op.drop_index(op.f("ix_fim_tasks_decl_name"), table_name="fim_tasks")
    op.drop_table("fim_tasks")
