"""SQLAlchemy 2.0 models: every fact of an experiment, queryable by SQL.

A row is written once by the process that knows the fact (builder, trainer, worker, learner)
and the cross-process state machine lives in columns (``groups.status`` and its lease), never
in memory, so any process can die and be restarted without losing work.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GROUP_STATUSES = ("pending", "scored", "claimed", "consumed", "dropped", "quarantined")
VERDICTS = ("pass", "fail", "rejected", "timeout", "error")
SPLITS = ("train", "valid", "test")
GROUP_PURPOSES = ("train", "eval")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Run(Base):
    """One experiment (a demo, a training run, an evaluation, a benchmark)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), server_default="train")
    status: Mapped[str] = mapped_column(String(32), server_default="running")
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    notes: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FimTask(Base):
    """A declaration with one tactic span masked: header + prefix + middle + suffix."""

    __tablename__ = "fim_tasks"
    __table_args__ = (
        CheckConstraint(_in("split", SPLITS), name="split"),
        Index("ix_fim_tasks_split_span_kind", "split", "span_kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    decl_name: Mapped[str] = mapped_column(Text, index=True)
    decl_kind: Mapped[str] = mapped_column(String(32), default="theorem")
    header: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text)
    middle: Mapped[str] = mapped_column(Text)
    suffix: Mapped[str] = mapped_column(Text)
    span_kind: Mapped[str] = mapped_column(String(32))
    split: Mapped[str] = mapped_column(String(8))
    hole_line: Mapped[int] = mapped_column(Integer, default=0)
    hole_col: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _now()


class PolicyVersion(Base):
    """A published policy: version 0 is the base model, each later one a checkpoint."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("run_id", "version", name="uq_policy_versions_run_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    learner_step: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(Text)
    checkpoint_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class Group(Base):
    """G candidates for one task from one policy version; the unit the learner consumes."""

    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint(_in("status", GROUP_STATUSES), name="status"),
        CheckConstraint(_in("purpose", GROUP_PURPOSES), name="purpose"),
        CheckConstraint("size >= 1", name="size_positive"),
        # The learner's claim query scans only claimable rows.
        Index(
            "ix_groups_claimable",
            "run_id",
            "created_at",
            postgresql_where=text("status IN ('scored', 'claimed') AND purpose = 'train'"),
        ),
        Index("ix_groups_run_status", "run_id", "status"),
        Index("ix_groups_run_version", "run_id", "policy_version"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("fim_tasks.id", ondelete="CASCADE"), index=True)
    policy_version: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    #: The prompt as the policy saw it: the learner re-scores completions after these tokens.
    prompt_token_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    prompt_format: Mapped[str | None] = mapped_column(String(32))
    #: Chosen by the writer before its first attempt: a retry after a commit whose reply was
    #: lost finds the group instead of writing it twice (see ``write_group``).
    write_key: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    purpose: Mapped[str] = mapped_column(String(8), server_default="train")
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    learner_step: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Candidate.index",
    )


class Candidate(Base):
    """One sampled completion with what the learner needs: tokens and behaviour log-probs."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("group_id", "index", name="uq_candidates_group_index"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    completion: Mapped[str] = mapped_column(Text)
    middle: Mapped[str] = mapped_column(Text)
    token_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    behaviour_logprobs: Mapped[list[float]] = mapped_column(ARRAY(Float))
    sampling: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    policy_version: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    enqueue_count: Mapped[int] = mapped_column(Integer, server_default="0")
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()

    group: Mapped[Group] = relationship(back_populates="candidates")
    verification: Mapped[Verification | None] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", passive_deletes=True
    )


