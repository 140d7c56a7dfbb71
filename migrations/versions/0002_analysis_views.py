"""analysis views: the named queries of `fimrl sql`, readable by any SQL client

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Each view is one named analysis query over the proof attempts (`fimrl sql list` describes
them; `fimrl.db.queries` is the registry). Every view has a ``run`` column (the run's name) so
a client can filter by run. ``pass_at_k(n, c, k)`` is the unbiased pass@k estimator of Chen et
al. (2021), 1 - C(n-c, k) / C(n, k), as a function for ad-hoc use; the view computes the same
product inline because a PL/pgSQL call per row would be slower than the query it serves.

Indexes: the views scan whole tables (they aggregate every attempt), so what they need is
parallel hash aggregation with sane estimates, not index lookups. 0001 already indexes
verifications on group_id, created_at, verdict, rule and (backend, worker_host), which serve
filtered ad-hoc queries. A covering index on verifications (group_id) INCLUDE (verdict,
reward, duration_s, created_at, backend, worker_host) was measured at 1M candidates
(bench/bench_sql.py) and changed no view by more than the noise, so it is not added; the one
object the views did need is the statistics object on the minute expression (below), without
which v_throughput_per_minute sorted a million rows instead of hashing 700 groups.

This file must not import fimrl: a migration has to keep working as the code around it moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: k values of the pass@k columns of v_pass_at_k_per_task.
PASS_AT_K = (1, 8, 32)


def _pass_at_k_expr(n: str, c: str, k: int) -> str:
    """SQL for 1 - C(n-c, k) / C(n, k), NULL when n < k.

    C(n-c, k) / C(n, k) = prod_{i<k} (n-c-i) / (n-i): a product of k ratios in [0, 1],
    so nothing overflows (no factorials) and the relative error stays within ~k ulps. When
    n - c < k a factor is zero and the estimate is exactly 1.
    """
    if k == 1:
        return f"CASE WHEN {n} < 1 THEN NULL ELSE {c}::float8 / {n} END"
    factors = " * ".join(
        f"(({n} - {c} - {i})::float8 / ({n} - {i}))" if i else f"(({n} - {c})::float8 / {n})"
        for i in range(k)
    )
    return (
        f"CASE WHEN {n} < {k} THEN NULL WHEN {n} - {c} < {k} THEN 1.0::float8 "
        f"ELSE 1.0::float8 - {factors} END"
    )


PASS_AT_K_FUNCTION = """
CREATE FUNCTION pass_at_k(n bigint, c bigint, k integer) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    q double precision := 1.0;
BEGIN
    IF k < 1 OR c < 0 OR c > n THEN
        RAISE EXCEPTION 'pass_at_k needs k >= 1 and 0 <= c <= n (got n=%, c=%, k=%)', n, c, k;
    END IF;
    IF n < k THEN
        RETURN NULL;
    END IF;
    IF n - c < k THEN
        RETURN 1.0;
    END IF;
    IF k = 1 THEN
        RETURN c::double precision / n;
    END IF;
    FOR i IN 0 .. k - 1 LOOP
        q := q * ((n - c - i)::double precision / (n - i));
    END LOOP;
    RETURN 1.0 - q;
END
$$
"""

COMMENT_PASS_AT_K = (
    "COMMENT ON FUNCTION pass_at_k(bigint, bigint, integer) IS "
    "'Unbiased pass@k (Chen et al. 2021): 1 - C(n-c,k)/C(n,k) for n samples with c passes; "
    "NULL when n < k.'"
)

# Per (run, task): verified samples n, passes c, verdict counts. Shared by two views.
_PER_TASK = """
    SELECT g.run_id, g.task_id,
           count(*) AS n,
           count(*) FILTER (WHERE v.verdict = 'pass') AS c,
           count(*) FILTER (WHERE v.verdict = 'fail') AS fails,
           count(*) FILTER (WHERE v.verdict = 'rejected') AS rejected,
           count(*) FILTER (WHERE v.verdict = 'timeout') AS timeouts,
           count(*) FILTER (WHERE v.verdict = 'error') AS errors,
           max(v.created_at) AS last_verified_at
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    GROUP BY g.run_id, g.task_id
"""

#: Minutes of v_throughput_per_minute: date_bin is immutable (date_trunc on timestamptz is
#: not), so the extended statistics below can describe it; same buckets as date_trunc for
#: every time zone with a whole-minute offset.
MINUTE = "date_bin('1 minute', v.created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')"

VIEWS: dict[str, tuple[str, str]] = {
    "v_pass_rate_per_version": (
        """
