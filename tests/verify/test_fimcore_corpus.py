"""Every FimCore corpus file checks in real prelude Lean: no error, no `sorry`, no axiom
beyond the allowed ones (the corpus is the reference the FIM tasks are cut from); and the
tasks cut from it pass with their own reference middles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fimrl.lean.fim import build_tasks
from fimrl.resources import lean_workspace_dir
from fimrl.verify.file_check import check_file
from fimrl.verify.prelude import PreludeToolchain
from fimrl.verify.prelude_checker import PreludeChecker
from fimrl.verify.types import CheckRequest

CORPUS = sorted((lean_workspace_dir() / "FimCoreCorpus").glob("*.lean"))


def test_the_corpus_is_there() -> None:
    assert CORPUS, "lean_workspace/FimCoreCorpus has no .lean files"


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_file_checks_in_prelude_lean(
    prelude_toolchain: PreludeToolchain, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("prelude\nimport FimCore\n")
    verdict = check_file(text, prelude_toolchain.lean_cmd(), env=prelude_toolchain.env())
    assert verdict.status == "pass", f"{path.name}: {verdict.detail}"
    assert verdict.axioms, f"{path.name}: no theorem found"


def test_fim_tasks_cut_from_the_corpus_pass_with_their_reference_middle(
    prelude_toolchain: PreludeToolchain, tmp_path: Path
) -> None:
    """The task builder's headers, prefixes and suffixes are sound on FimCore: every fourth
    task (all span kinds, every file), checked by the prelude backend with its own
    reference middle, passes."""
    tasks = [
        task
        for path in CORPUS
        for task in build_tasks(path.read_text(encoding="utf-8"), path.name).tasks
    ][::4]
    assert {t.span_kind for t in tasks} >= {"tactic", "tactic_run", "subproof", "proof"}
    checker = PreludeChecker(prelude_toolchain, tmp_dir=tmp_path)
    requests = [CheckRequest.for_task(t) for t in tasks]
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(checker.check, requests))
    failed = [
        f"{t.source}:{t.decl_name} ({t.span_kind}): {v.status} {v.detail[:200]}"
        for t, v in zip(tasks, verdicts, strict=True)
        if v.status != "pass"
    ]
    assert not failed, "\n".join(failed)
