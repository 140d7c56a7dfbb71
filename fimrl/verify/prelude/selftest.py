"""The build-time self-test: every attached syntax kind's probe, checked by the real Lean.

One file holds all probes, each preceded by a marker comment, so one Lean run (~0.1 s)
answers for all of them; errors are mapped back to the kind whose probe lines they fall on.
If that run dies on a signal (a broken placeholder segfaults instead of reporting an
error), each probe is checked in a file of its own to name the culprit.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fimrl.verify.cli_checker import parse_json_lines
from fimrl.verify.prelude.syntax_table import SyntaxKind

__all__ = ["SelfTestResult", "run_self_test"]


@dataclass
class SelfTestResult:
    """Kinds whose probe passed, and why each other one failed."""

    working: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    untested: list[str] = field(default_factory=list)


def _file(
    kinds: Sequence[SyntaxKind], header: str
) -> tuple[str, list[tuple[int, int, SyntaxKind]]]:
    lines = header.rstrip("\n").split("\n")
    spans = []
    for kind in kinds:
        assert kind.probe is not None
        lines.append(f"-- probe: {kind.name}")
        start = len(lines) + 1
        body = kind.probe.split("\n")
        lines.extend(body)
        spans.append((start, start + len(body) - 1, kind))
    return "\n".join(lines) + "\n", spans


def run_self_test(
    kinds: Sequence[SyntaxKind],
    run_lean: Callable[[Path], subprocess.CompletedProcess[str]],
    work_dir: Path,
    header: str = "prelude\nimport FimCore\n",
) -> SelfTestResult:
    """Check the probes of ``kinds`` with ``run_lean(path)`` (``lean --json path``)."""
    result = SelfTestResult(untested=[k.name for k in kinds if k.probe is None])
    probed = [k for k in kinds if k.probe is not None]
    text, spans = _file(probed, header)
    path = work_dir / "SelfTest.lean"
    path.write_text(text, encoding="utf-8")
    proc = run_lean(path)
    if proc.returncode not in (0, 1):
        if len(probed) == 1:
            result.broken[probed[0].name] = f"Lean died (exit {proc.returncode})"
            return result
        for kind in probed:
            sub = run_self_test([kind], run_lean, work_dir, header)
            result.working += sub.working
            result.broken.update(sub.broken)
        return result
    failures: dict[str, str] = {}
    for msg in parse_json_lines(proc.stdout)[0]:
        if msg.get("severity") != "error":
            continue  # `sorry` probes warn by design; linters may warn
        where = (msg.get("pos") or {}).get("line", 0)
        for start, end, kind in spans:
            if start <= where <= end:
                failures.setdefault(kind.name, str(msg.get("data", ""))[:300])
    for _start, _end, kind in spans:
        if kind.name in failures:
            result.broken[kind.name] = failures[kind.name]
        else:
            result.working.append(kind.name)
    return result
