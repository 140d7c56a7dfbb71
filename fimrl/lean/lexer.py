"""Lean 4 lexer: turns source text into a flat list of tokens with exact offsets.

Everything else in :mod:`fimrl.lean` (declaration splitting, tactic trees, span
selection, the static guard) works on these tokens rather than on raw text, because
the dangerous mistakes in Lean text handling are all lexical: a ``sorry`` inside a
comment is harmless, a ``-/`` inside a string does not close a comment, ``h'`` is an
identifier and not the start of a character literal, and block comments nest.

Design:

* One compiled master regular expression does the scanning; Python only loops once per
  token.  Nested block comments are the one construct a regex cannot match, so they are
  finished by a small loop that jumps between ``/-`` and ``-/`` occurrences with
  ``re.search`` (no per-character Python loop, no recursion, so 10k nested comments are
  fine).
* Offsets are *character* offsets into the ``str`` (not bytes), so
  ``text[tok.start:tok.end] == tok.text`` always holds, and the concatenation of all
  token texts is the input.
* Malformed input (unterminated comment, string or character literal) raises
  :class:`LeanSyntaxError` with the offset where the construct started, mirroring the
  fact that Lean itself rejects such files.

Token kinds (the ``kind`` field):

``ident`` ``keyword`` ``command`` ``line_comment`` ``block_comment`` ``doc_comment``
``string`` ``char`` ``number`` ``symbol`` ``whitespace`` ``newline``
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "KEYWORDS",
    "TRIVIA",
    "LeanSyntaxError",
    "Token",
    "TokenKind",
    "tokenize",
]

TokenKind = str
"""One of the kind strings listed in the module docstring."""

#: Token kinds that carry no meaning for the parser (layout and comments).
TRIVIA: Final[frozenset[str]] = frozenset(
    {"whitespace", "newline", "line_comment", "block_comment", "doc_comment"}
)

#: Words that Lean reserves (commands, term and tactic syntax words).  Tactic *names*
#: such as ``simp`` or ``exact`` are deliberately not here: they are ordinary
#: identifiers for our purposes, so unknown tactics and user macros behave the same
#: as built-in ones.  ``sorry`` is a keyword (it is one in Lean's token table).
KEYWORDS: Final[frozenset[str]] = frozenset(
    [
        "theorem",
        "lemma",
        "def",
        "example",
        "instance",
        "abbrev",
        "axiom",
        "axioms",
        "opaque",
        "structure",
        "class",
        "inductive",
        "coinductive",
        "where",
        "extends",
        "deriving",
        "namespace",
        "section",
        "end",
        "open",
        "export",
        "variable",
        "universe",
        "set_option",
        "import",
        "prelude",
        "private",
        "protected",
        "public",
        "noncomputable",
        "partial",
        "unsafe",
        "nonrec",
        "mutual",
        "attribute",
        "local",
        "scoped",
        "include",
        "omit",
        "by",
        "fun",
        "have",
        "show",
        "from",
        "at",
        "with",
        "match",
        "do",
        "let",
        "if",
        "then",
        "else",
        "calc",
        "suffices",
        "termination_by",
        "decreasing_by",
        "in",
        "using",
        "for",
        "unless",
        "return",
        "mut",
        "macro",
        "syntax",
        "macro_rules",
        "elab",
        "elab_rules",
        "notation",
        "infix",
        "infixl",
        "infixr",
        "prefix",
        "postfix",
        "Type",
        "Sort",
        "Prop",
        "sorry",
        "nomatch",
        "nofun",
    ]
)

# Lean's isLetterLike (Greek without λ Π Σ, Coptic, polytonic Greek, the letter-like
# block and the mathematical alphanumerics) is approximated with Python's ``\w`` minus
# λ Π Σ, plus the letter-like block explicitly (℘ and friends are not \w).  Subscripts
# (₀, ₐ, ᵢ, ...) are \w in Python.  Identifier parts may continue with ' ! ?.
_ID_START = r"(?:[^\W\dλΠΣ]|[\u2100-\u214f])"
_ID_REST = r"(?:[^\WλΠΣ]|[\u2100-\u214f'!?])"
_ID_PART = rf"(?:«[^»]*»|{_ID_START}{_ID_REST}*)"
_IDENT = rf"{_ID_PART}(?:\.{_ID_PART})*"

# Multi-character symbols, longest first so the alternation picks the longest match.
_MULTI_SYMBOLS = sorted(
    [
        ":=",
        "::",
        "<;>",
        "=>",
        "->",
        "<-",
        "<->",
        "...",
        "..",
        "|>.",
        "|>",
        "<|",
        "<|>",
        "<*>",
        "<$>",
        ">>=",
        ">>",
        "<<",
        "||",
        "&&",
        "==",
        "!=",
        "<=",
        ">=",
        "^^",
        "@[",
        "#[",
        "%[",
        "⁻¹",
        "++",
        "∘'",
        "×'",
        "?_",
        "$(",
        "⦃",
        "⦄",
    ],
    key=len,
    reverse=True,
)
_SYMBOL = "|".join(re.escape(s) for s in _MULTI_SYMBOLS)

# Order matters: earlier alternatives win at the same position.
_MASTER = re.compile(
    "|".join(
        [
            r"(?P<newline>\r?\n|\r)",
            r"(?P<whitespace>[ \t\f\v]+)",
            r"(?P<line_comment>--[^\r\n]*)",
            r"(?P<block_open>/-)",
            # Raw and interpolated string prefixes must beat identifiers: ``r"..."`` and
            # ``s!"..."`` start with identifier characters.  The lookbehind keeps
            # ``xr"..."`` an identifier followed by a string, as in Lean.
            rf"(?P<raw_open>(?<!{_ID_REST})r#*\")",
            rf"(?P<interp_open>(?<!{_ID_REST})[smf]!\")",
            r"(?P<string>\"(?:[^\"\\]|\\.)*\")",
            r"(?P<string_open>\")",
            # A character literal starts only at a token boundary: in ``h'`` and
            # ``f''`` the quote is consumed by the identifier alternative before we
            # get here.  ``''`` is not a character literal in Lean either.
            r"(?P<char>'(?:[^'\\\r\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.))')",
            r"(?P<char_open>'(?!'))",
            rf"(?P<ident>{_IDENT})",
            r"(?P<command>#[A-Za-z_][A-Za-z0-9_.!?]*)",
            # After a dot a digit run is a projection index (``h.1.2``), not ``1.2``.
            r"(?P<number>(?<=\.)[0-9]+"
            r"|0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
            r"|[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)",
            rf"(?P<symbol>{_SYMBOL}|.)",
        ]
    ),
    re.DOTALL,
)

_BLOCK_EDGE = re.compile(r"/-|-/")
_INTERP_EDGE = re.compile(r'\\.|"|\{|\}', re.DOTALL)
_PLAIN_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)


class LeanSyntaxError(ValueError):
    """Lexically malformed Lean text (for example an unterminated comment or string).

    ``offset`` is the character offset where the offending construct starts, so a
    caller can report ``line:col`` for a skipped file.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: ``text == source[start:end]`` (character offsets)."""

    kind: TokenKind
    text: str
    start: int
    end: int


def _finish_block_comment(text: str, start: int) -> int:
    """Return the end offset of the (nested) block comment opened at ``start``.

    Jumps from one ``/-`` or ``-/`` to the next, so the cost is one regex search per
    delimiter and nesting depth is just an integer (no recursion).
    """
    depth = 1
    pos = start + 2
    search = _BLOCK_EDGE.search
    while True:
        m = search(text, pos)
        if m is None:
            raise LeanSyntaxError("unterminated comment", start)
        if m.group() == "/-":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
        pos = m.end()


def _finish_interpolated(text: str, start: int, body: int) -> int:
    """Return the end of an interpolated string whose body starts at ``body``.

    Inside ``{ ... }`` Lean parses a term, which may itself contain strings (even
    braces inside those strings), so we track brace depth and skip nested plain
    string literals.  Deep nesting is a counter, not recursion.
    """
    depth = 0
    pos = body
    search = _INTERP_EDGE.search
    while True:
        m = search(text, pos)
        if m is None:
            raise LeanSyntaxError("unterminated string literal", start)
        tok = m.group()
        pos = m.end()
        if tok[0] == "\\":
            continue
        if tok == "{":
            depth += 1
        elif tok == "}":
            if depth:
                depth -= 1
        elif depth == 0:  # closing quote of the interpolated string itself
            return pos
        else:  # a plain string literal inside an interpolation hole
            inner = _PLAIN_STRING_BODY.match(text, pos)
            if inner is None:
                raise LeanSyntaxError("unterminated string literal", m.start())
            pos = inner.end()


def scan(text: str) -> tuple[list[str], list[int], list[int]]:
    """Lex ``text`` into parallel lists ``(kinds, starts, ends)``.

    This is the allocation-light core used by the parsers in this package (building
    millions of ``Token`` objects is the dominant cost at corpus scale);
    :func:`tokenize` wraps it into :class:`Token` objects.  Raises
    :class:`LeanSyntaxError` on unterminated comments, strings and characters.
    """
    kinds: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    kapp = kinds.append
    sapp = starts.append
    eapp = ends.append
    match = _MASTER.match
    keywords = KEYWORDS
    pos = 0
    n = len(text)
    while pos < n:
        m = match(text, pos)
        # The final ``.`` alternative matches any character, so m is never None.
        assert m is not None
        kind = m.lastgroup
        end = m.end()
        if kind == "ident":
            if text[pos:end] in keywords:
                kind = "keyword"
        elif kind == "block_open":
            end = _finish_block_comment(text, pos)
            third = text[pos + 2 : pos + 3]
            # ``/--/`` would be a doc comment that closes immediately; Lean treats
            # ``/--`` and ``/-!`` as doc openers when followed by anything.
            kind = "doc_comment" if third in ("-", "!") and end - pos > 4 else "block_comment"
        elif kind == "raw_open":
            hashes = end - pos - 2
            close = '"' + "#" * hashes
            idx = text.find(close, end)
            if idx < 0:
                raise LeanSyntaxError("unterminated raw string literal", pos)
            end = idx + len(close)
            kind = "string"
        elif kind == "interp_open":
            end = _finish_interpolated(text, pos, end)
            kind = "string"
        elif kind == "string_open":
            raise LeanSyntaxError("unterminated string literal", pos)
        elif kind == "char_open":
            raise LeanSyntaxError("unterminated character literal", pos)
        kapp(kind)  # type: ignore[arg-type]
        sapp(pos)
        eapp(end)
        pos = end
    return kinds, starts, ends


def tokenize(text: str) -> list[Token]:
    """Split Lean 4 source into tokens covering ``text`` exactly.

    ``"".join(t.text for t in tokenize(s)) == s`` for every ``s`` that does not raise.
    Identifiers that are Lean keywords get kind ``keyword``; ``#eval`` and friends get
    kind ``command``.  Raises :class:`LeanSyntaxError` on an unterminated comment,
    string or character literal.
    """
    kinds, starts, ends = scan(text)
    return [Token(k, text[s:e], s, e) for k, s, e in zip(kinds, starts, ends, strict=True)]
