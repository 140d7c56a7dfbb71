"""Tactic-block structure: a ``by`` block as a tree of tactics with exact spans.

Why: FIM holes must be *whole* tactic units (a tactic, a run of sibling tactics, the
body of a bullet/case/``have``), otherwise the model is asked to complete half an
expression and the verifier judges noise.  Lean's real parser is not available in
Python, so this module recovers the layout-driven structure that Lean itself uses:

* a tactic sequence is a column: every tactic starts on a new line at the column of the
  first tactic, or after a ``;``; lines indented further continue the current tactic;
  a line indented less ends the sequence; a closing bracket ends it too; but a line
  after one ending in a token that needs a right-hand side (``next h =>``, ``t <;>``,
  ``then``: :data:`fimrl.lean.boundaries.DANGLING_LAST`) continues the tactic, and so
  does a line starting with ``|``, ``<;>`` or ``else`` at the column;
* ``t₁ <;> t₂`` is one tactic with two parts;
* ``·``/``.`` bullets, ``case tag =>``/``next =>``, ``conv ... =>``, ``on_goal n =>``
  own a nested sequence after their head;
* ``induction``/``cases``/``match``/``fun_induction ... with | pat => tacs`` and
  ``first | tac | tac`` own one nested sequence per alternative;
* ``calc`` owns its steps (``term := proof``), the first possibly on the ``calc`` line;
* tactic-mode ``if c then tacs else tacs`` owns its two branches (``else if`` nests);
* combinators (``all_goals``, ``any_goals``, ``repeat``, ``try``, ``focus``,
  ``iterate n``) own the sequence that follows;
* any ``by`` inside a tactic (``have h : t := by ...``, ``exact (by simp)``,
  ``suffices h : t by ...``, ``fun x => by ...``) opens a nested sequence.

Unknown tactics are just tactics.  Nesting deeper than :data:`MAX_DEPTH` is left
unparsed (the outer tactic is still a tactic), so adversarial input cannot exhaust the
Python stack.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from operator import sub
from typing import Final

from fimrl.lean.boundaries import CONTINUES_LINE, DANGLING_LAST
from fimrl.lean.lexer import SigTokens, token_code

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
_CONTINUATION_AT_COL: Final[frozenset[str]] = CONTINUES_LINE
# How a tactic's head shapes its node (see :meth:`TacticParser.tactic`).
_HEAD_FORMS: Final[dict[str, str]] = {
    **dict.fromkeys(_BULLETS, "bullet"),
    "(": "paren",
    **dict.fromkeys(_ARROW_HEADS, "arrow"),
    **dict.fromkeys(_ALT_HEADS, "alt"),
    "first": "first",
    "calc": "calc",
    "if": "if",
    **dict.fromkeys(_COMBINATORS, "combinator"),
}

# Codes of the tokens searched for (see ``SigTokens.codes``).
_SEMI, _BY, _ARROW, _WITH, _SEQ, _BAR, _ASSIGN, _COMMA = map(
    token_code, (";", "by", "=>", "with", "<;>", "|", ":=", ",")
)
_SHAPING: Final[bytes] = bytes(int(c in (_SEMI, _SEQ, _BY)) for c in range(256))


@dataclass(slots=True)
class TacticBlock:
    """A sequence of sibling tactics (``kind`` says what owns it).

    ``kind``: ``by`` (a ``by`` block), ``bullet``, ``case``, ``conv``, ``alt`` (an
    ``induction``/``cases``/``match``/``first`` alternative), ``branch`` (a ``then`` or
    ``else`` branch of a tactic-mode ``if``), ``combinator``, ``paren``.
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


@dataclass(slots=True, init=False)
class TacticNode:
    """One tactic: ``head`` is its first token; children are in ``blocks``/``parts``/``steps``.

    ``parts`` holds the operands of ``t₁ <;> t₂ <;> ...``.  ``blocks`` holds every
    nested sequence (bullet body, case body, alternatives, nested ``by`` blocks, the
    body of a combinator), in source order.  (A hand-written ``__init__``: a scan
    makes tens of thousands of nodes per megabyte, and the generated one calls a
    default factory per list.)
    """

    head: str
    start: int
    end: int
    i0: int
    i1: int
    blocks: list[TacticBlock]
    parts: list[TacticNode]
    steps: list[CalcStep]

    def __init__(self, head: str, start: int, end: int, i0: int, i1: int) -> None:
        self.head = head
        self.start = start
        self.end = end
        self.i0 = i0
        self.i1 = i1
        self.blocks = []
        self.parts = []
        self.steps = []


