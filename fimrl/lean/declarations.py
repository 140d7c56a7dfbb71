"""Split a Lean 4 file into its import header and top-level commands, and find declarations.

Why this exists: a FIM task must be checkable on its own.  The verifier runs
``header + declaration`` (with the hole filled) rather than the whole file, so for
every declaration we need (a) its exact text span, (b) where its statement and proof
body are, and (c) the Lean source that puts it back in context: the imports, the
``namespace``/``section`` scopes it sits in, the ``open``/``variable``/``universe``/
``set_option`` commands in force, and the earlier declarations of the same file that it
(transitively) uses.  Lean closes open scopes at end of input, so no footer is needed
(:attr:`Declaration.footer` has the matching ``end`` lines for callers that want one).

How commands are found: Lean commands begin with a command keyword.  A line whose
first token sits in column 0 and is a command keyword, an attribute ``@[``, a
``#command`` or a declaration modifier starts a command; declaration keywords
(``theorem``, ``def``, ...) and scope keywords start a command at any indentation
(they cannot occur inside terms or tactic blocks).  Modifier-only pieces
(``@[simp]`` on its own line, ``private``) and ``open Foo in`` / ``set_option o v in`` /
``variable {G} in`` / ``include h in`` / ``omit h in`` / ``attribute [..] f in`` prefixes
are merged into the command they modify.

Everything here is a single forward pass over significant tokens with explicit stacks:
no recursion, so pathological nesting cannot exhaust the Python stack.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Final, NamedTuple

import numpy as np

from fimrl.lean.headers import SEPARATOR, ScopeTree
from fimrl.lean.lexer import SigTokens, lex_significant, scan, token_code, token_kind

__all__ = [
    "DECL_KINDS",
    "Command",
    "Declaration",
    "ParsedFile",
    "bracket_levels",
    "parse_file",
]

#: Declaration kinds that FIM tasks are cut from.
DECL_KINDS: Final[frozenset[str]] = frozenset(
    {"theorem", "lemma", "example", "instance", "def", "abbrev"}
)

_MODIFIERS: Final[frozenset[str]] = frozenset(
    {"private", "protected", "public", "noncomputable", "nonrec", "partial", "unsafe", "local",
     "scoped"}
)  # fmt: skip
# Keywords that begin a command wherever they appear first on a line.
_ANYWHERE: Final[frozenset[str]] = frozenset(
    {"theorem", "lemma", "def", "example", "instance", "abbrev", "axiom", "opaque", "structure",
     "class", "inductive", "coinductive", "namespace", "section", "end", "mutual", "universe",
     "variable", "import", "prelude"}
)  # fmt: skip
# Keywords and command-like identifiers that begin a command only in column 0.
_COLUMN0: Final[frozenset[str]] = frozenset(
    {"open", "export", "set_option", "attribute", "include", "omit", "macro", "syntax",
     "macro_rules", "elab", "elab_rules", "notation", "infix", "infixl", "infixr", "prefix",
     "postfix", "deriving", "initialize", "builtin_initialize", "declare_syntax_cat", "run_cmd",
     "run_elab", "run_meta", "add_decl_doc", "alias", "@[", "module"} | _MODIFIERS
)  # fmt: skip
_COMMAND_WORDS: Final[frozenset[str]] = _ANYWHERE | _COLUMN0  # ``#`` commands aside
_CONTEXT: Final[frozenset[str]] = frozenset(
    {"open", "export", "variable", "universe", "set_option", "include", "omit"}
)
# Commands the header always keeps: they change how later text elaborates (notation,
# instances, attributes, inductive types whose constructors are used by dot-notation).
_ALWAYS: Final[frozenset[str]] = frozenset(
    {"instance", "structure", "class", "inductive", "coinductive", "attribute", "macro",
     "syntax", "macro_rules", "elab", "elab_rules", "notation", "infix", "infixl", "infixr",
     "prefix", "postfix", "deriving", "declare_syntax_cat", "other", "axiom"}
)  # fmt: skip
_OPENERS: Final[dict[str, int]] = {
    "(": 1, "[": 1, "{": 1, "⟨": 1, "⦃": 1, "@[": 1, "#[": 1, "%[": 1,
    ")": -1, "]": -1, "}": -1, "⟩": -1, "⦄": -1,
}  # fmt: skip
_BODY_STOP: Final[frozenset[str]] = frozenset(
    {"termination_by", "decreasing_by", "where", "deriving"}
)
_BODY_STOP_CODES: Final[re.Pattern[bytes]] = re.compile(
    b"[" + re.escape(bytes(sorted(map(token_code, _BODY_STOP)))) + b"]"
)
_SORRY: Final[re.Pattern[bytes]] = re.compile(
    b"[" + re.escape(bytes(sorted(map(token_code, ("sorry", "admit"))))) + b"]"
)
_ASSIGN, _BAR, _WHERE = map(token_code, (":=", "|", "where"))
_STATEMENT_END: Final[re.Pattern[bytes]] = re.compile(
    b"[" + re.escape(bytes(sorted((_ASSIGN, _BAR, _WHERE)))) + b"]"
)
_BODY_STYLE: Final[dict[int, str]] = {_ASSIGN: "term", _BAR: "equations", _WHERE: "structure"}


#: Commands that can prefix another as ``<command> in`` (Lean's ``in`` combinator).
_IN_PREFIXES: Final[frozenset[str]] = frozenset(
    {"open", "set_option", "variable", "include", "omit", "attribute"}
)


def bracket_levels(toks: Sequence[str]) -> list[int]:
    """Nesting level of each token: an opener and its closer share a level.

    Tokens inside a pair are one level deeper.  Unbalanced closers simply drive the
    level down (it may go negative); nothing here raises.
    """
    deltas = [_OPENERS.get(t, 0) for t in toks]
    after = list(accumulate(deltas, initial=0))[1:]
    return [a - 1 if d == 1 else a for a, d in zip(after, deltas, strict=True)]


# Per token code: its bracket delta (+1 opener, -1 closer, 0 other) and "is an opener".
_DELTA_OF_CODE: Final[np.ndarray] = np.zeros(256, dtype=np.int64)
_OPENER_OF_CODE: Final[np.ndarray] = np.zeros(256, dtype=np.int64)
for _tok, _delta in _OPENERS.items():
    _DELTA_OF_CODE[token_code(_tok)] = _delta
    _OPENER_OF_CODE[token_code(_tok)] = int(_delta > 0)


def _levels(st: SigTokens) -> list[int]:
    """:func:`bracket_levels` of ``st.toks``, computed from the token codes.

    Level ``j`` is the sum of the bracket deltas up to and including token ``j``,
    minus one for an opener: a table lookup and a cumulative sum over the code
    bytes, done by numpy (a tenth of the cost of the same passes as Python
    ``map``/``accumulate`` over every token of a file).
    """
    codes = np.frombuffer(st.codes, dtype=np.uint8)
    levels: list[int] = (np.cumsum(_DELTA_OF_CODE[codes]) - _OPENER_OF_CODE[codes]).tolist()
    return levels


class Command(NamedTuple):
    """One top-level command: ``kind`` is its keyword (``theorem``, ``open``, ...).

    ``start``/``end`` are character offsets (doc comment, attributes and modifiers
    included, trailing comments excluded); ``i0``/``i1`` the significant-token range.
    ``kind`` is ``#eval``-style for hash commands and ``other`` for anything else.
    """

    kind: str
    start: int
    end: int
    i0: int
    i1: int
    keyword_index: int


class Declaration(NamedTuple):
    """A theorem-like declaration with the spans FIM needs (offsets into the file text).

    * ``name`` is fully qualified by the enclosing namespaces (``_root_`` honoured);
      examples and unnamed instances get ``example@L<line>`` / ``instance@L<line>``
      and ``synthetic_name=True``.
    * ``statement`` covers binders and type (after the name, before ``:=``/``|``/
      ``where``).
    * ``body`` is the main proof body: after ``:=`` (or from the first equation arm
      ``|``) up to, not including, ``termination_by``/``decreasing_by``/``where``/
      ``deriving`` clauses, which are listed in ``clauses``.
    * ``body_style``: ``tactic`` (body is ``by ...``), ``term``, ``equations``,
      ``structure`` (``where`` fields) or ``none``.

    Commands and declarations are named tuples, not frozen dataclasses: as immutable,
    and a scan builds thousands per megabyte (a frozen dataclass sets each field
    through ``object.__setattr__``).
    """

    kind: str
    name: str
    synthetic_name: bool
    namespace: str
    start: int
    end: int
    statement: tuple[int, int]
    body: tuple[int, int] | None
    body_style: str
    clauses: tuple[tuple[str, int, int], ...]
    modifiers: tuple[str, ...]
    attributes: tuple[str, ...]
    has_sorry: bool
    in_mutual: bool
    line: int
    command_index: int
    body_tokens: tuple[int, int] = (0, 0)
    footer: str = ""


@dataclass(slots=True)
class ParsedFile:
    """A parsed file: tokens, commands and declarations, plus header construction."""

    text: str
    toks: SigTokens
    levels: list[int]
    header_end: int
    commands: list[Command]
    declarations: list[Declaration]
    _scope_kind: list[str] = field(default_factory=list)
    _refs: dict[int, frozenset[str]] = field(default_factory=dict)
    _by_last: dict[str, list[int]] = field(default_factory=dict)
    _decl_of_cmd: dict[int, Declaration] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)
    _deps: dict[int, list[int]] = field(default_factory=dict)
    _name_parts: dict[str, tuple[str, ...]] | None = None
    _used: dict[int, set[str]] = field(default_factory=dict)
    _scopes: ScopeTree | None = None
    #: (commands scanned, what the kept commands among them use): see _kept_dependencies.
    _kept_deps: tuple[int, set[int]] = field(default_factory=lambda: (0, set()))

    @property
    def imports(self) -> str:
        """The leading ``prelude``/``import`` block (with leading comments), or ``""``."""
        return self.text[: self.header_end]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and 0-based column of a character offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1]

    def refs(self, cmd: int) -> frozenset[str]:
        """Identifier components used by command ``cmd`` (for dependency tracking)."""
        got = self._refs.get(cmd)
        if got is None:
            c = self.commands[cmd]
            toks, kinds = self.toks.toks, self.toks.kinds
            parts: set[str] = set()
            for i in range(c.i0, c.i1):
                if kinds[i] == "ident":
                    parts.update(toks[i].split("."))
            got = frozenset(parts)
            self._refs[cmd] = got
        return got

    def _uses(self, cmd: int) -> set[str]:
        """The components of :meth:`refs` that name a command of this file (cached).

        Only those matter for :meth:`dependencies`.  The file's distinct identifiers
        are split once; per command it is one C-level pass over its token texts.
        """
        got = self._used.get(cmd)
        if got is not None:
            return got
        parts_of = self._name_parts
        if parts_of is None:
            names = self._by_last
            distinct = set(self.toks.toks)
            parts_of = {t: (t,) for t in distinct.intersection(names) if token_kind(t) == "ident"}
            for t in [t for t in distinct if "." in t]:
                hit = tuple(p for p in t.split(".") if p in names)
                if hit and token_kind(t) == "ident":
                    parts_of[t] = hit
            self._name_parts = parts_of
        got = set()
        if parts_of:
            c = self.commands[cmd]
            for t in parts_of.keys() & self.toks.toks[c.i0 : c.i1]:
                got.update(parts_of[t])
        self._used[cmd] = got
        return got

    def dependencies(self, decl: Declaration) -> list[int]:
        """Earlier commands that ``decl`` uses, transitively (sorted command indices).

        A command counts as used when the last component of its declared name occurs as
        a component of an identifier in a user.  This over-approximates (``foo`` in
        ``h.foo`` matches every ``*.foo``), which only makes the header larger.
        """
        target = decl.command_index
        cached = self._deps.get(target)
        if cached is not None:
            return cached
        seen: set[int] = set()
        work = [target]
        while work:
            c = work.pop()
            for part in self._uses(c):
                for d in self._by_last[part]:
                    if d < target and d not in seen:
                        seen.add(d)
                        work.append(d)
        out = sorted(seen)
        self._deps[target] = out
        return out

    def _kept_dependencies(self, target: int) -> set[int]:
        """Earlier commands that the commands a header always keeps (instances, notation,
        attributes, ``open``/``variable``...) before ``target`` use, transitively.

        The header holds those commands, so it must hold what they refer to: an instance
        built from a helper ``def``, ``attribute [simp] foo``. Grown incrementally (tasks
        are cut in file order), so a file costs one pass, not one per declaration.
        """
        scanned, acc = self._kept_deps
        if target < scanned:
            scanned, acc = 0, set()
        kinds = self._scope_kind
        for c in range(scanned, target):
            if kinds[c] not in ("always", "context"):
                continue
            work = [c]
            while work:
                for part in self._uses(work.pop()):
                    for d in self._by_last[part]:
                        if d < c and d not in acc:
                            acc.add(d)
                            work.append(d)
        self._kept_deps = (max(scanned, target), acc)
        return acc

    def header_dependencies(self, decl: Declaration) -> list[int]:
        """Earlier commands the header of ``decl`` must hold besides what it always keeps:
        what ``decl`` uses (:meth:`dependencies`) and what the kept commands before it use."""
        needed = set(self.dependencies(decl))
        needed |= self._kept_dependencies(decl.command_index)
        return sorted(needed)

    def header_for(self, decl: Declaration) -> str:
        """Lean source that, followed by ``decl``'s text, elaborates it as in the file.

        Imports, then every scope and context command before the declaration in file
        order, plus those that always matter (instances, inductive types, notation,
        attributed declarations) and the earlier declarations it or they need (see
        :meth:`header_dependencies`).  ``#`` commands, examples and unused theorems are dropped, and
        closed scopes that end up holding nothing but context are pruned.  Always ends
        with a newline (or is empty).

        Built from the file's :class:`~fimrl.lean.headers.ScopeTree`, so the cost
        follows the declaration's scopes and dependencies, not the number of earlier
        commands.
        """
        scopes = self._scopes
        if scopes is None:
            text = self.text
            pieces = [text[c.start : c.end] for c in self.commands]
            scopes = self._scopes = ScopeTree(self._scope_kind, pieces)
        kinds = self._scope_kind
        needed = [c for c in self.header_dependencies(decl) if kinds[c] == "optional"]
        body = scopes.header(decl.command_index, needed)
        imports = self.text[: self.header_end].rstrip() if self.header_end else ""
        header = SEPARATOR.join([imports, *body] if imports else body)
        return header + "\n\n" if header else ""

    def statement_tokens(self, decl: Declaration) -> str:
        """The statement's significant tokens joined by single spaces.

        Equal to :func:`fimrl.lean.splits.normalise_statement` of the statement text,
        without re-lexing it.
        """
        a = bisect.bisect_left(self.toks.starts, decl.statement[0])
        b = bisect.bisect_left(self.toks.starts, decl.statement[1])
        return " ".join(self.toks.toks[a:b])

    def dependencies_have_sorry(self, decl: Declaration) -> bool:
        """True when a declaration ``decl`` depends on contains ``sorry``."""
        for c in self.dependencies(decl):
            d = self._decl_of_cmd.get(c)
            if d is not None and d.has_sorry:
                return True
        return False


def _command_starts(st: SigTokens) -> list[int]:
    toks, kind, starts = st.toks, st.kind, st.starts
    text = st.text
    out: list[int] = []
    for i in st.line_starts():
        t = toks[i]
        if t not in _COMMAND_WORDS and t[0] != "#":  # cheap test first: most lines are not
            continue
        at_col0 = starts[i] == 0 or text[starts[i] - 1] in "\n\r"
        if (t in _ANYWHERE and kind(i) == "keyword") or (
            at_col0 and (t in _COLUMN0 or kind(i) == "command")
        ):
            out.append(i)
    if not out or out[0] != 0:
        out.insert(0, 0)
    return out


def _skip_attrs(toks: list[str], levels: list[int], i: int, end: int) -> int:
    """Index of the first token after attributes and modifiers starting at ``i``."""
    while i < end:
        t = toks[i]
        if t == "@[":
            lv = levels[i]
            j = i + 1
            while j < end and not (toks[j] == "]" and levels[j] == lv):
                j += 1
            i = j + 1
        elif t in _MODIFIERS:
            i += 1
        else:
            break
    return i


def _trim_start(text: str, prev_end: int, start: int) -> int:
    """Move ``start`` back over a doc comment that directly precedes it."""
    gap = text[prev_end:start]
    if "/--" not in gap:
        return start
    try:
        kinds, s, _e = scan(gap)
    except Exception:
        return start
    for k, off in zip(reversed(kinds), reversed(s), strict=True):
        if k in ("whitespace", "newline"):
            continue
        if k == "doc_comment" and gap[off : off + 3] == "/--":
            return prev_end + off
        break
    return start


def parse_file(text: str) -> ParsedFile:
    """Parse Lean source into commands and declarations.

    Raises :class:`~fimrl.lean.lexer.LeanSyntaxError` for lexically malformed text;
    never raises for syntactically odd but lexable text (odd commands become
    ``other``).
    """
    st = lex_significant(text)
    toks, ends, starts = st.toks, st.ends, st.starts
    levels = _levels(st)
    n = len(toks)
    raw = _command_starts(st) if n else []
    # Merge modifier-only pieces and ``... in`` prefixes into the next command.
    bounds: list[tuple[int, int]] = []
    k = 0
    while k < len(raw):
        a = raw[k]
        b = raw[k + 1] if k + 1 < len(raw) else n
        # The piece absorbed last (from ``raw[k]``) decides: modifiers only, or ``... in``.
        while b < n and (_skip_attrs(toks, levels, raw[k], b) >= b or toks[b - 1] == "in"):
            k += 1
            b = raw[k + 1] if k + 1 < len(raw) else n
        bounds.append((a, b))
        k += 1

    commands: list[Command] = []
    header_end = 0
    in_header = True
    prev_end = 0
    for a, b in bounds:
        if a >= b:
            continue
        kw = _skip_attrs(toks, levels, a, b)
        # ``open Foo in`` / ``variable {G} in`` ... prefixes: the real keyword follows ``in``.
        j = a
        while True:
            jj = _skip_attrs(toks, levels, j, b)
            if jj < b and toks[jj] in _IN_PREFIXES:
                m = jj
                while m < b and toks[m] != "in" and not (st.bol[m] and m > jj):
                    m += 1
                if m < b and toks[m] == "in" and m + 1 < b:
                    j = m + 1
                    continue
            break
        if j != a:
            kw = _skip_attrs(toks, levels, j, b)
        t = toks[kw] if kw < b else toks[a]
        if st.kind(kw if kw < b else a) == "command" or t in _ANYWHERE or t in _COLUMN0:
            kind = t
        else:
            kind = "other"
        # The file header: ``module`` (Lean's module system), ``prelude`` and imports
        # (``public import`` included: ``public`` is a modifier).
        if in_header and kind in ("import", "prelude", "module"):
            header_end = ends[b - 1]
            prev_end = header_end
            continue
        in_header = False
        start = _trim_start(text, prev_end, starts[a])
        commands.append(Command(kind, start, ends[b - 1], a, b, kw if kw < b else a))
        prev_end = ends[b - 1]
    if header_end:
        # Keep the rest of the last import line (a trailing comment) in the header.
        nl = text.find("\n", header_end)
        header_end = len(text) if nl < 0 else nl + 1

    pf = ParsedFile(text, st, levels, header_end, commands, [])
    pf._line_starts = _line_starts(text)
    _analyse(pf)
    return pf


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start (each line's length plus its newline, accumulated)."""
    lengths = map((1).__add__, map(len, text.split("\n")))
    return list(accumulate(lengths, initial=0))[:-1]


