"""Spans start and end only at tactic boundaries Lean's grammar allows.

Each class of malformed hole found on real-world Lean (a ``next h =>`` line without its
body, an ``else`` branch cut from its ``if``, ``match h with`` without its alternatives,
a line ending in ``<;>`` without its right operand) is checked twice: the span selector
no longer produces it, and the validity check rejects it when given one by hand.
"""

from __future__ import annotations

import pytest

from fimrl.lean.fim import build_tasks
from fimrl.lean.spans import SPAN_REJECT_REASONS, check_middle

NEXT_SAME_COLUMN = """theorem next_col (n : Nat) : n = n := by
  cases n
  next =>
  rfl
  next k =>
    rfl
"""

IF_ELSE = """theorem if_else (p : Prop) [Decidable p] (x : Nat) : x = x := by
  if h : p then
    rfl
  else
    exact rfl
"""

MATCH_WITH = """theorem match_with (h : a ∨ b) : b ∨ a := by
  refine ?_
  exact match h with
  | .inl h => .inr h
  | .inr h => .inl h
"""

SEQ_FOCUS = """theorem seq_focus (x : Nat) : x = x ∧ x = x := by
  constructor <;>
  rfl
"""


def middles(text: str) -> list[str]:
    return [t.middle for t in build_tasks(text, "t.lean", max_per_decl=None).tasks]


def test_next_line_keeps_its_body_on_the_same_column() -> None:
    got = middles(NEXT_SAME_COLUMN)
    assert "next =>" not in got
    assert "next =>\n  rfl" in got


def test_else_branch_is_never_a_hole_of_its_own() -> None:
    got = middles(IF_ELSE)
    assert not any(m.startswith("else") or m == "else" for m in got)
    assert "if h : p then\n    rfl" not in got
    # The whole ``if`` and each branch body are holes; nothing in between.
    assert sorted(got) == sorted(
        ["if h : p then\n    rfl\n  else\n    exact rfl", "rfl", "exact rfl"]
    )


def test_else_if_chain_branches_and_seq_focus_in_a_branch() -> None:
    text = (
        "theorem chain (p q : Prop) [Decidable p] [Decidable q] (n : Nat) : n = n := by\n"
        "  if hp : p then\n"
        "    rfl\n"
        "  else if hq : q then\n"
        "    simp\n"
        "  else\n"
        "    skip <;> rfl\n"
    )
    result = build_tasks(text, "t.lean", max_per_decl=None)
    got = [t.middle for t in result.tasks]
    assert {"rfl", "simp", "skip <;> rfl", "skip"} <= set(got)
    assert not any(m.startswith(("else", "if hq")) for m in got)
    assert not any("if" in m and "else" not in m for m in got)
    assert result.rejected_spans == {}


def test_match_keeps_its_alternatives() -> None:
    got = middles(MATCH_WITH)
    assert "exact match h with" not in got
    assert "exact match h with\n  | .inl h => .inr h\n  | .inr h => .inl h" in got


def test_seq_focus_keeps_its_right_operand_across_a_line_break() -> None:
    got = middles(SEQ_FOCUS)
    assert "constructor <;>" not in got
    assert "constructor <;>\n  rfl" in got


def _span(text: str, middle: str) -> tuple[int, int]:
    start = text.index(middle)
    return start, start + len(middle)


@pytest.mark.parametrize(
    ("text", "middle", "reason"),
    [
        (NEXT_SAME_COLUMN, "next =>", "ends before its right-hand side"),
        (IF_ELSE, "if h : p then\n    rfl", "if cut from its else"),
        (IF_ELSE, "else\n    exact rfl", "starts inside a construct"),
        (MATCH_WITH, "exact match h with", "ends before its right-hand side"),
        (SEQ_FOCUS, "constructor <;>", "ends before its right-hand side"),
        (MATCH_WITH, "| .inl h => .inr h", "starts inside a construct"),
        (
            "theorem c (h : p) : q := by\n  cases h\n  with\n  | _ => rfl\n",
            "cases h",
            "cut before its continuation",
        ),
    ],
)
def test_validity_check_rejects_each_class(text: str, middle: str, reason: str) -> None:
    assert reason in SPAN_REJECT_REASONS
    assert check_middle(text, *_span(text, middle)) == reason


@pytest.mark.parametrize(
    ("text", "middle"),
    [
        (SEQ_FOCUS, "constructor"),  # the left operand of ``<;>`` is a tactic of its own
        (SEQ_FOCUS, "rfl"),
        (
            "theorem b (p : Prop) [Decidable p] : True := if h : p then by simp else by trivial\n",
            "simp",
        ),
        (MATCH_WITH, "exact match h with\n  | .inl h => .inr h\n  | .inr h => .inl h"),
    ],
)
def test_validity_check_accepts_whole_units(text: str, middle: str) -> None:
    assert check_middle(text, *_span(text, middle)) is None


def test_rejected_spans_are_counted_by_reason() -> None:
    """build_tasks skips a span that fails the check and counts it; here none fail."""
    result = build_tasks(IF_ELSE + "\n" + SEQ_FOCUS, "t.lean", max_per_decl=None)
    assert result.tasks
    assert set(result.rejected_spans) <= set(SPAN_REJECT_REASONS)
    assert sum(result.rejected_spans.values()) == 0


def test_array_literals_and_attribute_brackets_are_balanced() -> None:
    """``#[`` / ``@[`` / ``%[`` are single tokens closed by ``]`` (found on real Lean: every
    span with an array literal was rejected as unbalanced)."""
    from fimrl.lean.spans import check_middle

    text = (
        "theorem t : True := by\n  simp [#[1].size]\n  rw [foo, bar (Array.push #[] hd)]\n"
        "  exact (⦃x⦄ : %[1|2])\n"
    )
    for fragment in ("simp [#[1].size]", "rw [foo, bar (Array.push #[] hd)]"):
        start = text.index(fragment)
        assert check_middle(text, start, start + len(fragment)) is None, fragment
    start = text.index("simp [#[1]")
    assert check_middle(text, start, start + len("simp [#[1]")) == "unbalanced brackets"
