prelude
import FimCore
/-! # FimCoreCorpus.Logic — implication, ∧ ∨ ↔, negation and De Morgan, `Ne`, ∃ and ∀ -/

namespace FimCoreCorpus.Logic

/-! ## Implication -/

theorem imp_refl (p : Prop) : p → p := by exact fun h => h

theorem imp_trans {p q r : Prop} (hpq : p → q) (hqr : q → r) : p → r := by
  exact fun hp => hqr (hpq hp)

theorem imp_chain_four {p q r s : Prop} (h1 : p → q) (h2 : q → r) (h3 : r → s) (hp : p) :
    s := by
  apply h3
  apply h2
  apply h1
  exact hp

theorem imp_swap {p q r : Prop} (h : p → q → r) : q → p → r := by
  intro hq hp
  exact h hp hq

theorem imp_curry {p q r : Prop} (h : p ∧ q → r) : p → q → r := by
  intro hp hq
  exact h ⟨hp, hq⟩

theorem imp_uncurry {p q r : Prop} (h : p → q → r) : p ∧ q → r := by
  intro hpq
  exact h hpq.1 hpq.2

theorem curry_iff (p q r : Prop) : (p ∧ q → r) ↔ (p → q → r) := by
  constructor
  · intro h hp hq
    exact h ⟨hp, hq⟩
  · intro h hpq
    exact h hpq.1 hpq.2

theorem modus_ponens {p q : Prop} (hp : p) (h : p → q) : q := by exact h hp

theorem modus_tollens {p q : Prop} (h : p → q) (hnq : ¬q) : ¬p := by exact fun hp => hnq (h hp)

theorem imp_and_iff (p q r : Prop) : (p → q ∧ r) ↔ (p → q) ∧ (p → r) := by
  constructor
  · intro h
    constructor
    · intro hp
      exact (h hp).1
    · intro hp
      exact (h hp).2
  · intro h hp
    exact ⟨h.1 hp, h.2 hp⟩

theorem or_imp_iff (p q r : Prop) : (p ∨ q → r) ↔ (p → r) ∧ (q → r) := by
  constructor
  · intro h
    exact ⟨fun hp => h (Or.inl hp), fun hq => h (Or.inr hq)⟩
  · intro h hpq
    cases hpq with
    | inl hp => exact h.1 hp
    | inr hq => exact h.2 hq

theorem imp_or_of_or_imp {p q r : Prop} (h : (p → q) ∨ (p → r)) : p → q ∨ r := by
  intro hp
  cases h with
  | inl hpq => exact Or.inl (hpq hp)
  | inr hpr => exact Or.inr (hpr hp)

theorem imp_imp_imp {p q r s : Prop} (hrp : r → p) (hqs : q → s) : (p → q) → (r → s) := by
  intro hpq hr
  exact hqs (hpq (hrp hr))

/-! ## Conjunction -/

theorem and_swap {p q : Prop} (h : p ∧ q) : q ∧ p := by exact ⟨h.2, h.1⟩

theorem and_comm_iff (p q : Prop) : p ∧ q ↔ q ∧ p := by
  exact ⟨fun h => ⟨h.2, h.1⟩, fun h => ⟨h.2, h.1⟩⟩

theorem and_assoc_iff (p q r : Prop) : (p ∧ q) ∧ r ↔ p ∧ (q ∧ r) := by
  constructor
  · intro h
    exact ⟨h.1.1, h.1.2, h.2⟩
  · intro h
    exact ⟨⟨h.1, h.2.1⟩, h.2.2⟩

theorem and_intro_of {p q : Prop} (hp : p) (hq : q) : p ∧ q := by
  constructor
  · exact hp
  · exact hq

theorem and_self_iff' (p : Prop) : p ∧ p ↔ p := by exact ⟨fun h => h.1, fun h => ⟨h, h⟩⟩

theorem and_map {p q r s : Prop} (f : p → r) (g : q → s) (h : p ∧ q) : r ∧ s := by
  exact ⟨f h.1, g h.2⟩

