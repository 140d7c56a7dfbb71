"""The static guard: every rule fires, and comments/strings neither hide nor fake a match."""

from __future__ import annotations

import pytest

from fimrl.lean.guard import GUARD_RULES, guard

MAX = 16_384


def rule_of(middle: str | bytes, **kw: str) -> str | None:
    result = guard(middle, max_bytes=MAX, **kw)
    assert result.ok == (result.rule is None)
    return result.rule


@pytest.mark.parametrize(
    "middle",
    [
        "simp",
        "exact Nat.add_comm a b",
        "intro h\n  cases h with\n  | inl h => exact h\n  | inr h => exact h.symm",
        "rfl -- sorry, admit, native_decide and #eval in a comment are fine\n",
        "/- axiom cheat : False; set_option maxHeartbeats 0 -/ rfl",
        "exact ⟨fun x => x, fun ⦃y⦄ => y⟩",
        "decide",
        "omega",
        "exact h'.1",
        "calc a = b := by rw [h]\n    _ = c := hbc",
        "show (a : Nat) ≤ b from Nat.le_of_lt h",
        "exact Sorry.foo",  # a different identifier (case matters)
        "exact mySorry",
        "simp only [List.length_cons, h]",
        "exact ‹P›",
        "exact (xs[0]'h).elim",  # getElem with a proof, not a character literal
        "exact Or.inl (a[i]'(by omega))",
    ],
)
def test_accepts_ordinary_proofs(middle: str) -> None:
    assert rule_of(middle) is None


@pytest.mark.parametrize(
    ("middle", "rule"),
    [
        ("sorry", "sorry"),
        ("exact sorry", "sorry"),
        ("exact «sorry»", "sorry"),
        ("exact sorryAx _ false", "sorry"),
        ("exact (sorryAx False true)", "sorry"),
        ("admit", "admit"),
        ("exact foo.«admit»", "admit"),
        ("native_decide", "native_decide"),
        ("decide +native", "decide_native"),
        ("decide (config := { native := true })", "decide_native"),
        ("exact Lean.ofReduceBool _ _ rfl", "ofReduceBool"),
        ("exact Lean.ofReduceNat _ _ rfl", "ofReduceBool"),
        ("exact Lean.trustCompiler", "ofReduceBool"),
        ("exact implemented_by", "implemented_by"),
        ("exact extern", "extern"),
        ("exact unsafeCast x", "unsafe"),
        ("exact (unsafe foo)", "unsafe"),
        ("exact partial", "partial"),
        ("run_tac Lean.Elab.Tactic.evalTactic", "run_tac"),
        ("run_cmd pure ()", "run_cmd"),
        ("run_elab pure ()", "run_elab"),
        ("exact by_elab pure default", "elab"),
        ('rfl\nelab "x" : tactic => pure ()', "elab"),
        ('rfl\nmacro "x" : tactic => `(tactic| rfl)', "macro"),
        ('rfl\nsyntax "x" : tactic', "syntax"),
        ("rfl\nmacro_rules | `(tactic| x) => `(tactic| rfl)", "macro_rules"),
        ("rfl\ninitialize pure ()", "initialize"),
        ("set_option maxHeartbeats 0 in simp", "set_option"),
        ("simp (maxHeartbeats := 0)", "set_option"),
        ("rfl\nimport Mathlib", "import"),
        ("rfl\nattribute [simp] foo", "attribute"),
        ("rfl\n@[simp] lemma x : True := trivial", "attribute"),
        ("rfl\naxiom cheat : False", "axiom"),
        ("#eval IO.println 1", "hash_command"),
        ("rfl\n#exit", "hash_command"),
        ("rfl\n#print axioms foo", "hash_command"),
        ("#check Nat", "hash_command"),
        ("#guard_msgs in rfl", "hash_command"),
        ("rfl\ntheorem foo : 1 = 2 := by simp", "command_keyword"),
        ("rfl\nexample : False := cheat", "command_keyword"),
        ("rfl\ndef x := 1", "command_keyword"),
        ("rfl\nend Foo", "command_keyword"),
        ("rfl\nnamespace X", "command_keyword"),
        ("rfl\nsection", "command_keyword"),
        ("open Classical in exact h", "command_keyword"),
        ("rfl\ninstance : Inhabited Nat := ⟨0⟩", "command_keyword"),
        ("rfl\nnoncomputable def x := 1", "command_keyword"),
        ("rfl\nvariable (x : Nat)", "command_keyword"),
        ("rfl\nuniverse v", "command_keyword"),
        ("exact foo\nwhere foo := 1", "command_keyword"),
        ('rfl\nnotation "x" => 1', "command_keyword"),
    ],
)
def test_rejects_forbidden_tokens(middle: str, rule: str) -> None:
    assert rule_of(middle) == rule
    assert rule in GUARD_RULES


