"""Declarations: commands, names in namespaces, spans, clauses, headers."""

from __future__ import annotations

import pytest

from fimrl.lean.declarations import bracket_levels, parse_file
from fimrl.lean.synth import generate_file

from .conftest import fixture


def test_commands_and_names() -> None:
    text = fixture("scopes.lean")
    pf = parse_file(text)
    assert pf.imports.startswith("import Std.Tactic\nimport Lean")
    names = [(d.kind, d.name) for d in pf.declarations]
    assert names == [
        ("def", "Alpha.twice"),
        ("theorem", "Alpha.length_self"),
        ("theorem", "Alpha.unused_one"),
        ("theorem", "Alpha.twice_zero"),
        ("theorem", "Alpha.twice_eq"),
        ("theorem", "Alpha.uses_twice"),
        ("example", "example@L36"),
        ("instance", "instance@L38"),
        ("theorem", "outside_thing"),
        ("def", "fact"),
    ]
    kinds = [c.kind for c in pf.commands]
    assert "#eval" in kinds and "namespace" in kinds and kinds.count("end") == 2


def test_spans_modifiers_attributes() -> None:
    text = fixture("scopes.lean")
    pf = parse_file(text)
    d = {x.name: x for x in pf.declarations}
    twice = d["Alpha.twice"]
    assert text[twice.start : twice.end].startswith("open Nat in\n/-- The double")
    assert text[slice(*twice.statement)] == "(n : Nat) : Nat"
    assert twice.body_style == "term" and text[slice(*twice.body)] == "n + n"
    zero = d["Alpha.twice_zero"]
    assert zero.attributes == ("@[simp]",) and zero.body_style == "tactic"
    assert d["Alpha.unused_one"].modifiers == ("private",)
    assert d["example@L36"].synthetic_name
    uses = d["Alpha.uses_twice"]
    assert text[uses.start : uses.end].startswith("set_option maxRecDepth 1000 in\ntheorem")
    fact = d["fact"]
    assert fact.body_style == "equations"
    assert text[slice(*fact.body)].startswith("| 0 => 1")
    assert [c[0] for c in fact.clauses] == ["termination_by", "decreasing_by"]
    assert "termination_by" not in text[slice(*fact.body)]


def test_header_keeps_needed_context_only() -> None:
    text = fixture("scopes.lean")
    pf = parse_file(text)
    d = {x.name: x for x in pf.declarations}
    h = pf.header_for(d["Alpha.twice_eq"])
    assert h.startswith("import Std.Tactic")
    assert "universe u v" in h and "namespace Alpha" in h and "variable {α" in h
    assert "def twice" in h  # used by the statement
    assert "@[simp] theorem twice_zero" in h  # attributed: may be used by simp
    assert "unused_one" not in h and "section Helpers" not in h  # pruned scope
    assert "#eval" not in h
    assert d["Alpha.twice_eq"].footer == "end Alpha\n"
    outside = pf.header_for(d["outside_thing"])
    assert "end Alpha" in outside and "instance" in outside


def test_indented_and_mutual_and_sorry() -> None:
    text = (
        "namespace N\n  theorem a : True := by\n    trivial\nend N\n"
        "mutual\n  theorem b : True := by trivial\nend\n"
        "theorem c : True := by\n  sorry\n"
        "theorem d : True := by\n  exact c\n"
    )
    pf = parse_file(text)
    d = {x.name: x for x in pf.declarations}
    assert set(d) == {"N.a", "b", "c", "d"}
    assert d["b"].in_mutual and not d["N.a"].in_mutual
    assert d["c"].has_sorry and not d["d"].has_sorry
    assert pf.dependencies_have_sorry(d["d"])


def test_statement_with_default_args_and_where() -> None:
    text = "instance foo : Inhabited Nat where\n  default := by exact 0\n"
    (d,) = parse_file(text).declarations
    assert d.name == "foo" and d.body_style == "structure"
    assert text[slice(*d.statement)] == ": Inhabited Nat"


def test_odd_input_does_not_crash() -> None:
    for text in ["", "\n\n", ":= by", "end end end", "theorem", "@[simp]", "theorem x : (((("]:
        parse_file(text)


@pytest.mark.parametrize(
    "text",
    [
        generate_file(3, 20),
        "f (a [b {c ⟨d⟩}] ⦃e⦄) @[simp] #[1, 2] %[x]",
        ") ] } ⟩ ( ( [",  # unbalanced: levels go negative, nothing raises
        "",
    ],
)
def test_levels_from_codes_match_bracket_levels(text: str) -> None:
    pf = parse_file(text)
    assert pf.levels == bracket_levels(pf.toks.toks)
    # Levels step by at most one: the tactic parser and span checks rely on it.
    assert all(abs(a - b) <= 1 for a, b in zip(pf.levels, pf.levels[1:], strict=False))


def test_command_in_prefixes_keep_the_declaration() -> None:
    """``variable {G} in`` / ``include h in`` / ``omit h in`` prefix a theorem, as in Mathlib."""
    text = (
        "variable (G : Type) (h : True)\n\n"
        "variable {G} in\n"
        "theorem uses_implicit (x : G) : x = x := rfl\n\n"
        "include h in\n"
        "theorem uses_h : True := by\n"
        "  trivial\n\n"
        "omit h in\n"
        "@[simp]\n"
        "theorem without_h : 1 = 1 := rfl\n"
    )
    pf = parse_file(text)
    by_name = {d.name: d for d in pf.declarations}
    assert set(by_name) == {"uses_implicit", "uses_h", "without_h"}
    assert text[by_name["uses_implicit"].start :].startswith("variable {G} in\ntheorem")
    assert text[by_name["uses_h"].start :].startswith("include h in\ntheorem")
    assert by_name["without_h"].attributes == ("@[simp]",)
    assert by_name["uses_h"].body_style == "tactic"


def test_module_system_header() -> None:
    """``module`` and ``public import`` (Lean's module system) form the file header."""
    text = (
        "/- Copyright line. -/\n"
        "module\n\n"
        "public import Lib.Basic\n"
        "public import Lib.More\n\n"
        "@[expose] public section\n\n"
        "theorem t : True := by\n  trivial\n\nend\n"
    )
    pf = parse_file(text)
    assert pf.imports.endswith("public import Lib.More\n")
    assert "module" in pf.imports and "section" not in pf.imports
    header = pf.header_for(pf.declarations[0])
    assert header.startswith(pf.imports.rstrip())
    assert "@[expose] public section" in header