theorem and_rotate {p q r : Prop} (h : p ∧ q ∧ r) : q ∧ r ∧ p := by exact ⟨h.2.1, h.2.2, h.1⟩

theorem and_or_distrib_left (p q r : Prop) : p ∧ (q ∨ r) ↔ (p ∧ q) ∨ (p ∧ r) := by
  constructor
  · intro h
    cases h.2 with
    | inl hq => exact Or.inl ⟨h.1, hq⟩
    | inr hr => exact Or.inr ⟨h.1, hr⟩
  · intro h
    cases h with
    | inl hpq => exact ⟨hpq.1, Or.inl hpq.2⟩
    | inr hpr => exact ⟨hpr.1, Or.inr hpr.2⟩

theorem or_and_distrib_left (p q r : Prop) : p ∨ (q ∧ r) ↔ (p ∨ q) ∧ (p ∨ r) := by
  constructor
  · intro h
    cases h with
    | inl hp => exact ⟨Or.inl hp, Or.inl hp⟩
    | inr hqr => exact ⟨Or.inr hqr.1, Or.inr hqr.2⟩
  · intro h
    cases h.1 with
    | inl hp => exact Or.inl hp
    | inr hq =>
      cases h.2 with
      | inl hp => exact Or.inl hp
      | inr hr => exact Or.inr ⟨hq, hr⟩

/-! ## Disjunction -/

theorem or_swap {p q : Prop} (h : p ∨ q) : q ∨ p := by
  cases h with
  | inl hp => exact Or.inr hp
  | inr hq => exact Or.inl hq

theorem or_comm_iff (p q : Prop) : p ∨ q ↔ q ∨ p := by exact ⟨Or.symm, Or.symm⟩

theorem or_assoc_iff (p q r : Prop) : (p ∨ q) ∨ r ↔ p ∨ (q ∨ r) := by
  constructor
  · intro h
    cases h with
    | inl hpq =>
      cases hpq with
      | inl hp => exact Or.inl hp
      | inr hq => exact Or.inr (Or.inl hq)
    | inr hr => exact Or.inr (Or.inr hr)
  · intro h
    cases h with
    | inl hp => exact Or.inl (Or.inl hp)
    | inr hqr =>
      cases hqr with
      | inl hq => exact Or.inl (Or.inr hq)
      | inr hr => exact Or.inr hr

theorem or_inl_of {p q : Prop} (hp : p) : p ∨ q := by
  left
  exact hp

theorem or_self_iff' (p : Prop) : p ∨ p ↔ p := by
  constructor
  · intro h
    cases h with
    | inl hp => exact hp
    | inr hp => exact hp
  · intro hp
    exact Or.inl hp

theorem or_false_elim {p : Prop} (h : p ∨ False) : p := by
  cases h with
  | inl hp => exact hp
  | inr hf => exact False.elim hf

theorem or_map {p q r s : Prop} (f : p → r) (g : q → s) (h : p ∨ q) : r ∨ s := by exact Or.imp f g h

theorem or_resolve {p q : Prop} (h : p ∨ q) (hnp : ¬p) : q := by exact h.resolve_left hnp

theorem or_elim_three {p q r s : Prop} (h : p ∨ q ∨ r) (hp : p → s) (hq : q → s)
    (hr : r → s) : s := by
  cases h with
  | inl h1 => exact hp h1
  | inr h23 =>
    cases h23 with
    | inl h2 => exact hq h2
    | inr h3 => exact hr h3

/-! ## Biconditional -/

theorem iff_comm_iff (p q : Prop) : (p ↔ q) ↔ (q ↔ p) := by exact ⟨Iff.symm, Iff.symm⟩

theorem iff_of_imps {p q : Prop} (h1 : p → q) (h2 : q → p) : p ↔ q := by
  constructor
  · exact h1
  · exact h2

theorem iff_chain {p q r s : Prop} (h1 : p ↔ q) (h2 : r ↔ q) (h3 : r ↔ s) : p ↔ s := by
  calc p ↔ q := h1
    _ ↔ r := h2.symm
    _ ↔ s := h3

