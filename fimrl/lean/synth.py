"""Random Lean 4 files for property tests and the scan benchmark.

The generated text is *syntactically* shaped like real Lean (scopes, attributes,
doc comments, nested comments, strings, every tactic form :mod:`fimrl.lean.tactics`
understands, term-mode proofs with nested ``by``, equation compilers with
``termination_by``), not necessarily provable: the FIM invariants this feeds are about
text and structure.  Everything is driven by one ``random.Random(seed)``, so a failing
property test names its seed and can be replayed.
"""

from __future__ import annotations

import random

__all__ = ["generate_corpus", "generate_file"]

_NAMES = ["h", "h'", "hx", "hab", "ih", "h₁", "h₂", "this", "hn", "hε"]
_VARS = ["n", "m", "k", "a", "b", "x", "y", "α", "xs", "ℓ"]
_SIMPLE = [
    "simp",
    "simp [{h}]",
    "simp only [Nat.add_comm, {h}] at {h2} ⊢",
    "rfl",
    "omega",
    "exact {h}",
    "exact ⟨{h}, fun {v} => {h2}⟩",
    "apply Nat.le_of_lt_succ",
    "intro {v} {h}",
    "rw [← Nat.succ_eq_add_one, {h}]",
    "norm_num",
    "linarith [{h}, {h2}]",
    "constructor",
    "assumption",
    "exact?",
    "unfold foo at {h}",
    "specialize {h} ({v} + 1)",
    "refine ⟨?_, ?_⟩",
    "exact Nat.lt_of_lt_of_le (by omega) {h}",
    "show {v} + 0 = {v}",
    "decide",
    "contradiction",
    "trivial",
    'trace "done {{x}} -- not a comment"',
]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.counter = 0

    def pick(self, xs: list[str]) -> str:
        return xs[self.r.randrange(len(xs))]

    def simple(self) -> str:
        t = self.pick(_SIMPLE)
        return t.format(h=self.pick(_NAMES), h2=self.pick(_NAMES), v=self.pick(_VARS))

    def comment(self) -> str:
        r = self.r.random()
        if r < 0.4:
            return "-- a remark with `code` and sorry-free text"
        if r < 0.7:
            return "/- block /- nested -/ comment -/"
        return '/- "quoted" -/'

    def block(self, ind: int, depth: int, n: int | None = None) -> list[str]:
        """Lines of a tactic sequence at indentation ``ind``."""
        count = n if n is not None else self.r.randint(1, 4 if depth < 2 else 2)
        lines: list[str] = []
        for _ in range(count):
            if self.r.random() < 0.08:
                lines.append(" " * ind + self.comment())
            lines.extend(self.tactic(ind, depth))
        return lines

    def tactic(self, ind: int, depth: int) -> list[str]:
        pad = " " * ind
        r = self.r.random()
        if depth >= 3 or r < 0.35:
            t = self.simple()
            if self.r.random() < 0.1:
                t += " <;> " + self.simple()
            if self.r.random() < 0.08:
                t += "; " + self.simple()
            if self.r.random() < 0.05:
                t += "  " + self.comment()
            return [pad + t]
        r = self.r.random()
        d = depth + 1
        v = self.pick(_VARS)
        h = self.pick(_NAMES)
        if r < 0.12:
            inner = self.block(ind + 2, d)
            return [pad + "· " + inner[0].lstrip(), *inner[1:]]
        if r < 0.22:
            return [
                f"{pad}have {h} : {v} ≤ {v} + 1 := by",
                *self.block(ind + 2, d),
            ]
        if r < 0.27:
            return [f"{pad}have {h} : ({v} : Nat) = {v} := by {self.simple()}"]
        if r < 0.37:
            kw = self.pick(["induction", "cases"])
            out = [f"{pad}{kw} {v} with"]
            arm_ind = ind if self.r.random() < 0.5 else ind + 2
            for arm in ["zero", f"succ {self.pick(_VARS)} ih"]:
                if self.r.random() < 0.5:
                    out.append(f"{' ' * arm_ind}| {arm} => {self.simple()}")
                else:
                    out.append(f"{' ' * arm_ind}| {arm} =>")
                    out.extend(self.block(arm_ind + 2, d))
            return out
        if r < 0.45:
            steps = [
                f"{pad}calc {v} = {v} + 0 := by simp",
                f"{pad}  _ ≤ {v} + 1 := by",
                *self.block(ind + 4, d, 1),
                f"{pad}  _ = ({v} + 1) * 1 := (Nat.mul_one _).symm",
            ]
            if self.r.random() < 0.5:
                steps = [f"{pad}calc {v}", f"{pad}  _ = {v} + 0 := by rfl", *steps[1:]]
            return steps
        if r < 0.52:
            out = []
            for tag in ["inl", "inr"]:
                out.append(f"{pad}case {tag} {h} =>")
                out.extend(self.block(ind + 2, d))
            if self.r.random() < 0.3:
                out.append(f"{pad}next => {self.simple()}")
            return out
        if r < 0.58:
            return [
                f"{pad}rcases {h} with ⟨{v}, hx⟩ | ⟨{v}, hy⟩",
                f"{pad}obtain ⟨w, hw⟩ : ∃ w, w = {v} := ⟨_, rfl⟩",
            ]
        if r < 0.64:
            return [f"{pad}conv at {h} =>", f"{pad}  lhs", f"{pad}  rw [Nat.add_comm]"]
        if r < 0.70:
            if self.r.random() < 0.5:
                return [f"{pad}first | {self.simple()} | {self.simple()}"]
            return [f"{pad}first", f"{pad}  | {self.simple()}", f"{pad}  | {self.simple()}"]
        if r < 0.78:
            comb = self.pick(["all_goals", "any_goals", "repeat", "try"])
            if self.r.random() < 0.5:
                return [f"{pad}{comb} {self.simple()}"]
            return [f"{pad}{comb}", *self.block(ind + 2, d)]
        if r < 0.84:
            return [
                f"{pad}match {h} with",
                f"{pad}| .inl x => {self.simple()}",
                f"{pad}| .inr y =>",
                *self.block(ind + 2, d),
            ]
        if r < 0.90:
            return [f"{pad}suffices {h} : {v} = {v} by", *self.block(ind + 2, d), f"{pad}rfl"]
        if r < 0.95:
            return [f"{pad}exact (by {self.simple()})"]
        return [f"{pad}refine ⟨fun {v} => by {self.simple()}, ?_⟩", f"{pad}exact Nat.le_refl _"]

    def name(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"

    def decl(self) -> list[str]:
        r = self.r.random()
        v = self.pick(_VARS)
        doc = (
            [f"/-- Lemma number {self.counter}: `{v}` is fine. -/"] if self.r.random() < 0.3 else []
        )
        attr = self.pick(["", "", "", "@[simp] ", "private ", "protected ", "@[simp, grind]\n"])
        if r < 0.6:
            kw = self.pick(["theorem", "theorem", "lemma"])
            head = f"{attr}{kw} {self.name('thm')} ({v} : Nat) (h : {v} < 10) : {v} ≤ {v} + 1 := by"
            out = [*doc, head, *self.block(2, 0)]
            if self.r.random() < 0.1:
                out = ["set_option maxHeartbeats 400000 in", *out]
            return out
        if r < 0.7:
            return [*doc, f"example ({v} : Nat) : {v} = {v} := by", *self.block(2, 0)]
        if r < 0.8:
            nm = self.name("term")
            return [
                f"theorem {nm} ({v} : Nat) : {v} = {v} ∧ True :=",
                f"  ⟨by {self.simple()}, by",
                *self.block(4, 1, 1),
                "  ⟩",
            ]
        if r < 0.9:
            nm = self.name("f")
            return [
                f"def {nm} : Nat → Nat",
                "  | 0 => 1",
                f"  | n + 1 => {nm} n + 1",
                "termination_by n => n",
                "decreasing_by",
                "  simp_wf",
                "  omega",
            ]
        nm = self.name("s")
        return [f'def {nm} : String := s!"x = {{1 + 1}} \\"q\\" "', f'def {nm}_raw := r#"a "b" c"#']

    def file(self, n_decls: int) -> str:
        lines = ["import Std", "", "/-! Synthetic module documentation. -/", "", "universe u"]
        ns_stack: list[str] = []
        for _ in range(n_decls):
            r = self.r.random()
            if r < 0.06 and len(ns_stack) < 3:
                nm = self.pick(["Foo", "Bar", "Baz.Qux"])
                lines.append(f"namespace {nm}")
                ns_stack.append(nm)
            elif r < 0.1 and len(ns_stack) < 3:
                lines.append("section")
                ns_stack.append("")
            elif r < 0.16 and ns_stack:
                nm = ns_stack.pop()
                lines.append(f"end {nm}".rstrip())
            elif r < 0.2:
                lines.append(self.pick(["open Nat", "variable {α : Type u} (xs : List α)"]))
            elif r < 0.22:
                lines.append("#eval 1 + 1")
            lines.append("")
            lines.extend(self.decl())
        while ns_stack:
            lines.append(f"end {ns_stack.pop()}".rstrip())
        return "\n".join(lines) + "\n"


def generate_file(seed: int, n_decls: int = 30) -> str:
    """One random Lean file with ``n_decls`` declarations (deterministic in ``seed``)."""
    return _Gen(seed).file(n_decls)


def generate_corpus(total_chars: int, *, seed: int = 0, n_decls: int = 60) -> list[str]:
    """Random files totalling at least ``total_chars`` characters."""
    out: list[str] = []
    size = 0
    i = 0
    while size < total_chars:
        text = generate_file(seed * 1_000_003 + i, n_decls)
        out.append(text)
        size += len(text)
        i += 1
    return out
