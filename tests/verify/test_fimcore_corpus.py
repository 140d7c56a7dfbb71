"""Every FimCore corpus file checks in real prelude Lean: no error, no `sorry`, no axiom
beyond the allowed ones (the corpus is the reference the FIM tasks are cut from)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fimrl.resources import lean_workspace_dir
from fimrl.verify.file_check import check_file
from fimrl.verify.prelude import PreludeToolchain

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
