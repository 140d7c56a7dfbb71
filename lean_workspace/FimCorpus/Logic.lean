/-!
# Propositional and first-order logic

Introduction and elimination rules for `∧`, `∨`, `→`, `↔`, `¬`, `∀` and `∃`,
written both in tactic style (`intro`, `cases`, `rcases`, `obtain`,
`constructor`, `case`, `next`, combinators) and in term style (anonymous
constructors, `fun`, `λ`).
-/

namespace FimCorpus.Logic

section Propositional

variable {p q r : Prop}

theorem and_swap' : p ∧ q → q ∧ p := fun ⟨hp, hq⟩ => ⟨hq, hp⟩

theorem or_swap' : p ∨ q → q ∨ p := by
  intro h
  cases h with
  | inl hp => exact Or.inr hp
  | inr hq => exact Or.inl hq

theorem and_assoc' : (p ∧ q) ∧ r ↔ p ∧ (q ∧ r) := by
  constructor
  · rintro ⟨⟨hp, hq⟩, hr⟩
    exact ⟨hp, hq, hr⟩
  · rintro ⟨hp, hq, hr⟩
    exact ⟨⟨hp, hq⟩, hr⟩

theorem or_assoc' : (p ∨ q) ∨ r ↔ p ∨ (q ∨ r) := by
  constructor
  · intro h
    rcases h with (hp | hq) | hr
    · exact Or.inl hp
    · exact Or.inr (Or.inl hq)
    · exact Or.inr (Or.inr hr)
  · intro h
    rcases h with hp | hq | hr
    · exact Or.inl (Or.inl hp)
    · exact Or.inl (Or.inr hq)
    · exact Or.inr hr

theorem imp_trans' (hpq : p → q) (hqr : q → r) : p → r :=
  fun hp => hqr (hpq hp)

theorem contrapositive' (h : p → q) : ¬q → ¬p := by
  intro hnq hp
  exact hnq (h hp)

theorem not_not_intro' (hp : p) : ¬¬p := fun hnp => hnp hp

theorem and_or_distrib : p ∧ (q ∨ r) ↔ (p ∧ q) ∨ (p ∧ r) := by
  constructor
  · intro ⟨hp, hqr⟩
    cases hqr with
    | inl hq => exact Or.inl ⟨hp, hq⟩
    | inr hr => exact Or.inr ⟨hp, hr⟩
  · intro h
    rcases h with ⟨hp, hq⟩ | ⟨hp, hr⟩
    · exact ⟨hp, Or.inl hq⟩
    · exact ⟨hp, Or.inr hr⟩

theorem or_and_distrib : p ∨ (q ∧ r) ↔ (p ∨ q) ∧ (p ∨ r) := by
  constructor
  · rintro (hp | ⟨hq, hr⟩)
    · exact ⟨Or.inl hp, Or.inl hp⟩
    · exact ⟨Or.inr hq, Or.inr hr⟩
  · rintro ⟨hp | hq, hpr⟩
    · exact Or.inl hp
    · rcases hpr with hp | hr
      · exact Or.inl hp
      · exact Or.inr ⟨hq, hr⟩

theorem not_or_iff : ¬(p ∨ q) ↔ ¬p ∧ ¬q := by
  constructor
  · intro h
    exact ⟨fun hp => h (Or.inl hp), fun hq => h (Or.inr hq)⟩
  · intro ⟨hnp, hnq⟩ h
    cases h with
    | inl hp => exact hnp hp
    | inr hq => exact hnq hq

theorem not_and_of_not_left (hnp : ¬p) : ¬(p ∧ q) := by
  intro h
  exact hnp h.1

theorem iff_trans' (h1 : p ↔ q) (h2 : q ↔ r) : p ↔ r :=
  ⟨fun hp => h2.mp (h1.mp hp), fun hr => h1.mpr (h2.mpr hr)⟩

theorem iff_comm' : (p ↔ q) ↔ (q ↔ p) := by
  constructor <;> intro h <;> exact h.symm

theorem exfalso_example (h : False) : p ∧ q := by
  exfalso
  exact h

theorem absurd_example (hp : p) (hnp : ¬p) : q := by
  contradiction

theorem curry' : (p ∧ q → r) ↔ (p → q → r) := by
  constructor
  · intro h hp hq
    exact h ⟨hp, hq⟩
  · intro h ⟨hp, hq⟩
    exact h hp hq