@pytest.mark.parametrize(
    ("middle", "rule"),
    [
        # Strings are data: no elaborator reads them unless names or syntax are built.
        ('exact "sorryAx"', None),
        ('exact "sorry".length', None),
        ('simp [show "import Mathlib".length = 14 from rfl]', None),
        ('exact ("elab", "macro")', None),
        ('exact ("sor" ++ "ryAx")', None),  # pieces alone mention nothing; no way to run them
        # Beside name/syntax machinery a forbidden word in a string is refused.
        ('exact Lean.Name.mkSimple "sorryAx"', "forbidden_string"),
        ('exact mkIdent (.str .anonymous "sorryAx")', "forbidden_string"),
        ('exact Name.mkSimple "debug.skipKernelTC"', "forbidden_string"),
        ('exact Name.mkSimple "\\x73orry"', "forbidden_string"),  # escape decoded first
        ('exact Name.mkSimple "\\u0073orry"', "forbidden_string"),
        ('exact (`x, r#"implemented_by"#)', "forbidden_string"),
        ('exact s!"{x}"', "interpolated_string"),
        ('exact "plain text"', None),
    ],
)
def test_string_literals(middle: str, rule: str | None) -> None:
    assert rule_of(middle) == rule


def test_comments_do_not_hide_tokens_after_them() -> None:
    # The block comment ends; what follows it is real code.
    assert rule_of("/- harmless -/ sorry") == "sorry"
    assert rule_of("-- comment\nsorry") == "sorry"
    # Nested comments: the inner -/ does not end the outer comment...
    assert rule_of("/- /- inner -/ sorry -/ rfl") is None
    # ...but a comment that closes early exposes the rest.
    assert rule_of("/- a -/ sorry /- b -/") == "sorry"


def test_string_does_not_hide_comment_marker() -> None:
    # "--" inside a string is not a comment, so the sorry after the string is code.
    assert rule_of('exact ("--" , sorry)') == "sorry"


def test_unterminated_comment_and_string() -> None:
    assert rule_of("rfl /- never closed") == "unterminated"
    assert rule_of('exact "never closed') == "unterminated"
    assert rule_of("exact 'a") == "unterminated"


@pytest.mark.parametrize(
    "middle",
    ["exact (foo", "exact foo)", "exact ⟨a, b", "exact [a, b)", "simp [foo", "exact {x := 1"],
)
def test_unbalanced_delimiters(middle: str) -> None:
    assert rule_of(middle) == "unbalanced"


def test_oversized() -> None:
    result = guard("a" * 100, max_bytes=99)
    assert (result.ok, result.rule) == (False, "oversized")
    assert guard("a" * 99, max_bytes=99).ok
    # bytes, not characters: 50 × "α" is 100 bytes
    assert guard("α" * 50, max_bytes=99).rule == "oversized"


