"""Choosing which span of a proof becomes the FIM hole.

Why a separate module: *what* may be masked is a correctness question (the hole must
be a whole tactic unit with balanced brackets and sane indentation, or the model is
graded on noise), while *how many of each* is an experiment knob (the mix).  This module
enumerates every legal candidate from the tactic tree, validates spans with checks that
do not trust the tree, and samples reproducibly.

Span kinds:

``tactic``      one tactic (including a whole bullet, a ``<;>`` operand, a nested one)
``tactic_run``  2..``MAX_RUN`` consecutive sibling tactics, not the whole sequence
``subproof``    a nested sequence: ``have ... := by`` body, bullet/case body,
                ``induction``/``cases``/``match``/``first`` alternative, ``conv`` body
``calc_step``   one ``calc`` step ``term := proof`` (steps without a proof excluded)
``proof``       the whole tactic proof after the top-level ``by``
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from fimrl.lean.declarations import Declaration, ParsedFile
from fimrl.lean.lexer import LeanSyntaxError, lex_significant
from fimrl.lean.tactics import TacticBlock, TacticParser, iter_blocks, iter_nodes

__all__ = [
    "DEFAULT_MIX",
    "MAX_RUN",
    "SPAN_KINDS",
    "Span",
    "candidate_spans",
    "check_middle",
    "proof_blocks",
    "select_spans",
]

SPAN_KINDS: Final[tuple[str, ...]] = ("tactic", "tactic_run", "subproof", "calc_step", "proof")
#: Default kind weights (renormalised over the kinds a declaration actually offers).
DEFAULT_MIX: Final[Mapping[str, float]] = {
    "tactic": 0.4,
    "tactic_run": 0.2,
    "subproof": 0.2,
    "calc_step": 0.1,
    "proof": 0.1,
}
#: Longest ``tactic_run`` considered (keeps candidate counts linear in block length).
MAX_RUN: Final[int] = 6
_SUBPROOF_BLOCKS: Final[frozenset[str]] = frozenset({"by", "bullet", "case", "alt", "conv"})
_PRIORITY: Final[dict[str, int]] = {k: i for i, k in enumerate(SPAN_KINDS)}
_OPEN: Final[dict[str, str]] = {"(": ")", "[": "]", "{": "}", "⟨": "⟩"}
_CLOSE: Final[frozenset[str]] = frozenset(_OPEN.values())


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate hole: ``kind`` and file offsets ``[start, end)``."""

    kind: str
    start: int
    end: int


def proof_blocks(pf: ParsedFile, decl: Declaration, parser: TacticParser) -> list[TacticBlock]:
    """Top-level tactic blocks of ``decl``'s main body.

    For a ``by`` proof this is one block; for term-mode, equation and structure bodies
    it is every outermost ``by`` inside the body (``where``/``termination_by`` clauses
    are never included).
    """
    i0, i1 = decl.body_tokens
    if i0 >= i1:
        return []
    if decl.body_style == "tactic":
        return [parser.parse_by(i0, i1)]
    return parser.term_blocks(i0, i1)


def candidate_spans(pf: ParsedFile, decl: Declaration, parser: TacticParser) -> list[Span]:
    """Every structurally legal hole of ``decl`` (unvalidated, de-duplicated, sorted).

    When several kinds describe the same text (a one-tactic proof is also a tactic),
    the span is kept once, under the first kind in :data:`SPAN_KINDS` order reversed
    (``proof`` over ``subproof`` over ``calc_step`` over ``tactic_run`` over
    ``tactic``), so the mix is not skewed by duplicates.
    """
    out: set[Span] = set()
    tops = proof_blocks(pf, decl, parser)
    for ti, top in enumerate(tops):
        if not top.tactics:
            continue
        if decl.body_style == "tactic" and ti == 0:
            out.add(Span("proof", top.start, top.end))
        else:
            out.add(Span("subproof", top.start, top.end))
        for blk in iter_blocks(top):
            tacs = blk.tactics
            if not tacs:
                continue
            if blk is not top and blk.kind in _SUBPROOF_BLOCKS:
                out.add(Span("subproof", blk.start, blk.end))
            n = len(tacs)
            for a in range(n):
                for b in range(a + 1, min(n, a + MAX_RUN)):
                    if a == 0 and b == n - 1:
                        continue
                    out.add(Span("tactic_run", tacs[a].start, tacs[b].end))
        for node in iter_nodes(top):
            out.add(Span("tactic", node.start, node.end))
            for step in node.steps:
                if step.proof is not None:
                    out.add(Span("calc_step", step.start, step.end))
    best: dict[tuple[int, int], Span] = {}
    for s in out:
        key = (s.start, s.end)
        cur = best.get(key)
        if cur is None or _PRIORITY[s.kind] > _PRIORITY[cur.kind]:
            best[key] = s
    return sorted(best.values(), key=lambda s: (s.start, s.end, s.kind))


