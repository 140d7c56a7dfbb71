"""Which tokens may sit at the edges of a tactic span: one table for the parser and the check.

Why a module of its own: the tactic parser (:mod:`fimrl.lean.tactics`) must not end a
tactic where Lean's grammar keeps parsing, and the validity check of every produced
middle (:func:`fimrl.lean.spans.check_middle`) must reject a span that does, without
trusting the parser.  Both read these tables, so they cannot drift apart.

Lean keeps parsing after a token that needs a right-hand side: ``next h =>`` takes the
tactic sequence that follows even on the next line at the same column, ``t <;>`` its
right operand, ``if c then`` / ``else`` their branches, ``match h with`` its
alternatives.  A span that ends on such a token (or starts on a token that only
continues a construct, such as ``else`` or ``|``) is not a tactic unit.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BAD_FIRST", "BAD_NEXT", "CONTINUES_LINE", "DANGLING_LAST"]

#: Tokens after which Lean parses on: a line ending in one is continued by the next line.
DANGLING_LAST: Final[frozenset[str]] = frozenset(
    {
        *("=>", "↦", "<;>", "then", "else", "with", ":=", "by", "|", "fun", "λ"),
        *("at", "using", "from", "<|", "$", "<|>", ",", "·", ".", "←", "→"),
    }
)

#: Tokens that only continue a construct begun before them: no span starts with one.
BAD_FIRST: Final[frozenset[str]] = frozenset(
    {"else", "then", "|", "<;>", "=>", ":=", "with", "at", "using", "<|>", ")", "]", "}", "⟩"}
)

#: Tokens that continue the construct *before* them: no span ends right before one
#: (``cases h`` cut from its ``with``).  ``<;>`` is absent on purpose: the left operand
#: of ``t₁ <;> t₂`` is a tactic of its own; so is ``else``: ``by simp`` in
#: ``if c then by simp else ...`` is a whole block (an ``if`` cut from its ``else`` is
#: caught by counting ``then`` and ``else`` instead).
BAD_NEXT: Final[frozenset[str]] = frozenset({"then", "=>", ":=", "with"})

#: Tokens that, first on a line at the sequence's column, continue the tactic above
#: rather than start a new one (``| alt``, ``<;> t``, the ``else`` of an ``if``).
CONTINUES_LINE: Final[frozenset[str]] = frozenset({"|", "<;>", "else"})
