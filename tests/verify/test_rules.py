"""Assembly of the checked text and the verdict rules, on hand-written Lean answers."""

from __future__ import annotations

import pytest

from fimrl.verify.rules import (
    AssemblyError,
    assemble,
    evaluate,
    normalize_message,
    parse_axioms_message,
)
from fimrl.verify.types import CheckRequest, Limits, Verdict

LIMITS = Limits(max_heartbeats=12345)


def req(prefix: str, target: str | None, middle: str = "rfl", suffix: str = "\n") -> CheckRequest:
    return CheckRequest(header="", prefix=prefix, middle=middle, suffix=suffix, target=target)


def lines(text: str) -> list[str]:
    return text.split("\n")


def test_assemble_renames_target_and_adds_checks() -> None:
    prefix = "open Nat\n\ntheorem foo (n : Nat) : n + 0 = n := by\n  "
    asm = assemble(req(prefix, "foo", middle="simp"), LIMITS)
    body = lines(asm.body)
    assert body[asm.stmt_line - 1] == f"axiom {asm.stmt_name} (n : Nat) : n + 0 = n"
    assert body[asm.decl_line - 1] == "set_option maxHeartbeats 12345 in"
    assert body[asm.decl_line].startswith(f"theorem {asm.target_name} (n : Nat) : n + 0 = n")
    assert body[asm.check_line - 1] == (
        f"example : type_of% @{asm.stmt_name} := @{asm.target_name}"
    )
    assert body[asm.axioms_line - 1] == f"#print axioms {asm.target_name}"
    assert "simp\n" in asm.body
    assert "theorem foo" not in asm.body  # the candidate cannot refer to the original name
    assert asm.body.startswith("open Nat\n")


def test_assemble_is_deterministic_and_names_are_fresh_per_task() -> None:
    a = assemble(req("theorem foo : True := ", "foo"), LIMITS)
    b = assemble(req("theorem foo : True := ", "foo", middle="trivial"), LIMITS)
    c = assemble(req("theorem bar : True := ", "bar"), LIMITS)
    assert a.target_name == b.target_name  # same task, same names (cache-friendly)
    assert a.target_name != c.target_name


def test_assemble_example_becomes_named_theorem() -> None:
    asm = assemble(req("example (p : Prop) (h : p) : p := ", None, middle="h"), LIMITS)
    assert f"theorem {asm.target_name} (p : Prop) (h : p) : p := h" in asm.body
    assert f"axiom {asm.stmt_name} (p : Prop) (h : p) : p\n" in asm.body


def test_assemble_keeps_modifiers_chains_and_namespaces() -> None:
    prefix = (
        "namespace A\nsection\nvariable (x : Nat)\n"
        "set_option maxRecDepth 1000 in\n/-- doc -/\n@[simp] private theorem B.foo.{u} "
        "{α : Sort u} (a : α) :\n    a = a := by\n  "
    )
    asm = assemble(req(prefix, "A.B.foo"), LIMITS)
    body = asm.body
    # statement copy sits inside the same chain/namespace and keeps the written namespace
    assert (
        f"set_option maxRecDepth 1000 in\naxiom B.{asm.stmt_name}.{{u}} {{α : Sort u}} (a : α) :"
        "\n    a = a\n" in body
    )
    assert (
        "set_option maxRecDepth 1000 in\nset_option maxHeartbeats 12345 in\n/-- doc -/\n"
        f"@[simp] private theorem B.{asm.target_name}.{{u}}" in body
    )
    # the checks refer to the full names (namespace A, written namespace B)
    assert f"@A.B.{asm.stmt_name} := @A.B.{asm.target_name}" in body
    assert f"#print axioms A.B.{asm.target_name}" in body


def test_assemble_open_scoped_chain_wraps_both_copies() -> None:
    prefix = "open scoped Nat hiding foo in\ntheorem t (n : Nat) : n ! > 0 := by\n  "
    asm = assemble(req(prefix, "t"), LIMITS)
    chain = "open scoped Nat hiding foo in\n"
    assert asm.body.startswith(f"{chain}axiom {asm.stmt_name} (n : Nat) : n ! > 0\n{chain}")
    assert f"{chain}set_option maxHeartbeats 12345 in\ntheorem {asm.target_name}" in asm.body