theorem and_congr_iff {p q r s : Prop} (h1 : p ↔ q) (h2 : r ↔ s) : p ∧ r ↔ q ∧ s := by
  constructor
  · intro h
    exact ⟨h1.mp h.1, h2.mp h.2⟩
  · intro h
    exact ⟨h1.mpr h.1, h2.mpr h.2⟩

theorem or_congr_iff {p q r s : Prop} (h1 : p ↔ q) (h2 : r ↔ s) : p ∨ r ↔ q ∨ s := by
  constructor
  · intro h
    exact Or.imp h1.mp h2.mp h
  · intro h
    exact Or.imp h1.mpr h2.mpr h

theorem not_congr_iff {p q : Prop} (h : p ↔ q) : ¬p ↔ ¬q := by
  constructor
  · intro hnp hq
    exact hnp (h.mpr hq)
  · intro hnq hp
    exact hnq (h.mp hp)

theorem iff_true_of {p : Prop} (hp : p) : p ↔ True := by exact ⟨fun _ => trivial, fun _ => hp⟩

theorem iff_false_of {p : Prop} (hnp : ¬p) : p ↔ False := by exact ⟨hnp, False.elim⟩

theorem and_comm_chain (p q r : Prop) : (p ∧ q) ∧ r ↔ r ∧ (q ∧ p) := by
  calc (p ∧ q) ∧ r ↔ r ∧ (p ∧ q) := and_comm_iff (p ∧ q) r
    _ ↔ r ∧ (q ∧ p) := and_congr_iff Iff.rfl (and_comm_iff p q)

/-! ## Negation and De Morgan -/

theorem dn_intro {p : Prop} (hp : p) : ¬¬p := by exact fun hn => hn hp

theorem triple_neg_elim {p : Prop} (h : ¬¬¬p) : ¬p := by
  intro hp
  exact h (fun hn => hn hp)

theorem contrapositive {p q : Prop} (h : p → q) : ¬q → ¬p := by
  intro hnq hp
  exact hnq (h hp)

theorem not_and_not_self {p : Prop} : ¬(p ∧ ¬p) := by exact fun h => h.2 h.1

theorem not_iff_not_self (p : Prop) : ¬(p ↔ ¬p) := by
  intro h
  have hnp : ¬p := by
    intro hp
    exact h.mp hp hp
  exact hnp (h.mpr hnp)

theorem not_or_iff (p q : Prop) : ¬(p ∨ q) ↔ ¬p ∧ ¬q := by
  constructor
  · intro h
    constructor
    · intro hp
      exact h (Or.inl hp)
    · intro hq
      exact h (Or.inr hq)
  · intro h hpq
    cases hpq with
    | inl hp => exact h.1 hp
    | inr hq => exact h.2 hq

theorem not_and_of_not_or_not {p q : Prop} (h : ¬p ∨ ¬q) : ¬(p ∧ q) := by
  intro hpq
  cases h with
  | inl hnp => exact hnp hpq.1
  | inr hnq => exact hnq hpq.2

theorem not_and_iff_of_dec (p q : Prop) [Decidable p] : ¬(p ∧ q) ↔ ¬p ∨ ¬q := by
  constructor
  · intro h
    by_cases hp : p
    · right
      intro hq
      exact h ⟨hp, hq⟩
    · left
      exact hp
  · exact not_and_of_not_or_not

theorem dne_of_dec {p : Prop} [Decidable p] (h : ¬¬p) : p := by
  by_cases hp : p
  · exact hp
  · exact absurd hp h

theorem contrapositive_rev {p q : Prop} [Decidable q] (h : ¬q → ¬p) : p → q := by
  intro hp
  by_cases hq : q
  · exact hq
  · exact absurd hp (h hq)

theorem imp_iff_not_or_of_dec (p q : Prop) [Decidable p] : (p → q) ↔ ¬p ∨ q := by
  constructor
  · intro h
    by_cases hp : p
    · exact Or.inr (h hp)
    · exact Or.inl hp
  · intro h hp
    cases h with
    | inl hnp => exact absurd hp hnp
    | inr hq => exact hq

