"""learner_steps: how far the sampler's log-probs are from the learner's, per step

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

The learner clips GSPO's sequence ratio against its own weights before the update (π_prox)
and weights each sequence by a truncated π_prox / π_behaviour. Whether the sampler and the
learner agree is a per-step fact a researcher must see: the mean and 95th percentile of
|mean_t log(π_prox / π_behaviour)| per sequence, and the share of behaviour weights that hit
the cap. NULL where nothing was recomputed (``behaviour_correction = none``, older rows).

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("mismatch_mean", "mismatch_p95", "tis_capped_fraction")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("learner_steps", sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("learner_steps", name)
