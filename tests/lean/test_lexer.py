"""Lexer: token kinds for every construct, exact coverage, errors, fast path parity."""

from __future__ import annotations

from unittest import mock

import pytest

from fimrl.lean.lexer import (
    CODED_TOKENS,
    TRIVIA,
    LeanSyntaxError,
    SigTokens,
    Token,
    lex_significant,
    token_code,
    tokenize,
)
from fimrl.lean.synth import generate_file

from .conftest import FIXTURES

SYMS = [":=", "<;>", "=>", "←", "⟨", "⟩", "·", ".."]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text) if t.kind not in ("whitespace", "newline")]


def test_roundtrip_and_offsets() -> None:
    text = (FIXTURES / "tactics.lean").read_text(encoding="utf-8")
    toks = tokenize(text)
    assert "".join(t.text for t in toks) == text
    for t in toks:
        assert text[t.start : t.end] == t.text
    assert isinstance(toks[0], Token)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("Nat.succ_le", [("ident", "Nat.succ_le")]),
        ("h' f'' x₁ hε", [("ident", "h'"), ("ident", "f''"), ("ident", "x₁"), ("ident", "hε")]),
        ("«my id».x", [("ident", "«my id».x")]),
        ("get! simp? exact?", [("ident", "get!"), ("ident", "simp?"), ("ident", "exact?")]),
        ("theorem by fun at", [("keyword", w) for w in ["theorem", "by", "fun", "at"]]),
        ("#eval #print #exit", [("command", "#eval"), ("command", "#print"), ("command", "#exit")]),
        ("-- hi there", [("line_comment", "-- hi there")]),
        ("/- a /- b -/ c -/", [("block_comment", "/- a /- b -/ c -/")]),
        ("/-- doc -/", [("doc_comment", "/-- doc -/")]),
        ("/-! mod -/", [("doc_comment", "/-! mod -/")]),
        ('"a\\"b -/ --"', [("string", '"a\\"b -/ --"')]),
        ('s!"x {f "}" y} z"', [("string", 's!"x {f "}" y} z"')]),
        ('r"no \\escape"', [("string", 'r"no \\escape"')]),
        ('r#"has "quotes""#', [("string", 'r#"has "quotes""#')]),
        ("'a' '\\n' '\\''", [("char", "'a'"), ("char", "'\\n'"), ("char", "'\\''")]),
        ("0x1F 42 2.5e3 0b101", [("number", x) for x in ["0x1F", "42", "2.5e3", "0b101"]]),
        ("h.1.2", [("ident", "h"), ("symbol", "."), ("number", "1"), ("symbol", "."),
                   ("number", "2")]),
        (":= <;> => ← ⟨ ⟩ · ..", [("symbol", s) for s in SYMS]),
        ("λx", [("symbol", "λ"), ("ident", "x")]),
        ("@[simp]", [("symbol", "@["), ("ident", "simp"), ("symbol", "]")]),
        ("sorry", [("keyword", "sorry")]),
    ],
)  # fmt: skip
def test_token_kinds(src: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(src) == expected


def test_prime_is_not_char() -> None:
    got = kinds("f' x = g' (h' y)")
    assert ("ident", "f'") in got and ("ident", "g'") in got and ("ident", "h'") in got
    assert all(k != "char" for k, _ in got)


def test_double_quote_mark_is_a_symbol_not_a_char() -> None:
    """``f '' s`` (set image) is valid Lean: ``''`` never opens a character literal."""
    src = "theorem img (f : α → β) (s : Set α) : f '' s = f '' s := by\n  rfl\n"
    got = kinds(src)
    assert got.count(("symbol", "''")) == 2
    assert all(k != "char" for k, _ in got)
    assert lex_significant(src).toks == [t for _, t in got]
    assert kinds("'a' '' 'b'") == [("char", "'a'"), ("symbol", "''"), ("char", "'b'")]


@pytest.mark.parametrize("notation", ["⁻¹'", "∑'", "∏'"])
def test_notations_ending_in_a_quote(notation: str) -> None:
    """``f ⁻¹' s`` and ``∑' i, f i`` are library notation, not unterminated characters."""
    src = f"theorem q (f : α → β) : f {notation} s = f {notation} s := rfl\n"
    got = kinds(src)
    assert got.count(("symbol", notation)) == 2
    assert all(k != "char" for k, _ in got)
    assert lex_significant(src).toks == [t for _, t in got]


def test_comment_hides_string_and_string_hides_comment() -> None:
    assert kinds('/- " -/ x') == [("block_comment", '/- " -/'), ("ident", "x")]
    assert kinds('"/-" x') == [("string", '"/-"'), ("ident", "x")]


def test_newline_and_whitespace_tokens() -> None:
    toks = tokenize("a  \r\nb\n")
    assert [t.kind for t in toks] == ["ident", "whitespace", "newline", "ident", "newline"]


@pytest.mark.parametrize(
    ("src", "what"),
    [
        ("/- never closed", "comment"),
        ("/- /- -/ still open", "comment"),
        ('"open string', "string"),
        ('s!"x {y}', "string"),
        ('r#"raw', "raw string"),
        ("'a", "character"),
    ],
)
def test_unterminated_raises(src: str, what: str) -> None:
    with pytest.raises(LeanSyntaxError) as err:
        tokenize(src)
    assert what in err.value.message
    with pytest.raises(LeanSyntaxError):
        lex_significant(src)


def test_error_offset() -> None:
    with pytest.raises(LeanSyntaxError) as err:
        tokenize('theorem x := "abc')
    assert err.value.offset == 13


def test_deeply_nested_comment_no_recursion() -> None:
    text = "/-" * 10_000 + "x" + "-/" * 10_000 + " y"
    toks = tokenize(text)
    assert [t.kind for t in toks] == ["block_comment", "whitespace", "ident"]
    assert lex_significant(text).toks == ["y"]


def test_deep_parens() -> None:
    text = "(" * 10_000 + ")" * 10_000
    assert len(tokenize(text)) == 20_000


def _parity(text: str) -> None:
    sig = [t for t in tokenize(text) if t.kind not in TRIVIA]
    st = lex_significant(text)
    assert st.toks == [t.text for t in sig]
    assert st.kinds == [t.kind for t in sig]
    assert st.starts == [t.start for t in sig]
    assert st.ends == [t.end for t in sig]
    # The codes are what the parsers search: one per token, consistent with kinds.
    assert len(st.codes) == len(st.toks)
    assert [st.kind(i) for i in range(len(st))] == st.kinds
    slow = SigTokens(text, st.toks, st.kinds, st.starts, st.ends, st.bol)
    assert slow.codes == st.codes
    # Line starts too: the exact scanner's path gives the same ``bol``.
    with mock.patch("fimrl.lean.lexer._fast", return_value=None):
        exact = lex_significant(text)
    assert (exact.toks, exact.bol, exact.codes) == (st.toks, st.bol, st.codes)


@pytest.mark.parametrize("seed", range(25))
def test_fast_path_matches_exact_scanner(seed: int) -> None:
    _parity(generate_file(seed, 20))


@pytest.mark.parametrize(
    "text",
    ['r##"a"# b"## c', "/- /- /- /- deep -/ -/ -/ -/ x", 's!"{"nested"}" y', "a\n  b -- c\n d"],
)
def test_fast_path_fallbacks(text: str) -> None:
    _parity(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "-- only a comment",
        "a -- trailing comment",
        "a /- trailing -/",
        "a\n/-- doc -/ b /- c -/\n  c",
        'x := "multi\nline" y\n  z',
        "a\r\nb\r\n  c",
        "h' f'' 'c' '\\n' x",
        "a /- unterminated",
        'a "unterminated',
        "a 'unterminated",
    ],
)
def test_fast_path_edges(text: str) -> None:
    """Trivia at the ends, comment-led tokens and literals spanning lines."""
    try:
        sig = [t for t in tokenize(text) if t.kind not in TRIVIA]
    except LeanSyntaxError:
        with pytest.raises(LeanSyntaxError):
            lex_significant(text)
        return
    _parity(text)
    assert len(lex_significant(text).toks) == len(sig)


