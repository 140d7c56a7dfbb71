"""verifications: store a verdict and score its group in one call, one round trip

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A worker stores one verdict per message, and on the verify path every round trip to
PostgreSQL is a visible share of a message's cost: a client-side transaction (BEGIN, lock,
insert + count, COMMIT, and the pool's ping) cost five round trips and ~1 ms of client CPU
per verdict. ``fimrl_record_verdict(candidate, group, verdict jsonb)`` runs the same steps
server-side in the caller's single statement (autocommit: the call is the transaction).

Why it is correct under concurrency: the group row is locked first, and in a VOLATILE
PL/pgSQL function every statement takes a fresh snapshot under READ COMMITTED, so the count
after the lock sees every verdict another worker committed while this one waited — two
workers storing a group's last two verdicts at once cannot both miss the final count.
The verdict is one ``jsonb`` argument so that a new verification column changes this
function, not every caller's signature.

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION fimrl_record_verdict(c bigint, g bigint, v jsonb) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            stored integer;
        BEGIN
            PERFORM 1 FROM groups WHERE id = g FOR UPDATE;
            IF NOT FOUND THEN
                RETURN false;  -- the run was deleted: nothing to store
            END IF;
            IF NOT EXISTS (SELECT 1 FROM candidates WHERE id = c AND group_id = g) THEN
                RETURN false;
            END IF;
            INSERT INTO verifications (candidate_id, group_id, verdict, reward, rule, messages,
                                       detail, duration_s, backend, lean_version, worker_host,
                                       attempts, cached)
            VALUES (c, g, v->>'verdict', (v->>'reward')::double precision, v->>'rule',
                    COALESCE(NULLIF(v->'messages', 'null'::jsonb), '[]'::jsonb), v->>'detail',
                    (v->>'duration_s')::double precision, v->>'backend', v->>'lean_version',
                    v->>'worker_host', COALESCE((v->>'attempts')::integer, 1),
                    COALESCE((v->>'cached')::boolean, false))
            ON CONFLICT (candidate_id) DO NOTHING;
            GET DIAGNOSTICS stored = ROW_COUNT;
            IF stored = 0 THEN
                RETURN false;  -- a redelivery: the first verdict stands
            END IF;
            UPDATE groups SET status = 'scored', scored_at = now()
            WHERE id = g AND status = 'pending'
              AND (SELECT count(*) FROM verifications WHERE group_id = g) >= size;
            RETURN true;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION fimrl_record_verdict(bigint, bigint, jsonb)")
