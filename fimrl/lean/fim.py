"""FIM tasks: declaration text cut into prefix / middle / suffix, plus its context header.

The contract with the rest of fimrl (database, trainer, verifier):

* ``prefix + middle + suffix`` is the declaration's text byte for byte, and
  ``header + prefix + middle + suffix`` elaborates the declaration as in its file
  (see :meth:`fimrl.lean.declarations.ParsedFile.header_for`);
* the middle is a whole tactic unit (see :mod:`fimrl.lean.spans`);
* the split is a function of the declaration's name and statement only
  (see :mod:`fimrl.lean.splits`);
* ``content_hash`` identifies the task for de-duplication across files and rebuilds.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fimrl.lean.declarations import DECL_KINDS, Declaration, ParsedFile, parse_file
from fimrl.lean.lexer import LeanSyntaxError
from fimrl.lean.source import DEFAULT_MAX_BYTES, SkipFile, check_text, load_source
from fimrl.lean.spans import DEFAULT_MIX, SPAN_KINDS, candidate_pools, draw
from fimrl.lean.splits import DEFAULT_FRACTIONS, SplitChooser, split_key
from fimrl.lean.tactics import TacticParser

__all__ = [
    "BuildResult",
    "FimTask",
    "Selection",
    "assemble_tasks",
    "build_file",
    "build_tasks",
    "content_hash",
    "select_file",
]


def content_hash(header: str, prefix: str, middle: str, suffix: str, span_kind: str) -> str:
    """SHA-256 hex of the five fields, NUL-separated.

    The separator matters: without it, moving a character from the prefix to the
    middle would give the same hash for two different tasks.
    """
    return _finish_hash(_header_hash(header), prefix, middle, suffix, span_kind)


def _header_hash(header: str) -> hashlib._Hash:
    """The hash state after the header field, shared by every task of a declaration.

    Headers are the longest field and repeat for each hole of a declaration, so
    :func:`assemble_tasks` hashes each once and continues from a copy.
    """
    h = hashlib.sha256(header.encode("utf-8"))
    h.update(b"\x00")
    return h


def _finish_hash(
    header_state: hashlib._Hash, prefix: str, middle: str, suffix: str, span_kind: str
) -> str:
    h = header_state.copy()
    h.update(f"{prefix}\x00{middle}\x00{suffix}\x00{span_kind}\x00".encode())
    return h.hexdigest()


class FimTask(NamedTuple):
    """One fill-in-the-middle task.

    ``line`` (1-based) and ``col`` (0-based, characters) locate the start of the hole
    in the *source file*; ``source`` is whatever path string the caller passed.

    A named tuple rather than a frozen dataclass: immutable all the same, and a
    corpus scan builds one per hole (a frozen dataclass's ``__init__`` sets every
    field through ``object.__setattr__``, which made building them a tenth of the
    scan time).
    """

    source: str
    decl_name: str
    decl_kind: str
    header: str
    prefix: str
    middle: str
    suffix: str
    span_kind: str
    split: str
    content_hash: str
    line: int
    col: int

    @property
    def text(self) -> str:
        """The original declaration text (``prefix + middle + suffix``)."""
        return self.prefix + self.middle + self.suffix

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the fields (for JSON or database rows)."""
        return dict(zip(self._fields, self, strict=True))


@dataclass(slots=True)
class BuildResult:
    """Tasks from one text plus counts for reporting.

    ``counts`` maps span kind to the number of tasks; ``declarations`` is the number of
    theorem-like declarations seen; ``skipped`` maps a reason to the number of
    declarations that yielded no task for that reason; ``rejected_spans`` maps a
    validity-check reason (:data:`fimrl.lean.spans.SPAN_REJECT_REASONS`) to the number
    of drawn spans skipped for it.
    """

    tasks: list[FimTask] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    declarations: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    rejected_spans: dict[str, int] = field(default_factory=dict)


def build_tasks(
    text: str,
    source: str,
    *,
    seed: int = 0,
    mix: Mapping[str, float] | None = None,
    max_per_decl: int | None = 4,
    fractions: Mapping[str, float] | None = None,
) -> BuildResult:
    """Cut FIM tasks from the Lean source ``text``.

    ``mix`` weights span kinds (default :data:`fimrl.lean.spans.DEFAULT_MIX`); at most
    ``max_per_decl`` tasks per declaration (``None``: every valid span of a weighted
    kind).  The same ``text``, ``seed``, ``mix`` and ``max_per_decl`` always give the
    same tasks.  Declarations containing (or depending on) ``sorry``, inside ``mutual``
    blocks, or without tactic blocks yield nothing and are counted in ``skipped``.

    Raises :class:`~fimrl.lean.source.SkipFile` when the text cannot be used (NUL
    characters, lexical errors such as an unterminated comment).
    """
    check_text(text)
    try:
        pf = parse_file(text)
    except LeanSyntaxError as exc:
        line = text.count("\n", 0, exc.offset) + 1
        raise SkipFile(f"{exc.message} at line {line}") from exc
    sel = select_file(pf, seed=seed, mix=mix, max_per_decl=max_per_decl)
    return assemble_tasks(sel, source, fractions)


