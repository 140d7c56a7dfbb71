/-
Original snippets written for fimrl tests: proof styles mixed from Mathlib, Batteries and
core (<;> into first, obtain patterns, generalizing, suffices ... by, match h : e,
case', exacts, one-line `;` sequences, terms continued across lines).
-/

theorem s1 (p q : Prop) (hp : p) (hq : q) : (p ∧ q) ∧ (q ∧ p) := by
  refine ⟨⟨?_, ?_⟩, ?_, ?_⟩ <;>
    first
    | exact hp
    | exact hq

theorem s2 (h : ∃ x : Nat, x = 1 ∨ x = 2) : True := by
  obtain ⟨x, rfl | rfl⟩ := h
  · trivial
  · trivial

theorem s3 (xs : List Nat) (n : Nat) : xs.length + n = n + xs.length := by
  induction xs generalizing n with
  | nil => simp
  | cons x xs ih =>
    simp only [List.length_cons] at ih ⊢
    omega

theorem s4 (f : Nat → Nat) (h : ∀ x, f x = x) : f (f 2) = 2 := by
  have key : ∀ y, f (f y) = y := fun y ↦
    by rw [h, h]
  exact key 2

theorem s5 (p : Prop) (hp : p) : p ∧ p := by
  suffices h : p by
    exact ⟨h, h⟩
  exact hp

theorem s6 (a b : Nat) (h : a ≤ b) : a ≤ b + 1 := by
  calc a ≤ b := h
    _ ≤ b + 1 := by
      omega

theorem s7 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  exacts [hp, hq]

theorem s8 (n : Nat) : n = n := by
  match h : n with
  | 0 => rfl
  | k + 1 =>
    rfl

theorem s9 (p : Prop) [Decidable p] (x : Nat) : (if p then x else x) = x := by
  split <;>
    rfl

theorem s10 (p : Prop) (hp : p) : p ∧ p ∧ p := by
  refine ⟨?_, ?_, ?_⟩
  all_goals (try exact hp)

theorem s11 (a : Nat) : a + 0 = a := by
  conv_lhs =>
    rw [Nat.add_zero]

theorem s12 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  case' left => skip
  all_goals
    first
      | exact hp
      | exact hq

theorem s13 (x : Nat) : x = x := by
  show x = x; rfl

theorem s14 (p q : Prop) (h : p ∧ q) : q ∧ p := by
  exact ⟨h.2,
    h.1⟩

theorem s15 (n : Nat) : 0 ≤ n := by
  cases n with
  | zero => exact Nat.le_refl 0
  | succ n => exact Nat.zero_le _

theorem s16 (p : Prop) (hp : p) : p := by
  have := hp; exact this

theorem s17 (f : Nat → Nat) (hf : ∀ x, f x = 0) : f 1 + f 2 = 0 := by
  rw [hf, hf]

theorem s18 (a b : Nat) : a + b = b + a := by
  induction a with
  | zero => simp
  | succ a ih => omega
termination_by a

theorem s19 (xs : Array Nat) (h : 0 < xs.size) : xs[0]'h = xs[0] := by
  rfl

theorem s20 (p : Prop) [Decidable p] : True := by
  by_cases hp : p
  · exact trivial
  · exact
      trivial
