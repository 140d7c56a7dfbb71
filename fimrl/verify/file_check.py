"""Lean's verdict on a whole file: the answer to an operator's "does this pass?".

The file is checked as written, plus one ``#print axioms`` per named theorem appended at the
end, in a fresh ``lean --json`` process under the same limits as every check. The verdict
uses the same words as a candidate's: ``pass`` (no error, no ``sorry``, every theorem's
axioms within :data:`~fimrl.verify.types.ALLOWED_AXIOMS`), ``fail`` (Lean errors),
``rejected`` (``sorry`` or a disallowed axiom), ``timeout``, ``error`` (Lean could not answer).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fimrl.lean.declarations import parse_file
from fimrl.lean.lexer import LeanSyntaxError
from fimrl.verify.cli_checker import parse_json_lines
from fimrl.verify.procutil import run_in_group
from fimrl.verify.rules import is_sorry_warning, normalize_message, parse_axioms_message
from fimrl.verify.types import ALLOWED_AXIOMS, Limits, Status

__all__ = ["FileVerdict", "check_file"]

_THEOREMS = frozenset({"theorem", "lemma"})


@dataclass
class FileVerdict:
    """What Lean said about one file."""

    status: Status
    detail: str
    duration_s: float
    messages: list[dict[str, Any]] = field(default_factory=list)
    axioms: dict[str, list[str]] = field(default_factory=dict)


def check_file(
    text: str,
    lean_cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    limits: Limits | None = None,
) -> FileVerdict:
    """Check ``text`` with ``lean_cmd`` (e.g. the prelude toolchain's ``lean``)."""
    limits = limits or Limits()
    started = time.monotonic()
    try:
        names = [d.name for d in parse_file(text).declarations if d.kind in _THEOREMS]
    except LeanSyntaxError as exc:
        return FileVerdict("fail", f"the file does not lex: {exc}", time.monotonic() - started)
    body = text if text.endswith("\n") else text + "\n"
    first_check_line = body.count("\n") + 2
    body += "\n" + "".join(f"#print axioms {n}\n" for n in names)
    with tempfile.TemporaryDirectory(prefix="fimrl-check-") as tmp:
        path = Path(tmp) / "Check.lean"
        path.write_text(body, encoding="utf-8")
        run = run_in_group(
            [*lean_cmd, "--json", "-j1", str(path)],
            timeout_s=limits.timeout_s,
            memory_mb=limits.memory_mb,
            work_dir=Path(tmp),
            env=env,
        )
    duration = time.monotonic() - started
    if run.timed_out:
        return FileVerdict("timeout", f"no answer within {limits.timeout_s:g} s", duration)
    raw, _noise = parse_json_lines(run.stdout)
    messages = [normalize_message(m) for m in raw]
    if run.returncode not in (0, 1):
        tail = run.stderr.strip()[-300:]
        return FileVerdict("error", f"Lean exited {run.returncode}: {tail}", duration, messages)
    axioms: dict[str, list[str]] = {}
    for m in messages:
        pos = m.get("pos") or {}
        if m["severity"] == "information" and pos.get("line", 0) >= first_check_line:
            parsed = parse_axioms_message(m["data"])
            if parsed is not None:
                axioms[parsed[0]] = parsed[1]
    own = [m for m in messages if (m.get("pos") or {}).get("line", 0) < first_check_line]
    errors = [m for m in own if m["severity"] == "error"]
    if errors:
        return FileVerdict(
            "fail",
            f"{len(errors)} Lean error(s); first: {errors[0]['data'][:300]}",
            duration,
            messages,
            axioms,
        )
    if any(is_sorry_warning(m) for m in own):
        return FileVerdict("rejected", "the file uses `sorry`", duration, messages, axioms)
    bad = {n: [a for a in ax if a not in ALLOWED_AXIOMS] for n, ax in axioms.items()}
    bad = {n: ax for n, ax in bad.items() if ax}
    if bad:
        first = next(iter(bad.items()))
        return FileVerdict(
            "rejected",
            f"{first[0]} depends on disallowed axioms {first[1]}",
            duration,
            messages,
            axioms,
        )
    return FileVerdict("pass", f"{len(names)} theorem(s) checked", duration, messages, axioms)
