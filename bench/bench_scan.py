"""Throughput of the Lean scanning pipeline on one core.

Generates >= 20 MB of synthetic Lean (``fimrl.lean.synth``) and times each stage over
all files: lexing (significant tokens), declaration parsing, tactic trees and span
enumeration, and the full ``build_tasks`` (selection, validation, headers, tasks).
Prints MB/s and tasks/s in a rich table.  Target: >= 2 MB/s end to end.

    python bench/bench_scan.py [--mb 20] [--seed 0] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from rich.console import Console
from rich.table import Table

from fimrl.lean.declarations import parse_file
from fimrl.lean.fim import build_tasks
from fimrl.lean.lexer import lex_significant
from fimrl.lean.spans import candidate_spans
from fimrl.lean.synth import generate_corpus
from fimrl.lean.tactics import TacticParser


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="megabytes of Lean to generate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="cProfile the full pipeline")
    args = ap.parse_args()
    console = Console()

    t = time.perf_counter()
    files = generate_corpus(int(args.mb * 1_000_000), seed=args.seed)
    size_mb = sum(len(f.encode("utf-8")) for f in files) / 1e6
    console.print(
        f"generated {len(files)} files, {size_mb:.1f} MB in {time.perf_counter() - t:.1f}s"
    )

    rows: list[tuple[str, float, int]] = []

    t = time.perf_counter()
    for f in files:
        lex_significant(f)
    rows.append(("lex (significant tokens)", time.perf_counter() - t, 0))

    t = time.perf_counter()
    parsed = [parse_file(f) for f in files]
    rows.append(("lex + declarations", time.perf_counter() - t, 0))

    t = time.perf_counter()
    n_spans = 0
    for pf in parsed:
        parser = TacticParser(pf.toks, pf.levels)
        for d in pf.declarations:
            n_spans += len(candidate_spans(pf, d, parser))
    rows.append(("tactic trees + span candidates", time.perf_counter() - t, n_spans))
    del parsed

    prof = cProfile.Profile() if args.profile else None
    t = time.perf_counter()
    if prof:
        prof.enable()
    n_tasks = 0
    for i, f in enumerate(files):
        n_tasks += len(build_tasks(f, f"gen/{i}.lean", seed=args.seed).tasks)
    if prof:
        prof.disable()
    total = time.perf_counter() - t
    rows.append(("full build_tasks (end to end)", total, n_tasks))

    table = Table(title=f"fimrl.lean scan, {size_mb:.1f} MB synthetic Lean, one core")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("MB/s", justify="right")
    table.add_column("items", justify="right")
    table.add_column("items/s", justify="right")
    for name, secs, items in rows:
        table.add_row(
            name,
            f"{secs:.2f}",
            f"{size_mb / secs:.2f}",
            f"{items:,}" if items else "",
            f"{items / secs:,.0f}" if items else "",
        )
    console.print(table)
    verdict = "meets" if size_mb / total >= 2.0 else "BELOW"
    console.print(
        f"end to end: {size_mb / total:.2f} MB/s, {n_tasks / total:,.0f} tasks/s "
        f"({verdict} the 2 MB/s target)"
    )
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
