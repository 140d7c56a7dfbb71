"""What is sent to Lean for a candidate, and how Lean's answer becomes a verdict.

Assembly (:func:`assemble`) turns a :class:`CheckRequest` into the body text a backend
sends (the header is sent separately: once per REPL, or as the top of the CLI file):

1. The target declaration (the last ``theorem``/``lemma``/``def``/``abbrev``/``example``
   of the prefix, whose name must match ``request.target``) is **renamed** to a fresh name
   ``fimrl_target_<hash>`` in the same namespace (``theorem Foo.bar`` becomes
   ``theorem Foo.fimrl_target_<hash>``, so name resolution inside it is unchanged). An
   ``example`` gets one too (as a ``theorem``), so it can be referenced. The guard forbids
   command keywords in the middle, so the candidate cannot declare anything.
2. Right before the declaration (inside the same ``set_option ... in``/``open ... in``
   chain, namespace, sections and variables) the verifier adds
   ``axiom fimrl_stmt_<hash> <original signature>``: an independent elaboration of the
   original statement, taken from the trusted prefix.
3. The verifier wraps the declaration in ``set_option maxHeartbeats N in``: the verifier,
   never the candidate, bounds the work (innermost option wins).
4. After the suffix it appends ``example : type_of% @fimrl_stmt_<hash> :=
   @fimrl_target_<hash>`` (the proved statement is definitionally the original one) and
   ``#print axioms fimrl_target_<hash>``.

Rules (:func:`evaluate`), in order: a heartbeat exhaustion is ``timeout``; an error on the
verifier's statement copy is ``error`` (the task, not the candidate, is broken); any other
error outside the verifier's checks is ``fail``; an error in the statement check is
``rejected``/``statement_changed``; a missing ``#print axioms`` answer is
``rejected``/``target_missing``; a ``sorry`` in or after the target is ``rejected``/``sorry``;
an axiom outside :data:`ALLOWED_AXIOMS` is ``rejected`` (rule ``sorry``, ``ofReduceBool`` or
``axiom``); otherwise ``pass``. Positions in messages refer to the text actually sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fimrl.lean.guard import split_dotted
from fimrl.lean.lexer import TRIVIA, LeanSyntaxError, Token, tokenize
from fimrl.verify.types import ALLOWED_AXIOMS, CheckRequest, Limits, Status, reward_for

__all__ = [
    "Assembled",
    "AssemblyError",
    "RuleOutcome",
    "assemble",
    "evaluate",
    "is_sorry_warning",
    "normalize_message",
    "parse_axioms_message",
]

_DECL_KEYWORDS = frozenset({"theorem", "lemma", "def", "abbrev", "example", "instance"})
_MODIFIERS = frozenset(
    {"private", "protected", "public", "noncomputable", "partial", "unsafe", "nonrec"}
)
_SORRY_WARNING = re.compile(r"declaration uses ['`‘]sorry['`’]")
_HEARTBEATS = re.compile(r"maximum number of heartbeats|\(deterministic\) timeout")
_AXIOMS_NONE = re.compile(r"^'(?P<name>.+?)' does not depend on any axioms\s*$", re.S)
_AXIOMS_SOME = re.compile(r"^'(?P<name>.+?)' depends on axioms:\s*\[(?P<list>.*)\]\s*$", re.S)


class AssemblyError(ValueError):
    """The request cannot be turned into a checkable text (the task, not the candidate)."""


@dataclass(frozen=True, slots=True)
class Assembled:
    """The body sent to Lean plus the 1-based body lines of the verifier's own parts."""

    body: str
    target_name: str
    stmt_name: str
    stmt_line: int
    decl_line: int
    check_line: int
    axioms_line: int

    def shifted(self, lines: int) -> Assembled:
        """The same markers when ``lines`` lines (the header) precede the body."""
        return Assembled(
            self.body,
            self.target_name,
            self.stmt_name,
            self.stmt_line + lines,
            self.decl_line + lines,
            self.check_line + lines,
            self.axioms_line + lines,
        )


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Status, rule and explanation computed from Lean's answer."""

    status: Status
    rule: str | None
    detail: str
    axioms: tuple[str, ...] = ()
    messages: tuple[dict[str, Any], ...] = field(default=())

    @property
    def reward(self) -> float:
        """Default reward of the status."""
        return reward_for(self.status)


