"""Tactic trees: every syntax form in the tactics fixture parses into the right shape."""

from __future__ import annotations

import pytest

from fimrl.lean.declarations import parse_file
from fimrl.lean.spans import proof_blocks
from fimrl.lean.tactics import TacticBlock, TacticParser, iter_nodes

from .conftest import fixture

TEXT = fixture("tactics.lean")
PF = parse_file(TEXT)
PARSER = TacticParser(PF.toks, PF.levels)
DECLS = {d.name: d for d in PF.declarations}


def top(name: str) -> TacticBlock:
    (blk,) = proof_blocks(PF, DECLS[name], PARSER)
    return blk


def texts(blk: TacticBlock) -> list[str]:
    return [TEXT[t.start : t.end] for t in blk.tactics]


def span(x: object) -> str:
    return TEXT[x.start : x.end]  # type: ignore[attr-defined]


def test_lines() -> None:
    assert texts(top("t_lines")) == ["subst h", "rfl"]


def test_semicolon_and_seq_focus() -> None:
    assert texts(top("t_semicolon")) == ["constructor", "exact hp", "exact hq"]
    (node,) = top("t_seqfocus").tactics
    assert [span(p) for p in node.parts] == ["constructor", "assumption"]


@pytest.mark.parametrize("name", ["t_bullets", "t_dots"])
def test_bullets(name: str) -> None:
    blk = top(name)
    assert len(blk.tactics) == 3
    b = blk.tactics[2]
    assert b.head in ("·", ".")
    assert b.blocks[0].kind == "bullet"
    if name == "t_bullets":
        assert texts(b.blocks[0]) == ["have hq' : q := hq", "exact hq'"]


def test_continuation_line() -> None:
    assert texts(top("t_continuation")) == ["simp only [Nat.add_zero,\n    Nat.zero_add]"]


def test_case_and_next() -> None:
    blk = top("t_case")
    assert [t.head for t in blk.tactics] == ["cases", "case", "case"]
    assert [b.kind for b in blk.tactics[1].blocks] == ["case"]
    assert texts(blk.tactics[2].blocks[0]) == ["exact Or.inl hq"]
    nxt = top("t_next").tactics[2]
    assert texts(nxt.blocks[0]) == ["apply Or.inl", "exact hq"]


def test_induction_alternatives() -> None:
    (node,) = top("t_induction").tactics
    assert [b.kind for b in node.blocks] == ["alt", "alt"]
    assert texts(node.blocks[0]) == ["rfl"]
    assert texts(node.blocks[1]) == ["rw [Nat.add_succ]", "rw [ih]"]


def test_one_line_cases_with() -> None:
    (node,) = top("t_cases_with").tactics
    assert [texts(b) for b in node.blocks] == [["rfl"], ["rfl"]]


def test_rcases_patterns_are_not_alternatives() -> None:
    blk = top("t_rcases")
    assert len(blk.tactics) == 3 and not blk.tactics[0].blocks
    assert texts(top("t_obtain")) == ["obtain ⟨n, hn⟩ := h", "trivial"]


def test_match_alternatives() -> None:
    (node,) = top("t_match").tactics
    assert [texts(b) for b in node.blocks] == [["exact Or.inr hp"], ["left", "exact hq"]]


def test_calc_steps() -> None:
    (node,) = top("t_calc").tactics
    assert [span(s) for s in node.steps] == [
        "a = b := by rw [h₁]",
        "_ = c := by\n      rw [h₂]",
        "_ = c := rfl",
    ]
    assert node.steps[1].block is not None and texts(node.steps[1].block) == ["rw [h₂]"]
    (bare,) = top("t_calc_bare").tactics
    assert bare.steps[0].proof is None and span(bare.steps[1]) == "_ = b := h"


def test_conv_blocks() -> None:
    blk = top("t_conv")
    assert len(blk.tactics) == 2
    assert texts(blk.tactics[0].blocks[0]) == ["lhs", "rw [Nat.add_comm]"]
    assert blk.tactics[1].blocks[0].kind == "conv"


def test_have_nested_by() -> None:
    blk = top("t_have")
    assert texts(blk) == [
        "have h : a = a := by\n    rfl",
        "have h2 : a + 0 = a := by simp",
        "exact h",
    ]
    assert texts(blk.tactics[0].blocks[0]) == ["rfl"]
    assert texts(blk.tactics[1].blocks[0]) == ["simp"]


def test_suffices_show_exact_by() -> None:
    blk = top("t_suffices_show")
    assert [t.head for t in blk.tactics] == ["suffices", "show", "exact"]
    assert texts(blk.tactics[0].blocks[0]) == ["simpa using h"]
    assert texts(blk.tactics[2].blocks[0]) == ["simp"]


def test_combinators_and_first() -> None:
    blk = top("t_combinators")
    heads = [t.head for t in blk.tactics]
    assert heads == ["refine", "all_goals", "any_goals", "repeat", "first", "first"]
    nested = [span(n) for n in iter_nodes(blk.tactics[1].blocks[0])]
    assert nested == ["try assumption", "assumption"]
    assert [texts(b) for b in blk.tactics[4].blocks] == [["exact hp"], ["exact hq"]]
    assert [texts(b) for b in blk.tactics[5].blocks] == [["exact hp"], ["exact hq"]]


def test_term_mode_bys() -> None:
    blocks = proof_blocks(PF, DECLS["t_term_by"], PARSER)
    assert [texts(b) for b in blocks] == [["exact hp"], ["exact hq"]]
    (fun_by,) = proof_blocks(PF, DECLS["t_fun_by"], PARSER)
    assert texts(fun_by) == ["rfl"]
    assert proof_blocks(PF, DECLS["t_where"], PARSER) == []


def test_decreasing_by_excluded() -> None:
    assert texts(top("t_decreasing")) == ["trivial"]


def test_deep_nesting_is_bounded() -> None:
    text = "theorem x : True := by\n  " + "exact (by " * 3000 + "trivial" + ")" * 3000 + "\n"
    pf = parse_file(text)
    parser = TacticParser(pf.toks, pf.levels)
    (blk,) = proof_blocks(pf, pf.declarations[0], parser)
    assert len(iter_nodes(blk)) <= 100
    paren = "theorem y : True := by\n  " + "(" * 5000 + "trivial" + ")" * 5000 + "\n"
    pf = parse_file(paren)
    (blk,) = proof_blocks(pf, pf.declarations[0], TacticParser(pf.toks, pf.levels))
    assert blk.tactics


def test_semicolon_starting_a_line_at_the_column() -> None:
    """A ``;`` that starts a line at the block's column separates, then is skipped."""
    text = (
        "theorem x : True := by\n"
        "  · match h with\n"
        "    | .inr y =>\n"
        "  ;    /- c -/\n"
        "      linarith [hab]\n"
        "    intro xs h\n"
        "  simp\n"
    )
    pf = parse_file(text)
    (blk,) = proof_blocks(pf, pf.declarations[0], TacticParser(pf.toks, pf.levels))
    heads = [t.head for t in blk.tactics]
    assert heads == ["·", "linarith", "simp"]
    assert text[blk.tactics[1].start : blk.tactics[1].end] == "linarith [hab]\n    intro xs h"