def _analyse(pf: ParsedFile) -> None:
    """Classify commands for header building and extract declarations."""
    st = pf.toks
    toks, starts, levels = st.toks, st.starts, pf.levels
    namespaces: list[tuple[str, str]] = []  # (kind, name) for namespace/section/mutual
    scope: tuple[str, str, bool] | None = None  # _scope_info(namespaces), when computed
    scope_kind: list[str] = []
    by_last: dict[str, list[int]] = {}
    for ci, cmd in enumerate(pf.commands):
        kind = cmd.kind
        kw = cmd.keyword_index
        if kind == "namespace":
            name = toks[kw + 1] if kw + 1 < cmd.i1 else ""
            namespaces.append(("namespace", name))
            scope_kind.append("open_scope")
            scope = None
            continue
        if kind == "section":
            namespaces.append(("section", ""))
            scope_kind.append("open_scope")
            scope = None
            continue
        if kind == "mutual":
            namespaces.append(("mutual", ""))
            scope_kind.append("open_scope")
            scope = None
            continue
        if kind == "end":
            if namespaces:
                namespaces.pop()
            scope_kind.append("end")
            scope = None
            continue
        if kind in _CONTEXT:
            scope_kind.append("context")
            continue
        if kind.startswith("#") or kind == "example":
            scope_kind.append("drop")
        if scope is None:
            scope = _scope_info(namespaces)
        ns, footer, in_mutual = scope
        has_attr = toks[cmd.i0] == "@[" or "@[" in toks[cmd.i0 : kw]
        is_decl_like = kind in ("theorem", "lemma", "def", "abbrev", "opaque")
        if not (kind.startswith("#") or kind == "example"):
            if kind in _ALWAYS or has_attr or in_mutual or not is_decl_like:
                scope_kind.append("always")
            else:
                scope_kind.append("optional")
        # Name of what the command declares (for dependency lookup and the Declaration).
        name_tok = ""
        j = kw + 1
        if kind == "instance" and j < cmd.i1 and toks[j] == "(":
            lv = levels[j]
            j += 1
            while j < cmd.i1 and not (toks[j] == ")" and levels[j] == lv):
                j += 1
            j += 1
        if (
            kind not in ("example", "other")
            and not kind.startswith("#")
            and j < cmd.i1
            and st.kind(j) == "ident"
        ):
            name_tok = toks[j]
            j += 1
        if name_tok and kind not in _CONTEXT:
            last = name_tok.rsplit(".", 1)[-1].strip("«»")
            by_last.setdefault(last, []).append(ci)
        if kind not in DECL_KINDS:
            continue
        line, _col = pf.line_col(starts[kw])
        if name_tok:
            short = name_tok.replace("«", "").replace("»", "")
            if short.startswith("_root_."):
                full = short[len("_root_.") :]
            else:
                full = f"{ns}.{short}" if ns else short
            synthetic = False
        else:
            full = f"{kind}@L{line}"
            synthetic = True
        decl = _declaration(pf, cmd, ci, kind, full, synthetic, ns, j, in_mutual, line, footer)
        pf.declarations.append(decl)
        pf._decl_of_cmd[ci] = decl
    pf._scope_kind = scope_kind
    pf._by_last = by_last


