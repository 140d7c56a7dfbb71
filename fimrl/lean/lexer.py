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
* The parsers use :func:`lex_significant`, a second path with the same result: one
  ``re.findall`` whose items are "trivia, then a token", post-processed with C-level
  ``map``s.  It also codes every token as one byte (:attr:`SigTokens.codes`), so the
  parsers find the next ``;``, ``by`` or ``:=`` with ``bytes.find`` instead of a
  Python loop over tokens.
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
from itertools import accumulate, compress, repeat
from operator import contains, sub
from typing import Final

__all__ = [
    "CODED_TOKENS",
    "KEYWORDS",
    "TRIVIA",
    "LeanSyntaxError",
    "SigTokens",
    "Token",
    "TokenKind",
    "lex_significant",
    "token_code",
    "token_kind",
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
        # Notations that end in a quote (Mathlib's image ``f '' s``, preimage
        # ``f ⁻¹' s``, ``∑' i, f i`` and ``∏'``): Lean takes the longest token of its
        # table before it looks for a character literal, so the quote is no literal's
        # start.  (``''`` never opens one anyway: Lean needs a non-quote after ``'``.)
        "''",
        "⁻¹'",
        "∑'",
        "∏'",
        # ``α ⊕' β`` (PSum), the companion of ``×'``.
        "⊕'",
        "$(",
        "⦃",
        "⦄",
    ],
    key=len,
    reverse=True,
)
_SYMBOL = "|".join(re.escape(s) for s in _MULTI_SYMBOLS)

# A quote glued to the end of a closing bracket or a number never opens a character
# literal: ``xs[i]'h`` is ``getElem`` with a proof (Lean's token there is ``]'``, which
# we keep as ``]`` then ``'`` so bracket matching still sees the ``]``).  Python's
# lookbehind needs a fixed width, hence one character class.
_NO_CHAR_BEFORE = r"(?<![\])}⟩⦄›⟧0-9])"
_CHAR_BODY = r"'(?:[^'\\\r\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.))'"
#: Characters after which an unterminated ``'`` is an error rather than the last
#: character of a notation token we do not know (``⊕'`` in a file that declares it).
_CHAR_CONTEXT = frozenset(" \t\f\v\r\n([{⟨⦃,;:=")

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
            rf"(?P<char>{_NO_CHAR_BEFORE}{_CHAR_BODY})",
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
            # After a closing bracket or a number, or glued to a symbol (``⊕'``, a
            # notation declared in the file), the quote belongs to a notation token;
            # only where a term can start is it the start of a bad literal.
            if pos == 0 or text[pos - 1] in _CHAR_CONTEXT:
                raise LeanSyntaxError("unterminated character literal", pos)
            kind = "symbol"
            end = pos + 1
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
# every other construct the fast pattern cannot finish) matches a ``hard``
# alternative instead, which sends the whole text to the exact scanner above.
_B0 = r"/-(?:[^/-]++|/(?!-)|-(?!/))*+-/"
_B1 = rf"/-(?:[^/-]++|/(?!-)|-(?!/)|{_B0})*+-/"
_B2 = rf"/-(?:[^/-]++|/(?!-)|-(?!/)|{_B1})*+-/"
# Everything between two significant tokens: layout and comments.  Each ``findall``
# item is this trivia followed by one token, so comments never become items.
_TRIVIA = rf"[ \t\f\v\r\n]*+(?:(?:--[^\r\n]*+|{_B2})[ \t\f\v\r\n]*+)*+"
# Constructs the fast pattern cannot finish: raw strings with ``##`` fences,
# interpolations it cannot match, deeper comments, unterminated literals.
_HARD_PREFIX = rf"r(?<!{_ID_REST}r)#+\"|[smf](?<!{_ID_REST}[smf])!\""
_HARD_START = rf"/-|\"|{_NO_CHAR_BEFORE}'(?!')"


def _token_alternatives(hard_prefix: str, hard_start: str) -> str:
    """The significant-token alternation, in the master pattern's priority order."""
    return "|".join(
        [
            rf"r(?<!{_ID_REST}r)\"[^\"]*+\"",
            rf"r(?<!{_ID_REST}r)#\"(?:[^\"]++|\"(?!#))*+\"#",
            rf"[smf](?<!{_ID_REST}[smf])!\"(?:[^\"\\{{]++|\\.|\{{[^\"}}]*+\}})*+\"",
            hard_prefix,
            _IDENT,
            r"\"(?:[^\"\\]++|\\.)*+\"",
            _NO_CHAR_BEFORE + _CHAR_BODY,
            hard_start,
            r"#[A-Za-z_][A-Za-z0-9_.!?]*",
            r"(?<=\.)[0-9]+|0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
            r"|[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?",
            _SYMBOL,
            r".",
        ]
    )