theorem imp_or_iff_of_dec (p q r : Prop) [Decidable p] :
    (p → q ∨ r) ↔ (p → q) ∨ (p → r) := by
  constructor
  · intro h
    by_cases hp : p
    · cases h hp with
      | inl hq => exact Or.inl (fun _ => hq)
      | inr hr => exact Or.inr (fun _ => hr)
    · left
      intro hp'
      exact absurd hp' hp
  · exact imp_or_of_or_imp

theorem em_of_dec (p : Prop) [Decidable p] : p ∨ ¬p := by exact Decidable.em p

theorem not_not_em (p : Prop) : ¬¬(p ∨ ¬p) := by
  intro h
  apply h
  right
  intro hp
  exact h (Or.inl hp)

theorem explode {p q : Prop} (hp : p) (hnp : ¬p) : q := by exact absurd hp hnp

theorem peirce_of_dec (p q : Prop) [Decidable p] : ((p → q) → p) → p := by
  intro h
  by_cases hp : p
  · exact hp
  · apply h
    intro hp'
    exact absurd hp' hp

theorem not_not_not_iff (p : Prop) : ¬¬¬p ↔ ¬p := by
  constructor
  · exact triple_neg_elim
  · exact dn_intro

/-! ## `Ne` -/

theorem ne_symm' {α : Sort _} {a b : α} (h : a ≠ b) : b ≠ a := by exact fun e => h e.symm

theorem ne_of_eq_of_ne' {α : Sort _} {a b c : α} (h1 : a = b) (h2 : b ≠ c) : a ≠ c := by
  rw [h1]
  exact h2

theorem ne_irrefl' {α : Sort _} {a : α} (h : a ≠ a) : False := by exact h rfl

theorem three_ne_five : (3 : Nat) ≠ 5 := by decide

theorem succ_ne_self' (n : Nat) : Nat.succ n ≠ n := by
  induction n with
  | zero =>
    intro h
    contradiction
  | succ k ih =>
    intro h
    exact ih (Nat.succ_inj h)

theorem ne_of_lt' {a b : Nat} (h : a < b) : a ≠ b := by
  intro e
  rw [e] at h
  exact Nat.lt_irrefl b h

theorem ne_of_map_ne {α β : Sort _} (f : α → β) {a b : α} (h : f a ≠ f b) : a ≠ b := by
  intro e
  apply h
  rw [e]

/-! ## Quantifiers -/

theorem exists_gt_nat (n : Nat) : ∃ m : Nat, n < m := by exact ⟨Nat.succ n, Nat.lt_succ_self n⟩

theorem exists_add_three : ∃ n : Nat, n + 3 = 7 := by exact ⟨4, rfl⟩

theorem forall_and_split {α : Sort _} {p q : α → Prop} (h : ∀ x, p x ∧ q x) :
    (∀ x, p x) ∧ (∀ x, q x) := by
  constructor
  · intro x
    exact (h x).1
  · intro x
    exact (h x).2

theorem forall_and_iff' {α : Sort _} (p q : α → Prop) :
    (∀ x, p x ∧ q x) ↔ (∀ x, p x) ∧ (∀ x, q x) := by
  constructor
  · exact forall_and_split
  · intro h x
    exact ⟨h.1 x, h.2 x⟩

theorem exists_or_iff' {α : Sort _} (p q : α → Prop) :
    (∃ x, p x ∨ q x) ↔ (∃ x, p x) ∨ (∃ x, q x) := by
  constructor
  · intro h
    cases h with
    | intro w hw =>
      cases hw with
      | inl hp => exact Or.inl ⟨w, hp⟩
      | inr hq => exact Or.inr ⟨w, hq⟩
  · intro h
    cases h with
    | inl hp =>
      cases hp with
      | intro w hw => exact ⟨w, Or.inl hw⟩
    | inr hq =>
      cases hq with
      | intro w hw => exact ⟨w, Or.inr hw⟩