def _scope_info(namespaces: list[tuple[str, str]]) -> tuple[str, str, bool]:
    """Namespace prefix, footer (``end`` lines) and mutual-ness for a scope stack."""
    ns = ".".join(n for k, n in namespaces if k == "namespace" and n)
    footer = "".join(f"end {n}\n" if k == "namespace" else "end\n" for k, n in reversed(namespaces))
    return ns, footer, any(k == "mutual" for k, _ in namespaces)


def _next_clause(st: SigTokens, levels: list[int], i: int, j: int, level: int) -> int:
    """First depth-``level`` clause keyword (``where``, ``termination_by``, ...) in ``[i, j)``.

    ``j`` if there is none.  One search over the token codes finds the next keyword
    of any of the four kinds.
    """
    search = _BODY_STOP_CODES.search
    m = search(st.codes, i, j)
    while m is not None and levels[m.start()] != level:
        m = search(st.codes, m.start() + 1, j)
    return j if m is None else m.start()


def _declaration(
    pf: ParsedFile,
    cmd: Command,
    ci: int,
    kind: str,
    name: str,
    synthetic: bool,
    ns: str,
    sig_start: int,
    in_mutual: bool,
    line: int,
    footer: str,
) -> Declaration:
    st = pf.toks
    toks, starts, ends, levels = st.toks, st.starts, st.ends, pf.levels
    i1 = cmd.i1
    base = levels[cmd.i0] if cmd.i0 < len(levels) else 0
    # Statement ends at the first depth-0 ``:=``, equation arm ``|`` (first on its
    # line) or ``where``.
    codes, bol = st.codes, st.bol
    m = _STATEMENT_END.search(codes, sig_start, i1)
    while m is not None:
        k = m.start()
        if levels[k] == base and (codes[k] != _BAR or bol[k]):
            break
        m = _STATEMENT_END.search(codes, k + 1, i1)
    if m is not None:
        j = m.start()
        body_style = _BODY_STYLE[codes[j]]
        body_i0 = j if body_style == "equations" else j + 1
    else:
        j, body_style, body_i0 = max(sig_start, i1), "none", i1
    # Trimmed to tokens: from the first token after the name to the last before ``:=``.
    stmt_start = starts[sig_start] if sig_start < j else ends[sig_start - 1]
    stmt_end = ends[j - 1] if sig_start < j else stmt_start
    # Main body ends at a depth-0 clause keyword (first token on its line or not).
    body_i1 = i1
    clauses: list[tuple[str, int, int]] = []
    if body_style in ("term", "equations"):
        body_i1 = _next_clause(st, levels, body_i0, i1, base)
        # Each clause runs to the next clause keyword.
        c0 = body_i1
        while c0 < i1:
            c1 = _next_clause(st, levels, c0 + 1, i1, base)
            clauses.append((toks[c0], starts[c0], ends[c1 - 1]))
            c0 = c1
        if body_style == "term" and body_i0 < body_i1 and toks[body_i0] == "by":
            body_style = "tactic"
    body = (starts[body_i0], ends[body_i1 - 1]) if body_i0 < body_i1 else None
    modifiers = tuple(t for t in toks[cmd.i0 : cmd.keyword_index] if t in _MODIFIERS)
    attributes: list[str] = []
    a = cmd.i0
    while a < cmd.keyword_index:
        if toks[a] == "@[":
            lv = levels[a]
            b = a + 1
            while b < cmd.keyword_index and not (toks[b] == "]" and levels[b] == lv):
                b += 1
            attributes.append(pf.text[starts[a] : ends[min(b, cmd.keyword_index - 1)]])
            a = b
        a += 1
    has_sorry = _SORRY.search(st.codes, cmd.i0, i1) is not None
    return Declaration(
        kind=kind,
        name=name,
        synthetic_name=synthetic,
        namespace=ns,
        start=cmd.start,
        end=cmd.end,
        statement=(stmt_start, stmt_end),
        body=body,
        body_style=body_style,
        clauses=tuple(clauses),
        modifiers=modifiers,
        attributes=tuple(attributes),
        has_sorry=has_sorry,
        in_mutual=in_mutual,
        line=line,
        command_index=ci,
        body_tokens=(body_i0, body_i1),
        footer=footer,
    )
