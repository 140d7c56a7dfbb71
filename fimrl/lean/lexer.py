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
from itertools import accumulate
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
# block and the mathematical alphanumerics) is approximated with Python's ``\w``:
# identifiers start with a non-digit word character other than λ Π Σ (so ``λx`` is
# the binder λ followed by ``x``) and continue with word characters, ' ! ? and the
# letter-like block.  Subscripts (₀, ₐ, ᵢ, ...) are \w in Python.  Single character
# classes (not alternations) keep the regex engine fast.
_ID_START = r"[^\W\dλΠΣ]"
_ID_REST = r"[\w'!?\u2100-\u214f]"
_ID_PART = rf"(?:«[^»]*»|{_ID_START}{_ID_REST}*+)"
_IDENT = rf"{_ID_PART}(?:\.{_ID_PART})*+"

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


# ---------------------------------------------------------------------------------
# Fast path for the parsers: significant tokens only, scanned by ``re.findall``.
# ---------------------------------------------------------------------------------

# Block comments with up to two levels of nesting, written with possessive
# quantifiers so an unterminated comment fails in linear time.  Deeper nesting (and
# every other construct the fast pattern cannot finish) matches the ``hard``
# alternative instead, which sends the whole text to the exact scanner above.
_B0 = r"/-(?:[^/-]++|/(?!-)|-(?!/))*+-/"
_B1 = rf"/-(?:[^/-]++|/(?!-)|-(?!/)|{_B0})*+-/"
_B2 = rf"/-(?:[^/-]++|/(?!-)|-(?!/)|{_B1})*+-/"
_FAST = re.compile(
    r"[ \t\f\v\r\n]*+(?:"
    + "|".join(
        [
            rf"r(?<!{_ID_REST}r)\"[^\"]*+\"",
            rf"r(?<!{_ID_REST}r)#\"(?:[^\"]++|\"(?!#))*+\"#",
            rf"[smf](?<!{_ID_REST}[smf])!\"(?:[^\"\\{{]++|\\.|\{{[^\"}}]*+\}})*+\"",
            rf"r(?<!{_ID_REST}r)#+\"|[smf](?<!{_ID_REST}[smf])!\"",  # hard prefixes
            _IDENT,
            r"--[^\r\n]*+",
            _B2,
            r"\"(?:[^\"\\]++|\\.)*+\"",
            r"'(?:[^'\\\r\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.))'",
            r"/-|\"|'(?!')",  # hard: see above
            r"#[A-Za-z_][A-Za-z0-9_.!?]*",
            r"(?<=\.)[0-9]+|0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
            r"|[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?",
            _SYMBOL,
            r".",
        ]
    )
    + ")",
    re.DOTALL,
)
_LAYOUT = " \t\f\v\r\n"
_HARD_TOKENS = frozenset({"/-", '"', "'", 's!"', 'm!"', 'f!"'})
_ASCII_KIND: dict[str, str] = {}
for _c in map(chr, range(128)):
    if _c.isalpha() or _c == "_":
        _ASCII_KIND[_c] = "ident"
    elif _c.isdigit():
        _ASCII_KIND[_c] = "number"
    elif _c == '"':
        _ASCII_KIND[_c] = "string"
    elif _c not in "-/'#":
        _ASCII_KIND[_c] = "symbol"
_ID_START_RE = re.compile(_ID_START)


def _classify(tok: str) -> str:
    """Kind of a significant token from its text (mirrors the master pattern)."""
    c = tok[0]
    kind = _ASCII_KIND.get(c)
    if kind is None:
        if c == "'":
            kind = "char" if len(tok) > 1 else "symbol"
        elif c == "#":
            kind = "command" if len(tok) > 1 and tok[1] not in "[" else "symbol"
        elif c == "-" or c == "/":
            if tok[:2] == "--":
                kind = "line_comment"
            elif tok[:2] == "/-":
                kind = "doc_comment" if tok[2] in "-!" and len(tok) > 4 else "block_comment"
            else:
                kind = "symbol"
        elif c == "«" or _ID_START_RE.match(c):
            kind = "ident"
        else:
            kind = "symbol"
    if kind == "ident":
        if tok in KEYWORDS:
            return "keyword"
        if tok[-1] in '"#':
            return "string"
    return kind


