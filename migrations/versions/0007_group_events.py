"""groups: a notification when a group changes status, so waiting loops wake at once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

The learner waits for scored groups and the trainer for room (pending groups that became
scored). Sleeping a poll interval between looks costs up to that interval per step — seconds
per learner step that an asynchronous pipeline exists to save. Every new group and every
status change sends ``NOTIFY fimrl_groups, '<run_id> <status>'`` (delivered at commit,
whoever wrote it: the trainer, a worker's verdict, the learner), and the loops LISTEN and wake
on their run's events; they still poll, at a slower pace, where LISTEN is not available
(a transaction-pooling proxy in front of PostgreSQL).

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION fimrl_notify_group_status() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
                PERFORM pg_notify('fimrl_groups', NEW.run_id::text || ' ' || NEW.status);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER groups_status_notify
        AFTER INSERT OR UPDATE OF status ON groups
        FOR EACH ROW EXECUTE FUNCTION fimrl_notify_group_status()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER groups_status_notify ON groups")
    op.execute("DROP FUNCTION fimrl_notify_group_status()")
