"""Tactic-block structure: a ``by`` block as a tree of tactics with exact spans.

Why: FIM holes must be *whole* tactic units (a tactic, a run of sibling tactics, the
body of a bullet/case/``have``), otherwise the model is asked to complete half an
expression and the verifier judges noise.  Lean's real parser is not available in
Python, so this module recovers the layout-driven structure that Lean itself uses:

* a tactic sequence is a column: every tactic starts on a new line at the column of the
  first tactic, or after a ``;``; lines indented further continue the current tactic;
  a line indented less ends the sequence; a closing bracket ends it too;
* ``t₁ <;> t₂`` is one tactic with two parts;
* ``·``/``.`` bullets, ``case tag =>``/``next =>``, ``conv ... =>``, ``on_goal n =>``
  own a nested sequence after their head;
* ``induction``/``cases``/``match``/``fun_induction ... with | pat => tacs`` and
  ``first | tac | tac`` own one nested sequence per alternative;
* ``calc`` owns its steps (``term := proof``), the first possibly on the ``calc`` line;
* combinators (``all_goals``, ``any_goals``, ``repeat``, ``try``, ``focus``,
  ``iterate n``) own the sequence that follows;
* any ``by`` inside a tactic (``have h : t := by ...``, ``exact (by simp)``,
  ``suffices h : t by ...``, ``fun x => by ...``) opens a nested sequence.

Unknown tactics are just tactics.  Nesting deeper than :data:`MAX_DEPTH` is left
unparsed (the outer tactic is still a tactic), so adversarial input cannot exhaust the
Python stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final

from fimrl.lean.lexer import SigTokens

__all__ = [
    "MAX_DEPTH",
    "CalcStep",
    "TacticBlock",
    "TacticNode",
    "TacticParser",
    "iter_blocks",
    "iter_nodes",
]

#: Deepest nesting of blocks that is parsed into the tree.
MAX_DEPTH: Final[int] = 40

_BULLETS: Final[frozenset[str]] = frozenset({"·", "."})
_ARROW_HEADS: Final[dict[str, str]] = {
    "case": "case", "case'": "case", "next": "case", "conv": "conv", "conv_lhs": "conv",
    "conv_rhs": "conv", "on_goal": "case", "pick_goal": "case",
}  # fmt: skip
_ALT_HEADS: Final[frozenset[str]] = frozenset(
    {"induction", "induction'", "cases", "cases'", "match", "fun_induction", "fun_cases",
     "rcases'"}
)  # fmt: skip
_COMBINATORS: Final[frozenset[str]] = frozenset(
    {"all_goals", "any_goals", "repeat", "repeat'", "repeat1", "try", "focus", "iterate",
     "classical", "with_reducible", "with_reducible_and_instances", "with_unfolding_all",
     "show_term", "fail_if_success", "success_if_fail", "solve", "exacts_all"}
)  # fmt: skip
_CONTINUATION_AT_COL: Final[frozenset[str]] = frozenset({"|", "<;>"})


@dataclass(slots=True)
class TacticBlock:
    """A sequence of sibling tactics (``kind`` says what owns it).

    ``kind``: ``by`` (a ``by`` block), ``bullet``, ``case``, ``conv``, ``alt`` (an
    ``induction``/``cases``/``match``/``first`` alternative), ``combinator``, ``paren``.
    ``start``/``end`` span the tactics (first tactic start, last tactic end); ``i0``/
    ``i1`` is the token range the block consumed.
    """

    kind: str
    start: int
    end: int
    i0: int
    i1: int
    tactics: list[TacticNode] = field(default_factory=list)


@dataclass(slots=True)
class CalcStep:
    """One ``calc`` step: ``start``/``end`` span ``term := proof``.

    ``proof`` is the span after ``:=`` (``None`` for a bare first term such as
    ``calc a``); ``block`` is the parsed tactic block when the proof is ``by ...``.
    """

    start: int
    end: int
    proof: tuple[int, int] | None
    block: TacticBlock | None = None


@dataclass(slots=True)
class TacticNode:
    """One tactic: ``head`` is its first token; children are in ``blocks``/``parts``/``steps``.

    ``parts`` holds the operands of ``t₁ <;> t₂ <;> ...``.  ``blocks`` holds every
    nested sequence (bullet body, case body, alternatives, nested ``by`` blocks, the
    body of a combinator), in source order.
    """

    head: str
    start: int
    end: int
    i0: int
    i1: int
    blocks: list[TacticBlock] = field(default_factory=list)
    parts: list[TacticNode] = field(default_factory=list)
    steps: list[CalcStep] = field(default_factory=list)


class TacticParser:
    """Parses tactic blocks over the significant tokens of one file.

    ``levels`` are the bracket levels from
    :func:`fimrl.lean.declarations.bracket_levels`.
    """

    def __init__(self, st: SigTokens, levels: list[int]) -> None:
        self.st = st
        self.toks = st.toks
        self.starts = st.starts
        self.ends = st.ends
        self.bol = st.bol
        self.levels = levels
        self.text = st.text

    def col(self, i: int) -> int:
        start = self.starts[i]
        return start - self.text.rfind("\n", 0, start) - 1

    # -- public entry points -------------------------------------------------------

    def parse_by(self, by_index: int, limit: int) -> TacticBlock:
        """Parse the block after the ``by`` token at ``by_index`` (tokens ``< limit``)."""
        return self.block(by_index + 1, self._by_limit(by_index, limit), "by", 0)

    def term_blocks(self, i0: int, i1: int, depth: int = 0) -> list[TacticBlock]:
        """All outermost ``by`` blocks inside the term tokens ``[i0, i1)``."""
        out: list[TacticBlock] = []
        toks, levels = self.toks, self.levels
        outer = levels[i0] if i0 < i1 else 0
        k = i0
        while k < i1:
            if toks[k] == "by":
                limit = self._by_limit(k, i1, comma=levels[k] > outer)
                blk = self.block(k + 1, limit, "by", depth + 1)
                out.append(blk)
                k = max(blk.i1, k + 1)
            else:
                k += 1
        return out

    # -- internals -----------------------------------------------------------------

    def _by_limit(self, by_index: int, limit: int, *, comma: bool = False) -> int:
        """A nested ``by`` extends to the bracket that closes around it (or ``limit``).

        With ``comma`` (the ``by`` sits inside brackets, as in ``⟨by simp, by rfl⟩``) a
        comma at the ``by``'s own level ends it too.
        """
        levels, toks = self.levels, self.toks
        lv = levels[by_index]
        e = by_index + 1
        while e < limit and levels[e] >= lv:
            if comma and levels[e] == lv and toks[e] == ",":
                break
            e += 1
        return e

    def block(self, i0: int, i1: int, kind: str, depth: int) -> TacticBlock:
        """Parse the tactic sequence starting at token ``i0`` (tokens ``< i1``)."""
        toks, levels, bol = self.toks, self.levels, self.bol
        if i0 >= i1:
            pos = self.ends[i0 - 1] if i0 > 0 else 0
            return TacticBlock(kind, pos, pos, i0, i0)
        col = self.col(i0)
        base = levels[i0]
        tactics: list[TacticNode] = []
        i = i0
        while i < i1:
            if levels[i] < base or (i > i0 and bol[i] and self.col(i) < col):
                break
            j = self._tactic_end(i, i1, col, base)
            tactics.append(self.tactic(i, j, depth))
            i = j
            if i < i1 and toks[i] == ";" and levels[i] == base:
                i += 1
                continue
            if not (i < i1 and bol[i] and levels[i] == base and self.col(i) == col):
                break
        if not tactics:
            pos = self.starts[i0]
            return TacticBlock(kind, pos, pos, i0, i0)
        return TacticBlock(kind, tactics[0].start, tactics[-1].end, i0, i, tactics)

    def _tactic_end(self, i: int, i1: int, col: int, base: int) -> int:
        """End (exclusive) of the tactic starting at ``i`` in a block at column ``col``.

        A base-level ``;`` ends the tactic unless the tactic owns a nested sequence
        that swallows it: bullets and combinators take a whole sequence, and so does
        everything after a base-level ``=>`` or ``by`` (``case x => a; b`` and
        ``have := by a; b`` are one tactic in Lean).
        """
        toks, levels, bol = self.toks, self.levels, self.bol
        absorbs = toks[i] in _BULLETS or toks[i] in _COMBINATORS
        j = i + 1
        while j < i1:
            lv = levels[j]
            if lv < base:
                break
            if lv == base:
                t = toks[j]
                if t == ";":
                    if not absorbs:
                        break
                elif t == "=>" or t == "by":
                    absorbs = True
                if bol[j]:
                    c = self.col(j)
                    if c < col or (c == col and t not in _CONTINUATION_AT_COL):
                        break
            j += 1
        return j

    def tactic(self, i: int, j: int, depth: int) -> TacticNode:
        """Build the node for the tactic occupying tokens ``[i, j)``."""
        toks = self.toks
        head = toks[i]
        node = TacticNode(head, self.starts[i], self.ends[j - 1], i, j)
        if depth >= MAX_DEPTH:
            return node
        d = depth + 1
        if head in _BULLETS:
            node.blocks.append(self.block(i + 1, j, "bullet", d))
            return node
        if head == "(":
            close = self._matching(i, j)
            node.blocks.append(self.block(i + 1, close, "paren", d))
            self._nested_by(node, close + 1, j, d)
            return node
        split = self._split_seq_focus(i, j)
        if split:
            bounds = [i, *split, j]
            for a, b in pairwise(bounds):
                a2 = a if a == i else a + 1
                if a2 < b:
                    node.parts.append(self.tactic(a2, b, d))
            return node
        arrow_kind = _ARROW_HEADS.get(head)
        if arrow_kind is not None:
            arrow = self._find(i + 1, j, "=>")
            if arrow is not None:
                self._nested_by(node, i + 1, arrow, d)
                node.blocks.append(self.block(arrow + 1, j, arrow_kind, d))
                return node
        if head in _ALT_HEADS:
            w = self._find(i + 1, j, "with")
            if w is not None:
                self._nested_by(node, i + 1, w, d)
                self._alternatives(node, w + 1, j, d, need_arrow=True)
                return node
        if head == "first":
            self._alternatives(node, i + 1, j, d, need_arrow=False)
            return node
        if head == "calc":
            self._calc(node, i + 1, j, d)
            return node
        if head in _COMBINATORS and i + 1 < j:
            k = i + 1
            if head == "iterate" and self.st.kinds[k] == "number":
                k += 1
            if k < j:
                node.blocks.append(self.block(k, j, "combinator", d))
            return node
        self._nested_by(node, i + 1, j, d)
        return node

    def _matching(self, i: int, j: int) -> int:
        levels = self.levels
        lv = levels[i]
        k = i + 1
        while k < j and levels[k] > lv:
            k += 1
        return k

    def _find(self, i: int, j: int, what: str) -> int | None:
        """First token ``what`` at the level of token ``i - 1``'s tactic, before any ``by``."""
        toks, levels = self.toks, self.levels
        base = levels[i - 1]
        for k in range(i, j):
            if levels[k] == base:
                t = toks[k]
                if t == what:
                    return k
                if t == "by":
                    return None
        return None

    def _split_seq_focus(self, i: int, j: int) -> list[int]:
        """Indices of top-level ``<;>`` operators (none after a top-level ``by``)."""
        toks, levels = self.toks, self.levels
        base = levels[i]
        out: list[int] = []
        for k in range(i + 1, j):
            if levels[k] == base:
                t = toks[k]
                if t == "<;>":
                    out.append(k)
                elif t == "by" or t == "=>" or t == "with":
                    break
        return out

    def _nested_by(self, node: TacticNode, i0: int, i1: int, depth: int) -> None:
        node.blocks.extend(self.term_blocks(i0, i1, depth - 1))

    def _alternatives(
        self, node: TacticNode, i0: int, i1: int, depth: int, *, need_arrow: bool
    ) -> None:
        """Split ``| alt`` arms at the owning level and parse each arm's tactics."""
        toks, levels, bol = self.toks, self.levels, self.bol
        if i0 >= i1:
            return
        base = levels[i0 - 1]
        bars = [k for k in range(i0, i1) if toks[k] == "|" and levels[k] == base]
        if not bars:
            return
        first = bars[0]
        if bol[first]:
            c = self.col(first)
            arms = [k for k in bars if bol[k] and self.col(k) == c]
        else:
            nl = self.text.find("\n", self.starts[first])
            line_end = len(self.text) if nl < 0 else nl
            arms = [k for k in bars if self.starts[k] < line_end]
        bounds = [*arms, i1]
        for a, b in pairwise(bounds):
            if need_arrow:
                arrow = None
                for k in range(a + 1, b):
                    if toks[k] == "=>" and levels[k] == base:
                        arrow = k
                        break
                if arrow is None:
                    continue
                node.blocks.append(self.block(arrow + 1, b, "alt", depth))
            else:
                node.blocks.append(self.block(a + 1, b, "alt", depth))

    def _calc(self, node: TacticNode, i0: int, i1: int, depth: int) -> None:
        toks, levels, bol, starts, ends = self.toks, self.levels, self.bol, self.starts, self.ends
        if i0 >= i1:
            return
        base = levels[i0]
        line_starts = [k for k in range(i0 + 1, i1) if bol[k] and levels[k] == base]
        if line_starts:
            step_col = min(self.col(k) for k in line_starts)
            cuts = [k for k in line_starts if self.col(k) == step_col]
        else:
            cuts = []
        if not cuts or cuts[0] != i0:
            cuts.insert(0, i0)
        bounds = [*cuts, i1]
        for a, b in pairwise(bounds):
            if a >= b:
                continue
            assign = None
            for k in range(a, b):
                if levels[k] == base and toks[k] == ":=":
                    assign = k
                    break
            if assign is None or assign + 1 >= b:
                node.steps.append(CalcStep(starts[a], ends[b - 1], None))
                continue
            step = CalcStep(starts[a], ends[b - 1], (starts[assign + 1], ends[b - 1]))
            if toks[assign + 1] == "by":
                step.block = self.block(assign + 2, b, "by", depth)
                node.blocks.append(step.block)
            else:
                node.blocks.extend(self.term_blocks(assign + 1, b, depth - 1))
            node.steps.append(step)


def iter_nodes(block: TacticBlock) -> list[TacticNode]:
    """All tactic nodes under ``block`` (pre-order, iterative)."""
    out: list[TacticNode] = []
    stack: list[TacticNode] = list(reversed(block.tactics))
    while stack:
        node = stack.pop()
        out.append(node)
        children: list[TacticNode] = list(node.parts)
        for b in node.blocks:
            children.extend(b.tactics)
        stack.extend(reversed(children))
    return out


def iter_blocks(block: TacticBlock) -> list[TacticBlock]:
    """``block`` and every block nested under it (pre-order, iterative)."""
    out: list[TacticBlock] = []
    stack = [block]
    while stack:
        b = stack.pop()
        out.append(b)
        nested: list[TacticBlock] = []
        for node in b.tactics:
            todo = [node]
            while todo:
                n = todo.pop()
                nested.extend(n.blocks)
                todo.extend(n.parts)
        stack.extend(reversed(nested))
    return out
