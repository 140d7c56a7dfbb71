prelude
import FimCore
/-!
# Tactic boundaries in real Lean

Original snippets (written for fimrl's tests) whose FIM tasks must pass with their own
reference middle in prelude Lean: `next` with its body on the same column, `match` and
`exact match` alternatives, `<;>` at a line end, `case`, bullets, `calc` steps and a
last hole that ends in a comment.  (Tactic-mode `if` is syntax from `Init`, which a
`prelude` file does not have; tests/lean/realworld covers it.)
-/

namespace FimrlSnippets.Boundaries

theorem next_same_column (p : Prop) (hp : p) : And p p := by
  constructor
  next => exact hp
  next =>
  exact hp

theorem match_alternatives (p q : Prop) (h : Or p q) : Or q p := by
  match h with
  | .inl hp => exact .inr hp
  | .inr hq => exact .inl hq

theorem exact_match (p q : Prop) (h : Or p q) : Or q p := by
  exact match h with
    | .inl hp => .inr hp
    | .inr hq => .inl hq

theorem seq_focus_line_end (p : Prop) (hp : p) : And p p := by
  constructor <;>
  exact hp

theorem case_and_bullets (p q : Prop) (hp : p) (hq : q) : And (And p q) p := by
  constructor
  · constructor
    · exact hp
    · exact hq
  case right =>
    exact hp

theorem calc_steps (a b c : Nat) (h₁ : a = b) (h₂ : b = c) : a = c := by
  calc a = b := h₁
    _ = c := by
      exact h₂

theorem trailing_comment (p : Prop) (hp : p) : p := by
  exact hp -- the last hole ends in a comment

end FimrlSnippets.Boundaries
