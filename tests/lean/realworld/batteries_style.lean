/-
Original snippets in the style of Batteries, written for fimrl's tests: `next` with
bodies, `termination_by`/`decreasing_by`, `where` helpers, structures, instances,
`fun ⟨a, b⟩ =>`, `show`, term-mode `by` blocks and `if` inside terms.
-/

namespace Fimrl.BatteriesStyle

structure Pt where
  x : Nat
  y : Nat
  deriving DecidableEq, Repr

instance : Inhabited Pt where
  default := ⟨0, 0⟩

theorem Pt.ext' {p q : Pt} (hx : p.x = q.x) (hy : p.y = q.y) : p = q := by
  cases p; cases q
  simp only [Pt.mk.injEq] at *
  exact ⟨hx, hy⟩

def sumTo : Nat → Nat
  | 0 => 0
  | n + 1 => (n + 1) + sumTo n

theorem sumTo_le (n : Nat) : n ≤ sumTo n := by
  induction n with
  | zero => exact Nat.le_refl 0
  | succ n ih =>
    show n + 1 ≤ (n + 1) + sumTo n
    omega

def halve (n : Nat) : Nat :=
  if h : n < 2 then 0 else 1 + halve (n - 2)
termination_by n
decreasing_by omega

theorem halve_le (n : Nat) : halve n ≤ n := by
  induction n using Nat.strongRecOn with
  | _ n ih =>
    unfold halve
    split
    next => omega
    next h =>
      have := ih (n - 2) (by omega)
      omega

theorem swap_swap {α β : Type} : ∀ p : α × β, p.swap.swap = p :=
  fun ⟨_, _⟩ => by rfl

theorem max_comm' (a b : Nat) : max a b = max b a :=
  if h : a ≤ b then by
    simp [Nat.max_def, h]
    omega
  else by
    simp [Nat.max_def, h]
    omega

theorem helper_use (n : Nat) : double n = n + n := by
  unfold double
  omega
where
  double (k : Nat) : Nat := 2 * k

theorem find_isSome {p : Nat → Bool} (xs : List Nat) (h : ∃ x ∈ xs, p x) :
    (xs.find? p).isSome := by
  rcases h with ⟨x, hx, hp⟩
  exact List.find?_isSome.mpr ⟨x, hx, hp⟩

set_option linter.unusedVariables false in
theorem with_option (n : Nat) (unused : n = n) : n = n := by
  exact rfl

open Nat in
theorem open_in (n : Nat) : succ n ≠ 0 := by
  exact succ_ne_zero n

theorem string_data : "import Mathlib".length = 14 ∧ "elab".length = 4 := by
  constructor <;> rfl

end Fimrl.BatteriesStyle
