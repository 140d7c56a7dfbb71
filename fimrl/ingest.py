"""Turning directories of Lean files into stored FIM tasks (`fimrl tasks build`).

Each file is scanned on its own and its tasks are committed before the next file, so a bad
file is skipped with its reason and an interrupted build keeps everything already stored.
What was skipped (files, declarations, spans that failed the validity check) is reported
by reason, so a silent loss of data shows up in `fimrl tasks build` and `fimrl tasks stats`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.task_store import insert_tasks
from fimrl.lean.fim import build_file
from fimrl.lean.source import SkipFile
from fimrl.resources import bundled_corpus_dir, fimcore_corpus_dir

#: The bundled core-Lean corpus: the default source of `fimrl tasks build` and the demo with
#: a full Lean toolchain (or the `exact` checker).
BUNDLED_CORPUS = bundled_corpus_dir()
#: The FimCore corpus: tasks the prelude toolchain can check (``prelude`` + ``import FimCore``).
FIMCORE_CORPUS = fimcore_corpus_dir()


def default_corpus(backend: str) -> Path:
    """The bundled corpus whose tasks ``backend`` can check."""
    return FIMCORE_CORPUS if backend == "prelude" else BUNDLED_CORPUS


SKIP_DIRS = {".lake", ".git", "build", "lake-packages"}


@dataclass
class BuildSummary:
    files: int = 0
    declarations: int = 0
    tasks: int = 0
    stored: int = 0
    per_kind: Counter[str] = field(default_factory=Counter)
    per_split: Counter[str] = field(default_factory=Counter)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    skipped_declarations: Counter[str] = field(default_factory=Counter)
    #: Drawn spans that failed the validity check, by reason (none became a task).
    rejected_spans: Counter[str] = field(default_factory=Counter)
    #: Paths given to the build under which no ``.lean`` file was found.
    paths_without_lean: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.tasks - self.stored


def lean_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root it was found under), sorted, skipping build output directories."""
    for root in paths:
        if root.is_file():
            yield root, root.parent
            continue
        if not root.is_dir():
            raise FileNotFoundError(f"{root} is neither a .lean file nor a directory")
        for path in sorted(root.rglob("*.lean")):
            if not SKIP_DIRS.intersection(path.relative_to(root).parts):
                yield path, root


def _row(task: Any) -> dict[str, Any]:
    row = task.to_dict()
    row["hole_line"] = row.pop("line", 0)
    row["hole_col"] = row.pop("col", 0)
    return row


def build_into_db(
    engine: Engine,
    paths: Iterable[Path],
    settings: Settings,
    *,
    on_file: Callable[[Path], None] | None = None,
    on_skip: Callable[[str, str], None] | None = None,
    whole_proof: bool = False,
) -> BuildSummary:
    """Scan every .lean file under ``paths`` and store its tasks (duplicates stored once).

    ``on_skip(source, reason)`` is called as soon as a file is skipped, so a long build
    says so while it runs rather than only in its summary.
    """
    summary = BuildSummary()
    mix = {"proof": 1.0} if whole_proof else settings.span_mix
    paths = list(paths)
    files = list(lean_files(paths))
    found = {root for _, root in files}
    summary.paths_without_lean = [
        str(p) for p in paths if (p.parent if p.is_file() else p) not in found
    ]
    for path, root in files:
        summary.files += 1
        source = str(path.relative_to(root.parent))
        try:
            result = build_file(
                path,
                source=source,
                seed=settings.task_seed,
                mix=mix,
                fractions=settings.split_fractions,
                max_per_decl=1 if whole_proof else 4,
            )
        except SkipFile as exc:
            summary.skipped_files.append((source, exc.reason))
            if on_skip is not None:
                on_skip(source, exc.reason)
        else:
            summary.declarations += result.declarations
            summary.tasks += len(result.tasks)
            summary.skipped_declarations.update(result.skipped)
            summary.rejected_spans.update(result.rejected_spans)
            for task in result.tasks:
                summary.per_kind[task.span_kind] += 1
                summary.per_split[task.split] += 1
            summary.stored += insert_tasks(engine, (_row(t) for t in result.tasks))
        if on_file is not None:
            on_file(path)
    return summary