@pytest.mark.parametrize("target", [None, "example", "example@L12"])
def test_example_target_names_from_the_task_builder(target: str | None) -> None:
    asm = assemble(req("example : True := ", target), LIMITS)
    assert f"theorem {asm.target_name} : True := rfl" in asm.body


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("instance : Inhabited Nat where\n  default := ", "instance {name} : Inhabited Nat where"),
        (
            "instance (priority := low) {α} : Inhabited (List α) := ",
            "instance (priority := low) {name} {{α}} : Inhabited (List α) :=",
        ),
    ],
)
def test_anonymous_instance_gets_the_fresh_name(prefix: str, expected: str) -> None:
    asm = assemble(req(prefix, "instance@L3"), LIMITS)
    assert expected.format(name=asm.target_name) in asm.body
    assert f"axiom {asm.stmt_name}" in asm.body


def test_guillemet_names_match_plain_targets() -> None:
    prefix = "namespace M\ntheorem «double it» (n : Nat) : n + n = 2 * n := by\n  "
    for target in ("M.double it", "M.«double it»", "«double it»"):
        asm = assemble(req(prefix, target), LIMITS)
        assert f"theorem {asm.target_name} (n : Nat)" in asm.body
    with pytest.raises(AssemblyError, match="not target"):
        assemble(req(prefix, "M.double"), LIMITS)


def test_assemble_root_names() -> None:
    prefix = "namespace A\ntheorem _root_.foo : True := "
    asm = assemble(req(prefix, "foo"), LIMITS)
    assert f"theorem _root_.{asm.target_name} : True" in asm.body
    assert f"#print axioms {asm.target_name}\n" in asm.body


@pytest.mark.parametrize(
    ("prefix", "target", "message"),
    [
        ("open Nat\n", "foo", "no declaration"),
        ("theorem bar : True := ", "foo", "not target"),
        ("theorem foo : True := ", None, "no target was named"),
        ("example : True := ", "foo", "ends in an anonymous example"),
        ("instance : Inhabited Nat := ", "foo", "anonymous instance"),
        ("theorem foo : True", "foo", "does not end"),
        ("def foo := ", "foo", "no type ascription"),
        ("theorem foo : True := /- open", "foo", "does not lex"),
    ],
)
def test_assembly_errors(prefix: str, target: str | None, message: str) -> None:
    with pytest.raises(AssemblyError, match=message):
        assemble(req(prefix, target), LIMITS)


def test_pattern_matching_signature_ends_at_bar() -> None:
    prefix = "theorem foo : ∀ n : Nat, n = n\n  | 0 => rfl\n  | n+1 => "
    asm = assemble(req(prefix, "foo"), LIMITS)
    assert f"axiom {asm.stmt_name} : ∀ n : Nat, n = n\n" in asm.body


# ------------------------------------------------------------------ messages and rules


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("'foo' does not depend on any axioms", ("foo", [])),
        (
            "'A.foo' depends on axioms: [propext, Classical.choice]",
            ("A.foo", ["propext", "Classical.choice"]),
        ),
        ("'foo' depends on axioms: [sorryAx]", ("foo", ["sorryAx"])),
        ("'foo' depends on axioms: [«a, b», c]", ("foo", ["«a, b»", "c"])),
        ("'foo' depends on axioms:\n[propext,\n Quot.sound]", ("foo", ["propext", "Quot.sound"])),
        ("'h'' depends on axioms: [cheat]", ("h'", ["cheat"])),
        ("unknown constant 'foo'", None),
    ],
)
def test_parse_axioms_message(data: str, expected: tuple[str, list[str]] | None) -> None:
    assert parse_axioms_message(data) == expected


def test_normalize_message_accepts_cli_and_repl_shapes() -> None:
    cli = {
        "caption": "",
        "data": "boom",
        "endPos": None,
        "fileName": "a.lean",
        "kind": "[anonymous]",
        "pos": {"column": 3, "line": 2},
        "severity": "error",
    }
    assert normalize_message(cli) == {
        "severity": "error",
        "kind": None,
        "data": "boom",
        "pos": {"line": 2, "column": 3},
        "endPos": None,
    }
    repl = {"severity": "info", "pos": {"line": 1, "column": 0}, "data": "x"}
    assert normalize_message(repl)["severity"] == "information"


@pytest.fixture
def asm():  # type: ignore[no-untyped-def]
    return assemble(req("theorem foo : True := ", "foo"), LIMITS)


def msg(severity: str, line: int, data: str, kind: str | None = None) -> dict[str, object]:
    return {"severity": severity, "pos": {"line": line, "column": 0}, "data": data, "kind": kind}