theorem dne_of_decidable [Decidable p] : ¬¬p → p := by
  intro hnn
  by_cases hp : p
  · exact hp
  · exact absurd hp hnn

theorem suffices_example (hp : p) (hpq : p → q) (hqr : q → r) : r := by
  suffices hq : q by
    exact hqr hq
  exact hpq hp

theorem show_example (hp : p) (hq : q) : p ∧ q := by
  constructor
  · show p
    exact hp
  · show q
    exact hq

theorem case_tags (hp : p) (hq : q) : p ∧ q := by
  constructor
  case left => exact hp
  case right => exact hq

theorem next_example (h : p ∨ q) : q ∨ p := by
  cases h
  next hp => exact Or.inr hp
  next hq => exact Or.inl hq

theorem first_combinator (hp : p) : q ∨ p := by
  first
  | exact Or.inl hp
  | exact Or.inr hp

theorem assumption_chain (hp : p) (hpq : p → q) (hqr : q → r) : r := by
  apply hqr
  apply hpq
  assumption

theorem all_goals_example (hp : p) (hq : q) (hr : r) : (p ∧ q) ∧ r := by
  refine ⟨⟨?_, ?_⟩, ?_⟩
  all_goals assumption

theorem any_goals_example (hp : p) : p ∧ (q → q) := by
  constructor
  any_goals exact hp
  intro hq
  exact hq

theorem repeat_split (hp : p) : p ∧ p ∧ p ∧ p := by
  repeat (first | exact hp | constructor)

end Propositional

example : True := by trivial

example : ∃ n : Nat, n + 2 = 5 := by exists 3

section Quantifiers

variable {α : Type} (P Q : α → Prop)

theorem forall_and_split : (∀ x, P x ∧ Q x) → (∀ x, P x) ∧ (∀ x, Q x) := by
  intro h
  constructor
  · intro x
    exact (h x).1
  · intro x
    exact (h x).2

theorem exists_or_split : (∃ x, P x ∨ Q x) → (∃ x, P x) ∨ (∃ x, Q x) := by
  intro ⟨x, hx⟩
  rcases hx with hp | hq
  · exact Or.inl ⟨x, hp⟩
  · exact Or.inr ⟨x, hq⟩

theorem not_exists_forall_not : (¬∃ x, P x) → ∀ x, ¬P x := by
  intro h x hx
  exact h ⟨x, hx⟩

theorem forall_not_not_exists : (∀ x, ¬P x) → ¬∃ x, P x := by
  intro h ⟨x, hx⟩
  exact h x hx

theorem exists_of_forall_inhabited [Inhabited α] (h : ∀ x, P x) : ∃ x, P x :=
  ⟨default, h default⟩

theorem exists_imp_exists (hpq : ∀ x, P x → Q x) : (∃ x, P x) → ∃ x, Q x := by
  intro h
  obtain ⟨w, hw⟩ := h
  exact ⟨w, hpq w hw⟩

theorem forall_swap_and (h : ∀ x, P x) (h' : ∀ x, Q x) : ∀ x, Q x ∧ P x :=
  fun x => ⟨h' x, h x⟩

end Quantifiers

theorem exists_gt (n : Nat) : ∃ m, n < m := ⟨n + 1, by omega⟩

theorem exists_between (a b : Nat) (h : a + 1 < b) : ∃ c, a < c ∧ c < b := by
  refine ⟨a + 1, ?_, ?_⟩ <;> omega

theorem lt_iff_succ_le (a b : Nat) : a < b ↔ a + 1 ≤ b :=
  ⟨fun h => h, fun h => h⟩

theorem ne_succ_self : ∀ n : Nat, n ≠ n + 1 := by
  intro n h
  omega

theorem lambda_refl : ∀ n : Nat, n = n := λ n => rfl

theorem unique_zero (n : Nat) (h : ∀ m : Nat, n ≤ m) : n = 0 := by
  have h0 := h 0
  omega

theorem exists_unique_pred (n : Nat) (hn : 0 < n) : ∃ m, m + 1 = n ∧ ∀ k, k + 1 = n → k = m := by
  refine ⟨n - 1, by omega, ?_⟩
  intro k hk
  omega

end FimCorpus.Logic
