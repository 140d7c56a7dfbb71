"""Shared helpers for the fimrl.lean tests: fixture paths and the FIM invariant check.

The invariant check deliberately re-derives everything from text with the exact
lexer (``tokenize``), not from the parser's own structures, so a parser bug cannot
hide itself.
"""

from __future__ import annotations

from pathlib import Path

from fimrl.lean.declarations import parse_file
from fimrl.lean.fim import FimTask, content_hash
from fimrl.lean.lexer import TRIVIA, tokenize
from fimrl.lean.spans import proof_blocks
from fimrl.lean.tactics import TacticParser, iter_blocks, iter_nodes

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lean"
CORPUS = ROOT / "lean_workspace" / "FimCorpus"

_PAIRS = {")": "(", "]": "[", "}": "{", "⟩": "⟨"}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def unit_boundaries(text: str) -> tuple[set[int], set[int]]:
    """Start and end offsets of every tactic unit (tactic, block, calc step) in ``text``."""
    pf = parse_file(text)
    parser = TacticParser(pf.toks, pf.levels)
    starts: set[int] = set()
    ends: set[int] = set()
    for d in pf.declarations:
        for top in proof_blocks(pf, d, parser):
            for blk in iter_blocks(top):
                for node in blk.tactics:
                    starts.add(node.start)
                    ends.add(node.end)
            for node in iter_nodes(top):
                starts.add(node.start)
                ends.add(node.end)
                for s in node.steps:
                    starts.add(s.start)
                    ends.add(s.end)
    return starts, ends


def check_tasks(text: str, tasks: list[FimTask]) -> None:
    """Assert every FIM invariant for ``tasks`` cut from ``text``."""
    pf = parse_file(text)
    decls = {d.name: d for d in pf.declarations}
    starts, ends = unit_boundaries(text)
    for t in tasks:
        d = decls[t.decl_name]
        decl_text = text[d.start : d.end]
        assert t.prefix + t.middle + t.suffix == decl_text
        hole = d.start + len(t.prefix)
        assert hole in starts, (t.decl_name, t.middle)
        assert hole + len(t.middle) in ends, (t.decl_name, t.middle)
        toks = tokenize(t.middle)
        sig = [x for x in toks if x.kind not in TRIVIA]
        assert sig, "middle is only whitespace/comments"
        assert toks[0].kind not in TRIVIA and toks[-1].kind not in TRIVIA
        stack: list[str] = []
        for x in sig:
            if x.text in ("(", "[", "{", "⟨"):
                stack.append(x.text)
            elif x.text in _PAIRS:
                assert stack and stack.pop() == _PAIRS[x.text], t.middle
        assert not stack, t.middle
        line_start = text.rfind("\n", 0, hole) + 1
        assert t.col == hole - line_start
        assert t.line == text.count("\n", 0, hole) + 1
        for line in t.middle.split("\n")[1:]:
            if line.strip():
                assert len(line) - len(line.lstrip(" \t")) >= t.col, t.middle
        assert t.content_hash == content_hash(t.header, t.prefix, t.middle, t.suffix, t.span_kind)
        assert t.header == "" or t.header.endswith("\n")
