# ruff: noqa: E501  (a data table: each probe reads best as one Lean line)
"""Which of Init's compiled syntax the prelude toolchain attaches, and how each is probed.

The binary carries Init's parser descriptions, macros and unexpanders as compiled code but
not the category each parser belongs to (that lived in the missing ``.olean`` files), so
this table names them: the syntax kind, its category, whether it is a trailing parser (its
syntax starts with a term or tactic, like ``a = b`` or ``t <;> s``), and a probe: a small
Lean command that succeeds only if the kind works. The build checks every probe and names
the kinds that fail (see :mod:`fimrl.verify.prelude.selftest`). A kind the binary does not
carry is reported as missing, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["KINDS", "UNEXPANDED", "SyntaxKind"]

Category = Literal["tactic", "term"]


@dataclass(frozen=True)
class SyntaxKind:
    """One of Init's syntax kinds to attach."""

    name: str
    category: Category
    trailing: bool = False
    probe: str | None = None
    #: Shown in ``fimrl lean doctor`` and the README's table of what works.
    label: str | None = None

    @property
    def attribute(self) -> str:
        """The parser attribute that registers it in its category."""
        return f"{self.category}_parser"

    @property
    def shown(self) -> str:
        """The name a person knows it by."""
        return self.label or self.name.rsplit(".", 1)[-1]


T = "Lean.Parser.Tactic."


def _tac(name: str, probe: str | None, label: str | None = None, ns: str = T) -> SyntaxKind:
    full = name if name.startswith("Lean.") else ns + name
    return SyntaxKind(full, "tactic", False, probe, label)


