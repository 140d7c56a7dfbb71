"""Static guard: reject dangerous or ill-formed candidate middles before any Lean runs.

Why a guard at all, when Lean is the judge? Because some hacks attack the judge itself:
code run at elaboration time (``#eval``, ``run_tac``, ``elab``, ``macro``, ``initialize``)
can read or rewrite the checker's inputs or fake ``#print axioms``; option changes
(``set_option debug.skipKernelTC``, ``maxHeartbeats 0``) weaken the check; and a middle
that ends the proof and opens new declarations can re-declare the target. Those must never
reach Lean. Everything else (``sorry``, new axioms, ``native_decide``) is also caught later
by ``#print axioms``; rejecting it here is cheaper and gives a precise rule name.

Soundness rests on lexing, never on substring search: the middle is tokenized with
:mod:`fimrl.lean.lexer`, so a ``sorry`` inside a comment is harmless while ``«sorry»``,
``Lean.ofReduceBool`` and ``sorryAx`` (identifier components, guillemets stripped) are
caught. The middle is lexed twice: alone, and inside ``prefix + middle + suffix`` (tokens
overlapping the middle), so fusing with a neighbouring token (``sor`` + ``ry``) or
reopening a comment from the context cannot hide anything.

String literals are data: ``"sorry".length`` or ``"import"`` is an ordinary term that no
elaborator reads as code. A string only matters when it reaches one, i.e. when the middle
also builds names or syntax (``Lean.Name.mkSimple "sorryAx"``, ``mkIdent``, a quotation);
every way to *run* such a metaprogram is rejected by token rules, which is the sound
barrier, and as defence in depth a string whose (decoded) contents mention a forbidden name
is rejected when the middle mentions such meta-level machinery (:data:`_META_COMPONENTS`).
Interpolated strings (code the lexer keeps inside one token) are rejected outright.

Proof search (``exact?``, ``apply?``, ``simp?``...) is sound, since Lean checks what it
finds, but it is search rather than a proof: the rule ``proof_search`` refuses it unless
the caller allows it (``Settings.allow_proof_search``).

Each rejection carries a stable rule name (:data:`GUARD_RULES`), stored with the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from fimrl.lean.lexer import TRIVIA, LeanSyntaxError, Token, tokenize

__all__ = ["GUARD_RULES", "PROOF_SEARCH_TACTICS", "GuardResult", "guard"]


@dataclass(frozen=True, slots=True)
class GuardResult:
    """Outcome of :func:`guard`: ``ok`` or the ``rule`` that fired with a human ``detail``."""

    ok: bool
    rule: str | None = None
    detail: str = ""


_OK: Final = GuardResult(True)

# Identifier components (after stripping «») that are rejected wherever they appear,
# mapped to their rule name. Dotted forms (``Lean.ofReduceBool``) match by component.
_IDENT_RULES: Final[dict[str, str]] = {
    "sorry": "sorry",
    "sorryAx": "sorry",
    "admit": "admit",
    "axiom": "axiom",
    "axioms": "axiom",
    "native_decide": "native_decide",
    "native": "decide_native",  # decide +native, (config := {native := true})
    "ofReduceBool": "ofReduceBool",
    "ofReduceNat": "ofReduceBool",
    "reduceBool": "ofReduceBool",
    "reduceNat": "ofReduceBool",
    "trustCompiler": "ofReduceBool",
    "implemented_by": "implemented_by",
    "extern": "extern",
    "unsafe": "unsafe",
    "unsafeCast": "unsafe",
    "unsafeIO": "unsafe",
    "unsafeBaseIO": "unsafe",
    "unsafeEIO": "unsafe",
    "partial": "partial",
    "run_tac": "run_tac",
    "run_cmd": "run_cmd",
    "run_elab": "run_elab",
    "run_meta": "run_elab",
    "by_elab": "elab",
    "elab": "elab",
    "elab_rules": "elab",
    "macro": "macro",
    "macro_rules": "macro_rules",
    "syntax": "syntax",
    "declare_syntax_cat": "syntax",
    "initialize": "initialize",
    "builtin_initialize": "initialize",
    "set_option": "set_option",
    "skipKernelTC": "set_option",
    "maxHeartbeats": "set_option",
    "maxRecDepth": "set_option",
    "import": "import",
    "attribute": "attribute",
}

# Keywords that start (or modify) a top-level command: a middle containing one could end
# the proof and declare something new, e.g. the target again with another statement.
_COMMAND_KEYWORDS: Final[frozenset[str]] = frozenset(
    {
        *("theorem", "lemma", "def", "example", "instance", "abbrev", "opaque"),
        *("structure", "class", "inductive", "coinductive", "mutual", "where", "deriving"),
        *("namespace", "section", "end", "open", "export", "variable", "universe"),
        *("prelude", "private", "protected", "public", "noncomputable", "nonrec"),
        *("local", "scoped", "include", "omit"),
        *("notation", "infix", "infixl", "infixr", "prefix", "postfix"),
    }
)

# Substrings rejected inside string literals (decoded and raw).
_STRING_NEEDLES: Final[tuple[str, ...]] = (
    "sorry",
    "admit",
    "axiom",
    "native",
    "ofReduce",
    "reduceBool",
    "trustCompiler",
    "implemented_by",
    "extern",
    "unsafe",
    "skipKernelTC",
    "maxHeartbeats",
    "maxRecDepth",
    "set_option",
    "run_tac",
    "run_cmd",
    "run_elab",
    "elab",
    "macro",
    "syntax",
    "initialize",
    "import",
    "attribute",
)

# Identifier components that let a string reach an elaborator: names, syntax and the
# meta-level monads. A forbidden word inside a string is refused only beside one of these.
_META_COMPONENTS: Final[frozenset[str]] = frozenset(
    {
        *("Lean", "Elab", "Meta", "Macro", "Syntax", "TSyntax", "Name", "Expr", "Term"),
        *("Tactic", "Command", "Parser", "Environment", "ConstantInfo", "Declaration"),
        *("MetaM", "TermElabM", "TacticM", "CoreM", "CommandElabM", "MacroM", "IO"),
        *("mkIdent", "mkCIdent", "mkIdentFrom", "mkConst", "mkStr", "mkSimple", "mkAtom"),
        *("toName", "str", "quote", "evalExpr", "evalTactic", "evalTerm", "elabTerm"),
        *("runTermElab", "runParserCategory", "ofName", "addDecl", "evalConst"),
    }
)

#: Proof-search tactics: sound, but they search for a proof instead of writing one.
PROOF_SEARCH_TACTICS: Final[frozenset[str]] = frozenset(
    {
        *("exact?", "apply?", "rw?", "refine?", "simp?", "simp?!", "simp_all?", "simp_all?!"),
        *("dsimp?", "dsimp?!", "simp_arith?", "aesop?", "unfold?", "observe?"),
        *("library_search", "rw_search", "polyrith"),
    }
)

_OPENERS: Final[dict[str, str]] = {
    "(": ")",
    "[": "]",
    "{": "}",
    "⟨": "⟩",
    "⦃": "⦄",
    "‹": "›",
    "⟦": "⟧",
    "@[": "]",
    "#[": "]",
    "%[": "]",
    "$(": ")",
}
_CLOSERS: Final[frozenset[str]] = frozenset({")", "]", "}", "⟩", "⦄", "›", "⟧"})

#: Every rule name :func:`guard` can return (stable: stored with verdicts).
GUARD_RULES: Final[frozenset[str]] = frozenset(
    {
        *_IDENT_RULES.values(),
        "command_keyword",
        "hash_command",
        "oversized",
        "encoding",
        "control_char",
        "unterminated",
        "unbalanced",
        "trailing_line_comment",
        "interpolated_string",
        "forbidden_string",
        "proof_search",
        "empty",
    }
)

# C0 controls other than tab / LF / CR, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|(.))", re.S)
_INTERPOLATED = re.compile(r"^[smf]!\"")


def _reject(rule: str, detail: str) -> GuardResult:
    return GuardResult(False, rule, detail)


def split_dotted(name: str, *, keep_guillemets: bool = False) -> list[str]:
    """Dotted components of a Lean name; a dot inside «…» does not split.

    ``A.«b.c».d`` -> ``A, b.c, d`` (or ``A, «b.c», d`` with ``keep_guillemets``): the guard
    compares bare components, the verdict rules rebuild names as written.
    """
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in name:
        if ch == "«":
            quoted = True
        elif ch == "»":
            quoted = False
        elif ch == "." and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        if keep_guillemets or ch not in "«»":
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _components(ident: str) -> list[str]:
    return split_dotted(ident)


def _decode_string(text: str) -> str:
    """Best-effort decoding of a Lean string literal's escapes (``\\x73`` -> ``s``)."""
    body = text
    if body.startswith("r"):
        return body.strip("r#").strip('"')

    def repl(m: re.Match[str]) -> str:
        hex_ = m.group(1) or m.group(2) or m.group(3)
        if hex_ is not None:
            try:
                return chr(int(hex_, 16))
            except (ValueError, OverflowError):
                return ""
        other = m.group(4)
        return {"n": "\n", "t": "\t", "r": "\r"}.get(other, other)

    return _ESCAPE.sub(repl, body[1:-1] if len(body) >= 2 else body)