# --------------------------------------------------------------------------- assembly


def _significant(tokens: Sequence[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in TRIVIA]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _plain_components(name: str) -> list[str]:
    """Components with guillemets removed: ``A.«b c»`` -> ``["A", "b c"]``."""
    parts = _split_name(name.removeprefix("_root_."))
    return [p[1:-1] if p.startswith("«") and p.endswith("»") else p for p in parts]


def _name_matches(written: str, target: str) -> bool:
    """``target`` may be the name as written or its qualified form (``Foo.bar`` ~ ``bar``),
    with or without guillemets (``A.«b c»`` ~ ``A.b c``)."""
    w, t = _plain_components(written), _plain_components(target)
    n = min(len(w), len(t))
    return n > 0 and w[-n:] == t[-n:]


def _anonymous_target(target: str | None) -> bool:
    """Names the task builder gives to anonymous declarations (``example@L12``)."""
    return (
        not target
        or target in ("example", "instance")
        or target.startswith(("example@", "instance@"))
    )


def _signature_end(sig: list[Token], start: int) -> tuple[int, bool] | None:
    """Index of the token ending the signature (``:=``, ``|`` or ``where`` at depth 0).

    Returns ``(index, has_type)`` where ``has_type`` says a depth-0 ``:`` was seen.
    """
    depth = 0
    has_type = False
    for i in range(start, len(sig)):
        text = sig[i].text
        if text in ("(", "[", "{", "⦃", "⟨", "@[", "#[", "%[", "$("):
            depth += 1
        elif text in (")", "]", "}", "⦄", "⟩"):
            depth -= 1
        elif depth == 0:
            if text == ":":
                has_type = True
            elif text in (":=", "|", "where"):
                return i, has_type
    return None


_CHAIN_STOP = frozenset(
    {
        *_DECL_KEYWORDS,
        *("axiom", "structure", "class", "inductive", "namespace", "section", "end"),
        *("variable", "universe", "import", "attribute", "mutual", "where", "by"),
    }
)


def _chain_start(sig: list[Token], idx: int) -> int:
    """Index of the first token of ``set_option ... in`` / ``open ... in`` chains before
    ``sig[idx]`` (returns ``idx`` when there is none). ``open scoped X hiding y in`` works:
    only command-starting keywords, ``#`` commands and ``:=`` stop the backward scan."""
    i = idx
    while i > 0 and sig[i - 1].text == "in" and sig[i - 1].kind == "keyword":
        j = i - 2
        while j >= 0 and sig[j].text not in ("set_option", "open"):
            tok = sig[j]
            if (
                (tok.kind == "keyword" and tok.text in _CHAIN_STOP)
                or tok.kind == "command"
                or tok.text == ":="
            ):
                return i
            j -= 1
        if j < 0:
            return i
        i = j
    return i


def _modifiers_start(sig: list[Token], tokens: list[Token], kw_index: int) -> int:
    """Index (into ``sig``) of the first modifier / attribute of the declaration."""
    i = kw_index
    while i > 0:
        prev = sig[i - 1]
        if prev.kind == "keyword" and prev.text in _MODIFIERS:
            i -= 1
            continue
        if prev.text == "]":
            depth = 0
            j = i - 1
            while j >= 0:
                if sig[j].text == "]":
                    depth += 1
                elif sig[j].text in ("[", "@["):
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if j >= 0 and sig[j].text == "@[":
                i = j
                continue
        break
    return i


def _doc_comment_start(tokens: list[Token], offset: int) -> int:
    """Extend ``offset`` backwards over a doc comment directly in front of it."""
    best = offset
    for tok in reversed(tokens):
        if tok.end > best:
            continue
        if tok.kind in ("whitespace", "newline"):
            continue
        if tok.kind == "doc_comment" and tok.end <= best:
            best = tok.start
        break
    return best


def _hash_names(request: CheckRequest) -> str:
    h = hashlib.sha256()
    for part in (request.header, request.prefix, request.target or ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:12]


def _split_name(name: str) -> list[str]:
    """Components of a written name, keeping guillemets (``A.«b.c»`` -> A, «b.c»)."""
    return split_dotted(name, keep_guillemets=True)


def _current_namespace(sig: list[Token], upto: int) -> list[str]:
    """Namespace components open at ``sig[upto]`` (``namespace``/``section``/``mutual``/``end``)."""
    stack: list[list[str]] = []
    i = 0
    while i < upto:
        tok = sig[i]
        if tok.kind == "keyword":
            nxt = sig[i + 1] if i + 1 < upto else None
            if tok.text == "namespace" and nxt is not None and nxt.kind == "ident":
                stack.append(_split_name(nxt.text))
                i += 2
                continue
            if tok.text in ("section", "mutual"):
                stack.append([])
            elif tok.text == "end" and stack:
                stack.pop()
        i += 1
    return [c for frame in stack for c in frame]


def assemble(request: CheckRequest, limits: Limits) -> Assembled:
    """Build the body text for ``request`` (see the module docstring for its shape).

    Raises :class:`AssemblyError` when the prefix has no recognisable target declaration,
    its name does not match ``request.target``, or its statement does not end (``:=``)
    inside the prefix.
    """
    prefix = request.prefix
    try:
        tokens = tokenize(prefix)
    except LeanSyntaxError as exc:
        raise AssemblyError(f"prefix does not lex: {exc}") from exc
    sig = _significant(tokens)
    kw_index = None
    for i in range(len(sig) - 1, -1, -1):
        if sig[i].kind == "keyword" and sig[i].text in _DECL_KEYWORDS:
            kw_index = i
            break
    if kw_index is None:
        raise AssemblyError("no declaration (theorem/lemma/def/example) found in the prefix")
    kw = sig[kw_index]
    wanted = request.target
    j = kw_index + 1
    anchor = kw  # the fresh name goes right after this token for anonymous declarations
    has_priority = (
        kw.text == "instance"
        and j + 1 < len(sig)
        and sig[j].text == "("
        and sig[j + 1].text == "priority"
    )
    if has_priority:  # instance (priority := low) ...
        depth = 0
        while j < len(sig):
            depth += {"(": 1, ")": -1}.get(sig[j].text, 0)
            j += 1
            if depth == 0:
                break
        anchor = sig[j - 1]
    anonymous = kw.text == "example" or (
        kw.text == "instance" and (j >= len(sig) or sig[j].kind != "ident")
    )
    if anonymous:
        if not _anonymous_target(wanted):
            raise AssemblyError(
                f"target {wanted!r} expected but the prefix ends in an anonymous {kw.text}"
            )
        name_tok = None
    else:
        if j >= len(sig) or sig[j].kind != "ident":
            raise AssemblyError(f"`{kw.text}` without a name is not supported as a target")
        name_tok = sig[j]
        if _anonymous_target(wanted):
            raise AssemblyError(f"prefix declares {name_tok.text!r} but no target was named")
        assert wanted is not None
        if not _name_matches(name_tok.text, wanted):
            raise AssemblyError(
                f"last declaration of the prefix is {name_tok.text!r}, not target {wanted!r}"
            )
        j += 1
    end = _signature_end(sig, j)
    if end is None:
        raise AssemblyError("the target's statement does not end (`:=`) inside the prefix")
    end_index, has_type = end
    if not has_type:
        raise AssemblyError("the target's statement has no type ascription (`: T`)")
    sig_start = name_tok.end if name_tok is not None else anchor.end
    signature = prefix[sig_start : sig[end_index].start].rstrip()

    mods_index = _modifiers_start(sig, tokens, kw_index)
    mods_offset = _doc_comment_start(tokens, sig[mods_index].start)
    chain_index = _chain_start(sig, mods_index)
    chain_offset = sig[chain_index].start if chain_index < mods_index else mods_offset
    chain_text = prefix[chain_offset:mods_offset]

    # Fresh names keep the written namespace (``theorem Foo.bar`` opens ``Foo`` for its
    # statement and proof), so resolution inside the declaration is unchanged.
    tag = _hash_names(request)
    target_leaf, stmt_leaf = f"fimrl_target_{tag}", f"fimrl_stmt_{tag}"
    written = _split_name(name_tok.text) if name_tok is not None else ["_"]
    if written[0] == "_root_":
        lead, outer = ["_root_", *written[1:-1]], written[1:-1]
    else:
        lead, outer = written[:-1], _current_namespace(sig, kw_index) + written[:-1]
    target_written = ".".join([*lead, target_leaf])
    stmt_written = ".".join([*lead, stmt_leaf])
    target_full = ".".join([*outer, target_leaf])
    stmt_full = ".".join([*outer, stmt_leaf])

    # ``example`` becomes ``theorem <fresh>``, an anonymous instance gets the fresh name,
    # and a named declaration has its name token replaced.
    if name_tok is None and kw.text == "example":
        decl_text = prefix[mods_offset : kw.start] + f"theorem {target_written}" + prefix[kw.end :]
    elif name_tok is None:
        decl_text = prefix[mods_offset : anchor.end] + f" {target_written}" + prefix[anchor.end :]
    else:
        decl_text = prefix[mods_offset : name_tok.start] + target_written + prefix[name_tok.end :]
    stmt = f"{chain_text}axiom {stmt_written}{signature}\n"
    wrapper = f"set_option maxHeartbeats {limits.max_heartbeats} in\n"
    head = prefix[:chain_offset]
    if head and not head.endswith("\n"):
        head += "\n"
    new_prefix = head + stmt + chain_text + wrapper + decl_text

    stmt_line = _line_of(new_prefix, len(head)) + chain_text.count("\n")
    decl_line = _line_of(new_prefix, len(head) + len(stmt))
    body_core = new_prefix + request.middle + request.suffix
    check = f"example : type_of% @{stmt_full} := @{target_full}\n"
    print_axioms = f"#print axioms {target_full}\n"
    body = body_core + "\n\n" + check + print_axioms
    check_line = _line_of(body, len(body_core) + 2)
    return Assembled(
        body=body,
        target_name=target_leaf,
        stmt_name=stmt_leaf,
        stmt_line=stmt_line,
        decl_line=decl_line,
        check_line=check_line,
        axioms_line=check_line + 1,
    )


# --------------------------------------------------------------------------- messages


def _pos(value: Any) -> dict[str, int] | None:
    if isinstance(value, Mapping) and "line" in value and "column" in value:
        return {"line": int(value["line"]), "column": int(value["column"])}
    return None


def normalize_message(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One message in the stored shape: severity (information|warning|error), kind, data,
    pos, endPos. Accepts both ``lean --json`` objects and REPL messages (``info``)."""
    severity = str(raw.get("severity", "error"))
    if severity in ("info", "trace"):
        severity = "information"
    kind = raw.get("kind")
    return {
        "severity": severity,
        "kind": None if kind in (None, "[anonymous]") else str(kind),
        "data": str(raw.get("data", "")),
        "pos": _pos(raw.get("pos")),
        "endPos": _pos(raw.get("endPos")),
    }


def _split_axioms(listing: str) -> list[str]:
    """Split ``a, «b, c», d`` on top-level commas."""
    out: list[str] = []
    buf: list[str] = []
    quoted = 0
    for ch in listing:
        if ch == "«":
            quoted += 1
        elif ch == "»":
            quoted = max(0, quoted - 1)
        if ch == "," and not quoted:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    last = "".join(buf).strip()
    if last:
        out.append(last)
    return [a for a in out if a]


def parse_axioms_message(data: str) -> tuple[str, list[str]] | None:
    """Parse a ``#print axioms`` answer: ``(name, axioms)`` or ``None`` if it is not one.

    Both forms are understood: ``'X' does not depend on any axioms`` and
    ``'X' depends on axioms: [a, b]``.
    """
    text = data.strip()
    m = _AXIOMS_NONE.match(text)
    if m:
        return m.group("name"), []
    m = _AXIOMS_SOME.match(text)
    if m:
        return m.group("name"), _split_axioms(m.group("list"))
    return None


def _line(msg: Mapping[str, Any]) -> int:
    pos = msg.get("pos")
    return int(pos["line"]) if isinstance(pos, Mapping) else 0


def _classify_axioms(bad: Iterable[str]) -> str:
    names = set(bad)
    if "sorryAx" in names:
        return "sorry"
    if names & {"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler"}:
        return "ofReduceBool"
    # Newer Lean versions record `native_decide` as an auxiliary axiom of the declaration
    # (e.g. `foo._native.native_decide.ax_1`) instead of `Lean.ofReduceBool`.
    if any("native_decide" in n or "._native." in n for n in names):
        return "ofReduceBool"
    return "axiom"


def is_sorry_warning(msg: Mapping[str, Any]) -> bool:
    """Whether a normalised message is Lean's "declaration uses `sorry`" warning."""
    return msg["severity"] == "warning" and (
        msg["kind"] == "hasSorry" or bool(_SORRY_WARNING.search(msg["data"] or ""))
    )


def evaluate(
    messages: Iterable[Mapping[str, Any]],
    sorries: Iterable[Mapping[str, Any]],
    asm: Assembled,
    *,
    allowed_axioms: frozenset[str] = ALLOWED_AXIOMS,
) -> RuleOutcome:
    """Apply the verdict rules to Lean's answer for ``asm`` (positions relative to it).

    ``sorries`` is the REPL's ``sorries`` list (empty for ``lean --json``). Sorries and
    ``declaration uses sorry`` warnings before the target declaration are ignored: if the
    target depends on such a lemma, ``#print axioms`` reports ``sorryAx`` anyway.
    """
    msgs = tuple(normalize_message(m) for m in messages)
    errors = [m for m in msgs if m["severity"] == "error"]

    def outcome(
        status: Status, rule: str | None, detail: str, axioms: Sequence[str] = ()
    ) -> RuleOutcome:
        return RuleOutcome(status, rule, detail, tuple(axioms), msgs)

    beats = [
        m
        for m in errors
        if m["kind"] == "runtime.maxHeartbeats" or _HEARTBEATS.search(m["data"] or "")
    ]
    if beats:
        return outcome("timeout", None, "deterministic timeout: heartbeat limit reached")
    stmt_errors = [m for m in errors if _line(m) == asm.stmt_line]
    if stmt_errors:
        return outcome(
            "error",
            None,
            "the verifier's copy of the original statement does not elaborate "
            f"(task problem): {stmt_errors[0]['data'][:300]}",
        )
    check_lines = (asm.check_line, asm.axioms_line)
    candidate_errors = [m for m in errors if _line(m) not in check_lines]
    if candidate_errors:
        first = candidate_errors[0]
        return outcome(
            "fail", None, f"{len(candidate_errors)} Lean error(s); first: {first['data'][:300]}"
        )
    if any(_line(m) == asm.check_line for m in errors):
        return outcome(
            "rejected",
            "statement_changed",
            "the proved declaration's type is not the original statement",
        )

    answer: list[str] | None = None
    for m in msgs:
        if _line(m) != asm.axioms_line or m["severity"] != "information":
            continue
        parsed = parse_axioms_message(m["data"])
        if parsed is not None and parsed[0].split(".")[-1] == asm.target_name:
            answer = parsed[1]
    if answer is None:
        return outcome(
            "rejected",
            "target_missing",
            f"no `#print axioms` answer for the target ({asm.target_name})",
        )

    late_sorries = [s for s in sorries if _line(s) == 0 or _line(s) >= asm.decl_line]
    sorry_warnings = [m for m in msgs if is_sorry_warning(m) and _line(m) >= asm.decl_line]
    if late_sorries or sorry_warnings:
        return outcome("rejected", "sorry", "the proof uses `sorry`", answer)

    bad = [a for a in answer if a not in allowed_axioms]
    if bad:
        return outcome(
            "rejected",
            _classify_axioms(bad),
            f"depends on axioms outside {sorted(allowed_axioms)}: {bad}",
            answer,
        )
    return outcome("pass", None, "", answer)