# A hard construct swallows the rest of the text, so whether one occurred is
# decided by looking at the last item only (no per-token check).  ``\Z`` lets
# trailing trivia end in an (empty-token) item instead of being re-scanned from
# inside a trailing comment.
#
# The most frequent one-character symbols are tried first: none of them can start any
# other token (an identifier, literal, comment or longer symbol), so trying them early
# changes no result, and it spares the regex engine the other alternatives for about a
# third of all tokens.
_LONE_SYMBOLS: Final[str] = "".join(
    c
    for c in "()[]{},⟨⟩·←→↔∀∃λ⊢≤≥≠∈∉∧∨¬⊆⊂∩∪∣"
    if not any(m.startswith(c) for m in _MULTI_SYMBOLS) and not re.match(_ID_START, c)
)
_FAST = re.compile(
    _TRIVIA
    + "(?:["
    + re.escape(_LONE_SYMBOLS)
    + "]|"
    + _token_alternatives(rf"(?:{_HARD_PREFIX})[\s\S]*+", rf"(?:{_HARD_START})[\s\S]*+")
    + r"|\Z)",
    re.DOTALL,
)
_HARD_AT = re.compile(
    _token_alternatives(rf"(?P<prefix>{_HARD_PREFIX})", rf"(?P<start>{_HARD_START})"),
    re.DOTALL,
)
_TRIVIA_RE = re.compile(_TRIVIA, re.DOTALL)
_LAYOUT = " \t\f\v\r\n"
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


# Token codes: one byte per significant token (see ``SigTokens.codes``).  The
# tokens the parsers navigate by (brackets, separators, clause keywords) get a code
# of their own; every other token is coded by its kind, so a code always determines
# the kind.
CODED_TOKENS: Final[tuple[str, ...]] = (
    "(", ")", "[", "]", "{", "}", "⟨", "⟩", "⦃", "⦄", "@[", "#[", "%[",
    ";", ",", "|", ":=", "=>", "<;>", "by", "with", "in", "where", "termination_by",
    "decreasing_by", "deriving", "sorry", "admit",
)  # fmt: skip
_SIG_KINDS: Final[tuple[str, ...]] = (
    "ident", "keyword", "command", "string", "char", "number", "symbol",
    "line_comment", "block_comment", "doc_comment",
)  # fmt: skip
_CODE_OF_TOKEN: Final[dict[str, int]] = {t: i for i, t in enumerate(CODED_TOKENS)}
_CODE_OF_KIND: Final[dict[str, int]] = {k: len(CODED_TOKENS) + i for i, k in enumerate(_SIG_KINDS)}
_KIND_OF_CODE: Final[tuple[str, ...]] = tuple(
    [_classify(t) for t in CODED_TOKENS] + list(_SIG_KINDS)
)


def token_kind(tok: str) -> str:
    """Kind of the significant token with text ``tok`` (a function of the text alone)."""
    return _classify(tok)


def token_code(tok: str) -> int:
    """The byte that stands for token text ``tok`` in :attr:`SigTokens.codes`.

    Only the texts in :data:`CODED_TOKENS` have a code of their own (others share
    their kind's); ``KeyError`` for the rest.
    """
    return _CODE_OF_TOKEN[tok]


def _code(tok: str) -> int:
    own = _CODE_OF_TOKEN.get(tok)
    return own if own is not None else _CODE_OF_KIND[_classify(tok)]


class _CodeTable(dict[str, int]):
    """Token text -> code, filled on first sight (``table[tok]`` never misses).

    Files share most of their distinct token texts, so one process-wide table makes
    coding a file a single C-level ``map`` of dict lookups.  Literals and names make
    the set of texts unbounded, so the table starts over when it grows large.
    """

    def __missing__(self, tok: str) -> int:
        if len(self) >= _CODE_TABLE_LIMIT:
            self.clear()
        code = self[tok] = _code(tok)
        return code


_CODE_TABLE_LIMIT: Final[int] = 1 << 17
_CODES: Final[_CodeTable] = _CodeTable()


