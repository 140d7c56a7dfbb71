"""The named analysis queries of `fimrl sql` at research scale: 1 million candidates.

Fills a fresh database (embedded PostgreSQL in a temp dir, or a scratch database on the
server of ``FIMRL_DATABASE_URL``) with synthetic but realistically shaped data, entirely
server-side (``INSERT ... SELECT`` over ``generate_series``):

* 50,000 FIM tasks, 30% of them never solvable, the rest with a skewed difficulty;
* 125,000 groups of 8 candidates (1,000,000 candidates, each with a verdict) in two runs:
  ``bench-grpo`` (40 policy versions, pass rate rising with the version, 10% eval groups,
  Lean backends ``repl`` on 6 hosts and ``cli`` on 2) and ``bench-exact`` (10 versions, the
  ``exact`` backend on one host); tasks are drawn with a heavy head, so popular tasks have
  hundreds of samples and the tail a few;
* verdicts: pass by task difficulty and version, otherwise fail 70% (1-2 Lean messages in
  JSONB from 14 templates, named kinds and anonymous ones), rejected 15% (guard and axiom
  rules, skewed), timeout 10%, error 5%; durations log-normal per backend; verdicts spread
  over six hours.

Then ``VACUUM ANALYZE`` (what autovacuum does to an insert-heavy table on its own), a wait
for other load on the machine to settle (``--quiet-wait``), and every named query is timed
three times, two ways: all rows (``SELECT * FROM view ORDER BY ...`` over an open connection,
every row fetched) and as `fimrl sql NAME --run bench-grpo --limit 100` runs it (its own
connection, a READ ONLY transaction). The figure is the median; the target is under 1 s each.
The CPU use of other processes while timing is reported beside it. Results go to
``bench/results/sql-*.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/bench_sql.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from bench.common import CpuMeter, bench_services, machine_info, wait_until_quiet, write_results
from fimrl.db import queries

console = Console(width=None if sys.stdout.isatty() else 150)

TARGET_S = 1.0
GROUP_SIZE = 8
RUN_FILTER = "bench-grpo"

# Lean messages of failing candidates: (kind or None, severity, text). Weights skew them.
ERROR_TEMPLATES: tuple[tuple[str | None, str, str, int], ...] = (
    (
        None,
        "error",
        "unsolved goals\\ncase succ\\nn : Nat\\nih : n + @X@ = n\\n⊢ n + 1 + @X@ = n + 1",
        30,
    ),
    (
        None,
        "error",
        "type mismatch\\n  h@X@\\nhas type\\n  a ≤ b + @X@ : Prop\\n"
        "but is expected to have type\\n  b ≤ a : Prop",
        18,
    ),
    ("lean.unknownIdentifier._namedError", "error", "Unknown identifier `Nat.add_comm_@X@`", 14),
    ("lean.unknownConstant._namedError", "error", "Unknown constant `List.foldl_cons_@X@`", 5),
    (
        None,
        "error",
        "linarith failed to find a contradiction\\ncase a\\nx : Int\\nh : x < @X@\\n⊢ False",
        8,
    ),
    (None, "error", "simp made no progress", 9),
    (
        None,
        "error",
        "The rfl tactic failed. Possible reasons:\\n- The goal is not a reflexive relation",
        6,
    ),
    (
        None,
        "error",
        "application type mismatch\\n  f x\\nargument\\n  x\\nhas type\\n  Nat : Type",
        5,
    ),
    (
        "lean.synthInstanceFailed._namedError",
        "error",
        "failed to synthesize\\n  HAdd Nat Int ?m.@X@",
        3,
    ),
    (None, "error", "unexpected token 'at'; expected command (line @L@)", 7),
    (
        "lean.inductionWithNoAlts._namedError",
        "error",
        "Invalid `induction` alternative name `zero'`",
        2,
    ),
    (None, "error", "omega could not prove the goal:\\na possible counterexample may satisfy", 6),
    ("runtime.maxRecDepth", "error", "maximum recursion depth has been reached", 1),
    (None, "error", "function expected at\\n  h@X@\\nterm has type\\n  p ∧ q", 4),
)
WARNING = (
    '{"severity": "warning", "kind": "linter.unusedVariables", "data": "unused variable `h`",'
    ' "pos": {"line": 3, "column": 10}, "endPos": {"line": 3, "column": 11}}'
)
RULES: tuple[tuple[str, int], ...] = (
    ("sorry", 40),
    ("native_decide", 15),
    ("axiom", 8),
    ("ofReduceBool", 6),
    ("set_option", 9),
    ("command_keyword", 10),
    ("unbalanced", 5),
    ("admit", 4),
    ("hash_command", 2),
    ("unsafe", 1),
)
REPL_HOSTS = 6
CLI_HOSTS = 2


def _message_json(kind: str | None, severity: str, data: str) -> str:
    """One stored Lean message as JSON text; ``@L@`` is replaced per row by a line number."""
    kind_json = "null" if kind is None else f'"{kind}"'
    data = data.replace('"', '\\"')
    return (
        f'{{"severity": "{severity}", "kind": {kind_json}, "data": "{data}", '
        f'"pos": {{"line": @L@, "column": 2}}, "endPos": {{"line": @L@, "column": 14}}}}'
    )


def _slots(rows: list[tuple[Any, ...]], weights: list[int]) -> tuple[str, int]:
    """VALUES (slot, *row) with each row repeated ``weight`` times, and the slot count: a
    uniform slot number picks a row with probability proportional to its weight."""
    values, slot = [], 0
    for row, weight in zip(rows, weights, strict=True):
        for _ in range(weight):
            values.append("(" + ", ".join(_literal(v) for v in (slot, *row)) + ")")
            slot += 1
    return ", ".join(values), slot


def _literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def fill(engine: Engine, *, candidates: int, tasks: int, seed: float = 0.42) -> dict[str, float]:
    """Insert the synthetic experiment; returns seconds per step."""
    groups = candidates // GROUP_SIZE
    templates, n_templates = _slots(
        [
            (
                "[" + _message_json(k, sev, d) + "]",
                "[" + _message_json(k, sev, d) + ", " + WARNING + "]",
            )
            for k, sev, d, _ in ERROR_TEMPLATES
        ],
        [w for *_, w in ERROR_TEMPLATES],
    )
    rules, n_rules = _slots([(r,) for r, _ in RULES], [w for _, w in RULES])
    steps: list[tuple[str, str]] = [
        (
            "setup",
            f"""
            SELECT setseed({seed});
            SET LOCAL synchronous_commit = off;
            INSERT INTO runs (id, name, kind, status, config, started_at) VALUES
              (1, 'bench-grpo', 'train', 'finished', '{{"group_size": 8}}',
               '2026-01-01 00:00:00+00'),
              (2, 'bench-exact', 'train', 'finished', '{{"verifier_backend": "exact"}}',
               '2026-01-01 00:00:00+00');
            INSERT INTO policy_versions (run_id, version, learner_step, model, checkpoint_path)
              SELECT 1, v, v * 10, 'smollm2-135m-instruct', 'ckpt/v' || v
              FROM generate_series(0, 39) v
              UNION ALL
              SELECT 2, v, v * 10, 'smollm2-135m-instruct', 'ckpt/v' || v
              FROM generate_series(0, 9) v;
            CREATE TEMP TABLE bench_error_templates (slot int PRIMARY KEY, one text, two text);
            INSERT INTO bench_error_templates VALUES {templates};
            CREATE TEMP TABLE bench_rules (slot int PRIMARY KEY, rule text);
            INSERT INTO bench_rules VALUES {rules};
            """,
        ),
        (
            "fim_tasks",
            f"""
            INSERT INTO fim_tasks (id, source, decl_name, decl_kind, header, prefix, middle,
                                   suffix, span_kind, split, hole_line, hole_col,
                                   content_hash)
            SELECT i,
                   'Bench/File' || (i / 40) || '.lean',
                   'Bench.File' || (i / 40) || '.thm_' || i,
                   'theorem',
                   'import Std' || chr(10) || 'open Nat' || chr(10),
                   'theorem thm_' || i || ' (n m : Nat) (h : n ≤ m) : n + ' || (i % 97)
                     || ' ≤ m + ' || (i % 97) || ' := by' || chr(10) || '  ',
                   CASE WHEN i % 2 = 0 THEN 'omega' ELSE 'simp [Nat.add_le_add_right h]' END,
                   chr(10),
                   CASE WHEN i % 2 = 0 THEN 'tactic' ELSE 'proof' END,
                   CASE WHEN i % 20 = 0 THEN 'test' WHEN i % 20 = 1 THEN 'valid'
                        ELSE 'train' END,
                   2, 2,
                   md5('bench-task-' || i)
            FROM generate_series(1, {tasks}) i;
            -- Difficulty: 30% never solvable, the rest skewed towards hard.
            CREATE TEMP TABLE bench_task_p AS
            SELECT i AS task_id,
                   CASE WHEN random() < 0.3 THEN 0.0 ELSE power(random(), 2) * 0.6 END AS p
            FROM generate_series(1, {tasks}) i;
            """,
        ),
        (
            "groups",
            f"""
            CREATE TEMP TABLE bench_groups AS
            SELECT i AS id,
                   CASE WHEN i % 7 = 0 THEN 2 ELSE 1 END AS run_id,
                   -- a heavy head: low task ids are drawn far more often
                   1 + floor({tasks} * power(random(), 2.5))::bigint AS task_id,
                   CASE WHEN i % 7 = 0 THEN floor(i * 10.0 / ({groups} + 1))::int
                        ELSE floor(i * 40.0 / ({groups} + 1))::int END AS policy_version,
                   CASE WHEN i % 7 <> 0 AND i % 10 = 3 THEN 'eval' ELSE 'train' END
                     AS purpose,
                   timestamptz '2026-01-01 00:00:00+00'
                     + (i * 21600.0 / {groups}) * interval '1 second' AS created_at
            FROM generate_series(1, {groups}) i;
            INSERT INTO groups (id, run_id, task_id, policy_version, size, prompt_token_ids,
                                prompt_format, purpose, status, learner_step, created_at,
                                scored_at, consumed_at)
            SELECT g.id, g.run_id, g.task_id, g.policy_version, {GROUP_SIZE},
                   ARRAY[1, 2, 3, 4, 5, 6, 7, 8], 'instruct', g.purpose,
                   CASE WHEN g.purpose = 'eval' THEN 'scored' ELSE 'consumed' END,
                   CASE WHEN g.purpose = 'eval' THEN NULL ELSE g.policy_version * 10 + 5 END,
                   g.created_at, g.created_at + interval '40 seconds',
                   CASE WHEN g.purpose = 'eval' THEN NULL
                        ELSE g.created_at + interval '90 seconds' END
            FROM bench_groups g;
            """,
        ),
        (
            "candidates",
            f"""
            INSERT INTO candidates (id, group_id, index, completion, middle, token_ids,
                                    behaviour_logprobs, sampling, policy_version,
                                    prompt_tokens, enqueue_count, enqueued_at, created_at)
            SELECT (g.id - 1) * {GROUP_SIZE} + k + 1, g.id, k,
                   '```lean' || chr(10) || m || chr(10) || '```', m,
                   ARRAY[(g.id * 7 + k) % 49152, 1024 + k, 2048, 3000 + k, 17, 42, 9, 2],
                   ARRAY[-0.11, -0.52, -0.03, -1.2, -0.4, -0.07, -0.9, -0.01]::float8[],
                   '{{"temperature": 1.0, "top_p": 1.0, "max_tokens": 256}}',
                   g.policy_version, 180, 1, g.created_at, g.created_at
            FROM bench_groups g
            CROSS JOIN generate_series(0, {GROUP_SIZE - 1}) k
            CROSS JOIN LATERAL (
                SELECT CASE (g.id + k) % 4 WHEN 0 THEN 'omega' WHEN 1 THEN 'simp'
                       WHEN 2 THEN 'exact Nat.add_le_add_right h _'
                       ELSE 'induction n <;> simp_all' END AS m
            ) mid;
            """,
        ),
        (
            "verifications",
            f"""
            INSERT INTO verifications (id, candidate_id, group_id, verdict, reward, rule,
                                       messages, detail, duration_s, backend, lean_version,
                                       worker_host, attempts, cached, created_at)
            SELECT x.cid, x.cid, x.gid, x.verdict,
                   CASE WHEN x.verdict = 'pass' THEN 1.0 ELSE 0.0 END,
                   r.rule,
                   CASE WHEN x.backend = 'exact' THEN '[]'::jsonb
                        WHEN x.verdict = 'fail' THEN
                          -- per-row identifiers and positions: no two messages alike
                          replace(replace(CASE WHEN x.u3 < 0.3 THEN t.two ELSE t.one END,
                                          '@X@', (x.cid % 10007)::text),
                                  '@L@', (3 + x.cid % 41)::text)::jsonb
                        WHEN x.verdict = 'timeout' AND x.u3 < 0.5 THEN
                          '[{{"severity": "error", "kind": "runtime.maxHeartbeats", '
                          '"data": "(deterministic) timeout at `whnf`, maximum number of '
                          'heartbeats (200000) has been reached", "pos": null, '
                          '"endPos": null}}]'::jsonb
                        ELSE '[]'::jsonb END,
                   CASE WHEN x.verdict = 'rejected' THEN 'guard: `' || r.rule
                          || '` in the middle'
                        WHEN x.verdict = 'timeout' THEN 'Lean exceeded 20 s'
                        WHEN x.verdict = 'error' THEN 'REPL crashed (exit -9); retried'
                   END,
                   x.duration_s, x.backend,
                   CASE WHEN x.backend = 'exact' THEN NULL ELSE 'v4.35.0' END,
                   x.host, CASE WHEN x.verdict = 'error' THEN 3 ELSE 1 END, false,
                   x.created_at + x.duration_s * interval '1 second'
                     + x.u3 * interval '30 seconds'
            FROM (
                SELECT y.*,
                       CASE WHEN y.verdict = 'timeout' THEN 20.0 + y.u3
                            WHEN y.backend = 'exact' THEN 0.0005 * exp(0.4 * y.z)
                            WHEN y.verdict = 'rejected' THEN 0.002 * exp(0.3 * y.z)
                            WHEN y.backend = 'cli' THEN 3.0 * exp(0.5 * y.z)
                            ELSE 0.8 * exp(0.6 * y.z) END AS duration_s
                FROM (
                    SELECT r.cid, r.gid, r.created_at,
                           CASE WHEN u1 < least(1.0, r.p * (1.0 + r.policy_version / 40.0))
                                  THEN 'pass'
                                WHEN u2 < 0.70 THEN 'fail'
                                -- the exact-match checker neither times out nor crashes
                                WHEN r.run_id = 2 AND u2 >= 0.85 THEN 'fail'
                                WHEN u2 < 0.85 THEN 'rejected'
                                WHEN u2 < 0.95 THEN 'timeout'
                                ELSE 'error' END AS verdict,
                           u2, u3, u7,
                           -- a standard normal (Box-Muller)
                           sqrt(-2.0 * ln(1.0 - u4)) * cos(2.0 * pi() * u5) AS z,
                           CASE WHEN r.run_id = 2 THEN 'exact'
                                WHEN u6 < 0.8 THEN 'repl' ELSE 'cli' END AS backend,
                           CASE WHEN r.run_id = 2 THEN 'trainer-0'
                                WHEN u6 < 0.8 THEN 'lean-repl-'
                                  || (1 + floor(u6 / 0.8 * {REPL_HOSTS}))::int
                                ELSE 'lean-cli-'
                                  || (1 + floor((u6 - 0.8) / 0.2 * {CLI_HOSTS}))::int
                           END AS host
                    FROM (
                        SELECT (g.id - 1) * {GROUP_SIZE} + k + 1 AS cid, g.id AS gid,
                               g.created_at, g.run_id, g.policy_version, tp.p,
                               random() AS u1, random() AS u2, random() AS u3,
                               random() AS u4, random() AS u5, random() AS u6,
                               random() AS u7
                        FROM bench_groups g
                        JOIN bench_task_p tp ON tp.task_id = g.task_id
                        CROSS JOIN generate_series(0, {GROUP_SIZE - 1}) k
                        OFFSET 0
                    ) r
                ) y
            ) x
            LEFT JOIN bench_error_templates t
              ON x.verdict = 'fail' AND t.slot = floor(x.u7 * {n_templates})::int
            LEFT JOIN bench_rules r
              ON x.verdict = 'rejected' AND r.slot = floor(x.u7 * {n_rules})::int;
            """,
        ),
        (
            "sequences",
            """
            SELECT setval(pg_get_serial_sequence('runs', 'id'), (SELECT max(id) FROM runs));
            SELECT setval(pg_get_serial_sequence('fim_tasks', 'id'),
                          (SELECT max(id) FROM fim_tasks));
            SELECT setval(pg_get_serial_sequence('groups', 'id'), (SELECT max(id) FROM groups));
            SELECT setval(pg_get_serial_sequence('candidates', 'id'),
                          (SELECT max(id) FROM candidates));
            SELECT setval(pg_get_serial_sequence('verifications', 'id'),
                          (SELECT max(id) FROM verifications));
            """,
        ),
    ]
    seconds: dict[str, float] = {}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET synchronous_commit = off")
        for name, sql in steps:
            started = time.monotonic()
            cur.execute(sql)
            raw.commit()
            seconds[name] = time.monotonic() - started
            console.print(f"  {name}: {seconds[name]:.1f} s")
        started = time.monotonic()
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur.execute("VACUUM ANALYZE")
        seconds["vacuum_analyze"] = time.monotonic() - started
        console.print(f"  vacuum analyze: {seconds['vacuum_analyze']:.1f} s")
    finally:
        raw.close()
    return seconds


def _time(fn: Callable[[], int], repeats: int) -> tuple[float, list[float], int]:
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, rows


def time_queries(engine: Engine, url: str, repeats: int) -> list[dict[str, Any]]:
    """Median wall time of each named query, the way `fimrl sql` runs it (its own connection,
    a READ ONLY transaction, every row fetched): all rows (``--limit 0``), and one run's first
    hundred (``--run bench-grpo --limit 100``)."""
    from fimrl.commands.sql_cmd import execute

    results = []
    for q in queries.QUERIES:

        def all_rows(q: queries.NamedQuery = q) -> int:
            sql, params = q.sql(paramstyle="pyformat")
            return len(execute(url, sql, params, allow_superuser=True).rows)

        def cli_form(q: queries.NamedQuery = q) -> int:
            sql, params = q.sql(run=RUN_FILTER, limit=101, paramstyle="pyformat")
            return len(execute(url, sql, params, limit=100, allow_superuser=True).rows)

        all_rows()  # warm: the first run pays for reading the tables into memory
        all_med, all_times, all_n = _time(all_rows, repeats)
        cli_med, cli_times, cli_n = _time(cli_form, repeats)
        with engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN " + q.sql()[0])).scalars().all()
        results.append(
            {
                "name": q.name,
                "view": q.view,
                "rows_all": all_n,
                "median_all_s": all_med,
                "times_all_s": all_times,
                "rows_run_limit": cli_n,
                "median_run_limit_s": cli_med,
                "times_run_limit_s": cli_times,
                "ok": max(all_med, cli_med) < TARGET_S,
                "plan_all": plan,
            }
        )
        mark = "[green]ok[/]" if results[-1]["ok"] else "[bold red]SLOW[/]"
        console.print(f"  {q.name}: {all_med:.3f} s / {cli_med:.3f} s {mark}")
    return results


def measure(engine: Engine, url: str, server_pids: list[int], args: Any) -> dict[str, Any]:
    """Counts, then the timings, with the CPU use of other processes meanwhile."""
    with engine.connect() as conn:
        out: dict[str, Any] = {
            "server_version": conn.execute(text("SHOW server_version")).scalar_one(),
            "counts": {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("fim_tasks", "groups", "candidates", "verifications")
            },
            "database_size": conn.execute(
                text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            ).scalar_one(),
        }
    busy, waited = wait_until_quiet(args.quiet_wait)
    console.print(
        f"timing the named queries (median of {args.repeats}); machine busy "
        f"{busy:.0%} after waiting {waited:.0f} s for quiet ..."
    )
    with CpuMeter(server_pids) as cpu:
        out["queries"] = time_queries(engine, url, args.repeats)
    out["cpu_while_timing"] = {
        "cpus": cpu.ncpu,
        "machine_busy": cpu.busy,
        "own": cpu.own,
        "other": cpu.other,
        "note": "other = load from processes this benchmark did not start"
        + ("" if server_pids else " (here including the database server itself)"),
    }
    return out


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the embedded servers' dir.")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="Seconds to wait for other load to settle before timing.",
    )
    parser.add_argument(
        "--time-only",
        metavar="URL",
        help="Only time the queries on this already filled (and migrated) database.",
    )
    args = parser.parse_args(argv)

    fill_s: dict[str, float] = {}
    fill_total = 0.0
    if args.time_only:
        from fimrl.db.session import engine_for, normalise_url

        url = normalise_url(args.time_only)
        origin = "existing database (--time-only)"
        engine = engine_for(url)
        out = measure(engine, url, [], args)
        engine.dispose()
    else:
        with bench_services(keep=args.keep) as services:
            origin = services.origin
            console.print(f"servers: {origin}")
            console.print(f"filling {args.candidates:,} candidates over {args.tasks:,} tasks ...")
            started = time.monotonic()
            fill_s = fill(services.engine, candidates=args.candidates, tasks=args.tasks)
            fill_total = time.monotonic() - started
            console.print(f"filled in {fill_total:.0f} s")
            out = measure(services.engine, services.database_url, services.server_pids, args)
            services.engine.dispose()
    results, counts, cpu = out["queries"], out["counts"], out["cpu_while_timing"]

    table = Table(title=f"fimrl sql: named queries at {counts['candidates']:,} candidates")
    table.add_column("query")
    table.add_column("rows", justify="right")
    table.add_column("all rows (s)", justify="right")
    table.add_column(f"--run {RUN_FILTER} --limit 100 (s)", justify="right")
    table.add_column(f"< {TARGET_S:.0f} s")
    for r in results:
        table.add_row(
            r["name"],
            f"{r['rows_all']:,}",
            f"{r['median_all_s']:.3f}",
            f"{r['median_run_limit_s']:.3f}",
            "[green]pass[/]" if r["ok"] else "[bold red]FAIL[/]",
        )
    console.print(table)
    console.print(
        f"database {out['database_size']}, PostgreSQL {out['server_version']}; CPU while "
        f"timing: machine {cpu['machine_busy']:.0%} busy, other processes "
        f"{cpu['other']:.0%} ({cpu['cpus']} CPUs)"
        + ("" if not args.time_only else "; the server was not started here: counted as other")
    )
    passed = sum(r["ok"] for r in results)
    path = write_results(
        "sql",
        {
            "benchmark": "sql",
            "target_s": TARGET_S,
            "servers": origin,
            "machine": machine_info(),
            "fill_s": fill_s,
            "fill_total_s": fill_total,
            "repeats": args.repeats,
            **out,
            "passed": passed,
        },
    )
    console.print(f"results: {path}")
    slowest = max(results, key=lambda r: max(r["median_all_s"], r["median_run_limit_s"]))
    return (
        f"{passed}/{len(results)} named queries < {TARGET_S:.0f} s at "
        f"{counts['candidates']:,} candidates (slowest {slowest['name']} "
        f"{max(slowest['median_all_s'], slowest['median_run_limit_s']):.2f} s); "
        f"fill {fill_total:.0f} s; other load {cpu['other']:.0%}; {path.name}"
    )


if __name__ == "__main__":
    main()