def _check_token(tok: Token, *, meta: bool, allow_proof_search: bool) -> GuardResult:
    """Rules that look at one significant token.

    ``meta``: the middle mentions name/syntax machinery, so a string could reach an
    elaborator (see the module docstring); ``allow_proof_search`` lifts ``proof_search``.
    """
    kind, text = tok.kind, tok.text
    where = f"at offset {tok.start}"
    if kind == "command":
        return _reject("hash_command", f"`{text}` command {where}: no `#` command may run")
    if kind == "keyword":
        rule = _IDENT_RULES.get(text)
        if rule is not None:
            return _reject(rule, f"`{text}` {where}")
        if text in _COMMAND_KEYWORDS:
            return _reject(
                "command_keyword",
                f"`{text}` {where}: a middle may not end the proof or start a declaration",
            )
        return _OK
    if kind == "ident":
        if not allow_proof_search and text in PROOF_SEARCH_TACTICS:
            return _reject(
                "proof_search",
                f"`{text}` {where}: proof search, not a proof (Settings.allow_proof_search)",
            )
        for comp in _components(text):
            rule = _IDENT_RULES.get(comp)
            if rule is not None:
                return _reject(rule, f"identifier `{text}` {where}")
        return _OK
    if kind == "symbol" and text == "@[":
        return _reject("attribute", f"attribute block `@[` {where}")
    if kind == "string":
        if _INTERPOLATED.match(text):
            return _reject(
                "interpolated_string",
                f"interpolated string {where}: its holes are code the guard cannot see",
            )
        if not meta:
            return _OK  # data: nothing in the middle can turn it into a name or syntax
        decoded = _decode_string(text)
        for needle in _STRING_NEEDLES:
            if needle in decoded or needle in text:
                return _reject(
                    "forbidden_string",
                    f"string literal {where} mentions `{needle}` beside name/syntax "
                    "machinery (names must not be assembled from strings)",
                )
    return _OK


