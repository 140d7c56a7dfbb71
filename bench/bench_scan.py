"""Throughput of the Lean scanning pipeline on one core.

Generates >= 20 MB of synthetic Lean (``fimrl.lean.synth``), or reads a real tree
with ``--path`` (a Mathlib checkout, say), and times each stage over all files:
lexing (significant tokens), declaration parsing, tactic trees and span
enumeration, scanning + span selection (``parse_file`` + ``select_file``: every
declaration's holes drawn and validated), and the full ``build_tasks`` (plus
headers, splits, content hashes and task records).  Prints MB/s and tasks/s in a
rich table.  Target (issue 3): scanning + span selection >= 2 MB/s on one core.

The generator is a stress profile: nearly every line is a structural tactic
(bullets, cases, calc, nested ``by``), with few comments and short statements, so
it costs more per megabyte than library code with docstrings and long terms.

Stages run file by file and keep nothing between files (as a corpus scan does):
holding every parsed file of 20 MB at once costs about a gigabyte, and the memory
traffic would be billed to whichever stage happened to grow the heap.  Each stage
reports wall-clock time and process CPU time (the machine may be shared); with
``--repeat N`` (default 3: single passes vary by ±5 % on a shared machine) every figure
is the median of N passes over the same files.

    python bench/bench_scan.py [--mb 20] [--seed 0] [--repeat 3] [--profile]
    python bench/bench_scan.py --path ~/mathlib4/Mathlib
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fimrl.lean.declarations import parse_file
from fimrl.lean.fim import build_tasks, select_file
from fimrl.lean.lexer import LeanSyntaxError, lex_significant
from fimrl.lean.source import SkipFile, load_source
from fimrl.lean.spans import candidate_spans
from fimrl.lean.synth import generate_corpus
from fimrl.lean.tactics import TacticParser

STAGES = (
    "lex (significant tokens)",
    "lex + declarations",
    "tactic trees + span candidates",
    "scan + span selection (target)",
    "full build_tasks (end to end)",
)
TARGET_MB_S = 2.0


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
    n_holes = 0
    for f in files:
        n_holes += sum(len(spans) for _decl, spans in select_file(parse_file(f), seed=seed).picks)
    out.append((wall() - w, cpu() - c, n_holes))

    w, c = wall(), cpu()
    n_tasks = 0
    for i, f in enumerate(files):
        n_tasks += len(build_tasks(f, f"gen/{i}.lean", seed=seed).tasks)
    out.append((wall() - w, cpu() - c, n_tasks))
    return out


def load_tree(root: Path, console: Console) -> list[str]:
    """Texts of the ``.lean`` files under ``root`` that scan (others are counted, skipped)."""
    files: list[str] = []
    skipped = 0
    for path in sorted(root.rglob("*.lean")):
        try:
            text = load_source(path)
            parse_file(text)
        except (SkipFile, LeanSyntaxError):
            skipped += 1
            continue
        files.append(text)
    if skipped:
        console.print(f"skipped {skipped} files that do not scan (see `fimrl tasks build`)")
    return files


def main() -> dict[str, str]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="megabytes of Lean to generate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="passes; figures are medians (default 3)")
    ap.add_argument("--path", type=Path, help="scan the .lean files under PATH instead")
    ap.add_argument("--profile", action="store_true", help="cProfile the full pipeline")
    args = ap.parse_args()
    console = Console(width=120)

    t = time.perf_counter()
    if args.path is not None:
        files = load_tree(args.path, console)
        what = f"Lean under {args.path}"
    else:
        files = generate_corpus(int(args.mb * 1_000_000), seed=args.seed)
        what = "synthetic Lean"
    size_mb = sum(len(f.encode("utf-8")) for f in files) / 1e6
    if not files:
        raise SystemExit("no Lean files to scan")
    console.print(f"{len(files)} files, {size_mb:.1f} MB in {time.perf_counter() - t:.1f}s")

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

    title = f"fimrl.lean scan, {size_mb:.1f} MB {what}, one core"
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
    select_rate = size_mb / rows[-2][1]
    _name, total, _cpu, n_tasks = rows[-1]
    verdict = "meets" if select_rate >= TARGET_MB_S else "BELOW"
    console.print(
        f"scan + span selection: {select_rate:.2f} MB/s ({verdict} the {TARGET_MB_S:g} MB/s "
        f"target); full build_tasks: {size_mb / total:.2f} MB/s, {n_tasks / total:,.0f} tasks/s"
    )
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i, f in enumerate(files):
            build_tasks(f, f"gen/{i}.lean", seed=args.seed)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return {
        "scan + span selection MB/s": f"{select_rate:.2f}",
        "build_tasks MB/s": f"{size_mb / total:.2f}",
    }


if __name__ == "__main__":
    main()