def test_encoding_and_control_bytes() -> None:
    assert rule_of(b"exact \xff\xfe") == "encoding"
    assert rule_of("exact \ud800") == "encoding"  # lone surrogate
    assert rule_of("exact \ufffd") == "encoding"  # undecodable, or made storable
    assert rule_of(b"exact foo") is None
    assert rule_of("exact\x00foo") == "control_char"
    assert rule_of("exact\x1bfoo") == "control_char"
    assert rule_of("exact\x7ffoo") == "control_char"
    assert rule_of("exact\u0085foo") == "control_char"
    assert rule_of("exact foo\t-- tab is fine\r\n") is None


def test_trailing_line_comment_needs_a_newline_after_it() -> None:
    assert rule_of("rfl -- done", suffix=" more") == "trailing_line_comment"
    assert rule_of("rfl -- done", suffix="\nmore") is None
    assert rule_of("rfl -- done\n", suffix="more") is None
    # An empty or blank suffix (whole-proof hole, last hole): the assembled file puts a
    # line break after the suffix, so the comment swallows nothing.  (Formerly refused.)
    prefix = "theorem t : True := by\n  "
    assert rule_of("trivial -- ok", prefix=prefix, suffix="") is None
    assert rule_of("trivial -- ok", prefix=prefix, suffix="  \n") is None
    assert rule_of("trivial -- ok", prefix=prefix) is None


@pytest.mark.parametrize("middle", ["exact?", "apply?", "simp?", "simp_all?", "rw?", "aesop?"])
def test_proof_search_is_a_named_rule_lifted_by_the_setting(middle: str) -> None:
    assert rule_of(middle) == "proof_search"
    assert rule_of(f"constructor\n  · {middle}") == "proof_search"
    assert guard(middle, max_bytes=MAX, allow_proof_search=True).ok
    # A term ending in ? is no tactic: ``List.find?`` and ``xs.get?`` are ordinary names.
    assert rule_of("exact (xs.find? p).isSome") is None


def test_context_fusion_across_the_boundaries() -> None:
    # The middle alone is fine, but glued to the prefix/suffix it forms `sorry`.
    assert rule_of("ry", prefix="theorem t : P := by exact sor") == "sorry"
    assert rule_of("exact sor", suffix="ry\n") == "sorry"
    assert rule_of("ofReduce", prefix="exact Lean.", suffix="Bool") == "ofReduceBool"
    # A middle that closes a comment left open by a (malformed) prefix exposes code.
    assert rule_of("x -/ sorry", prefix="theorem t : P := by /- ") == "sorry"


def test_every_documented_rule_name_is_reachable() -> None:
    seen = {
        rule_of(m)
        for m in [
            "sorry",
            "admit",
            "axiom x : False",
            "native_decide",
            "decide +native",
            "Lean.ofReduceBool",
            "implemented_by",
            "extern",
            "unsafe",
            "partial",
            "run_tac x",
            "run_cmd x",
            "run_elab x",
            "elab",
            "macro",
            "macro_rules",
            "syntax",
            "initialize",
            "set_option x 1 in",
            "import X",
            "attribute [simp] x",
            "theorem x",
            "#eval 1",
            'Lean.Name.mkSimple "sorry"',
            "exact?",
            's!"{x}"',
            "(",
            "/-",
        ]
    }
    seen |= {
        guard("x" * 10, max_bytes=5).rule,
        guard(b"\xff", max_bytes=5).rule,
        guard("\x00", max_bytes=5).rule,
        guard("x --", max_bytes=MAX, suffix="y").rule,
        guard("  -- nothing\n", max_bytes=MAX).rule,
    }
    assert seen == GUARD_RULES


@pytest.mark.parametrize("middle", ["", "   ", "\n  \n", "-- cases q", "/- rfl -/"])
def test_an_empty_answer_is_no_answer(middle: str) -> None:
    # A dispensable hole (the proof closes without it) must not reward writing nothing.
    assert rule_of(middle, prefix="theorem t : True := by\n  ", suffix="\n  trivial") == "empty"