class TacticParser:
    """Parses tactic blocks over the significant tokens of one file.

    ``levels`` are the bracket levels from
    :func:`fimrl.lean.declarations.bracket_levels`.

    Why the searches look the way they do: the obvious parser walks every token of
    a tactic once per enclosing block, which made tactic trees the most expensive
    stage of scanning.  Here a block is cut into tactics by its line starts
    (:meth:`~fimrl.lean.lexer.SigTokens.line_starts`), and "the next ``;`` / ``by``
    / ``=>`` at this level" is a ``bytes.find`` over the token codes
    (:attr:`~fimrl.lean.lexer.SigTokens.codes`).  Bracket levels step by at most
    one from token to token, so "the first token below level ``L``" is "the first
    token at ``L - 1``", one ``list.index``.  Python-level work per tactic is then
    proportional to its lines and structural tokens, not to all its tokens.
    """

    def __init__(self, st: SigTokens, levels: list[int]) -> None:
        self.st = st
        self.toks = st.toks
        self.starts = st.starts
        self.ends = st.ends
        self.bol = st.bol
        self.levels = levels
        self.text = st.text
        self._find = st.codes.find
        # 1 where a token gives a tactic inner structure (``;``, ``<;>``, ``by``), else 0.
        self._shaping = st.codes.translate(_SHAPING)
        lines = self._lines = st.line_starts()
        # Column and bracket level of every line's first token, computed once with
        # C-level maps: cutting blocks into tactics reads them line by line.
        line_at = list(map(st.starts.__getitem__, lines))
        newline_before = map(st.text.rfind, repeat("\n"), repeat(0), line_at)
        self._line_col = list(map(sub, map(sub, line_at, newline_before), repeat(1)))
        self._line_level = list(map(levels.__getitem__, lines))

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
        levels = self.levels
        outer = levels[i0] if i0 < i1 else 0
        k = self._find(_BY, i0, i1)
        while k >= 0:
            limit = self._by_limit(k, i1, comma=levels[k] > outer)
            blk = self.block(k + 1, limit, "by", depth + 1)
            out.append(blk)
            k = self._find(_BY, max(blk.i1, k + 1), i1)
        return out

    # -- token searches ------------------------------------------------------------

    def _first_at(self, code: int, i: int, j: int, level: int) -> int:
        """First index of the token coded ``code`` at level ``level`` in ``[i, j)``, or -1."""
        find, levels = self._find, self.levels
        k = find(code, i, j)
        while k >= 0 and levels[k] != level:
            k = find(code, k + 1, j)
        return k

    def _below(self, i: int, j: int, level: int) -> int:
        """First index in ``[i, j)`` whose level is below ``level`` (``j`` if none)."""
        levels = self.levels
        if i >= j:
            return j
        if levels[i] < level:
            return i
        # Levels step by one, so "some level below" is "the minimum is below"; checking
        # that first avoids raising ``ValueError`` in the common case of no such token.
        if min(levels[i:j]) >= level:
            return j
        return levels.index(level - 1, i, j)

    # -- internals -----------------------------------------------------------------

    def _by_limit(self, by_index: int, limit: int, *, comma: bool = False) -> int:
        """A nested ``by`` extends to the bracket that closes around it (or ``limit``).

        With ``comma`` (the ``by`` sits inside brackets, as in ``⟨by simp, by rfl⟩``) a
        comma at the ``by``'s own level ends it too.
        """
        lv = self.levels[by_index]
        e = self._below(by_index + 1, limit, lv)
        if comma:
            c = self._first_at(_COMMA, by_index + 1, e, lv)
            if c >= 0:
                return c
        return e

    def block(self, i0: int, i1: int, kind: str, depth: int) -> TacticBlock:
        """Parse the tactic sequence starting at token ``i0`` (tokens ``< i1``).

        A sequence is a column: a tactic runs to the next base-level line that starts
        left of the first tactic's column, or at it with anything but a ``|``/``<;>``
        continuation (lines indented further continue it), or to the bracket closing
        around the block; a base-level ``;`` may end it earlier
        (see :meth:`_semicolon_end`).  After a tactic, a base-level ``;`` or a line
        at the column continues the sequence.
        """
        if i0 >= i1:
            pos = self.ends[i0 - 1] if i0 > 0 else 0
            return TacticBlock(kind, pos, pos, i0, i0)
        toks, levels, starts, ends, bol = self.toks, self.levels, self.starts, self.ends, self.bol
        rfind, find, shaping = self.text.rfind, self._find, self._shaping.find
        lines, line_col, line_level = self._lines, self._line_col, self._line_level
        s = starts[i0]
        col = s - rfind("\n", 0, s) - 1
        base = levels[i0]
        # The bracket closing around the block ends it.  (Inline, not ``_below``: this
        # runs once per block, and mostly there is no such bracket before ``i1``.)
        if min(levels[i0:i1]) < base:
            i1 = levels.index(base - 1, i0, i1)
        n_lines = len(lines)
        n = bisect_right(lines, i0)  # cursor: no line before it ends a tactic after i
        tactics: list[TacticNode] = []
        i = i0
        while True:
            # The next line that ends the tactic at ``i`` (``j``, at column ``jc``).
            while n < n_lines and lines[n] <= i:
                n += 1
            j, jc = i1, -1
            while n < n_lines and lines[n] < i1:
                if line_level[n] == base:
                    c = line_col[n]
                    if (c < col or (c == col and toks[lines[n]] not in _CONTINUATION_AT_COL)) and (
                        toks[lines[n] - 1] not in DANGLING_LAST or toks[lines[n]] == ";"
                    ):
                        # (A line after ``next h =>``, ``t <;>``, ``then`` ... is the
                        # construct's right-hand side, whatever its column.)
                        j, jc = lines[n], c
                        break
                n += 1
            if shaping(1, i + 1, j) < 0 and toks[i] not in _HEAD_FORMS:
                # A plain tactic with no ``;``, ``<;>`` or ``by`` after its head: a leaf,
                # exactly what :meth:`tactic` would build, without the call.
                end = j
                tactics.append(TacticNode(toks[i], starts[i], ends[j - 1], i, j))
            else:
                end = j if find(_SEMI, i + 1, j) < 0 else self._semicolon_end(i, j, base)
                tactics.append(self.tactic(i, end, depth))
            i = end
            if i >= i1:
                break
            if toks[i] == ";":  # at the base level: a ``;`` ended it, or starts line ``j``
                i += 1
                if i < i1 and not (bol[i] and self.col(i) < col):
                    continue
                break
            if jc != col:
                break
        if not tactics:
            pos = starts[i0]
            return TacticBlock(kind, pos, pos, i0, i0)
        return TacticBlock(kind, tactics[0].start, tactics[-1].end, i0, i, tactics)

    def _semicolon_end(self, i: int, cut: int, base: int) -> int:
        """End of the tactic at ``i`` whose extent by lines ends at ``cut``.

        A base-level ``;`` ends it earlier unless the tactic owns a nested sequence
        that swallows it: bullets and combinators take a whole sequence, and so does
        everything after a base-level ``=>`` or ``by`` (``case x => a; b`` and
        ``have := by a; b`` are one tactic in Lean).
        """
        semi = self._find(_SEMI, i + 1, cut)
        if semi < 0:
            return cut
        head = self.toks[i]
        if head in _BULLETS or head in _COMBINATORS:
            return cut
        if self.levels[semi] != base:
            semi = self._first_at(_SEMI, semi + 1, cut, base)
        if (
            semi >= 0
            and self._first_at(_ARROW, i + 1, semi, base) < 0
            and self._first_at(_BY, i + 1, semi, base) < 0
        ):
            return semi
        return cut

    def tactic(self, i: int, j: int, depth: int) -> TacticNode:
        """Build the node for the tactic occupying tokens ``[i, j)``."""
        head = self.toks[i]
        node = TacticNode(head, self.starts[i], self.ends[j - 1], i, j)
        if depth >= MAX_DEPTH:
            return node
        d = depth + 1
        form = _HEAD_FORMS.get(head)
        if form == "bullet":
            node.blocks.append(self.block(i + 1, j, "bullet", d))
            return node
        if form == "paren":
            close = self._below(i + 1, j, self.levels[i] + 1)
            node.blocks.append(self.block(i + 1, close, "paren", d))
            self._nested_by(node, close + 1, j, d)
            return node
        if form == "if" and self._if_branches(node, i, j, d):
            # Before the ``<;>`` split: in ``if c then a else b <;> t`` the operator
            # belongs to the ``else`` branch's sequence.
            return node
        if self._find(_SEQ, i + 1, j) >= 0:
            split = self._split_seq_focus(i, j)
            if split:
                bounds = [i, *split, j]
                for a, b in pairwise(bounds):
                    a2 = a if a == i else a + 1
                    if a2 < b:
                        node.parts.append(self.tactic(a2, b, d))
                return node
        if form is None:  # a plain tactic: only nested ``by`` blocks
            if self._find(_BY, i + 1, j) >= 0:
                node.blocks.extend(self.term_blocks(i + 1, j, depth))
            return node
        if form == "arrow":
            arrow = self._find_before_by(i + 1, j, _ARROW)
            if arrow is not None:
                self._nested_by(node, i + 1, arrow, d)
                node.blocks.append(self.block(arrow + 1, j, _ARROW_HEADS[head], d))
                return node
        elif form == "alt":
            w = self._find_before_by(i + 1, j, _WITH)
            if w is not None:
                self._nested_by(node, i + 1, w, d)
                self._alternatives(node, w + 1, j, d, need_arrow=True)
                return node
        elif form == "first":
            self._alternatives(node, i + 1, j, d, need_arrow=False)
            return node
        elif form == "calc":
            self._calc(node, i + 1, j, d)
            return node
        elif form == "combinator" and i + 1 < j:
            k = i + 1
            if head == "iterate" and self.st.kind(k) == "number":
                k += 1
            if k < j:
                node.blocks.append(self.block(k, j, "combinator", d))
            return node
        if self._find(_BY, i + 1, j) >= 0:
            node.blocks.extend(self.term_blocks(i + 1, j, depth))
        return node

    def _if_branches(self, node: TacticNode, i: int, j: int, depth: int) -> bool:
        """Parse the ``then`` and ``else`` branches of the ``if`` at token ``i``.

        The ``else`` is the first one at the ``if``'s level that no ``if`` opened in
        between claims (every term ``if`` has an ``else`` too, so counting pairs them);
        an ``else if`` chain adds all its branches to ``node``.
        Returns ``False``, building nothing, when there is no such ``then``/``else``.
        """
        toks, levels = self.toks, self.levels
        base = levels[i]
        then = -1
        for k in range(i + 1, j):
            if levels[k] == base and toks[k] == "then":
                then = k
                break
        if then < 0:
            return False
        open_ifs = 0
        for k in range(then + 1, j):
            if levels[k] != base:
                continue
            tok = toks[k]
            if tok == "if":
                open_ifs += 1
            elif tok == "else":
                if open_ifs == 0:
                    self._nested_by(node, i + 1, then, depth)
                    node.blocks.append(self.block(then + 1, k, "branch", depth))
                    if k + 1 < j and toks[k + 1] == "if":
                        # ``else if``: the chain's branches are this node's (the inner
                        # ``if`` starts mid-line, so it is no tactic sequence of its own).
                        self._if_branches(node, k + 1, j, depth)
                        return True
                    node.blocks.append(self.block(k + 1, j, "branch", depth))
                    return True
                open_ifs -= 1
        return False

    def _find_before_by(self, i: int, j: int, code: int) -> int | None:
        """First token ``code`` at the level of token ``i - 1``'s tactic, before any ``by``."""
        base = self.levels[i - 1]
        k = self._first_at(code, i, j, base)
        if k < 0 or self._first_at(_BY, i, k, base) >= 0:
            return None
        return k

    def _split_seq_focus(self, i: int, j: int) -> list[int]:
        """Indices of top-level ``<;>`` operators (none after a top-level ``by``)."""
        base = self.levels[i]
        out: list[int] = []
        k = self._first_at(_SEQ, i + 1, j, base)
        while k >= 0:
            out.append(k)
            k = self._first_at(_SEQ, k + 1, j, base)
        if not out:
            return out
        # Operators after a base-level ``by``/``=>``/``with`` belong to its body.
        stop = out[-1] + 1
        for code in (_BY, _ARROW, _WITH):
            w = self._first_at(code, i + 1, stop, base)
            if w >= 0:
                stop = w
        return [k for k in out if k < stop]

    def _nested_by(self, node: TacticNode, i0: int, i1: int, depth: int) -> None:
        if self._find(_BY, i0, i1) >= 0:
            node.blocks.extend(self.term_blocks(i0, i1, depth - 1))

    def _alternatives(
        self, node: TacticNode, i0: int, i1: int, depth: int, *, need_arrow: bool
    ) -> None:
        """Split ``| alt`` arms at the owning level and parse each arm's tactics."""
        bol = self.bol
        if i0 >= i1:
            return
        base = self.levels[i0 - 1]
        bars: list[int] = []
        k = self._first_at(_BAR, i0, i1, base)
        while k >= 0:
            bars.append(k)
            k = self._first_at(_BAR, k + 1, i1, base)
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
                arrow = self._first_at(_ARROW, a + 1, b, base)
                if arrow < 0:
                    continue
                node.blocks.append(self.block(arrow + 1, b, "alt", depth))
            else:
                node.blocks.append(self.block(a + 1, b, "alt", depth))

    def _calc(self, node: TacticNode, i0: int, i1: int, depth: int) -> None:
        toks, levels, starts, ends = self.toks, self.levels, self.starts, self.ends
        if i0 >= i1:
            return
        base = levels[i0]
        lines = self._lines
        line_starts = [
            k for k in lines[bisect_right(lines, i0) : bisect_left(lines, i1)] if levels[k] == base
        ]
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
            assign = self._first_at(_ASSIGN, a, b, base)
            if assign < 0 or assign + 1 >= b:
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
