"""The last `fimrl tasks build`'s skips, kept on disk for `fimrl tasks stats`.

Why a file and not the database: skips are a property of one build over some paths, not
of the stored tasks (a task row exists only for what was *not* skipped), and a report
that is overwritten by each build needs no schema migration.  The file lives in the
settings' ``state_dir`` as JSON: files skipped with their reasons, declarations skipped
and spans rejected by the validity check, each counted by reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrl.errors import FimrlError

__all__ = ["REPORT_NAME", "BuildReport", "file_reason_key", "load_report", "save_report"]

REPORT_NAME = "tasks_build_report.json"


def file_reason_key(reason: str) -> str:
    """The kind of a file-skip reason, without its position or numbers.

    ``"unterminated comment at line 3"`` -> ``"unterminated comment"``; ``"too large:
    9 bytes > limit 5"`` -> ``"too large"``: counts by reason group files alike.
    """
    return reason.split(":", 1)[0].split(" at line ", 1)[0].split(" (at offset", 1)[0]


@dataclass
class BuildReport:
    """What one build skipped, by reason (see the module docstring)."""

    files: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    skipped_declarations: dict[str, int] = field(default_factory=dict)
    rejected_spans: dict[str, int] = field(default_factory=dict)
    paths_without_lean: list[str] = field(default_factory=list)

    def skipped_files_by_reason(self) -> dict[str, int]:
        """Skipped files counted by :func:`file_reason_key`."""
        return dict(Counter(file_reason_key(r) for _, r in self.skipped_files))

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "skipped_files": [list(x) for x in self.skipped_files],
            "skipped_declarations": dict(self.skipped_declarations),
            "rejected_spans": dict(self.rejected_spans),
            "paths_without_lean": list(self.paths_without_lean),
        }

    @classmethod
    def from_json(cls, data: Any) -> BuildReport:
        """Parse :meth:`to_json`'s output; :class:`FimrlError` for anything else."""
        try:
            return cls(
                files=int(data["files"]),
                skipped_files=[(str(s), str(r)) for s, r in data["skipped_files"]],
                skipped_declarations={
                    str(k): int(v) for k, v in data["skipped_declarations"].items()
                },
                rejected_spans={str(k): int(v) for k, v in data["rejected_spans"].items()},
                paths_without_lean=[str(p) for p in data["paths_without_lean"]],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FimrlError(f"malformed build report: {exc!r}") from exc


def save_report(report: BuildReport, state_dir: Path) -> Path:
    """Write ``report`` to ``state_dir`` (created if missing); returns the file."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / REPORT_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report.to_json(), indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def load_report(state_dir: Path) -> BuildReport | None:
    """The last build's report, or ``None`` when no build has written one."""
    path = state_dir / REPORT_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FimrlError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    return BuildReport.from_json(data)