def build_file(
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    seed: int = 0,
    mix: Mapping[str, float] | None = None,
    max_per_decl: int | None = 4,
    fractions: Mapping[str, float] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BuildResult:
    """:func:`load_source` then :func:`build_tasks`; raises ``SkipFile`` for bad files.

    ``source`` is the string recorded in each task (default: ``str(path)``); pass a
    path relative to the corpus root to keep task rows independent of checkout paths.
    """
    text = load_source(path, max_bytes=max_bytes)
    return build_tasks(
        text,
        str(path) if source is None else source,
        seed=seed,
        mix=mix,
        max_per_decl=max_per_decl,
        fractions=fractions,
    )


@dataclass(slots=True)
class Selection:
    """Scanning and span selection for one file: the holes, before any task is made.

    ``picks`` pairs each declaration that yields tasks with its sorted
    ``(start, end, kind)`` spans; ``declarations`` and ``skipped`` are as in
    :class:`BuildResult`.  This is the part the scan benchmark's target is about;
    :func:`build_tasks` adds headers, splits and hashes (:func:`assemble_tasks`).
    """

    pf: ParsedFile
    picks: list[tuple[Declaration, list[tuple[int, int, str]]]] = field(default_factory=list)
    declarations: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    rejected_spans: dict[str, int] = field(default_factory=dict)


def select_file(
    pf: ParsedFile,
    *,
    seed: int = 0,
    mix: Mapping[str, float] | None = None,
    max_per_decl: int | None = 4,
) -> Selection:
    """Choose the holes of every declaration of a parsed file (see :func:`build_tasks`)."""
    mix = mix or DEFAULT_MIX
    parser = TacticParser(pf.toks, pf.levels)
    rng = random.Random(0)  # re-seeded per declaration (see spans.draw)
    sel = Selection(pf)
    skipped = sel.skipped
    # Dependencies only matter for ``sorry``; a file without one needs no dependency walk.
    any_sorry = any(d.has_sorry for d in pf.declarations)
    for decl in pf.declarations:
        if decl.kind not in DECL_KINDS:
            continue
        sel.declarations += 1
        if decl.has_sorry:
            skipped["sorry"] = skipped.get("sorry", 0) + 1
            continue
        if decl.in_mutual:
            skipped["mutual"] = skipped.get("mutual", 0) + 1
            continue
        pools = candidate_pools(pf, decl, parser)
        if not pools:
            skipped["no tactic block"] = skipped.get("no tactic block", 0) + 1
            continue
        spans = draw(
            pf,
            decl,
            pools,
            seed=seed,
            mix=mix,
            max_n=max_per_decl,
            rng=rng,
            rejected=sel.rejected_spans,
        )
        if not spans:
            skipped["no valid span"] = skipped.get("no valid span", 0) + 1
            continue
        if any_sorry and pf.dependencies_have_sorry(decl):
            skipped["depends on sorry"] = skipped.get("depends on sorry", 0) + 1
            continue
        sel.picks.append((decl, spans))
    return sel


def assemble_tasks(
    sel: Selection, source: str, fractions: Mapping[str, float] | None = None
) -> BuildResult:
    """Turn a :class:`Selection` into tasks: header, split and content hash per hole."""
    pf = sel.pf
    text = pf.text
    result = BuildResult(
        counts={k: 0 for k in SPAN_KINDS},
        declarations=sel.declarations,
        skipped=sel.skipped,
        rejected_spans=sel.rejected_spans,
    )
    append = result.tasks.append
    counts = result.counts
    choose_split = SplitChooser(fractions or DEFAULT_FRACTIONS)
    header, header_state = "", _header_hash("")
    for decl, spans in sel.picks:
        previous = header
        header = pf.header_for(decl)
        if header != previous:
            # Neighbouring declarations often share their header; hashing it is the
            # costly part (headers add up to several times the file's size).
            header_state = _header_hash(header)
        split = choose_split(
            split_key(
                decl.name,
                pf.statement_tokens(decl),
                synthetic_name=decl.synthetic_name,
                normalised=True,
            )
        )
        d0, d1 = decl.start, decl.end
        name, decl_kind = decl.name, decl.kind
        for start, end, kind in spans:
            prefix, middle, suffix = text[d0:start], text[start:end], text[end:d1]
            line, col = pf.line_col(start)
            digest = _finish_hash(header_state, prefix, middle, suffix, kind)
            task = (source, name, decl_kind, header, prefix, middle, suffix, kind, split)
            append(FimTask(*task, digest, line, col))
            counts[kind] += 1
    return result
