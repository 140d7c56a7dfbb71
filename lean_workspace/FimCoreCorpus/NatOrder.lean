prelude
import FimCore
/-!
# FimCoreCorpus.NatOrder — the order on natural numbers over FimCore

Concrete comparisons, the structural facts about `Nat.le` (totality, antisymmetry, the
difference witness), monotonicity of `+` and `*`, a hand-rolled boolean comparison, and
`min`/`max`/distance written with `if-then-else`.
-/

namespace FimCoreCorpus.NatOrder

/-! ## Definitions -/

/-- Minimum via `if-then-else`. -/
def myMin (a b : Nat) : Nat := if a ≤ b then a else b

/-- Maximum via `if-then-else`. -/
def myMax (a b : Nat) : Nat := if a ≤ b then b else a

/-- Distance between two numbers, from truncated subtraction. -/
def dist (a b : Nat) : Nat := (a - b) + (b - a)

/-- A boolean comparison by structural recursion. -/
def leb : Nat → Nat → Bool
  | 0, _ => true
  | Nat.succ _, 0 => false
  | Nat.succ n, Nat.succ m => leb n m

theorem myMin_def (a b : Nat) : myMin a b = if a ≤ b then a else b := by rfl
theorem myMax_def (a b : Nat) : myMax a b = if a ≤ b then b else a := by rfl
theorem dist_def (a b : Nat) : dist a b = (a - b) + (b - a) := by rfl

/-! ## Concrete comparisons -/

theorem three_le_five : (3 : Nat) ≤ 5 := by decide
theorem two_lt_seven : (2 : Nat) < 7 := by decide
theorem not_five_le_three : ¬ (5 : Nat) ≤ 3 := by decide
theorem zero_lt_one_ex : (0 : Nat) < 1 := by decide
theorem hundred_le_two_pow_seven : 100 ≤ 2 ^ 7 := by decide
theorem sq_lt_pow : 5 * 5 < 2 ^ 5 := by decide
theorem myMin_three_eight : myMin 3 8 = 3 := by decide
theorem myMax_three_eight : myMax 3 8 = 8 := by decide
theorem dist_three_ten : dist 3 10 = 7 := by decide
theorem dist_ten_three : dist 10 3 = 7 := by decide
theorem leb_four_nine : leb 4 9 = true := by rfl
theorem leb_nine_four : leb 9 4 = false := by rfl

/-! ## One-step facts -/

theorem le_refl_ex (n : Nat) : n ≤ n := by constructor
theorem zero_le_ex (n : Nat) : 0 ≤ n := by exact Nat.zero_le n
theorem le_succ_ex (n : Nat) : n ≤ n + 1 := by exact Nat.le_succ n
theorem lt_succ_ex (n : Nat) : n < n + 1 := by exact Nat.lt_succ_self n
theorem le_add_right_ex (n m : Nat) : n ≤ n + m := by exact Nat.le_add_right n m
theorem le_add_left_ex (n m : Nat) : n ≤ m + n := by exact Nat.le_add_left n m
theorem le_of_le_ex {a b : Nat} (h : a ≤ b) : a ≤ b := by assumption
theorem lt_irrefl_ex (n : Nat) : ¬ n < n := by exact Nat.lt_irrefl n
theorem not_lt_zero (n : Nat) : ¬ n < 0 := by exact Nat.not_succ_le_zero n
theorem succ_le_of_lt {a b : Nat} (h : a < b) : a + 1 ≤ b := by exact h
theorem lt_of_succ_le {a b : Nat} (h : a + 1 ≤ b) : a < b := by exact h
theorem zero_lt_succ_ex (n : Nat) : 0 < n + 1 := by exact Nat.zero_lt_succ n
theorem leb_zero_left (n : Nat) : leb 0 n = true := by rfl
theorem leb_succ_zero (n : Nat) : leb (n + 1) 0 = false := by rfl
theorem leb_succ_succ (n m : Nat) : leb (n + 1) (m + 1) = leb n m := by rfl

theorem dist_zero_right (a : Nat) : dist a 0 = a := by
  rw [dist_def, Nat.zero_sub]
  rfl

/-! ## Short structural facts -/

theorem le_add_two {a b : Nat} (h : a ≤ b) : a ≤ b + 2 := by
  apply Nat.le_step
  apply Nat.le_step
  exact h

theorem le_of_add_le_left {a b c : Nat} (h : a + b ≤ c) : a ≤ c := by
  apply Nat.le_trans (Nat.le_add_right a b)
  exact h

