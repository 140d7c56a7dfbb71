"""Throughput of the Lean scanning pipeline on one core.

Generates >= 20 MB of synthetic Lean (``fimrl.lean.synth``) and times each stage over
all files: lexing (significant tokens), declaration parsing, tactic trees and span
enumeration, and the full ``build_tasks`` (selection, validation, headers, tasks).
Prints MB/s and tasks/s in a rich table.  Target: >= 2 MB/s end to end.

Stages run file by file and keep nothing between files (as a corpus scan does):
holding every parsed file of 20 MB at once costs about a gigabyte, and the memory
traffic would be billed to whichever stage happened to grow the heap.  Each stage
reports wall-clock time and process CPU time (the machine may be shared); with
``--repeat N`` every figure is the median of N passes over the same files.

    python bench/bench_scan.py [--mb 20] [--seed 0] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from rich.console import Console
from rich.table import Table

from fimrl.lean.declarations import parse_file
from fimrl.lean.fim import build_tasks
from fimrl.lean.lexer import lex_significant
from fimrl.lean.spans import candidate_spans
from fimrl.lean.synth import generate_corpus
from fimrl.lean.tactics import TacticParser

STAGES = (
    "lex (significant tokens)",
    "lex + declarations",
    "tactic trees + span candidates",
    "full build_tasks (end to end)",
)


def run_pass(files: list[str], seed: int) -> list[tuple[float, float, int]]:
    """One pass over ``files``: ``(wall seconds, cpu seconds, items)`` per stage."""
    wall, cpu = time.perf_counter, time.process_time
    out: list[tuple[float, float, int]] = []

    w, c = wall(), cpu()
    for f in files:
        lex_significant(f)
    out.append((wall() - w, cpu() - c, 0))

    w, c = wall(), cpu()
    for f in files:
        parse_file(f)
    out.append((wall() - w, cpu() - c, 0))

    # Tactic trees and candidates of each file, its parse excluded from the timing.
    spent_wall = spent_cpu = 0.0
    n_spans = 0
    for f in files:
        pf = parse_file(f)
        w, c = wall(), cpu()
        parser = TacticParser(pf.toks, pf.levels)
        for d in pf.declarations:
            n_spans += len(candidate_spans(pf, d, parser))
        spent_wall += wall() - w
        spent_cpu += cpu() - c
    out.append((spent_wall, spent_cpu, n_spans))

    w, c = wall(), cpu()
    n_tasks = 0
    for i, f in enumerate(files):
        n_tasks += len(build_tasks(f, f"gen/{i}.lean", seed=seed).tasks)
    out.append((wall() - w, cpu() - c, n_tasks))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="megabytes of Lean to generate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="passes; figures are medians")
    ap.add_argument("--profile", action="store_true", help="cProfile the full pipeline")
    args = ap.parse_args()
    console = Console(width=120)

    t = time.perf_counter()
    files = generate_corpus(int(args.mb * 1_000_000), seed=args.seed)
    size_mb = sum(len(f.encode("utf-8")) for f in files) / 1e6
    console.print(
        f"generated {len(files)} files, {size_mb:.1f} MB in {time.perf_counter() - t:.1f}s"
    )

    passes = [run_pass(files, args.seed) for _ in range(max(args.repeat, 1))]
    rows = [
        (
            name,
            statistics.median(p[k][0] for p in passes),
            statistics.median(p[k][1] for p in passes),
            passes[0][k][2],
        )
        for k, name in enumerate(STAGES)
    ]

    title = f"fimrl.lean scan, {size_mb:.1f} MB synthetic Lean, one core"
    if len(passes) > 1:
        title += f", median of {len(passes)} passes"
    table = Table(title=title)
    table.add_column("stage")
    table.add_column("wall s", justify="right")
    table.add_column("MB/s", justify="right")
    table.add_column("cpu s", justify="right")
    table.add_column("MB/s (cpu)", justify="right")
    table.add_column("items", justify="right")
    table.add_column("items/s", justify="right")
    for name, secs, cpu_secs, items in rows:
        table.add_row(
            name,
            f"{secs:.2f}",
            f"{size_mb / secs:.2f}",
            f"{cpu_secs:.2f}",
            f"{size_mb / cpu_secs:.2f}",
            f"{items:,}" if items else "",
            f"{items / secs:,.0f}" if items else "",
        )
    console.print(table)
    _name, total, _cpu, n_tasks = rows[-1]
    verdict = "meets" if size_mb / total >= 2.0 else "BELOW"
    console.print(
        f"end to end: {size_mb / total:.2f} MB/s, {n_tasks / total:,.0f} tasks/s "
        f"({verdict} the 2 MB/s target)"
    )
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i, f in enumerate(files):
            build_tasks(f, f"gen/{i}.lean", seed=args.seed)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
