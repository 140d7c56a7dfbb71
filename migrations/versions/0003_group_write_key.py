"""groups.write_key: an idempotency key for group writes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The trainer writes a group and its candidates in one transaction. If the commit reaches the
server but its reply is lost (a network cut at the wrong moment), the trainer cannot tell
whether the group exists, and a plain retry would write it twice. The writer now picks a UUID
before its first attempt and a retry with the same key returns the stored group. Older rows
keep NULL (PostgreSQL allows any number of NULLs under a unique constraint).

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("groups", sa.Column("write_key", sa.Uuid(), nullable=True))
    op.create_unique_constraint("uq_groups_write_key", "groups", ["write_key"])


def downgrade() -> None:
    op.drop_constraint("uq_groups_write_key", "groups", type_="unique")
    op.drop_column("groups", "write_key")