def axioms_ok(asm, names: str = "") -> dict[str, object]:  # type: ignore[no-untyped-def]
    if names:
        return msg(
            "information", asm.axioms_line, f"'{asm.target_name}' depends on axioms: [{names}]"
        )
    return msg("information", asm.axioms_line, f"'{asm.target_name}' does not depend on any axioms")


def test_pass(asm) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([axioms_ok(asm, "propext, Quot.sound")], [], asm)
    assert (out.status, out.rule, out.axioms, out.reward) == (
        "pass",
        None,
        ("propext", "Quot.sound"),
        1.0,
    )


def test_error_anywhere_in_candidate_is_fail(asm) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([msg("error", asm.decl_line + 1, "unsolved goals"), axioms_ok(asm)], [], asm)
    assert (out.status, out.rule, out.reward) == ("fail", None, 0.0)
    assert "unsolved goals" in out.detail


def test_error_on_statement_copy_is_checker_error(asm) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([msg("error", asm.stmt_line, "unknown identifier"), axioms_ok(asm)], [], asm)
    assert out.status == "error"


def test_heartbeats_are_timeout(asm) -> None:  # type: ignore[no-untyped-def]
    beat = msg(
        "error",
        asm.decl_line + 1,
        "(deterministic) timeout at `isDefEq`, maximum number of heartbeats (200) has been reached",
        "runtime.maxHeartbeats",
    )
    assert evaluate([beat, axioms_ok(asm)], [], asm).status == "timeout"


def test_statement_check_error_is_rejection(asm) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([msg("error", asm.check_line, "Type mismatch"), axioms_ok(asm)], [], asm)
    assert (out.status, out.rule) == ("rejected", "statement_changed")


def test_missing_target(asm) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([msg("error", asm.axioms_line, "unknown constant")], [], asm)
    assert (out.status, out.rule) == ("rejected", "target_missing")
    # an answer about another constant does not count
    other = msg("information", asm.axioms_line, "'bar' does not depend on any axioms")
    assert evaluate([other], [], asm).rule == "target_missing"


@pytest.mark.parametrize(
    "warning",
    ["declaration uses 'sorry'", "declaration uses `sorry`"],
)
def test_sorry_warning_forms(asm, warning: str) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([msg("warning", asm.decl_line + 1, warning), axioms_ok(asm)], [], asm)
    assert (out.status, out.rule) == ("rejected", "sorry")


def test_sorries_list(asm) -> None:  # type: ignore[no-untyped-def]
    sorry = {"pos": {"line": asm.decl_line + 1, "column": 2}, "goal": "⊢ True"}
    assert evaluate([axioms_ok(asm)], [sorry], asm).rule == "sorry"
    # a sorry in an earlier lemma of the prefix is not the target's (axioms decide that)
    early = {"pos": {"line": 1, "column": 0}, "goal": "⊢ True"}
    assert evaluate([axioms_ok(asm)], [early], asm).status == "pass"
    early_warning = msg("warning", 1, "declaration uses 'sorry'")
    assert evaluate([early_warning, axioms_ok(asm)], [], asm).status == "pass"


@pytest.mark.parametrize(
    ("axioms", "rule"),
    [
        ("sorryAx", "sorry"),
        ("propext, sorryAx", "sorry"),
        ("Lean.ofReduceBool", "ofReduceBool"),
        ("Lean.trustCompiler", "ofReduceBool"),
        ("foo._native.native_decide.ax_1_1", "ofReduceBool"),
        ("cheat", "axiom"),
        ("propext, Classical.choice, Quot.sound, myAxiom", "axiom"),
    ],
)
def test_disallowed_axioms(asm, axioms: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    out = evaluate([axioms_ok(asm, axioms)], [], asm)
    assert (out.status, out.rule) == ("rejected", rule)
    assert out.axioms == tuple(a.strip() for a in axioms.split(","))


def test_verdict_roundtrip() -> None:
    v = Verdict(
        status="fail",
        reward=0.0,
        backend="cli",
        messages=[{"severity": "error", "data": "x"}],  # type: ignore[arg-type]
        axioms=["propext"],  # type: ignore[arg-type]
    )
    assert isinstance(v.messages, tuple)
    assert Verdict.from_dict(v.to_dict()) == v
    with pytest.raises(ValueError, match="unknown verdict status"):
        Verdict(status="maybe", reward=0.0, backend="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Limits(timeout_s=0)
