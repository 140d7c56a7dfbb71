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
                ``induction``/``cases``/``match``/``first`` alternative, ``conv`` body,
                a ``then``/``else`` branch of a tactic-mode ``if``
``calc_step``   one ``calc`` step ``term := proof`` (steps without a proof excluded)
``proof``       the whole tactic proof after the top-level ``by``
"""

from __future__ import annotations

import _random
import bisect
import hashlib
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Final

from fimrl.lean.boundaries import BAD_FIRST, BAD_NEXT, DANGLING_LAST
from fimrl.lean.declarations import Declaration, ParsedFile
from fimrl.lean.lexer import LeanSyntaxError, lex_significant, token_code
from fimrl.lean.tactics import TacticBlock, TacticNode, TacticParser

__all__ = [
    "DEFAULT_MIX",
    "MAX_RUN",
    "SPAN_KINDS",
    "SPAN_REJECT_REASONS",
    "Span",
    "candidate_pools",
    "candidate_spans",
    "check_middle",
    "draw",
    "proof_blocks",
    "select_from_pools",
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
_SUBPROOF_BLOCKS: Final[frozenset[str]] = frozenset(
    {"by", "bullet", "case", "alt", "conv", "branch"}
)
_KIND_SET: Final[frozenset[str]] = frozenset(SPAN_KINDS)
#: Every reason :func:`check_middle` can give (the keys of the per-reason skip counts).
SPAN_REJECT_REASONS: Final[tuple[str, ...]] = (
    "empty",
    "unlexable",
    "only comments",
    "not trimmed to tokens",
    "unbalanced brackets",
    "dedented below the hole column",
    "starts inside a construct",
    "ends before its right-hand side",
    "if cut from its else",
    "cut before its continuation",
)
#: Every opener with its closer: ``#[`` (array literal), ``@[`` (attributes) and ``%[`` are
#: one token each but closed by a plain ``]``.
_OPEN: Final[dict[str, str]] = {
    "(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "#[": "]", "@[": "]", "%[": "]",
}  # fmt: skip
_CLOSE: Final[frozenset[str]] = frozenset(_OPEN.values())
#: Every token that changes the bracket level (a span without one is balanced).
_BRACKETS: Final[tuple[str, ...]] = (
    "(", ")", "[", "]", "{", "}", "⟨", "⟩", "⦃", "⦄", "@[", "#[", "%[",
)  # fmt: skip


def _all_codes_but(toks: tuple[str, ...] | list[str]) -> bytes:
    """A ``bytes.translate`` deletion table that keeps only the codes of ``toks``."""
    keep = set(map(token_code, toks))
    return bytes(c for c in range(256) if c not in keep)


_NOT_BRACKET: Final[bytes] = _all_codes_but(_BRACKETS)
# Bracket codes classed for counting: every opener of ``_OPEN`` as ``_OPENS``, every closer
# as ``_CLOSES``, as :func:`check_middle` counts them.
_OPENS, _CLOSES, _OTHER = 1, 2, 3
_CLASS_OF_CODE: Final[dict[int, int]] = {token_code(t): _OPENS for t in _OPEN} | {
    token_code(t): _CLOSES for t in _OPEN.values()
}
_BRACKET_CLASS: Final[bytes] = bytes(_CLASS_OF_CODE.get(c, _OTHER) for c in range(256))


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


def candidate_pools(
    pf: ParsedFile, decl: Declaration, parser: TacticParser
) -> dict[str, list[tuple[int, int]]]:
    """:func:`candidate_spans` grouped by kind: ``kind -> [(start, end), ...]``.

    Each pool is in ``(start, end)`` order, so ``[Span(k, *p) for ...]`` merged by
    position is exactly :func:`candidate_spans`.  This is the form
    :func:`fimrl.lean.fim.build_tasks` samples from: spans stay plain tuples (a
    proof has a few hundred candidates, and only the handful that are drawn become
    :class:`Span` objects).
    """
    found: tuple[list[tuple[int, int]], ...] = ([], [], [], [], [])  # by SPAN_KINDS index
    tactics, runs, subproofs, calc_steps, proofs = found
    for ti, top in enumerate(proof_blocks(pf, decl, parser)):
        if not top.tactics:
            continue
        (proofs if decl.body_style == "tactic" and ti == 0 else subproofs).append(
            (top.start, top.end)
        )
        blocks = [top]
        while blocks:
            blk = blocks.pop()
            tacs = blk.tactics
            if not tacs:
                continue
            n = len(tacs)
            if blk is top:
                whole = True
            elif blk.kind in _SUBPROOF_BLOCKS:
                subproofs.append((blk.start, blk.end))
                whole = True
            else:
                whole = False
            # Runs of 2..MAX_RUN siblings, ``w`` apart, except the whole sequence.
            if n > 2:
                starts = [t.start for t in tacs]
                ends = [t.end for t in tacs]
                for w in range(1, min(n - 1, MAX_RUN)):
                    runs.extend(zip(starts[: n - w], ends[w:], strict=True))
            # A lone tactic spans exactly its block, which is already a candidate.
            skip = tacs[0] if n == 1 and whole else None
            nodes = tacs
            while nodes:
                parts: list[TacticNode] = []
                for node in nodes:
                    if node is not skip:
                        tactics.append((node.start, node.end))
                    if node.steps:
                        calc_steps.extend(
                            (step.start, step.end) for step in node.steps if step.proof is not None
                        )
                    if node.parts:
                        parts.extend(node.parts)
                    if node.blocks:
                        blocks.extend(node.blocks)
                nodes = parts
    every = [*tactics, *runs, *subproofs, *calc_steps, *proofs]
    if len(set(every)) == len(every):
        return {k: sorted(v) for k, v in zip(SPAN_KINDS, found, strict=True) if v}
    # Otherwise a span found under several kinds is kept under the last of them in
    # SPAN_KINDS.  (Lone tactics above are the only overlap the tree produces.)
    sorted_keys: list[list[tuple[int, int]]] = []
    taken: set[tuple[int, int]] = set()
    for keys in map(set, reversed(found)):
        keys -= taken
        taken |= keys
        sorted_keys.append(sorted(keys))
    return {k: v for k, v in zip(SPAN_KINDS, reversed(sorted_keys), strict=True) if v}


def candidate_spans(pf: ParsedFile, decl: Declaration, parser: TacticParser) -> list[Span]:
    """Every structurally legal hole of ``decl`` (unvalidated, de-duplicated, sorted).

    When several kinds describe the same text (a one-tactic proof is also a tactic),
    the span is kept once, under the first kind in :data:`SPAN_KINDS` order reversed
    (``proof`` over ``subproof`` over ``calc_step`` over ``tactic_run`` over
    ``tactic``), so the mix is not skewed by duplicates.
    """
    pools = candidate_pools(pf, decl, parser)
    return sorted((Span(k, a, b) for k, pool in pools.items() for a, b in pool), key=_position)


def _boundary_invalid(
    first: str, last: str, next_tok: str | None, ifs: Callable[[], bool]
) -> str | None:
    """Why a span is not a whole tactic unit in Lean's grammar, or ``None``.

    ``first``/``last`` are its first and last significant tokens, ``next_tok`` the one
    after it (``None`` at the end; see :mod:`fimrl.lean.boundaries`).  ``ifs()`` says
    whether its ``then`` and ``else`` tokens pair up: tactic-mode and term-mode ``if``
    both need their ``else``, so a span where they do not cut an ``if`` apart.  (A
    callable, so the token count is only made when the text has either word.)
    """
    if first in BAD_FIRST:
        return "starts inside a construct"
    if last in DANGLING_LAST:
        return "ends before its right-hand side"
    if not ifs():
        return "if cut from its else"
    if next_tok in BAD_NEXT:
        return "cut before its continuation"
    return None


def check_middle(text: str, start: int, end: int) -> str | None:
    """Why ``text[start:end]`` is not an acceptable hole, or ``None`` if it is.

    Independent of the tactic tree: re-lexes the middle and checks it is non-empty and
    not only comments, its brackets ``()[]{}⟨⟩`` balance, it does not end inside a
    line's leading whitespace, no later line is indented less than the hole's column,
    and its edges are tactic boundaries (:func:`_boundary_invalid`: no ``next h =>``
    without its body, no ``t <;>`` without its right operand, no ``if`` without its
    ``else``, no ``match h with`` without its alternatives).  The reason is one of
    :data:`SPAN_REJECT_REASONS`.
    """
    middle = text[start:end]
    if not middle.strip():
        return "empty"
    try:
        st = lex_significant(middle)
    except LeanSyntaxError:
        return "unlexable"
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
    try:
        after = lex_significant(text[end:]).toks
    except LeanSyntaxError:
        after = []
    toks = st.toks
    return _boundary_invalid(
        toks[0],
        toks[-1],
        after[0] if after else None,
        lambda: toks.count("then") == toks.count("else"),
    )


def _fast_invalid(pf: ParsedFile, start: int, end: int) -> str | None:
    """:func:`check_middle` using the file's tokens instead of re-lexing the middle.

    Spans come from the tactic tree, so they start and end on token boundaries;
    balance is read off the precomputed bracket levels (nothing below the first
    token's level) and the token codes (as many ``([{⟨`` as ``)]}⟩``), all without
    a Python loop over the span.
    """
    st = pf.toks
    starts = st.starts
    a = bisect.bisect_left(starts, start)
    b = bisect.bisect_left(starts, end, a)
    if a >= b or starts[a] != start or st.ends[b - 1] != end:
        return "not trimmed to tokens"
    brackets = st.codes[a:b].translate(_BRACKET_CLASS, _NOT_BRACKET)
    if brackets:
        levels = pf.levels
        if min(levels[a:b]) < levels[a] or brackets.count(_OPENS) != brackets.count(_CLOSES):
            return "unbalanced brackets"
    text = pf.text
    if text.find("\n", start, end) >= 0:
        col = start - text.rfind("\n", 0, start) - 1
        if col and _DEDENT[col](text, start, end):
            return "dedented below the hole column"
    toks = st.toks

    def ifs_pair() -> bool:
        # Substring searches in C first: most spans hold neither word.
        if text.find("then", start, end) < 0 and text.find("else", start, end) < 0:
            return True
        inside = toks[a:b]
        return inside.count("then") == inside.count("else")

    return _boundary_invalid(toks[a], toks[b - 1], toks[b] if b < len(toks) else None, ifs_pair)


class _DedentSearches(dict[int, "Callable[[str, int, int], re.Match[str] | None]"]):
    """``col -> search`` for a later line with non-blank text indented less than ``col``.

    A dict filled on first sight rather than an ``lru_cache``: it runs for every
    multi-line hole, and a dict lookup is a fraction of a cached call.
    """

    def __missing__(self, col: int) -> Callable[[str, int, int], re.Match[str] | None]:
        search = self[col] = re.compile(rf"\n[ \t]{{0,{col - 1}}}[^ \t\n]").search
        return search


_DEDENT: Final[_DedentSearches] = _DedentSearches()


def _seed_for(seed: int, decl: Declaration, text: str) -> int:
    """The per-declaration seed: ``seed``, name and statement text, hashed."""
    stmt = text[decl.statement[0] : decl.statement[1]]
    key = f"{seed}\x00{decl.name}\x00{stmt}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def _position(s: Span) -> tuple[int, int, str]:
    return (s.start, s.end, s.kind)


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
    pools: dict[str, list[tuple[int, int]]] = {}
    for s in candidates:
        pools.setdefault(s.kind, []).append((s.start, s.end))
    return select_from_pools(pf, decl, pools, seed=seed, mix=mix, max_n=max_n)


def select_from_pools(
    pf: ParsedFile,
    decl: Declaration,
    pools: Mapping[str, list[tuple[int, int]]],
    *,
    seed: int,
    mix: Mapping[str, float] = DEFAULT_MIX,
    max_n: int | None = 4,
    rng: random.Random | None = None,
) -> list[Span]:
    """:func:`select_spans` over :func:`candidate_pools` (``pools`` is not modified).

    ``rng`` is re-seeded for the declaration and used for the draws; passing one in
    saves building a generator per declaration (its old state does not matter).
    """
    picked = draw(pf, decl, pools, seed=seed, mix=mix, max_n=max_n, rng=rng)
    return [Span(kind, a, b) for a, b, kind in picked]


def draw(
    pf: ParsedFile,
    decl: Declaration,
    pools: Mapping[str, list[tuple[int, int]]],
    *,
    seed: int,
    mix: Mapping[str, float] = DEFAULT_MIX,
    max_n: int | None = 4,
    rng: random.Random | None = None,
    rejected: dict[str, int] | None = None,
) -> list[tuple[int, int, str]]:
    """:func:`select_from_pools` as sorted ``(start, end, kind)`` tuples (no objects).

    Every drawn candidate that fails the validity check is skipped; with ``rejected``,
    it is also counted there under its reason (:data:`SPAN_REJECT_REASONS`).
    """
    if rejected is None:
        rejected = {}
    if not _KIND_SET.issuperset(mix):
        raise ValueError(f"unknown span kinds in mix: {sorted(set(mix) - _KIND_SET)}")
    live = {k: list(p) for k, p in pools.items() if p and mix.get(k, 0.0) > 0}
    chosen: list[tuple[int, int, str]]
    if max_n is None or sum(map(len, live.values())) <= max_n:
        # Every candidate gets drawn either way, and the result is in source order,
        # so the random stream (seeding it is the costly part) is not needed.
        chosen = []
        for k, pool in live.items():
            for a, b in pool:
                why = _fast_invalid(pf, a, b)
                if why is None:
                    chosen.append((a, b, k))
                else:
                    rejected[why] = rejected.get(why, 0) + 1
        chosen.sort()
        return chosen
    decl_seed = _seed_for(seed, decl, pf.text)
    if rng is None:
        rng = random.Random(decl_seed)
    else:
        _reseed(rng, decl_seed)
    chosen = []
    kinds, cum, total = _kind_weights(live, mix)
    while kinds and len(chosen) < max_n:
        # ``rng.choices(kinds, weights)[0]`` written out (the same draw from the same
        # stream); the cumulative weights only change when a pool runs dry.
        kind = kinds[bisect.bisect(cum, rng.random() * total, 0, len(kinds) - 1)]
        pool = live[kind]
        a, b = pool.pop(_randbelow(rng, len(pool)))
        if not pool:
            del live[kind]
            kinds, cum, total = _kind_weights(live, mix)
        why = _fast_invalid(pf, a, b)
        if why is None:
            chosen.append((a, b, kind))
        else:
            rejected[why] = rejected.get(why, 0) + 1
    chosen.sort()
    return chosen


def _reseed(rng: random.Random, seed: int) -> None:
    """``rng.seed(seed)`` for an ``int`` seed without the Python-level wrapper.

    ``random.Random.seed`` only type-checks its argument and clears the cached
    Gaussian before calling the C seeding routine; the state is the same.
    """
    _C_SEED(rng, seed)
    rng.gauss_next = None  # type: ignore[attr-defined]


_C_SEED: Final[Callable[[random.Random, int], None]] = _random.Random.seed


def _randbelow(rng: random.Random, n: int) -> int:
    """``rng.randrange(n)`` for ``n > 0``: the same draws (CPython's rejection sampling)."""
    k = n.bit_length()
    r = rng.getrandbits(k)
    while r >= n:
        r = rng.getrandbits(k)
    return r


def _kind_weights(
    live: Mapping[str, list[tuple[int, int]]], mix: Mapping[str, float]
) -> tuple[list[str], list[float], float]:
    """Kinds with candidates left (sorted), cumulative weights and their total.

    Computed as :meth:`random.Random.choices` does, so draws match it exactly.
    """
    kinds = sorted(live)
    cum = list(accumulate(map(mix.__getitem__, kinds)))
    total = cum[-1] + 0.0 if cum else 0.0
    if not math.isfinite(total):
        raise ValueError("Total of weights must be finite")
    return kinds, cum, total
