"""Tasks cut at tactic boundaries pass in real Lean with their own reference middle.

``tests/verify/fimcore_snippets/`` holds original snippets (written for fimrl) in the
constructs whose holes used to be malformed: ``next`` with its body on the same column,
``match``/``exact match`` alternatives, ``<;>`` at a line end, ``case``, bullets,
``calc`` steps and a last hole ending in a comment.  Every task of every snippet (not a
sample) is checked by the prelude backend: a failure is a builder bug.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fimrl.lean.fim import build_tasks
from fimrl.lean.spans import check_middle
from fimrl.verify.file_check import check_file
from fimrl.verify.prelude import PreludeToolchain
from fimrl.verify.prelude_checker import PreludeChecker
from fimrl.verify.types import CheckRequest

SNIPPETS = sorted((Path(__file__).parent / "fimcore_snippets").glob("*.lean"))


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
def test_every_task_passes_with_its_reference_middle(
    prelude_toolchain: PreludeToolchain, path: Path, tmp_path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    whole = check_file(text, prelude_toolchain.lean_cmd(), env=prelude_toolchain.env())
    assert whole.status == "pass", whole.detail
    tasks = build_tasks(text, path.name, max_per_decl=None).tasks
    assert {t.span_kind for t in tasks} >= {"tactic", "tactic_run", "subproof", "proof"}
    for task in tasks:
        start = text.index(task.prefix + task.middle + task.suffix) + len(task.prefix)
        assert check_middle(text, start, start + len(task.middle)) is None, task.middle
    checker = PreludeChecker(prelude_toolchain, tmp_dir=tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(checker.check, [CheckRequest.for_task(t) for t in tasks]))
    failed = [
        f"{t.decl_name} ({t.span_kind}) {t.middle!r}: {v.status} {v.detail[:200]}"
        for t, v in zip(tasks, verdicts, strict=True)
        if v.status != "pass"
    ]
    assert not failed, "\n".join(failed)


def test_a_last_hole_ending_in_a_comment_passes(
    prelude_toolchain: PreludeToolchain, tmp_path: Path
) -> None:
    """The guard lets ``exact hp -- ok`` through before an empty suffix, and Lean agrees:
    the assembled file puts a line break after the suffix."""
    path = Path(__file__).parent / "fimcore_snippets" / "Boundaries.lean"
    tasks = build_tasks(path.read_text(encoding="utf-8"), path.name, max_per_decl=None).tasks
    (task,) = [
        t for t in tasks if t.decl_name.endswith("trailing_comment") and t.span_kind == "proof"
    ]
    assert task.suffix.strip() == ""
    checker = PreludeChecker(prelude_toolchain, tmp_dir=tmp_path)
    for suffix in ("", task.suffix):
        request = CheckRequest(
            header=task.header,
            prefix=task.prefix,
            middle=task.middle + " -- ok",
            suffix=suffix,
            target=task.decl_name,
        )
        verdict = checker.check(request)
        assert verdict.status == "pass", (suffix, verdict.rule, verdict.detail[:300])