class SigTokens:
    """Significant (non-trivia) tokens of a text as parallel lists.

    This is what the declaration and tactic parsers consume.  Comments and layout
    are dropped, but layout is summarised in ``bol`` (the token is the first
    significant token on its line) and :meth:`col`.  Offsets are character offsets
    into ``text``.
    """

    __slots__ = ("bol", "ends", "kinds", "starts", "text", "toks")

    def __init__(
        self,
        text: str,
        toks: list[str],
        kinds: list[str],
        starts: list[int],
        ends: list[int],
        bol: list[bool],
    ) -> None:
        self.text = text
        self.toks = toks
        self.kinds = kinds
        self.starts = starts
        self.ends = ends
        self.bol = bol

    def __len__(self) -> int:
        return len(self.toks)

    def col(self, i: int) -> int:
        """Column (0-based, in characters) of token ``i``."""
        start = self.starts[i]
        return start - self.text.rfind("\n", 0, start) - 1


def _from_exact(text: str) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Significant tokens via the exact scanner, with ``bol`` computed as on the fast path.

    ``bol`` is true when the layout directly before the token (back to the previous
    token of any kind, comments included) contains a line break.
    """
    kinds, starts, ends = scan(text)
    toks: list[str] = []
    sig_starts: list[int] = []
    sig_ends: list[int] = []
    bol: list[bool] = []
    newline = False
    for k, s, e in zip(kinds, starts, ends, strict=True):
        if k == "newline":
            newline = True
        elif k == "whitespace":
            continue
        elif k in TRIVIA:
            newline = False
        else:
            toks.append(text[s:e])
            sig_starts.append(s)
            sig_ends.append(e)
            bol.append(newline)
            newline = False
    return toks, sig_starts, sig_ends, bol


def lex_significant(text: str) -> SigTokens:
    """Lex ``text`` and keep only significant tokens (no layout, no comments).

    Uses one ``re.findall`` over the whole text (all scanning in C), then derives
    offsets and kinds with list comprehensions.  Texts containing constructs the
    fast pattern cannot finish (comments nested deeper than three levels, raw
    strings with ``#`` fences, interpolations containing strings, or malformed
    literals) are re-scanned with the exact scanner, which also raises
    :class:`LeanSyntaxError` where appropriate.  Both paths yield identical tokens
    (tested).
    """
    raw = _FAST.findall(text)
    layout = _LAYOUT
    toks = [x.lstrip(layout) for x in raw]
    if not _HARD_TOKENS.isdisjoint(toks) or (
        "r#" in text and any(t[:2] == "r#" and t[-1] == '"' for t in toks)
    ):
        toks, starts, ends, bol = _from_exact(text)
    else:
        ends = list(accumulate(map(len, raw)))
        starts = [e - len(t) for e, t in zip(ends, toks, strict=True)]
        bol = ["\n" in x and "\n" in x[: len(x) - len(t)] for x, t in zip(raw, toks, strict=True)]
        if "--" in text or "/-" in text:
            keep = [i for i, t in enumerate(toks) if t[:2] not in ("--", "/-")]
            if len(keep) != len(toks):
                toks = [toks[i] for i in keep]
                starts = [starts[i] for i in keep]
                ends = [ends[i] for i in keep]
                bol = [bol[i] for i in keep]
    # Token texts repeat a lot (identifiers, symbols): classify each distinct text once.
    kind_of = {t: _classify(t) for t in set(toks)}
    kinds = [kind_of[t] for t in toks]
    if bol:
        bol[0] = text.rfind("\n", 0, starts[0]) >= 0 or not text[: starts[0]].strip()
    return SigTokens(text, toks, kinds, starts, ends, bol)
