/-
Copyright: none. Original snippets in the style of Mathlib, written for fimrl's tests.
They use `f '' s`, `f ⁻¹' s`, `∑'`, bullets, `calc`, `obtain`, `rcases`, `conv`,
`case`, `on_goal`, `first`, `all_goals` and `show ... from`.
-/

open Function Set

namespace Fimrl.MathlibStyle

variable {α β ι : Type*} (f : α → β)

theorem image_subset_iff' {s : Set α} {t : Set β} : f '' s ⊆ t ↔ s ⊆ f ⁻¹' t := by
  constructor
  · rintro h x hx
    exact h ⟨x, hx, rfl⟩
  · rintro h _ ⟨x, hx, rfl⟩
    exact h hx

theorem preimage_comp' {g : β → ι} (t : Set ι) : (g ∘ f) ⁻¹' t = f ⁻¹' (g ⁻¹' t) := by
  ext x
  simp only [mem_preimage, comp_apply]

@[simp]
theorem tsum_zero' : ∑' _ : ℕ, (0 : ℝ) = 0 := by
  simp

theorem le_trans_calc {a b c d : ℕ} (h₁ : a ≤ b) (h₂ : b ≤ c) (h₃ : c ≤ d) : a ≤ d := by
  calc a ≤ b := h₁
    _ ≤ c := by
      exact h₂
    _ ≤ d := h₃

theorem exists_pair {p q : α → Prop} (h : ∃ x, p x ∧ q x) : ∃ x, q x ∧ p x := by
  obtain ⟨x, hp, hq⟩ := h
  exact ⟨x, hq, hp⟩

theorem rcases_or {p q r : Prop} (h : p ∨ q ∨ r) : r ∨ q ∨ p := by
  rcases h with hp | hq | hr
  · right; right; exact hp
  · right; left; exact hq
  · left
    exact hr

theorem conv_example (a b : ℕ) : a + b = b + a := by
  conv =>
    lhs
    rw [Nat.add_comm]

theorem cases_named (n : ℕ) : n = 0 ∨ 0 < n := by
  cases n
  case zero => left; rfl
  case succ k =>
    right
    exact Nat.succ_pos k

theorem on_goal_example (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  on_goal 2 => exact hq
  exact hp

theorem first_example (n : ℕ) : n + 0 = n := by
  first
  | rfl
  | simp

theorem all_goals_example (p : Prop) (hp : p) : p ∧ p ∧ p := by
  refine ⟨?_, ?_, ?_⟩
  all_goals
    exact hp

theorem show_from (a b : ℕ) (h : a = b) : b = a := by
  exact show b = a from h.symm

theorem nested_bullets (p q r : Prop) (hp : p) (hq : q) (hr : r) : (p ∧ q) ∧ r := by
  refine ⟨⟨?_, ?_⟩, ?_⟩
  · exact hp
  · -- the middle goal
    exact hq
  · exact hr  -- last one

theorem split_ifs_example (p : Prop) [Decidable p] (a : ℕ) :
    (if p then a else a) = a := by
  split_ifs with h <;>
    rfl

theorem interval_cases_style (n : ℕ) (h : n < 3) : n = 0 ∨ n = 1 ∨ n = 2 := by
  have : n ≤ 2 := by omega
  rcases n with _ | _ | _ | n
  · simp
  · simp
  · simp
  · omega

end Fimrl.MathlibStyle
