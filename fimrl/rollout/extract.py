"""From a raw model completion to the middle of a FIM task.

A policy's raw text is rarely the middle itself: chat models wrap code in fences and add prose,
FIM models run on past the hole and regenerate the suffix, both echo the prefix they were shown,
and a block written "fresh" sits at the wrong column for the hole. Lean is indentation
sensitive, so a middle at the wrong column fails even when every tactic is right; an RL signal
would then measure formatting luck instead of proof skill. This module is the one place that
undoes all of that, so that the trainer, the verifier messages and the analysis all agree on what
"the candidate" was.

Contract of :func:`extract_middle`: deterministic, never raises (any string, any task), reads only
the header, prefix and suffix of a task (never the reference middle: extraction must not be able
to peek at the answer), and returns ``""`` when nothing usable is left.

Conventions (the same for every FIM task builder): the *hole column* is the length of the
prefix's last line, i.e. where the middle starts. Three hole shapes follow from the prefix:

- *indented*: the prefix ends with a newline plus spaces (``"...by\\n  "``); the prefix supplies
  the first line's indentation, so the middle's first line has none and later lines sit at their
  absolute columns, aligned to the hole column.
- *line start*: the prefix ends with a newline; the middle supplies its own indentation. The
  column is the model's own if it is a plausible block column in that context (see
  :func:`hole_of`), else the most likely one.
- *inline*: the prefix's last line has code (``"  exact "``); the first line continues that line,
  later lines keep their indentation relative to the first line's actual column.

Trailing whitespace is stripped, except that a line-start hole whose suffix begins with a full
line (no newline of its own) gets one final newline, so the suffix stays on its own line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

log = logging.getLogger(__name__)

# Stop strings of the model families we prompt (Qwen, StarCoder/SmolLM, DeepSeek, Llama):
# end-of-text markers and FIM control tokens. A backend that decodes special tokens shows them in
# the completion; everything from the first one on is not part of the answer.
DEFAULT_STOP_SEQUENCES: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_end|>",
    "<|im_start|>",
    "<|fim_prefix|>",
    "<|fim_suffix|>",
    "<|fim_middle|>",
    "<|fim_pad|>",
    "<|file_sep|>",
    "<|repo_name|>",
    "<fim_prefix>",
    "<fim_suffix>",
    "<fim_middle>",
    "<fim_pad>",
    "<file_sep>",
    "</s>",
    "<|eot_id|>",
    "<|end|>",
    "<｜fim▁begin｜>",
    "<｜fim▁hole｜>",
    "<｜fim▁end｜>",
    "<｜end▁of▁sentence｜>",
)

# The hole markers the instruct prompt may show; a model that repeats one has not filled it.
DEFAULT_HOLE_MARKERS: tuple[str, ...] = ("<HOLE>", "/- FILL -/")

FENCE = "```"

_INDENT_STEP = 2  # Lean's community style: nested tactic blocks are indented by two spaces

# A line that ends with one of these opens a nested block on the next line.
_OPENER = re.compile(r"(?:\bby|:=|=>|\bdo|\bwhere|\bthen|\belse|\bcalc|\bfrom|·|<;>)\s*$")

# English prose: a capitalised word (two letters or more, or "I"/"A") then at least two more
# plain words, and nothing Lean-like (operators, brackets, dotted names) anywhere.
_WORD = r"[\w`'’\"(\[][^\s]*"
_PROSE = re.compile(
    r"^(?:[-*]\s+|\d+[.)]\s+|\*\*)?(?:[A-Z][a-z]+|I|A)(?:['’][a-z]+)?[,:.!]?"
    rf"(?:(?:\s+{_WORD}){{2,}}|(?:\s+{_WORD})+(?<=[.!?:]))\s*$"
)
# Sentences without a capital: many plain words, long ones among them, and an English function
# word that is no Lean keyword.
_FUNCTION_WORDS = frozenset({"the", "of", "is", "are", "that", "this", "because", "which", "we"})
_PLAIN_WORD = re.compile(r"[A-Za-z'’]+[,.;:!?]?")
# Clauses that end a declaration and may sit at its column: still inside the declaration.
_DECL_CLAUSE = re.compile(r"^(?:termination_by|decreasing_by|where|deriving)\b")
# Commands that start a new top-level item: after the first line, the middle has ended there.
_NEW_ITEM = re.compile(
    r"^(?:theorem|lemma|def|example|instance|structure|inductive|class|abbrev|namespace|section"
    r"|end|import|noncomputable|private|protected|universe|variable|open|#\w+|@\[)(?![\w.'])"
)
# Markdown structure and one-word headings that chat models put around code.
_MARKDOWN = re.compile(
    r"^(?:#{1,6}\s|\*\*|>\s|(?:Explanation|Note|Answer|Solution|Output|Proof|Code)\s*[:.]?\s*$)"
)
_LANG_TAG = re.compile(r"[ \t]*[\w+.#-]*[ \t]*")
_CLOSERS = ")]}⟩"
_OPENERS = "([{⟨"
# Control characters other than tab and newline: never part of Lean source a model should emit.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


HoleKind = Literal["indented", "line_start", "inline"]


class HoleContext(Protocol):
    """What extraction may read of a task: the text around the hole, never the middle."""

    @property
    def header(self) -> str: ...

    @property
    def prefix(self) -> str: ...

    @property
    def suffix(self) -> str: ...


@dataclass(frozen=True)
class Hole:
    """Where the middle goes, derived once from a task's header, prefix and suffix.

    Attributes:
        lead: the hole's line up to the hole (the prefix after its last newline).
        column: the hole column, ``len(lead)``.
        kind: ``"indented"``, ``"line_start"`` or ``"inline"`` (module docstring).
        prefix_lines: stripped non-blank full lines of the prefix before the hole's line, plus
            the lead when it has code: what an echo of the prefix looks like.
        header_lines: stripped non-blank header lines (an echo may start with them).
        suffix_lines: stripped non-blank full lines of the suffix after the hole's line.
        suffix_tail: the rest of the hole's last line (suffix up to its first newline), stripped.
        full_line_suffix: the hole starts a line and the suffix starts with a full line, so the
            middle must end with a newline.
        candidates: columns where a block starting on a new line is plausible here.
        default_column: the most likely of them.
        last_indent: indentation of the last non-blank prefix line before the hole (the lead
            itself for an inline hole): where an echoed copy of that line belongs.
        decl_indent: indentation of the first non-blank prefix line (the declaration): a line
            of a continuation back at that column has left the declaration.
        suffix_indent: indentation of the first of ``suffix_lines`` (an echo of it sits there).
        header_size: number of non-blank header lines (how long an echo of the header can be).
    """

    lead: str
    column: int
    kind: HoleKind
    prefix_lines: tuple[str, ...]
    header_lines: frozenset[str]
    suffix_lines: tuple[str, ...]
    suffix_tail: str
    full_line_suffix: bool
    candidates: frozenset[int]
    default_column: int
    last_indent: int
    decl_indent: int
    suffix_indent: int
    header_size: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _nonblank(lines: Iterable[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def hole_of(task: HoleContext) -> Hole:
    """Describe the hole of ``task`` (pure function of header, prefix and suffix).

    Plausible columns for a line-start hole are the columns of the enclosing blocks of the last
    prefix line (its own column and each smaller one going up), plus one step deeper when that
    line opens a block (``by``, ``=>``, ...), minus anything at or left of the declaration's own
    column (the hole is inside the declaration). The default is the opened block if there is one,
    else the column of the suffix's next line if plausible, else the last line's column.
    """
    header = _normalise(str(task.header))
    prefix = _normalise(str(task.prefix))
    suffix = _normalise(str(task.suffix))
    *full, lead = prefix.split("\n")
    kind: HoleKind
    if lead.strip():
        kind = "inline"
    elif lead:
        kind = "indented"
    else:
        kind = "line_start"
    segments = suffix.split("\n")
    tail = segments[0]
    full_line_suffix = kind == "line_start" and bool(tail.strip())
    suffix_full = segments if full_line_suffix else segments[1:]
    before = [*full, lead] if kind == "inline" else full
    nonblank = [line for line in before if line.strip()]
    if nonblank:
        decl = _indent(nonblank[0])
        last = nonblank[-1]
        chain = [_indent(last)]
        for line in reversed(nonblank[:-1]):
            if _indent(line) < chain[-1]:
                chain.append(_indent(line))
        opens = bool(_OPENER.search(last))
        cands = {c for c in chain if c > decl}
        if opens:
            cands.add(_indent(last) + _INDENT_STEP)
        if not cands:
            cands = {decl + _INDENT_STEP}
        following = [_indent(line) for line in suffix_full if line.strip()]
        if opens:
            default = _indent(last) + _INDENT_STEP
        elif following and following[0] in cands:
            default = following[0]
        elif _indent(last) in cands:
            default = _indent(last)
        else:
            default = min(cands)
    else:
        cands, default = {0}, 0
    return Hole(
        lead=lead,
        column=len(lead),
        kind=kind,
        prefix_lines=tuple(_nonblank(before)),
        header_lines=frozenset(_nonblank(header.split("\n"))),
        suffix_lines=tuple(_nonblank(suffix_full)),
        suffix_tail="" if full_line_suffix else tail.strip(),
        full_line_suffix=full_line_suffix,
        candidates=frozenset(cands),
        default_column=default,
        last_indent=_indent(nonblank[-1]) if nonblank else 0,
        decl_indent=_indent(nonblank[0]) if nonblank else 0,
        suffix_indent=next((_indent(x) for x in suffix_full if x.strip()), 0),
        header_size=len(_nonblank(header.split("\n"))),
    )


def _normalise(text: str) -> str:
    # Lean rejects tabs in source, so a tab can only be a model's indentation: two spaces.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " " * _INDENT_STEP)


def cut_at_stops(text: str, stop_sequences: Sequence[str]) -> str:
    """``text`` up to the earliest occurrence of any (non-empty) stop sequence."""
    end = len(text)
    for stop in stop_sequences:
        if stop:
            at = text.find(stop, 0, end)
            if at >= 0:
                end = at
    return text[:end]


def strip_fences(text: str, *, inside_fence: bool) -> str:
    """The code of a completion that may use Markdown code fences.

    ``inside_fence`` says the completion starts inside an open fence (the prompt ended with
    ```` ```lean ```` or the model continues source text): then code before the first fence is the
    answer and that fence closes it. Otherwise text before the first fence is prose, the first
    non-empty fenced block is the answer, and an unclosed fence (generation cut by the token
    limit) runs to the end.
    """
    at = text.find(FENCE)
    if at < 0:
        return text
    if inside_fence and text[:at].strip():
        return text[:at]
    while at >= 0:
        rest = text[at + len(FENCE) :].lstrip("`")
        newline = rest.find("\n")
        info = rest if newline < 0 else rest[:newline]
        # After a language tag the code starts on the next line; otherwise it is on the fence
        # line itself (```simp```).
        tagged = _LANG_TAG.fullmatch(info) is not None
        body = rest[newline + 1 :] if tagged and newline >= 0 else ("" if tagged else rest)
        end = body.find(FENCE)
        block = body if end < 0 else body[:end]
        if block.strip() or end < 0:
            return block
        text = body[end + len(FENCE) :].lstrip("`")
        at = text.find(FENCE)
    return ""


def _is_prose(line: str) -> bool:
    stripped = line.strip()
    if _PROSE.match(stripped) or _MARKDOWN.match(stripped):
        return True
    words = stripped.split()
    return (
        len(words) >= 6
        and all(_PLAIN_WORD.fullmatch(w) for w in words)
        and sum(len(w) >= 4 for w in words) >= 3
        and any(w.lower().rstrip(",.;:!?") in _FUNCTION_WORDS for w in words)
    )


def _starts_new_item(stripped: str) -> bool:
    # `open Foo in tac` is a tactic, not a new command.
    return bool(_NEW_ITEM.match(stripped)) and re.search(r"\bin\b", stripped) is None


def _drop_restatement(lines: list[str]) -> list[str]:
    """An answer that starts with a declaration restated it (an echo too loose to match the
    prefix exactly): keep what follows the statement's ``:= by`` line, or nothing."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not _starts_new_item(lines[first].strip()):
        return lines
    for j in range(first, len(lines)):
        if _OPENER.search(lines[j]) and not lines[j].lstrip().startswith(("import", "open")):
            return lines[j + 1 :]
    return []


def drop_prose(lines: Sequence[str]) -> list[str]:
    """Drop prose before the code and cut at the first prose line after it.

    Lines inside Lean block comments (``/- ... -/``, which nest) are code whatever they say.
    """
    out: list[str] = []
    depth = 0
    for line in lines:
        if depth == 0 and line.strip() and _is_prose(line):
            if any(x.strip() for x in out):
                break
            continue
        out.append(line)
        depth = max(0, depth + line.count("/-") - line.count("-/"))
    return out


def _echo_length(seen: Sequence[str], reference: Sequence[str], header: frozenset[str]) -> int:
    """How many of ``reference``'s last lines ``seen`` ends with, if the lines before those are
    header lines only (an echo of header + prefix); ``-1`` if ``seen`` is no such echo."""
    k = 0
    while k < min(len(seen), len(reference)) and seen[-1 - k] == reference[-1 - k]:
        k += 1
    if all(x in header for x in seen[: len(seen) - k]):
        return k
    return -1


def _distinctive(line: str, hole: Hole) -> bool:
    # One echoed line is enough evidence only when it cannot plausibly be the model's own first
    # line of the middle: a block opener or the declaration line itself.
    return bool(_OPENER.search(line)) or (bool(hole.prefix_lines) and line == hole.prefix_lines[0])


def _drop_prefix_echo(lines: list[str], hole: Hole) -> tuple[list[str], bool] | None:
    """Remove a copy of the prefix (ending at the hole) that the model wrote before its answer.

    An echo is header lines (any of them) then a tail of the prefix's lines ending at the hole;
    of several places where one ends, the one that matches most of the prefix wins (the header
    may hold earlier declarations that look like the prefix, and the answer may repeat the line
    before the hole). Returns the remaining lines and whether the first of them now starts
    exactly at the hole (the model rewrote the hole's line up to the hole), or ``None`` when
    there is no echo. The search stops once more lines have gone by than an echo could have, so
    it is linear in the completion.
    """
    reference = hole.prefix_lines
    inline = hole.kind == "inline"
    if not reference:
        return None
    anchor = hole.lead.strip() if inline else reference[-1]
    earlier = reference[:-1] if inline else reference
    budget = len(reference) + hole.header_size + 1
    seen: list[str] = []  # stripped non-blank lines before line i
    best: tuple[int, int] | None = None  # (echo length, line index)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if len(seen) > budget:
            break
        if inline and stripped.startswith(anchor):
            k = _echo_length(seen, earlier, hole.header_lines)
            # Lines before the hole's line must end with prefix lines if there are any: header
            # lines alone are too weak (they include common tactic lines of earlier proofs).
            if (k >= 1 or not seen or not earlier) and (best is None or k + 1 >= best[0]):
                best = (k + 1, i)
        if stripped:
            seen.append(stripped)
        if not inline and stripped == anchor:
            k = _echo_length(seen, reference, hole.header_lines)
            if (k >= 2 or (k == 1 and _distinctive(anchor, hole))) and (
                best is None or k >= best[0]
            ):
                best = (k, i)
    if best is None:
        return None
    i = best[1]
    # The echo fixes the model's frame: shift what follows so that the echoed anchor line sits
    # where the real one does.
    frame = _indent(lines[i]) - hole.last_indent
    if inline:
        rest = lines[i].lstrip(" \t")[len(anchor) :]
        return [rest, *(_shift(x, -frame) for x in lines[i + 1 :])], True
    return [_shift(x, -frame) for x in lines[i + 1 :]], False


def _shift(line: str, by: int) -> str:
    if not line.strip():
        return ""
    return " " * max(0, _indent(line) + by) + line.lstrip(" \t")


def _drop_suffix_echo(lines: list[str], hole: Hole, *, ran_on: bool) -> list[str]:
    """Cut a copy of the suffix that the model wrote after its answer.

    ``lines`` are laid out already (:func:`_layout`), so columns are real: a match starts at a
    line equal to the suffix's first full line, at its column, and runs on through the following
    suffix lines (the last line may be a truncated suffix line).

    - When the model is known to have run on (``ran_on``: it rewrote the prefix, or went past
      the end of the declaration), its text ends with the echo: cut at the first run that
      reaches the end of the text (the longest echo; it may cover only the start of the
      suffix: the rest went with the overrun). This is right even when the answer itself
      ends with lines equal to the suffix (symmetric proofs: two identical bullets).
    - Otherwise a run of two or more lines is an echo (or a repetition loop): cut at the first.
      A single line is ambiguous (proofs often repeat a line: ``· rfl`` twice) and is kept.
      Known limit: an answer that ends with a copy of a multi-line suffix and stops there
      loses that copy (0.4% of the bundled corpus tasks).
    """
    reference = hole.suffix_lines
    if not reference:
        return lines
    indices = [i for i, line in enumerate(lines) if line.strip()]
    first: int | None = None
    to_end: int | None = None
    for pos, i in enumerate(indices):
        column = _indent(lines[i]) + (hole.column if i == 0 and hole.kind != "line_start" else 0)
        if lines[i].strip() != reference[0] or column != hole.suffix_indent:
            continue
        matched = 0
        for j, k in enumerate(indices[pos:]):
            if j >= len(reference):
                break
            text = lines[k].strip()
            last = k == indices[-1]
            if text == reference[j] or (last and j > 0 and reference[j].startswith(text)):
                matched += 1
            else:
                break
        if matched >= 2 and first is None:
            first = i
        if pos + matched == len(indices) and to_end is None:
            to_end = i
    cut = to_end if ran_on and to_end is not None else first
    return lines if cut is None else lines[:cut]


def _bracket_excess(text: str) -> int:
    return sum(text.count(c) for c in _CLOSERS) - sum(text.count(c) for c in _OPENERS)


def _drop_tail_echo(lines: list[str], hole: Hole) -> list[str]:
    """Trim the rest of the hole's line (``suffix_tail``) if the answer's last line repeats it.

    Only a long tail (4+ characters) or a tail that closes brackets the answer never opened is
    trimmed: ``h)`` before a suffix ``)`` is an echo, ``(f h)`` before ``)`` is an answer.
    """
    tail = hole.suffix_tail
    keep = [line.rstrip() for line in lines]
    while keep and not keep[-1]:
        keep.pop()
    if not tail or not keep:
        return keep
    last = keep[-1]
    if last.endswith(tail) and len(last.strip()) > len(tail):
        body = "\n".join(keep)
        if len(tail) >= 4 or (_bracket_excess(tail) > 0 and _bracket_excess(body) > 0):
            return [*keep[:-1], last[: len(last) - len(tail)]]
    return keep


def _drop_overrun(lines: list[str], hole: Hole, *, positioned: bool) -> tuple[list[str], bool]:
    """Cut where the text has left the declaration: a new top-level command, or (when columns
    are real, i.e. ``positioned``) a line back at the declaration's own column. Also says
    whether it cut."""
    seen = False
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        stripped = line.strip()
        back_at_decl = positioned and _indent(line) <= hole.decl_indent
        if seen and (
            _starts_new_item(stripped) or (back_at_decl and not _DECL_CLAUSE.match(stripped))
        ):
            return lines[:i], True
        seen = True
    return lines, False


def _needs_space(lead: str, first: str) -> bool:
    return (
        bool(lead)
        and not lead[-1].isspace()
        and lead[-1] not in _OPENERS
        and (first[:1] not in _CLOSERS + ",.")
    )


def _layout(lines: Sequence[str], hole: Hole, *, positioned: bool) -> list[str]:
    """Lay the answer's lines out at the hole (module docstring: the three hole shapes).

    ``positioned``: the first line starts exactly at the hole (a FIM continuation, or the rest of
    an echoed hole line), so later lines are at their real columns and keep them. Otherwise the
    lines are a free-standing block: the first line's own indentation is its column, and every
    line moves by the same amount to put the first line at the hole.

    Returns lines at their real columns, except the first line of an indented or inline hole,
    which goes right after the prefix (no indentation of its own; maybe one separating space).
    An empty first line means the middle starts with a newline.
    """
    work = [line.rstrip() for line in lines]
    while work and not work[-1]:
        work.pop()
    new_line_start = False
    while work and not work[0].strip():
        work.pop(0)
        new_line_start = True
    if not work:
        return []
    first = work[0].lstrip(" \t")
    raw_first = _indent(work[0])
    new_line_start = new_line_start and positioned and hole.kind == "inline"
    if hole.kind == "inline" and not positioned and len(_nonblank(work)) > 1:
        # A free-standing block right after "... := by" (no space: the hole does not continue
        # the line): lay it out as a nested block on new lines. After "by " or a bullet "· "
        # the block hangs at the hole column instead, which Lean reads the same way.
        new_line_start = hole.lead == hole.lead.rstrip() and bool(_OPENER.search(hole.lead))
    if hole.kind == "inline" and not new_line_start:
        if positioned:  # later lines are at their real columns already
            space = raw_first > 0 and not hole.lead[-1:].isspace()
            shift = 0
        else:
            space = _needs_space(hole.lead, first)
            shift = hole.column + (1 if space else 0) - raw_first
        head = [(" " if space else "") + first]
    elif hole.kind == "indented":
        head = [first]
        shift = 0 if positioned else hole.column - raw_first
    else:  # a line start, or an inline hole the model continued on a new line
        target = raw_first if raw_first in hole.candidates else hole.default_column
        head = ([""] if new_line_start else []) + [" " * target + first]
        shift = target - raw_first
    return head + [_shift(line, shift) for line in work[1:]]


def _finish(lines: Sequence[str], hole: Hole) -> str:
    text = "\n".join(line.rstrip() for line in lines).rstrip()
    if not text.strip():
        return ""
    if hole.full_line_suffix:
        text += "\n"
    return text


def realign(lines: Sequence[str], hole: Hole, *, positioned: bool) -> str:
    """The middle text of ``lines`` laid out at the hole (see :func:`_layout`)."""
    return _finish(_layout(lines, hole, positioned=positioned), hole)


def extract_middle(
    completion: str,
    task: HoleContext,
    *,
    positioned: bool,
    inside_fence: bool,
    stop_sequences: Sequence[str] = DEFAULT_STOP_SEQUENCES,
    hole_markers: Sequence[str] = DEFAULT_HOLE_MARKERS,
) -> str:
    """The middle a completion proposes for ``task``; ``""`` if there is none.

    Steps, in order: cut at the first stop sequence; take the code out of Markdown fences; drop
    hole markers and control characters; drop prose before the code and cut at prose after it;
    drop an echo of the header and prefix before the answer (or, failing an exact echo, a
    restated declaration up to its ``:= by``); cut where the text leaves the declaration (a new
    command, or a line back at the declaration's column); lay the lines out at the hole; drop an
    echo of the suffix after the answer.

    ``positioned``/``inside_fence``: see :func:`realign` and :func:`strip_fences` (a FIM
    continuation is both; an instruct answer is neither, or ``inside_fence`` when the prompt
    already opened the fence).

    Never raises: an unexpected internal error is logged and yields ``""`` (a candidate that then
    fails verification), because one odd completion must not stop a trainer.
    """
    try:
        return _extract(
            completion,
            task,
            positioned=positioned,
            inside_fence=inside_fence,
            stop_sequences=stop_sequences,
            hole_markers=hole_markers,
        )
    except Exception:  # the contract is "never raises"; the fuzz tests call _extract directly
        log.exception("middle extraction failed; treating the completion as empty")
        return ""


def _extract(
    completion: str,
    task: HoleContext,
    *,
    positioned: bool,
    inside_fence: bool,
    stop_sequences: Sequence[str],
    hole_markers: Sequence[str],
) -> str:
    hole = hole_of(task)
    text = cut_at_stops(_normalise(str(completion)), stop_sequences)
    if text.lstrip().startswith(FENCE):  # the model opened its own block: not at the hole
        positioned = False
    text = strip_fences(text, inside_fence=inside_fence)
    for marker in hole_markers:
        if marker:
            text = text.replace(marker, "")
    lines = drop_prose(_CONTROL.sub("", text).split("\n"))
    echo = _drop_prefix_echo(lines, hole)
    rewrote = echo is not None
    if echo is not None:
        lines, at_hole = echo
        positioned = positioned or at_hole
    else:
        restated = _drop_restatement(lines)
        if restated is not lines:
            lines, positioned, rewrote = restated, False, True
    lines, overran = _drop_overrun(lines, hole, positioned=positioned)
    lines = _layout(lines, hole, positioned=positioned)
    lines = _drop_suffix_echo(lines, hole, ran_on=rewrote or overran)
    lines = _drop_tail_echo(lines, hole)
    return _finish(lines, hole)