theorem exists_of_exists_and {α : Sort _} {p q : α → Prop} (h : ∃ x, p x ∧ q x) :
    ∃ x, p x := by
  cases h with
  | intro w hw => exact ⟨w, hw.1⟩

theorem not_exists_iff' {α : Sort _} (p : α → Prop) : (¬∃ x, p x) ↔ ∀ x, ¬p x := by
  constructor
  · intro h x hx
    exact h ⟨x, hx⟩
  · intro h hex
    cases hex with
    | intro w hw => exact h w hw

theorem not_forall_of_exists_not' {α : Sort _} {p : α → Prop} (h : ∃ x, ¬p x) :
    ¬∀ x, p x := by
  intro hall
  cases h with
  | intro w hw => exact hw (hall w)

theorem exists_swap' {α β : Sort _} {r : α → β → Prop} (h : ∃ a, ∃ b, r a b) :
    ∃ b, ∃ a, r a b := by
  cases h with
  | intro a ha =>
    cases ha with
    | intro b hb => exact ⟨b, a, hb⟩

theorem forall_mp {α : Sort _} {p q : α → Prop} (h : ∀ x, p x → q x) (hp : ∀ x, p x) :
    ∀ x, q x := by exact fun x => h x (hp x)

theorem exists_imp_iff' {α : Sort _} (p : α → Prop) (b : Prop) :
    ((∃ x, p x) → b) ↔ ∀ x, p x → b := by
  constructor
  · intro h x hx
    exact h ⟨x, hx⟩
  · intro h hex
    cases hex with
    | intro w hw => exact h w hw

theorem forall_eq_imp {α : Sort _} {p : α → Prop} (a : α) (h : p a) : ∀ x, x = a → p x := by
  intro x hx
  rw [hx]
  exact h

theorem exists_pos_nat : ∃ n : Nat, 0 < n := by exact ⟨1, Nat.zero_lt_succ 0⟩

theorem nonempty_of_exists' {α : Sort _} {p : α → Prop} (h : ∃ x, p x) : Nonempty α := by
  cases h with
  | intro w _ => exact ⟨w⟩

theorem exists_const_iff' {α : Sort _} [Inhabited α] (b : Prop) : (∃ _ : α, b) ↔ b := by
  constructor
  · intro h
    cases h with
    | intro _ hb => exact hb
  · intro hb
    exact ⟨Inhabited.default, hb⟩

theorem forall_const_nat (b : Prop) : (∀ _ : Nat, b) ↔ b := by exact ⟨fun h => h 0, fun hb _ => hb⟩

theorem exists_and_right_iff' {α : Sort _} (p : α → Prop) (b : Prop) :
    (∃ x, p x ∧ b) ↔ (∃ x, p x) ∧ b := by
  constructor
  · intro h
    cases h with
    | intro w hw => exact ⟨⟨w, hw.1⟩, hw.2⟩
  · intro h
    cases h.1 with
    | intro w hw => exact ⟨w, hw, h.2⟩

theorem exists_eq_and_iff {α : Sort _} (p : α → Prop) (a : α) :
    (∃ x, x = a ∧ p x) ↔ p a := by
  constructor
  · intro h
    cases h with
    | intro w hw =>
      have hwa : w = a := hw.1
      rw [← hwa]
      exact hw.2
  · intro ha
    exact ⟨a, rfl, ha⟩

theorem exists_common_upper (n m : Nat) : ∃ k : Nat, n ≤ k ∧ m ≤ k := by
  refine ⟨n + m, ?_, ?_⟩
  · exact Nat.le_add_right n m
  · exact Nat.le_add_left m n

theorem not_exists_lt_zero : ¬∃ n : Nat, n < 0 := by
  intro h
  cases h with
  | intro w hw => exact Nat.not_succ_le_zero w hw

theorem eq_chain {α : Sort _} {a b c d : α} (h1 : a = b) (h2 : c = b) (h3 : c = d) : a = d := by
  calc a = b := h1
    _ = c := h2.symm
    _ = d := h3

end FimCoreCorpus.Logic