def test_find_uses_codes_and_falls_back() -> None:
    st = lex_significant("theorem a : T := by\n  simp; exact ⟨h, by rfl⟩\n  omega")
    for tok in [*CODED_TOKENS, "simp", "omega", "h", "nope"]:
        for a in range(len(st) + 1):
            expected = next((i for i in range(a, len(st)) if st.toks[i] == tok), -1)
            assert st.find(tok, a, len(st)) == expected, (tok, a)
    assert st.codes[st.toks.index("by")] == token_code("by")
    with pytest.raises(KeyError):
        token_code("simp")


def test_bol_and_col() -> None:
    st = lex_significant("a b\n  c -- x\n  /- y -/\n  d")
    assert st.toks == ["a", "b", "c", "d"]
    assert st.bol == [True, False, True, True]
    assert [st.col(i) for i in range(4)] == [0, 2, 2, 2]


@pytest.mark.parametrize("text", ["exact h'\n", 'trace "s"\n  \n', "a -- c\n", "f 'x'  \n"])
def test_fast_path_taken_for_ordinary_text(text: str) -> None:
    """Only a construct the fast pattern cannot finish sends a text to the exact scanner."""
    with mock.patch("fimrl.lean.lexer._from_exact", side_effect=AssertionError("exact path")):
        lex_significant(text)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        # getElem with a proof: the quote after ``]`` belongs to Lean's ``]'`` token.
        ("exact (xs[0]'h).elim", ["exact", "(", "xs", "[", "0", "]", "'", "h", ")", ".", "elim"]),
        ("xs[i]'(by omega)", ["xs", "[", "i", "]", "'", "(", "by", "omega", ")"]),
        ("a[i]'h'", ["a", "[", "i", "]", "'", "h'"]),  # the proof may be named ``h'``
        ("(f x)'h", ["(", "f", "x", ")", "'", "h"]),
        ("α ⊕' β", ["α", "⊕'", "β"]),  # PSum
        ("α ⊗' β", ["α", "⊗", "'", "β"]),  # an unknown notation ending in a quote
    ],
)
def test_quote_after_bracket_or_notation_is_not_a_char(src: str, expected: list[str]) -> None:
    """Lean takes the longest token of its table first: ``]'`` and ``⊕'`` are tokens."""
    got = kinds(src)
    assert all(k != "char" for k, _ in got)
    assert [t for _, t in got] == expected
    _parity(src)


def test_char_literals_still_lex_where_a_term_starts() -> None:
    assert kinds("#['a', ')']") == [
        ("symbol", "#["),
        ("char", "'a'"),
        ("symbol", ","),
        ("char", "')'"),
        ("symbol", "]"),
    ]
    with pytest.raises(LeanSyntaxError):
        tokenize("exact ('a")
    with pytest.raises(LeanSyntaxError):
        lex_significant("f := 'a")
