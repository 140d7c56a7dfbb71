/-!
# Linear arithmetic

Facts about `Nat` and `Int` arithmetic: truncated subtraction, division and
remainder by literals, `min`/`max`, parity and divisibility by constants.
Most proofs lean on `omega`, sometimes after a few `have` steps that expose
the linear structure of the problem.
-/

namespace FimCorpus.Arith

theorem add_sub_cancel_right' (a b : Nat) : a + b - b = a := by omega

theorem sub_add_of_le' {a b : Nat} (h : b ≤ a) : a - b + b = a := by omega

theorem sub_eq_zero_of_le' {a b : Nat} (h : a ≤ b) : a - b = 0 := by omega

theorem lt_of_add_lt' {a b c : Nat} (h : a + b < c) : a < c := by omega

theorem mod_two_cases (n : Nat) : n % 2 = 0 ∨ n % 2 = 1 := by omega

theorem div_two_le (n : Nat) : n / 2 ≤ n := by omega

theorem two_mul_div_two {n : Nat} (h : n % 2 = 0) : 2 * (n / 2) = n := by omega

theorem mod_three_lt (n : Nat) : n % 3 < 3 := by omega

theorem int_neg_neg (x : Int) : -(-x) = x := by omega

theorem int_sub_self (x : Int) : x - x = 0 := by omega

theorem int_sign_cases (x : Int) : 0 ≤ x ∨ 0 < -x := by omega

theorem two_apart {a b c : Nat} (h1 : a < b) (h2 : b < c) : a + 2 ≤ c := by
  have h3 : a + 1 ≤ b := h1
  have h4 : b + 1 ≤ c := h2
  omega

theorem weighted_bound (x y : Nat) (hx : x ≤ 10) (hy : y ≤ 20) : x + 2 * y ≤ 50 := by
  omega

theorem two_mul_ne_seven (x : Nat) : 2 * x ≠ 7 := by
  intro h
  omega

theorem odd_add_odd {a b : Nat} (ha : a % 2 = 1) (hb : b % 2 = 1) : (a + b) % 2 = 0 := by
  omega

theorem max_cases (a b : Nat) : max a b = a ∨ max a b = b := by
  omega

theorem min_le_max (a b : Nat) : min a b ≤ max a b := by
  omega

theorem min_add_max (a b : Nat) : min a b + max a b = a + b := by
  omega

/-- Euclidean division by a literal, spelled out. -/
theorem div_mod_seven (n : Nat) : n = 7 * (n / 7) + n % 7 := by
  omega

theorem sub_sub_comm' (a b c : Nat) : a - b - c = a - c - b := by
  omega

theorem not_lt_self (n : Nat) : ¬ n < n := by
  omega

theorem exists_half (n : Nat) (h : n % 2 = 0) : ∃ k, n = 2 * k := by
  refine ⟨n / 2, ?_⟩
  omega

theorem exists_odd_half (n : Nat) (h : n % 2 = 1) : ∃ k, n = 2 * k + 1 :=
  ⟨n / 2, by omega⟩

theorem not_even_and_odd (n : Nat) : ¬ (n % 2 = 0 ∧ n % 2 = 1) := by
  rintro ⟨h0, h1⟩
  omega

theorem int_linear_system (x y : Int) (h1 : x + y = 10) (h2 : x - y = 4) :
    x = 7 ∧ y = 3 := by
  constructor <;> omega

theorem int_mul_lit (x : Int) (h : 3 * x = 12) : x = 4 := by
  omega

theorem nat_cast_le (a b : Nat) (h : a ≤ b) : (a : Int) ≤ (b : Int) := by
  omega

theorem three_consecutive (n : Nat) : 3 ∣ n + (n + 1) + (n + 2) := by
  omega

theorem pinned_even (n : Nat) (h1 : 5 < n) (h2 : n < 8) (h3 : n % 2 = 0) : n = 6 := by
  omega

theorem le_or_gt (a b : Nat) : a ≤ b ∨ b < a := by
  by_cases h : a ≤ b
  · exact Or.inl h
  · right
    omega

theorem exists_abs (x : Int) : ∃ y : Int, 0 ≤ y ∧ (y = x ∨ y = -x) := by
  by_cases h : 0 ≤ x
  · exact ⟨x, h, Or.inl rfl⟩
  · refine ⟨-x, ?_, Or.inr rfl⟩
    omega

theorem mod_add_mod_five (a b : Nat) : (a % 5 + b % 5) % 5 = (a + b) % 5 := by
  omega

theorem step_chain (a b c d : Nat) (h1 : a ≤ b) (h2 : b + 1 ≤ c) (h3 : c ≤ d - 1)
    (h4 : 1 ≤ d) : a < d := by
  have hbc : b < c := by omega
  have hcd : c < d := by
    have : d - 1 + 1 = d := by omega
    omega
  omega

example : (17 : Nat) % 5 = 2 := by decide

example : (2 : Nat) + 2 ≠ 5 := by decide

example : (100 : Nat) / 7 = 14 := by decide

end FimCorpus.Arith