class Verification(Base):
    """The verdict on one candidate: enough stored that any reward can be recomputed by SQL."""

    __tablename__ = "verifications"
    __table_args__ = (
        CheckConstraint(_in("verdict", VERDICTS), name="verdict"),
        Index("ix_verifications_backend_host", "backend", "worker_host"),
        Index("ix_verifications_verdict", "verdict"),
        Index("ix_verifications_rule", "rule", postgresql_where=text("rule IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), unique=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    reward: Mapped[float] = mapped_column(Float)
    rule: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    detail: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float)
    backend: Mapped[str] = mapped_column(String(16))
    lean_version: Mapped[str | None] = mapped_column(String(64))
    worker_host: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, server_default="1")
    cached: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, index=True
    )

    candidate: Mapped[Candidate] = relationship(back_populates="verification")


class LearnerStep(Base):
    """Metrics of one GSPO step."""

    __tablename__ = "learner_steps"
    __table_args__ = (UniqueConstraint("run_id", "step", name="uq_learner_steps_run_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[int] = mapped_column(Integer)
    loss: Mapped[float | None] = mapped_column(Float)
    clip_fraction: Mapped[float | None] = mapped_column(Float)
    mean_ratio: Mapped[float | None] = mapped_column(Float)
    #: |mean_t log(π_prox / π_behaviour)| per sequence (migration 0006): sampler vs learner.
    mismatch_mean: Mapped[float | None] = mapped_column(Float)
    mismatch_p95: Mapped[float | None] = mapped_column(Float)
    tis_capped_fraction: Mapped[float | None] = mapped_column(Float)
    reward_mean: Mapped[float | None] = mapped_column(Float)
    pass_rate: Mapped[float | None] = mapped_column(Float)
    staleness_mean: Mapped[float | None] = mapped_column(Float)
    staleness_max: Mapped[int | None] = mapped_column(Integer)
    groups_used: Mapped[int] = mapped_column(Integer, default=0)
    groups_dropped: Mapped[int] = mapped_column(Integer, default=0)
    groups_skipped: Mapped[int] = mapped_column(Integer, default=0)
    groups_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    step_time_s: Mapped[float | None] = mapped_column(Float)
    wait_time_s: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = _now()


EXPERIMENT_ARMS = ("base", "ntp", "fim-sft", "fim-rlvr", "fim-sft+rlvr")
ARM_STATUSES = ("pending", "training", "trained", "evaluated", "failed")


class Experiment(Base):
    """One comparison of training arms from one starting model (``fimrl experiment run``)."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExperimentArm(Base):
    """One arm of an experiment: its budget, what it spent, where its checkpoints and
    evaluation live. ``run_id`` is the arm's GSPO run (RL arms), ``eval_run_id`` the
    evaluation run whose policy versions are the arm's curve points."""

    __tablename__ = "experiment_arms"
    __table_args__ = (
        UniqueConstraint("experiment_id", "arm", name="uq_experiment_arms_experiment_arm"),
        CheckConstraint(_in("arm", EXPERIMENT_ARMS), name="arm"),
        CheckConstraint(_in("status", ARM_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    arm: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    budget_unit: Mapped[str] = mapped_column(String(16))
    budget_target: Mapped[float] = mapped_column(Float)
    tokens: Mapped[int] = mapped_column(BigInteger, server_default="0")
    steps: Mapped[int] = mapped_column(Integer, server_default="0")
    seconds: Mapped[float] = mapped_column(Float, server_default="0")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    eval_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    checkpoint: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExperimentPoint(Base):
    """A checkpoint of an arm at a fraction of its budget: one point of its learning curve,
    with what had been spent to reach it and (once evaluated) its pass@k summary."""

    __tablename__ = "experiment_points"
    __table_args__ = (UniqueConstraint("arm_id", "point", name="uq_experiment_points_arm_point"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arm_id: Mapped[int] = mapped_column(ForeignKey("experiment_arms.id", ondelete="CASCADE"))
    point: Mapped[int] = mapped_column(Integer)
    fraction: Mapped[float] = mapped_column(Float)
    tokens: Mapped[int] = mapped_column(BigInteger, server_default="0")
    steps: Mapped[int] = mapped_column(Integer, server_default="0")
    seconds: Mapped[float] = mapped_column(Float, server_default="0")
    checkpoint: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()