class SigTokens:
    """Significant (non-trivia) tokens of a text as parallel lists.

    This is what the declaration and tactic parsers consume.  Comments and layout
    are dropped, but layout is summarised in ``bol`` (the token is the first
    significant token on its line) and :meth:`col`.  Offsets are character offsets
    into ``text``.

    ``codes`` has one byte per token (see :func:`token_code`): the parsers mostly ask
    "where is the next ``;`` / ``by`` / ``:=`` in this range", and ``bytes.find``
    answers that without a Python loop over the tokens in between.
    :meth:`line_starts` does the same for line starts.  A code determines the
    token's kind, so ``kinds`` is only built when asked for (:meth:`kind` reads one).
    """

    __slots__ = ("_kinds", "_line_starts", "bol", "codes", "ends", "starts", "text", "toks")

    def __init__(
        self,
        text: str,
        toks: list[str],
        kinds: list[str] | None,
        starts: list[int],
        ends: list[int],
        bol: list[bool],
        codes: bytes | None = None,
    ) -> None:
        self.text = text
        self.toks = toks
        self.starts = starts
        self.ends = ends
        self.bol = bol
        if codes is None:
            codes = bytes(map(_CODES.__getitem__, toks))
        self.codes = codes
        self._kinds = kinds
        self._line_starts: list[int] | None = None

    @property
    def kinds(self) -> list[str]:
        """Kind of each token (``ident``, ``keyword``, ``symbol``, ...)."""
        if self._kinds is None:
            self._kinds = list(map(_KIND_OF_CODE.__getitem__, self.codes))
        return self._kinds

    def kind(self, i: int) -> str:
        """Kind of token ``i``."""
        return _KIND_OF_CODE[self.codes[i]]

    def __len__(self) -> int:
        return len(self.toks)

    def col(self, i: int) -> int:
        """Column (0-based, in characters) of token ``i``."""
        start = self.starts[i]
        return start - self.text.rfind("\n", 0, start) - 1

    def find(self, tok: str, start: int, end: int) -> int:
        """Index of the first token equal to ``tok`` in ``[start, end)``, or ``-1``."""
        code = _CODE_OF_TOKEN.get(tok)
        if code is not None:
            return self.codes.find(code, start, end)
        try:
            return self.toks.index(tok, start, end)
        except ValueError:
            return -1

    def line_starts(self) -> list[int]:
        """Sorted indices of the tokens with ``bol`` set (first on their line)."""
        if self._line_starts is None:
            self._line_starts = list(compress(range(len(self.bol)), self.bol))
        return self._line_starts


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


def _trivia_end(item: str) -> int:
    """Length of the trivia (layout and comments) that ``item`` starts with."""
    m = _TRIVIA_RE.match(item)
    return m.end() if m else 0


def _fast(text: str) -> SigTokens | None:
    """:func:`lex_significant` by one ``re.findall``; ``None`` if the text needs the exact scanner.

    Each item is trivia plus one token.  Offsets, line starts and codes come from
    C-level ``map``s over the items; only the few items where that shortcut is wrong
    get Python-level attention, found by their code: a string literal (a line break
    inside it is not a line start) and a token whose trivia holds a comment (the
    comment is then still on the stripped text, which is classified as a comment).
    """
    items = _FAST.findall(text)
    end = len(text)
    while items and _TRIVIA_RE.fullmatch(items[-1]):
        end -= len(items.pop())  # trailing trivia (matched by ``\Z``), the empty match
    if items:
        last = items[-1]
        hard = _HARD_AT.match(text, end - len(last) + _trivia_end(last))
        if hard is None or hard.lastgroup is not None:
            return None
    toks = list(map(str.lstrip, items, repeat(_LAYOUT)))
    ends = list(accumulate(map(len, items)))
    starts = list(map(sub, ends, map(len, toks)))
    bol = list(map(contains, items, repeat("\n")))
    codes = bytearray(map(_CODES.__getitem__, toks))
    string = _CODE_OF_KIND["string"]
    k = codes.find(string)
    while k >= 0:
        item = items[k]
        bol[k] = "\n" in item[: len(item) - len(toks[k])]
        k = codes.find(string, k + 1)
    for comment in (_CODE_OF_KIND[k] for k in ("line_comment", "block_comment", "doc_comment")):
        k = codes.find(comment)
        while k >= 0:
            item = items[k]
            cut = len(item) - len(toks[k]) + _trivia_end(toks[k])
            tok = toks[k] = item[cut:]
            starts[k] = ends[k] - len(tok)
            trivia = item[:cut]
            bol[k] = "\n" in trivia[len(trivia.rstrip(_LAYOUT)) :]  # after the last comment
            codes[k] = _CODES[tok]
            k = codes.find(comment, k + 1)
    if bol:
        bol[0] = text.rfind("\n", 0, starts[0]) >= 0 or not text[: starts[0]].strip()
    return SigTokens(text, toks, None, starts, ends, bol, bytes(codes))


def lex_significant(text: str) -> SigTokens:
    """Lex ``text`` and keep only significant tokens (no layout, no comments).

    Uses one ``re.findall`` over the whole text (all scanning in C), then derives
    offsets, kinds and codes with C-level ``map``s.  Texts containing constructs the
    fast pattern cannot finish (comments nested deeper than three levels, raw
    strings with ``##`` fences, interpolations containing strings, or malformed
    literals) are re-scanned with the exact scanner, which also raises
    :class:`LeanSyntaxError` where appropriate.  Both paths yield identical tokens
    (tested).
    """
    st = _fast(text)
    if st is not None:
        return st
    toks, starts, ends, bol = _from_exact(text)
    if bol:
        bol[0] = text.rfind("\n", 0, starts[0]) >= 0 or not text[: starts[0]].strip()
    kind_of = {t: _classify(t) for t in set(toks)}
    return SigTokens(text, toks, [kind_of[t] for t in toks], starts, ends, bol)