SELECT r.name AS run,
       gs.policy_version,
       gs.purpose,
       gs.groups,
       gs.candidates,
       coalesce(vs.verified, 0) AS verified,
       coalesce(vs.passes, 0) AS passes,
       vs.passes::float8 / nullif(vs.verified, 0) AS pass_rate,
       vs.reward_sum / nullif(vs.verified, 0) AS mean_reward,
       gs.first_group_at,
       gs.last_group_at
FROM (
    SELECT run_id, policy_version, purpose,
           count(*) AS groups,
           sum(size)::bigint AS candidates,
           min(created_at) AS first_group_at,
           max(created_at) AS last_group_at
    FROM groups
    GROUP BY run_id, policy_version, purpose
) gs
LEFT JOIN (
    SELECT g.run_id, g.policy_version, g.purpose,
           count(*) AS verified,
           count(*) FILTER (WHERE v.verdict = 'pass') AS passes,
           sum(v.reward) AS reward_sum
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    GROUP BY g.run_id, g.policy_version, g.purpose
) vs ON vs.run_id = gs.run_id
    AND vs.policy_version = gs.policy_version
    AND vs.purpose = gs.purpose
JOIN runs r ON r.id = gs.run_id
""",
        "Pass rate and mean reward of verified candidates per run, policy version and "
        "purpose (train/eval); candidates = the groups' sizes, verified = with a verdict.",
    ),
    "v_pass_at_k_per_task": (
        f"""
SELECT r.name AS run,
       t.id AS task_id,
       t.decl_name,
       t.span_kind,
       t.split,
       p.n,
       p.c,
       {", ".join(f"{_pass_at_k_expr('p.n', 'p.c', k)} AS pass_at_{k}" for k in PASS_AT_K)}
FROM ({_PER_TASK}) p
JOIN runs r ON r.id = p.run_id
JOIN fim_tasks t ON t.id = p.task_id
""",
        "Per run and task: n verified samples, c passes, and the unbiased pass@k "
        "(Chen et al.) for k = 1, 8, 32; NULL where n < k.",
    ),
    "v_tasks_never_solved": (
        f"""
SELECT r.name AS run,
       t.id AS task_id,
       t.decl_name,
       t.span_kind,
       t.split,
       p.n AS attempts,
       p.fails,
       p.rejected,
       p.timeouts,
       p.errors,
       p.last_verified_at
FROM ({_PER_TASK}) p
JOIN runs r ON r.id = p.run_id
JOIN fim_tasks t ON t.id = p.task_id
WHERE p.c = 0
""",
        "Tasks attempted in a run with no passing candidate, with attempts and verdict counts.",
    ),
    "v_lean_error_kinds": (
        """
SELECT r.name AS run,
       e.kind,
       e.head,
       e.errors,
       e.example
FROM (
    SELECT g.run_id,
           coalesce(m.msg ->> 'kind', 'anonymous') AS kind,
           CASE WHEN m.msg ->> 'kind' IS NULL THEN
               left(rtrim(split_part(split_part(split_part(
                   m.msg ->> 'data', chr(10), 1), chr(39), 1), '`', 1), ' :'), 60)
           END AS head,
           count(*) AS errors,
           left(min(m.msg ->> 'data' COLLATE "C"), 200) AS example
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    -- v.id in the argument keeps the planner from memoizing on whole message arrays, a
    -- cache that costs more than it saves when messages rarely repeat
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN v.id IS NOT NULL AND jsonb_typeof(v.messages) = 'array'
             THEN v.messages END
    ) AS m(msg)
    WHERE v.verdict <> 'pass'
      AND v.messages <> '[]'::jsonb
      AND m.msg ->> 'severity' = 'error'
    GROUP BY 1, 2, 3
) e
JOIN runs r ON r.id = e.run_id
""",
        "Most common Lean error kinds: messages with severity error grouped by kind (messages "
        "without one by their first line up to a quote, in head); count and an example.",
    ),
    "v_verification_latency": (
        """
