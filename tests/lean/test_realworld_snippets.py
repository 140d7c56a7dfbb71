"""Regression suite: original Lean snippets in the styles of Mathlib, Batteries and core.

The files under ``tests/lean/realworld/`` were written for fimrl (no library file was
copied); together they cover the constructs that broke task building on real-world Lean:
``xs[i]'h``, ``⊕'``, ``f '' s``, ``∑'``, ``next h =>`` (body on the same column too),
tactic-mode ``if``/``else if``/``else``, ``match``/``exact match`` alternatives, ``<;>``
at a line end, ``calc`` steps, ``case``, ``conv``, ``on_goal``, ``first``, bullets, and
string literals that mention ``sorry``/``import``/``elab``.

Property, for every task of every file: ``prefix + middle + suffix`` is the declaration
byte for byte, the middle passes the validity check (:func:`check_middle`, which re-lexes
it and does not trust the tactic tree), and the static guard accepts the reference middle
in its context (no false rejection of an honest proof).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fimrl.lean.declarations import parse_file
from fimrl.lean.fim import build_tasks
from fimrl.lean.guard import guard
from fimrl.lean.spans import check_middle

SNIPPETS = sorted((Path(__file__).parent / "realworld").glob("*.lean"))


def test_the_suite_is_there() -> None:
    assert len(SNIPPETS) >= 3


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
@pytest.mark.parametrize("max_per_decl", [None, 4])
def test_every_task_is_whole_and_valid(path: Path, max_per_decl: int | None) -> None:
    text = path.read_text(encoding="utf-8")
    result = build_tasks(text, path.name, max_per_decl=max_per_decl)  # raises if skipped
    assert result.tasks
    pf = parse_file(text)
    decl_text = {d.name: text[d.start : d.end] for d in pf.declarations}
    for task in result.tasks:
        whole = task.prefix + task.middle + task.suffix
        assert whole == decl_text[task.decl_name], task.decl_name
        start = text.index(whole) + len(task.prefix)
        assert check_middle(text, start, start + len(task.middle)) is None, task.middle
        verdict = guard(task.middle, max_bytes=16_384, prefix=task.prefix, suffix=task.suffix)
        assert verdict.ok, (task.middle, verdict)


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.name)
def test_no_declaration_loses_its_tasks_to_the_check(path: Path) -> None:
    """The only rejections are runs that start after a ``;`` and continue below it."""
    result = build_tasks(path.read_text(encoding="utf-8"), path.name, max_per_decl=None)
    assert set(result.rejected_spans) <= {"dedented below the hole column"}
    assert "no valid span" not in result.skipped


def test_the_constructs_are_really_covered() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SNIPPETS)
    for construct in [
        "]'h",
        "⊕'",
        "'' s",
        "⁻¹'",
        "∑'",
        "next b bs =>\n  simp",
        "else if",
        "exact match h with",
        "<;>\n",
        "calc ",
        "case succ",
        "conv =>",
        "on_goal 2 =>",
        "first\n",
        '"sorry"',
        '"import Mathlib"',
    ]:
        assert construct in text, construct
