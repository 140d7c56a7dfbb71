"""``python -m bench [names...] [-- args...]``: run benchmarks and print their summaries.

A benchmark is a ``bench/bench_<name>.py`` file that defines ``main()``. With no names,
every one runs (sorted by name). Arguments after ``--`` go to each benchmark's own parser
(``sys.argv`` is set as if the file had been run directly). ``main()`` may return a summary
(a string or a mapping), printed at the end beside each benchmark's status and duration.
Exit status 1 if any benchmark failed or a name is unknown.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> dict[str, Path]:
    """``name -> path`` of every ``bench_<name>.py`` that defines a top-level ``main()``."""
    found = {}
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\ndef main(" in text or text.startswith("def main("):
            found[path.stem.removeprefix("bench_")] = path
    return found


def _summary_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def run(names: Sequence[str], extra: Sequence[str]) -> int:
    console = Console()
    available = discover()
    unknown = [n for n in names if n.removeprefix("bench_") not in available]
    if unknown:
        console.print(
            f"[bold red]unknown benchmark(s):[/] {', '.join(unknown)}; "
            f"available: {', '.join(available) or 'none'}"
        )
        return 1
    chosen = [n.removeprefix("bench_") for n in names] or list(available)
    rows: list[tuple[str, str, float, str]] = []
    for name in chosen:
        console.rule(f"bench {name}")
        started = time.monotonic()
        argv = sys.argv
        try:
            sys.argv = [str(available[name]), *extra]
            module = importlib.import_module(f"bench.bench_{name}")
            main = getattr(module, "main", None)
            if not callable(main):
                raise TypeError(f"bench/bench_{name}.py has no callable main()")
            summary = main()
            rows.append((name, "ok", time.monotonic() - started, _summary_text(summary)))
        except SystemExit as exc:  # an argparse error or an explicit exit
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            status = "ok" if code == 0 else f"exit {code}"
            rows.append((name, status, time.monotonic() - started, ""))
        except Exception as exc:
            traceback.print_exc()
            rows.append(
                (name, "failed", time.monotonic() - started, f"{type(exc).__name__}: {exc}")
            )
        finally:
            sys.argv = argv
    table = Table(title="benchmarks")
    table.add_column("name")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("summary", overflow="fold")
    for name, status, seconds, summary in rows:
        style = "green" if status == "ok" else "bold red"
        table.add_row(name, f"[{style}]{status}[/]", f"{seconds:.0f}", summary)
    console.print(table)
    return 0 if all(r[1] == "ok" for r in rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1 :]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        print("available:", ", ".join(discover()) or "none")
        return 0
    return run(args, extra)


if __name__ == "__main__":
    sys.exit(main())