KINDS: Final[tuple[SyntaxKind, ...]] = (
    _tac("intro", "example (p : Prop) : p → p := by intro h; exact h"),
    _tac("intros", "example (p q : Prop) : p → q → q := by intros; assumption"),
    _tac("exact", "example (p : Prop) (h : p) : p := by exact h"),
    _tac("apply", "example (p q : Prop) (f : p → q) (h : p) : q := by apply f; exact h"),
    _tac("refine", "example (p q : Prop) (a : p) (b : q) : p ∧ q := by refine ⟨?_, b⟩; exact a"),
    _tac("refine'", "example (p q : Prop) (a : p) (b : q) : p ∧ q := by refine' ⟨_, b⟩; exact a"),
    _tac(
        "constructor",
        "example (p q : Prop) (a : p) (b : q) : p ∧ q := by constructor; exact a; exact b",
    ),
    _tac(
        "cases",
        "example (p q : Prop) (h : p ∧ q) : q := by\n  cases h with\n  | intro a b => exact b",
    ),
    _tac(
        "induction",
        "example (n : Nat) : n + 0 = n := by\n  induction n with\n  | zero => rfl\n  | succ k ih => rfl",
    ),
    _tac(
        "rwSeq", "example (a b : Nat) (h : a = b) (g : b = 2) : a = 2 := by rw [h]; exact g", "rw"
    ),
    _tac("rewriteSeq", "example (a b : Nat) (h : a = b) : b = a := by rewrite [h]; rfl", "rewrite"),
    _tac("rwa", "example (a b : Nat) (h : a = b) (g : b = 2) : a = 2 := by rwa [h]"),
    _tac("simp", "example (a : Nat) : a + 0 = a := by simp"),
    _tac("simpAll", "example (p : Prop) (h : p) : p := by simp_all", "simp_all"),
    _tac("dsimp", "example (a : Nat) : id a = a := by dsimp [id]"),
    _tac("simpa", "example (a b : Nat) (h : a + 0 = b) : a = b := by simpa using h"),
    _tac("decide", "example : 2 + 2 = 4 := by decide"),
    _tac("nativeDecide", None, "native_decide"),
    _tac("tacticRfl", "example (a : Nat) : a = a := by rfl", "rfl"),
    _tac("applyRfl", "example (a : Nat) : a = a := by apply_rfl", "apply_rfl"),
    _tac("eqRefl", "example (a : Nat) : a = a := by eq_refl", "eq_refl"),
    _tac("show", "example (p : Prop) (h : p) : p := by show p; exact h"),
    _tac("tacticHave__", "example (p : Prop) (h : p) : p := by have g : p := h; exact g", "have"),
    _tac("tacticHave'", None, "have'"),
    _tac("tacticLet__", "example : 2 = 2 := by let x := 2; rfl", "let"),
    _tac(
        "tacticSuffices_",
        "example (p : Prop) (h : p) : p := by\n  suffices g : p by exact g\n  exact h",
        "suffices",
    ),
    _tac("assumption", "example (p : Prop) (h : p) : p := by assumption"),
    _tac("contradiction", "example (p : Prop) (h : False) : p := by contradiction"),
    _tac("tacticExfalso", "example (p : Prop) (h : False) : p := by exfalso; exact h", "exfalso"),
    _tac("tacticTrivial", "example : True := by trivial", "trivial"),
    _tac("left", "example (p q : Prop) (h : p) : p ∨ q := by left; exact h"),
    _tac("right", "example (p q : Prop) (h : q) : p ∨ q := by right; exact h"),
    _tac("focus", "example (p : Prop) (h : p) : p := by focus exact h"),
    _tac("skip", "example (p : Prop) (h : p) : p := by skip; exact h"),
    _tac("done", "example (p : Prop) (h : p) : p := by exact h; done"),
    _tac("first", "example (p : Prop) (h : p) : p := by first | rfl | exact h"),
    _tac("tacticTry_", "example (p : Prop) (h : p) : p := by\n  try rfl\n  exact h", "try"),
    _tac(
        "tacticRepeat_",
        "example (p : Prop) (h : p) : p ∧ p ∧ p := by repeat (first | exact h | constructor)",
        "repeat",
    ),
    _tac("repeat'", None),
    _tac("paren", "example (p : Prop) (h : p) : p := by (exact h)", "( )"),
    _tac(
        "allGoals",
        "example (p : Prop) (h : p) : p ∧ p := by constructor; all_goals exact h",
        "all_goals",
    ),
    _tac(
        "anyGoals",
        "example (p : Prop) (h : p) : p ∧ p := by constructor; any_goals exact h",
        "any_goals",
    ),
    _tac(
        "case",
        "example (p q : Prop) (a : p) (b : q) : p ∧ q := by\n  constructor\n  case left => exact a\n  case right => exact b",
    ),
    _tac("case'", None),
    _tac(
        "tacticNext_=>_",
        "example (p q : Prop) (a : p) (b : q) : p ∧ q := by\n  constructor\n  next => exact a\n  next => exact b",
        "next",
    ),
    _tac("tacticSorry", "example (p : Prop) : p := by sorry", "sorry"),
    _tac("tacticAdmit", "example (p : Prop) : p := by admit", "admit"),
    _tac("withReducible", None, "with_reducible"),
    _tac("tacticRefine_lift_", None, "refine_lift"),
    _tac("tacticRefine_lift'_", None, "refine_lift'"),
    _tac(
        "specialize", "example (p q : Prop) (f : p → q) (h : p) : q := by specialize f h; exact f"
    ),
    _tac("subst", "example (a b : Nat) (h : a = b) : b = a := by subst h; rfl"),
    _tac("unfold", "example (a : Nat) : id a = a := by unfold id; rfl"),
    _tac("injection", "example (a b : Nat) (h : a + 1 = b + 1) : a = b := by injection h"),
    _tac("change", "example (a : Nat) (h : a = 2) : id a = 2 := by change a = 2; exact h"),
    _tac("generalize", "example (a : Nat) : a = a := by generalize a = b; rfl"),
    _tac("revert", "example (p : Prop) (h : p) : p := by revert h; intro g; exact g"),
    _tac("clear", "example (p q : Prop) (h : p) (g : q) : p := by clear g; exact h"),
    _tac("tacticNofun", "example : False → False := by nofun", "nofun"),
    _tac("tacticNomatch_,,", "example (h : False) : 1 = 2 := by nomatch h", "nomatch"),
    _tac("tacticExists_,,", "example : ∃ n : Nat, n = 2 := by exists 2", "exists"),
    _tac("symm", "example (a b : Nat) (h : a = b) : b = a := by symm; exact h"),
    _tac("exact?", "example (p q : Prop) (a : p) (b : q) : p ∧ q := by exact?"),
    _tac("apply?", None),
    _tac("tacticUnhygienic_", None, "unhygienic"),
    _tac(
        "tacticBy_cases_:_",
        "example (p : Prop) [Decidable p] : p ∨ ¬p := by\n  by_cases h : p\n  · exact Or.inl h\n  · exact Or.inr h",
        "by_cases",
        ns="",
    ),
    _tac("congr", "example (f : Nat → Nat) (a b : Nat) (h : a = b) : f a = f b := by congr"),
    _tac(
        "Lean.calcTactic",
        "example (a b c : Nat) (h : a = b) (g : b = c) : a = c := by\n  calc a = b := h\n    _ = c := g",
        "calc (tactic)",
    ),
    _tac(
        "Lean.cdot",
        "example (p : Prop) (h : p) : p ∧ p := by\n  constructor\n  · exact h\n  · exact h",
        "·",
    ),
    SyntaxKind(
        T + "tactic_<;>_",
        "tactic",
        True,
        "example (p : Prop) (h : p) : p ∧ p := by constructor <;> exact h",
        "<;>",
    ),
    # --- terms -----------------------------------------------------------------------------
    SyntaxKind(
        "Lean.calc",
        "term",
        False,
        "example (a b c : Nat) (h : a = b) (g : b = c) : a = c :=\n  calc a = b := h\n    _ = c := g",
        "calc",
    ),
    SyntaxKind("term¬_", "term", False, "example (p : Prop) (h : p) : ¬¬p := fun n => n h", "¬"),
    SyntaxKind("term∃_,_", "term", False, "example : ∃ n : Nat, n = 1 := ⟨1, rfl⟩", "∃"),
    SyntaxKind(
        "termExists_,_", "term", False, "example : exists n : Nat, n = 1 := ⟨1, rfl⟩", "exists"
    ),
    SyntaxKind(
        "termIfThenElse",
        "term",
        False,
        "example : (if 1 = 1 then 2 else 3) = 2 := by decide",
        "if then else",
    ),
    SyntaxKind(
        "termDepIfThenElse",
        "term",
        False,
        "example : (if h : 1 = 1 then 2 else 3) = 2 := by decide",
        "if h : then else",
    ),
    SyntaxKind("term!_", "term", False, "example : (!true) = false := rfl", "!"),
    SyntaxKind(
        "term[_]",
        "term",
        False,
        "example : [1, 2] = List.cons 1 (List.cons 2 List.nil) := rfl",
        "[a, b]",
    ),
    SyntaxKind("term%[_|_]", "term", False, None, "%[ | ]"),
    SyntaxKind("term_=_", "term", True, "example : 1 = 1 := rfl", "="),
    SyntaxKind("term_≠_", "term", True, "example : 1 ≠ 2 := by decide", "≠"),
    SyntaxKind("term_∧_", "term", True, "example : True ∧ True := ⟨trivial, trivial⟩", "∧"),
    SyntaxKind("term_∨_", "term", True, "example : True ∨ False := Or.inl trivial", "∨"),
    SyntaxKind("term_↔_", "term", True, "example (p : Prop) : p ↔ p := Iff.rfl", "↔"),
    SyntaxKind("term_<->_", "term", True, "example (p : Prop) : p <-> p := Iff.rfl", "<->"),
    SyntaxKind("term_+_", "term", True, "example : 1 + 1 = 2 := rfl", "+"),
    SyntaxKind("term_-_", "term", True, "example : 3 - 1 = 2 := rfl", "-"),
    SyntaxKind("term_*_", "term", True, "example : 2 * 3 = 6 := rfl", "*"),
    SyntaxKind("term_^_", "term", True, "example : 2 ^ 3 = 8 := rfl", "^"),
    SyntaxKind("term_≤_", "term", True, "example : 1 ≤ 2 := by decide", "≤"),
    SyntaxKind("term_<_", "term", True, "example : 1 < 2 := by decide", "<"),
    SyntaxKind("term_≥_", "term", True, "example : 2 ≥ 1 := by decide", "≥"),
    SyntaxKind("term_>_", "term", True, "example : 2 > 1 := by decide", ">"),
    SyntaxKind("term_∘_", "term", True, "example (f : Nat → Nat) : (f ∘ id) 1 = f 1 := rfl", "∘"),
    SyntaxKind("term_::_", "term", True, "example : (1 :: List.nil).length = 1 := rfl", "::"),
    SyntaxKind("term_++_", "term", True, "example : [1] ++ [2] = [1, 2] := rfl", "++"),
    SyntaxKind("term_==_", "term", True, "example : (1 == 1) = true := rfl", "=="),
    SyntaxKind("term_!=_", "term", True, "example : (1 != 2) = true := rfl", "!="),
    SyntaxKind("term_&&_", "term", True, "example : (true && false) = false := rfl", "&&"),
    SyntaxKind("term_||_", "term", True, "example : (true || false) = true := rfl", "||"),
    SyntaxKind("term_×_", "term", True, "example : Nat × Nat := (1, 2)", "×"),
)

#: Constants whose compiled Init unexpanders are attached, so goals and messages print as
#: ``a = b`` and ``a + b`` instead of ``Eq a b`` and ``HAdd.hAdd a b``.
UNEXPANDED: Final[tuple[str, ...]] = (
    "Eq",
    "Ne",
    "Not",
    "And",
    "Or",
    "Iff",
    "HEq",
    "Prod",
    "HAdd.hAdd",
    "HSub.hSub",
    "HMul.hMul",
    "HPow.hPow",
    "HAppend.hAppend",
    "LE.le",
    "LT.lt",
    "GE.ge",
    "GT.gt",
    "BEq.beq",
    "bne",
    "Bool.not",
    "Bool.and",
    "Bool.or",
    "Function.comp",
    "List.cons",
    "List.nil",
    "Exists",
)
