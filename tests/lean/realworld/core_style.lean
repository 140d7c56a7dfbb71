/-!
# Arrays and lists, in the style of Lean core

Original snippets written for fimrl's regression suite (not copied from any library).
They exercise `xs[i]'h`, `next`, `match`, `if ... then ... else` in tactic mode and
`<;>` split across lines.
-/

namespace Fimrl.CoreStyle

variable {α : Type u} {β : Type v}

theorem getElem_map_fst (xs : Array (α × β)) (i : Nat) (h : i < xs.size) :
    (xs.map Prod.fst)[i]'(by simpa using h) = (xs[i]'h).1 := by
  simp

theorem getElem_cons_succ (a : α) (as : List α) (i : Nat) (h : i + 1 < (a :: as).length) :
    (a :: as)[i + 1]'h = as[i]'(by simp at h; omega) := by
  rfl

/-- The head of a nonempty list, read through `getElem` with a proof. -/
def headOf (xs : List α) (h : 0 < xs.length) : α := xs[0]'h

theorem headOf_cons (a : α) (as : List α) : headOf (a :: as) (by simp) = a := by
  unfold headOf
  rfl

theorem length_pos_of_mem {a : α} {xs : List α} (h : a ∈ xs) : 0 < xs.length := by
  cases xs
  next => cases h
  next b bs =>
  simp

theorem eq_or_ne_of_decide (p : Prop) [Decidable p] (n : Nat) : n = n := by
  if hp : p then
    rfl
  else
    exact rfl

theorem if_then_else_nested (p q : Prop) [Decidable p] [Decidable q] (n : Nat) : n + 0 = n := by
  if hp : p then
    simp
  else if hq : q then
    simp
  else
    simp

theorem or_swap' {a b : Prop} (h : a ∨ b) : b ∨ a := by
  match h with
  | .inl ha => exact .inr ha
  | .inr hb => exact .inl hb

theorem or_swap'' {a b : Prop} (h : a ∨ b) : b ∨ a := by
  refine ?_
  exact match h with
    | .inl ha => .inr ha
    | .inr hb => .inl hb

theorem and_self_both (p : Prop) (hp : p) : (p ∧ p) ∧ (p ∧ p) := by
  constructor <;>
  constructor <;>
  exact hp

theorem char_and_string : 'a'.toNat = 97 ∧ "sorry".length = 5 := by
  constructor <;> decide

theorem sum_type_swap (x : α ⊕' β) : True := by
  cases x <;> trivial

def fib : Nat → Nat
  | 0 => 0
  | 1 => 1
  | n + 2 => fib n + fib (n + 1)

theorem fib_pos {n : Nat} (h : 0 < n) : 0 < fib n := by
  induction n using Nat.strongRecOn with
  | ind n ih =>
    match n, h with
    | 1, _ => decide
    | 2, _ => decide
    | n + 3, _ =>
      have := ih (n + 1) (by omega) (by omega)
      simp only [fib] at *
      omega

end Fimrl.CoreStyle