def check_middle(text: str, start: int, end: int) -> str | None:
    """Why ``text[start:end]`` is not an acceptable hole, or ``None`` if it is.

    Independent of the tactic tree: re-lexes the middle and checks it is non-empty and
    not only comments, its brackets ``()[]{}⟨⟩`` balance, it does not end inside a
    line's leading whitespace, and no later line is indented less than the hole's
    column.
    """
    middle = text[start:end]
    if not middle.strip():
        return "empty"
    try:
        st = lex_significant(middle)
    except LeanSyntaxError as exc:
        return f"unlexable: {exc.message}"
    if not st.toks:
        return "only comments"
    if st.starts[0] != 0 or st.ends[-1] != len(middle):
        return "not trimmed to tokens"
    stack: list[str] = []
    for t in st.toks:
        if t in _OPEN:
            stack.append(_OPEN[t])
        elif t in _CLOSE and (not stack or stack.pop() != t):
            return "unbalanced brackets"
    if stack:
        return "unbalanced brackets"
    col = start - text.rfind("\n", 0, start) - 1
    for line in middle.split("\n")[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(line) - len(stripped) < col:
            return "dedented below the hole column"
    return None


def _fast_invalid(pf: ParsedFile, start: int, end: int) -> str | None:
    """:func:`check_middle` using the file's tokens instead of re-lexing the middle.

    Spans come from the tactic tree, so they start and end on token boundaries;
    balance is read off the precomputed bracket levels.
    """
    st = pf.toks
    a = bisect.bisect_left(st.starts, start)
    b = bisect.bisect_left(st.starts, end)
    if a >= b or st.starts[a] != start or st.ends[b - 1] != end:
        return "not trimmed to tokens"
    levels = pf.levels
    lv = levels[a]
    toks = st.toks
    depth = 0
    for i in range(a, b):
        if levels[i] < lv:
            return "unbalanced brackets"
        t = toks[i]
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
    if depth:
        return "unbalanced brackets"
    text = pf.text
    middle = text[start:end]
    if "\n" in middle:
        col = start - text.rfind("\n", 0, start) - 1
        for line in middle.split("\n")[1:]:
            stripped = line.lstrip(" \t")
            if stripped and len(line) - len(stripped) < col:
                return "dedented below the hole column"
    return None


def _rng(seed: int, decl: Declaration, text: str) -> random.Random:
    stmt = text[decl.statement[0] : decl.statement[1]]
    key = f"{seed}\x00{decl.name}\x00{stmt}".encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def select_spans(
    pf: ParsedFile,
    decl: Declaration,
    candidates: list[Span],
    *,
    seed: int,
    mix: Mapping[str, float] = DEFAULT_MIX,
    max_n: int | None = 4,
) -> list[Span]:
    """Pick up to ``max_n`` valid spans from ``candidates`` following ``mix``.

    Validity is :func:`check_middle`'s (computed from the file's own tokens).

    Each pick first draws a kind with probability proportional to its weight among the
    kinds that still have candidates, then a candidate of that kind uniformly.  The
    random stream is seeded from ``seed`` and the declaration's name and statement, so
    the choice for one declaration does not depend on the rest of the file.
    ``max_n=None`` returns every valid candidate of a kind with positive weight.
    Results are in source order.
    """
    unknown = set(mix) - set(SPAN_KINDS)
    if unknown:
        raise ValueError(f"unknown span kinds in mix: {sorted(unknown)}")
    pools: dict[str, list[Span]] = {}
    for s in candidates:
        if mix.get(s.kind, 0.0) > 0:
            pools.setdefault(s.kind, []).append(s)
    chosen: list[Span] = []
    if max_n is None:
        chosen = [
            s for pool in pools.values() for s in pool if _fast_invalid(pf, s.start, s.end) is None
        ]
        return sorted(chosen, key=lambda s: (s.start, s.end, s.kind))
    rng = _rng(seed, decl, pf.text)
    while pools and len(chosen) < max_n:
        kinds = sorted(pools)
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        pool = pools[kind]
        s = pool.pop(rng.randrange(len(pool)))
        if not pool:
            del pools[kind]
        if _fast_invalid(pf, s.start, s.end) is None:
            chosen.append(s)
    return sorted(chosen, key=lambda s: (s.start, s.end, s.kind))