theorem le_of_add_le_right {a b c : Nat} (h : a + b ≤ c) : b ≤ c := by
  apply Nat.le_trans (Nat.le_add_left b a)
  exact h

theorem lt_succ_of_le {a b : Nat} (h : a ≤ b) : a < b + 1 := by
  apply Nat.succ_le_succ
  exact h

theorem le_of_lt_succ {a b : Nat} (h : a < b + 1) : a ≤ b := by
  apply Nat.le_of_succ_le_succ
  exact h

theorem lt_succ_iff_le (a b : Nat) : a < b + 1 ↔ a ≤ b := by
  constructor
  · exact le_of_lt_succ
  · exact lt_succ_of_le

theorem succ_le_succ_iff (a b : Nat) : a + 1 ≤ b + 1 ↔ a ≤ b := by
  constructor
  · intro h
    exact Nat.le_of_succ_le_succ h
  · intro h
    exact Nat.succ_le_succ h

theorem ne_of_lt {a b : Nat} (h : a < b) : a ≠ b := by
  intro e
  subst e
  exact Nat.lt_irrefl a h

theorem lt_asymm {a b : Nat} (h : a < b) : ¬ b < a := by
  intro h'
  exact Nat.lt_irrefl a (Nat.lt_trans h h')

theorem not_le_of_lt {a b : Nat} (h : a < b) : ¬ b ≤ a := by
  intro h'
  exact Nat.lt_irrefl a (Nat.lt_of_lt_of_le h h')

theorem eq_zero_or_pos (n : Nat) : n = 0 ∨ 0 < n := by
  cases n with
  | zero =>
    left
    rfl
  | succ k =>
    right
    exact Nat.zero_lt_succ k

theorem pos_of_ne_zero {n : Nat} (h : n ≠ 0) : 0 < n := by
  cases eq_zero_or_pos n with
  | inl e => exact absurd e h
  | inr p => exact p

theorem le_one_cases {n : Nat} (h : n ≤ 1) : n = 0 ∨ n = 1 := by
  cases h with
  | refl =>
    right
    rfl
  | step h' =>
    left
    exact Nat.eq_zero_of_le_zero h'

theorem add_le_add_ex {a b c d : Nat} (h₁ : a ≤ b) (h₂ : c ≤ d) : a + c ≤ b + d := by
  calc a + c ≤ b + c := Nat.add_le_add_right h₁ c
    _ ≤ b + d := Nat.add_le_add_left h₂ b

theorem add_lt_add_right_ex {a b : Nat} (h : a < b) (k : Nat) : a + k < b + k := by
  show a + k + 1 ≤ b + k
  rw [Nat.add_right_comm]
  exact Nat.add_le_add_right h k

theorem lt_of_lt_of_le_chain {a b c d : Nat} (h₁ : a < b) (h₂ : b ≤ c) (h₃ : c < d) :
    a < d := by
  calc a < b := h₁
    _ ≤ c := h₂
    _ < d := h₃

/-! ## Totality, antisymmetry, and the difference witness -/

theorem le_antisymm_ex {a b : Nat} (h₁ : a ≤ b) (h₂ : b ≤ a) : a = b := by
  cases h₁ with
  | refl => rfl
  | step h =>
    exfalso
    have h₃ := Nat.le_trans h₂ h
    exact Nat.not_succ_le_self _ h₃

theorem le_total_ex (a b : Nat) : a ≤ b ∨ b ≤ a := by
  induction a generalizing b with
  | zero =>
    left
    exact Nat.zero_le b
  | succ k ih =>
    cases b with
    | zero =>
      right
      exact Nat.zero_le (k + 1)
    | succ j =>
      cases ih j with
      | inl h =>
        left
        exact Nat.succ_le_succ h
      | inr h =>
        right
        exact Nat.succ_le_succ h

theorem lt_or_ge (a b : Nat) : a < b ∨ b ≤ a := by
  cases le_total_ex b a with
  | inl h =>
    right
    exact h
  | inr h =>
    cases h with
    | refl =>
      right
      exact Nat.le_refl a
    | step h' =>
      left
      exact Nat.succ_le_succ h'

theorem lt_of_not_le {a b : Nat} (h : ¬ a ≤ b) : b < a := by
  cases lt_or_ge b a with
  | inl g => exact g
  | inr g => exact absurd g h

theorem le_of_not_lt {a b : Nat} (h : ¬ a < b) : b ≤ a := by
  cases lt_or_ge a b with
  | inl g => exact absurd g h
  | inr g => exact g

theorem exists_of_le {a b : Nat} (h : a ≤ b) : ∃ k, b = a + k := by
  induction h with
  | refl => exact ⟨0, rfl⟩
  | step _ ih =>
    cases ih with
    | intro k hk =>
      refine ⟨k + 1, ?_⟩
      rw [hk]
      rfl

theorem le_of_exists {a b : Nat} (h : ∃ k, b = a + k) : a ≤ b := by
  cases h with
  | intro k hk =>
    rw [hk]
    exact Nat.le_add_right a k

theorem sub_add_cancel_of_le {a b : Nat} (h : a ≤ b) : b - a + a = b := by
  cases exists_of_le h with
  | intro k hk =>
    subst hk
    rw [Nat.add_sub_cancel_left]
    exact Nat.add_comm k a

theorem sub_eq_zero_of_le {a b : Nat} (h : a ≤ b) : a - b = 0 := by
  induction h with
  | refl => exact Nat.sub_self a
  | step _ ih =>
    rw [Nat.sub_succ, ih]
    rfl

theorem sub_le_self (a b : Nat) : a - b ≤ a := by
  induction b with
  | zero => exact Nat.le_refl a
  | succ k ih =>
    rw [Nat.sub_succ]
    apply Nat.le_trans _ ih
    cases a - k with
    | zero => exact Nat.le_refl 0
    | succ j => exact Nat.le_succ j

/-! ## Monotonicity of multiplication -/

theorem mul_le_mul_left_ex (k : Nat) {a b : Nat} (h : a ≤ b) : k * a ≤ k * b := by
  cases exists_of_le h with
  | intro d hd =>
    rw [hd, Nat.left_distrib]
    exact Nat.le_add_right (k * a) (k * d)

theorem mul_le_mul_right_ex (k : Nat) {a b : Nat} (h : a ≤ b) : a * k ≤ b * k := by
  rw [Nat.mul_comm a k, Nat.mul_comm b k]
  exact mul_le_mul_left_ex k h

theorem mul_le_mul_ex {a b c d : Nat} (h₁ : a ≤ b) (h₂ : c ≤ d) : a * c ≤ b * d := by
  calc a * c ≤ b * c := mul_le_mul_right_ex c h₁
    _ ≤ b * d := mul_le_mul_left_ex b h₂

theorem le_mul_self (n : Nat) : n ≤ n * n := by
  cases n with
  | zero => exact Nat.le_refl 0
  | succ k =>
    show k + 1 ≤ (k + 1) * k + (k + 1)
    exact Nat.le_add_left (k + 1) ((k + 1) * k)

theorem le_mul_of_pos {a b : Nat} (h : 0 < b) : a ≤ a * b := by
  have h₁ : a * 1 ≤ a * b := mul_le_mul_left_ex a h
  rw [Nat.mul_one] at h₁
  exact h₁

/-! ## Add cancellation for `≤` -/

theorem le_of_add_le_add_left_ex {k a b : Nat} (h : k + a ≤ k + b) : a ≤ b := by
  induction k with
  | zero =>
    rw [Nat.zero_add, Nat.zero_add] at h
    exact h
  | succ j ih =>
    apply ih
    rw [Nat.succ_add, Nat.succ_add] at h
    exact Nat.le_of_succ_le_succ h

theorem add_le_add_iff_left (k a b : Nat) : k + a ≤ k + b ↔ a ≤ b := by
  constructor
  · exact le_of_add_le_add_left_ex
  · intro h
    exact Nat.add_le_add_left h k

/-! ## `min`, `max` and distance -/

theorem myMin_le_left (a b : Nat) : myMin a b ≤ a := by
  rw [myMin_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact Nat.le_refl a
  · rw [if_neg h]
    exact Nat.le_of_lt (lt_of_not_le h)

theorem myMin_le_right (a b : Nat) : myMin a b ≤ b := by
  rw [myMin_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact h
  · rw [if_neg h]
    exact Nat.le_refl b

theorem le_myMax_left (a b : Nat) : a ≤ myMax a b := by
  rw [myMax_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact h
  · rw [if_neg h]
    exact Nat.le_refl a

theorem le_myMax_right (a b : Nat) : b ≤ myMax a b := by
  rw [myMax_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact Nat.le_refl b
  · rw [if_neg h]
    exact Nat.le_of_lt (lt_of_not_le h)

theorem myMin_eq_left {a b : Nat} (h : a ≤ b) : myMin a b = a := by
  rw [myMin_def]
  exact if_pos h

theorem myMax_eq_right {a b : Nat} (h : a ≤ b) : myMax a b = b := by
  rw [myMax_def]
  exact if_pos h

theorem myMin_self (a : Nat) : myMin a a = a := by
  exact myMin_eq_left (Nat.le_refl a)

theorem myMax_self (a : Nat) : myMax a a = a := by
  exact myMax_eq_right (Nat.le_refl a)

theorem myMin_zero_left (a : Nat) : myMin 0 a = 0 := by
  exact myMin_eq_left (Nat.zero_le a)

theorem myMax_zero_left (a : Nat) : myMax 0 a = a := by
  exact myMax_eq_right (Nat.zero_le a)

theorem myMin_le_myMax (a b : Nat) : myMin a b ≤ myMax a b := by
  calc myMin a b ≤ a := myMin_le_left a b
    _ ≤ myMax a b := le_myMax_left a b

theorem le_myMin {a b c : Nat} (h₁ : c ≤ a) (h₂ : c ≤ b) : c ≤ myMin a b := by
  rw [myMin_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact h₁
  · rw [if_neg h]
    exact h₂

theorem myMax_le {a b c : Nat} (h₁ : a ≤ c) (h₂ : b ≤ c) : myMax a b ≤ c := by
  rw [myMax_def]
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact h₂
  · rw [if_neg h]
    exact h₁

theorem myMin_comm (a b : Nat) : myMin a b = myMin b a := by
  apply le_antisymm_ex
  · exact le_myMin (myMin_le_right a b) (myMin_le_left a b)
  · exact le_myMin (myMin_le_right b a) (myMin_le_left b a)

theorem myMax_comm (a b : Nat) : myMax a b = myMax b a := by
  apply le_antisymm_ex
  · exact myMax_le (le_myMax_right b a) (le_myMax_left b a)
  · exact myMax_le (le_myMax_right a b) (le_myMax_left a b)

theorem myMin_add_myMax (a b : Nat) : myMin a b + myMax a b = a + b := by
  rw [myMin_def, myMax_def]
  by_cases h : a ≤ b
  · rw [if_pos h, if_pos h]
  · rw [if_neg h, if_neg h]
    exact Nat.add_comm b a

theorem dist_comm (a b : Nat) : dist a b = dist b a := by
  rw [dist_def, dist_def]
  exact Nat.add_comm (a - b) (b - a)

theorem dist_self (a : Nat) : dist a a = 0 := by
  rw [dist_def, Nat.sub_self]

theorem dist_eq_sub_of_le {a b : Nat} (h : b ≤ a) : dist a b = a - b := by
  rw [dist_def]
  rw [sub_eq_zero_of_le h]
  exact Nat.add_zero (a - b)

theorem dist_add_left (a b k : Nat) : dist (a + k) (b + k) = dist a b := by
  have key : ∀ x y : Nat, x + k - (y + k) = x - y := by
    intro x y
    induction k with
    | zero => rfl
    | succ j ih =>
      show Nat.succ (x + j) - Nat.succ (y + j) = x - y
      rw [Nat.succ_sub_succ]
      exact ih
  rw [dist_def, dist_def, key a b, key b a]

/-! ## The boolean comparison `leb` -/

theorem leb_refl (n : Nat) : leb n n = true := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show leb k k = true
    exact ih

theorem le_of_leb (n m : Nat) (h : leb n m = true) : n ≤ m := by
  induction n generalizing m with
  | zero => exact Nat.zero_le m
  | succ k ih =>
    cases m with
    | zero => exact Bool.noConfusion h
    | succ j =>
      apply Nat.succ_le_succ
      exact ih j h

theorem leb_of_le {n m : Nat} (h : n ≤ m) : leb n m = true := by
  induction n generalizing m with
  | zero => rfl
  | succ k ih =>
    cases m with
    | zero => exact absurd h (Nat.not_succ_le_zero k)
    | succ j =>
      show leb k j = true
      exact ih (Nat.le_of_succ_le_succ h)

theorem leb_iff_le (n m : Nat) : leb n m = true ↔ n ≤ m := by
  constructor
  · exact le_of_leb n m
  · exact leb_of_le

theorem leb_false_iff (n m : Nat) : leb n m = false → m < n := by
  intro h
  apply lt_of_not_le
  intro hle
  rw [leb_of_le hle] at h
  exact Bool.noConfusion h

end FimCoreCorpus.NatOrder