def _mentions_meta(tokens: list[Token]) -> bool:
    """Whether a string in these tokens could reach an elaborator (see the docstring)."""
    for tok in tokens:
        if tok.kind == "ident" and any(c in _META_COMPONENTS for c in _components(tok.text)):
            return True
        if tok.kind == "symbol" and tok.text.startswith("`"):
            return True  # a name literal or a syntax quotation
    return False


def _check_balance(tokens: list[Token]) -> GuardResult:
    """Brackets of the middle must be balanced and properly nested on their own."""
    stack: list[tuple[str, int]] = []
    for tok in tokens:
        if tok.kind != "symbol":
            continue
        closer = _OPENERS.get(tok.text)
        if closer is not None:
            stack.append((closer, tok.start))
        elif tok.text in _CLOSERS:
            if not stack or stack[-1][0] != tok.text:
                return _reject("unbalanced", f"unmatched `{tok.text}` at offset {tok.start}")
            stack.pop()
    if stack:
        closer, start = stack[-1]
        return _reject("unbalanced", f"bracket opened at offset {start} never closed")
    return _OK


def guard(
    middle: str | bytes,
    *,
    max_bytes: int,
    prefix: str = "",
    suffix: str = "",
    allow_proof_search: bool = False,
) -> GuardResult:
    """Decide whether ``middle`` may be sent to Lean at all.

    ``prefix``/``suffix`` (the trusted task text around the middle) are optional context:
    with them, tokens formed across the boundaries are checked too. A trailing line comment
    is refused only when the suffix continues on the same line: the assembled file always
    puts a line break after ``prefix + middle + suffix`` (:func:`fimrl.verify.rules.assemble`),
    so an empty or blank suffix (a whole-proof hole, the last hole) is followed by one.
    ``allow_proof_search`` lifts the ``proof_search`` rule. Returns the first rule that
    fires; the checks are cheap and need no Lean.
    """
    if isinstance(middle, bytes | bytearray):
        try:
            middle = bytes(middle).decode("utf-8")
        except UnicodeDecodeError as exc:
            return _reject("encoding", f"not valid UTF-8: {exc.reason} at byte {exc.start}")
    try:
        size = len(middle.encode("utf-8"))
    except UnicodeEncodeError as exc:
        return _reject("encoding", f"not encodable as UTF-8 (lone surrogate) at {exc.start}")
    if size > max_bytes:
        return _reject("oversized", f"{size} bytes > limit {max_bytes}")
    replaced = middle.find("\ufffd")
    if replaced >= 0:  # bytes that did not decode, or text the trainer had to make storable
        return _reject("encoding", f"U+FFFD (undecodable or unstorable text) at {replaced}")
    bad = _CONTROL.search(middle)
    if bad is not None:
        name = "NUL byte" if bad.group() == "\x00" else f"control character {bad.group()!r}"
        return _reject("control_char", f"{name} at offset {bad.start()}")

    try:
        tokens = tokenize(middle)
    except LeanSyntaxError as exc:
        return _reject("unterminated", exc.message + f" at offset {exc.offset}")

    significant = [t for t in tokens if t.kind not in TRIVIA]
    if not significant:
        # Nothing but blanks and comments: no answer. Some holes are dispensable (the proof
        # closes without them), and rewarding an empty fill would teach a policy to write
        # nothing, or garbage that extraction throws away.
        return _reject("empty", "the middle holds no Lean (only blanks or comments)")
    meta = _mentions_meta(significant)
    for tok in significant:
        result = _check_token(tok, meta=meta, allow_proof_search=allow_proof_search)
        if not result.ok:
            return result

    balance = _check_balance(significant)
    if not balance.ok:
        return balance

    tail = [t for t in tokens if t.kind not in ("whitespace", "newline")]
    ends_in_comment = (
        bool(tail) and tail[-1].kind == "line_comment" and tail[-1].end == len(middle.rstrip(" \t"))
    )
    rest = suffix.lstrip(" \t")
    if ends_in_comment and rest and not rest.startswith(("\n", "\r")):
        return _reject(
            "trailing_line_comment",
            "the middle ends inside a `--` comment that would swallow the following text",
        )

    if prefix or suffix:
        context = prefix + middle + suffix
        lo, hi = len(prefix), len(prefix) + len(middle)
        try:
            ctx_tokens = tokenize(context)
        except LeanSyntaxError as exc:
            return _reject("unterminated", f"in context: {exc.message} at offset {exc.offset}")
        for tok in ctx_tokens:
            if tok.end <= lo or tok.start >= hi or tok.kind in TRIVIA:
                continue
            result = _check_token(tok, meta=meta, allow_proof_search=allow_proof_search)
            if not result.ok:
                return GuardResult(False, result.rule, result.detail + " (in context)")
    return _OK