SELECT r.name AS run,
       l.backend,
       l.worker_host,
       l.verdicts,
       q.p[1] AS p50_s,
       q.p[2] AS p95_s,
       q.p[3] AS p99_s,
       l.mean_s,
       l.max_s
FROM (
    -- hashed, in parallel; each group's durations are sorted once, below
    SELECT g.run_id,
           v.backend,
           v.worker_host,
           count(*) AS verdicts,
           avg(v.duration_s) AS mean_s,
           max(v.duration_s) AS max_s,
           array_agg(v.duration_s) AS durations
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    GROUP BY 1, 2, 3
) l
JOIN runs r ON r.id = l.run_id
CROSS JOIN LATERAL (
    SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY u.d) AS p
    FROM (SELECT unnest(l.durations) AS d) u
) q
""",
        "Verification latency per run, backend and worker host: count, p50/p95/p99 "
        "(continuous percentiles of duration_s), mean and max, in seconds.",
    ),
    "v_rejections_per_rule": (
        """
SELECT r.name AS run,
       x.rule,
       x.rejections,
       x.rejections::float8 / sum(x.rejections) OVER (PARTITION BY x.run_id) AS share,
       x.example_detail,
       x.last_at
FROM (
    SELECT g.run_id,
           coalesce(v.rule, '(no rule)') AS rule,
           count(*) AS rejections,
           min(left(v.detail, 200) COLLATE "C") AS example_detail,
           max(v.created_at) AS last_at
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    WHERE v.verdict = 'rejected'
    GROUP BY 1, 2
) x
JOIN runs r ON r.id = x.run_id
""",
        "Rejected candidates per guard/axiom rule: count, share of the run's rejections, "
        "an example detail.",
    ),
    "v_throughput_per_minute": (
        f"""
SELECT r.name AS run,
       t.minute,
       t.verdicts,
       t.passes,
       t.fails,
       t.rejected,
       t.timeouts,
       t.errors,
       t.mean_duration_s
FROM (
    SELECT g.run_id,
           {MINUTE} AS minute,
           count(*) AS verdicts,
           count(*) FILTER (WHERE v.verdict = 'pass') AS passes,
           count(*) FILTER (WHERE v.verdict = 'fail') AS fails,
           count(*) FILTER (WHERE v.verdict = 'rejected') AS rejected,
           count(*) FILTER (WHERE v.verdict = 'timeout') AS timeouts,
           count(*) FILTER (WHERE v.verdict = 'error') AS errors,
           avg(v.duration_s) AS mean_duration_s
    FROM verifications v
    JOIN groups g ON g.id = v.group_id
    GROUP BY 1, 2
) t
JOIN runs r ON r.id = t.run_id
""",
        "Verdicts stored per minute (verifications.created_at) per run, split by verdict, "
        "with the mean check duration.",
    ),
}

#: Extended statistics: without them the planner takes every created_at as its own minute
#: (1M groups), sorts a million rows and aggregates them in order; with them it hashes.
STATISTICS = {
    "st_verifications_minute": f"({MINUTE.replace('v.', '')}) FROM verifications",
}


def upgrade() -> None:
    op.execute(PASS_AT_K_FUNCTION)
    op.execute(COMMENT_PASS_AT_K)
    for name, definition in STATISTICS.items():
        op.execute(f"CREATE STATISTICS {name} ON {definition}")
    for name, (body, comment) in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body.strip()}")
        op.execute(f"COMMENT ON VIEW {name} IS '{comment.replace(chr(39), chr(39) * 2)}'")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name in STATISTICS:
        op.execute(f"DROP STATISTICS IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS pass_at_k(bigint, bigint, integer)")
