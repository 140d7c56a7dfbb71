prelude
import FimCore.Tactics
/-!
# FimCore.Logic — connectives, decidability, and the simp set's logical lemmas

Everything here is proved with the builtin tactics the toolchain attaches, so this file is
also a first check that they work.
-/
universe u v

def Not.elim {a : Prop} {b : Sort v} (h : ¬a) (ha : a) : b := absurd ha h
theorem mt {a b : Prop} (h : a → b) (hb : ¬b) : ¬a := fun ha => hb (h ha)
theorem not_not_intro {a : Prop} (h : a) : ¬¬a := fun n => n h
theorem Ne.symm {α : Sort u} {a b : α} (h : a ≠ b) : b ≠ a := fun e => h e.symm
theorem Ne.elim {α : Sort u} {a b : α} (h : a ≠ b) : a = b → False := h
theorem ne_of_apply_ne {α : Sort u} {β : Sort v} (f : α → β) {a b : α} (h : f a ≠ f b) : a ≠ b :=
  fun e => h (congrArg f e)

theorem And.symm {a b : Prop} (h : a ∧ b) : b ∧ a := ⟨h.2, h.1⟩
theorem And.imp {a b c d : Prop} (f : a → c) (g : b → d) (h : a ∧ b) : c ∧ d := ⟨f h.1, g h.2⟩
theorem Or.symm {a b : Prop} (h : a ∨ b) : b ∨ a := by
  cases h with
  | inl ha => exact Or.inr ha
  | inr hb => exact Or.inl hb
theorem Or.elim {a b c : Prop} (h : a ∨ b) (left : a → c) (right : b → c) : c := by
  cases h with
  | inl ha => exact left ha
  | inr hb => exact right hb
theorem Or.resolve_left {a b : Prop} (h : a ∨ b) (na : ¬a) : b := by
  cases h with
  | inl ha => exact absurd ha na
  | inr hb => exact hb
theorem Or.resolve_right {a b : Prop} (h : a ∨ b) (nb : ¬b) : a := by
  cases h with
  | inl ha => exact ha
  | inr hb => exact absurd hb nb
theorem Or.imp {a b c d : Prop} (f : a → c) (g : b → d) (h : a ∨ b) : c ∨ d := by
  cases h with
  | inl ha => exact Or.inl (f ha)
  | inr hb => exact Or.inr (g hb)

theorem Iff.symm {a b : Prop} (h : a ↔ b) : b ↔ a := ⟨h.2, h.1⟩
theorem Iff.trans {a b c : Prop} (h₁ : a ↔ b) (h₂ : b ↔ c) : a ↔ c :=
  ⟨fun ha => h₂.1 (h₁.1 ha), fun hc => h₁.2 (h₂.2 hc)⟩
theorem Iff.of_eq {a b : Prop} (h : a = b) : a ↔ b := by subst h; exact Iff.rfl
theorem iff_of_true {a b : Prop} (ha : a) (hb : b) : a ↔ b := ⟨fun _ => hb, fun _ => ha⟩
instance : Trans Iff Iff Iff := ⟨Iff.trans⟩
/-- `calc` chains that mix `=` with another relation (`a ≤ b`, `_ = c`). -/
instance {α : Sort u} {β : Sort v} (r : α → β → Prop) : Trans r Eq r := ⟨fun h e => e ▸ h⟩
instance {α : Sort u} {β : Sort v} (r : α → β → Prop) : Trans Eq r r := ⟨fun e h => e ▸ h⟩

theorem Exists.elim {α : Sort u} {p : α → Prop} {b : Prop} (h : ∃ x, p x)
    (h' : ∀ a, p a → b) : b := by
  cases h with
  | intro w hw => exact h' w hw
theorem Exists.imp {α : Sort u} {p q : α → Prop} (h : ∀ a, p a → q a) (e : ∃ a, p a) :
    ∃ a, q a := by
  cases e with
  | intro w hw => exact ⟨w, h w hw⟩

theorem Eq.substr {α : Sort u} {p : α → Prop} {a b : α} (h₁ : b = a) (h₂ : p a) : p b :=
  h₁.symm ▸ h₂
theorem Eq.congr_left {α : Sort u} {a b c : α} (h : a = b) : a = c ↔ b = c := by
  subst h; exact Iff.rfl
theorem eq_comm {α : Sort u} {a b : α} : a = b ↔ b = a := ⟨Eq.symm, Eq.symm⟩
theorem ne_comm {α : Sort u} {a b : α} : a ≠ b ↔ b ≠ a := ⟨Ne.symm, Ne.symm⟩
theorem Eq.mpr_prop {p q : Prop} (h₁ : p = q) (h₂ : q) : p := h₁ ▸ h₂

-- Congruence facts `simp` uses by name to rewrite under binders and implications.
theorem implies_congr {p₁ p₂ : Sort u} {q₁ q₂ : Sort v} (h₁ : p₁ = p₂) (h₂ : q₁ = q₂) :
    (p₁ → q₁) = (p₂ → q₂) := by
  subst h₁; subst h₂; rfl
theorem forall_congr {α : Sort u} {p q : α → Prop} (h : ∀ a, p a = q a) :
    (∀ a, p a) = (∀ a, q a) :=
  propext ⟨fun hp a => h a ▸ hp a, fun hq a => (h a).symm ▸ hq a⟩
theorem implies_congr_ctx {p₁ p₂ q₁ q₂ : Prop} (h₁ : p₁ = p₂) (h₂ : p₂ → q₁ = q₂) :
    (p₁ → q₁) = (p₂ → q₂) :=
  propext ⟨fun f hp => h₂ hp ▸ f (h₁.symm ▸ hp), fun g hp => (h₂ (h₁ ▸ hp)).symm ▸ g (h₁ ▸ hp)⟩
theorem implies_dep_congr_ctx {p₁ p₂ q₁ : Prop} (h₁ : p₁ = p₂) {q₂ : p₂ → Prop}
    (h₂ : (h : p₂) → q₁ = q₂ h) : (p₁ → q₁) = ((h : p₂) → q₂ h) :=
  propext ⟨fun f hp => h₂ hp ▸ f (h₁.symm ▸ hp), fun g hp => (h₂ (h₁ ▸ hp)).symm ▸ g (h₁ ▸ hp)⟩

-- Decidability of the connectives: `decide` evaluates compound propositions.
instance instDecidableNot {p : Prop} [dp : Decidable p] : Decidable (¬p) :=
  match dp with
  | isTrue hp => isFalse (fun n => n hp)
  | isFalse hp => isTrue hp
instance instDecidableAnd {p q : Prop} [dp : Decidable p] [dq : Decidable q] : Decidable (p ∧ q) :=
  match dp, dq with
  | isTrue hp, isTrue hq => isTrue ⟨hp, hq⟩
  | isFalse hp, _ => isFalse (fun h => hp h.1)
  | _, isFalse hq => isFalse (fun h => hq h.2)
instance instDecidableOr {p q : Prop} [dp : Decidable p] [dq : Decidable q] : Decidable (p ∨ q) :=
  match dp, dq with
  | isTrue hp, _ => isTrue (Or.inl hp)
  | _, isTrue hq => isTrue (Or.inr hq)
  | isFalse hp, isFalse hq => isFalse (fun h => h.elim hp hq)
instance instDecidableIff {p q : Prop} [dp : Decidable p] [dq : Decidable q] : Decidable (p ↔ q) :=
  match dp, dq with
  | isTrue hp, isTrue hq => isTrue ⟨fun _ => hq, fun _ => hp⟩
  | isFalse hp, isFalse hq => isTrue ⟨fun h => absurd h hp, fun h => absurd h hq⟩
  | isTrue hp, isFalse hq => isFalse (fun h => hq (h.1 hp))
  | isFalse hp, isTrue hq => isFalse (fun h => hp (h.2 hq))
instance instDecidableTrue : Decidable True := isTrue trivial
instance instDecidableFalse : Decidable False := isFalse (fun h => h)
instance instDecidableImp {p q : Prop} [dp : Decidable p] [dq : Decidable q] : Decidable (p → q) :=
  match dp, dq with
  | _, isTrue hq => isTrue (fun _ => hq)
  | isFalse hp, _ => isTrue (fun h => absurd h hp)
  | isTrue hp, isFalse hq => isFalse (fun h => hq (h hp))

theorem Decidable.em (p : Prop) [dp : Decidable p] : p ∨ ¬p := by
  cases dp with
  | isFalse h => exact Or.inr h
  | isTrue h => exact Or.inl h
theorem Decidable.byContradiction {p : Prop} [dp : Decidable p] (h : ¬p → False) : p := by
  cases dp with
  | isFalse hn => exact absurd hn h
  | isTrue hp => exact hp
theorem Decidable.not_not {p : Prop} [Decidable p] : ¬¬p ↔ p :=
  ⟨fun h => Decidable.byContradiction h, not_not_intro⟩

-- The simp set: rewriting facts about the connectives.
@[simp] theorem true_and (p : Prop) : (True ∧ p) = p :=
  propext ⟨fun h => h.2, fun h => ⟨trivial, h⟩⟩
@[simp] theorem and_true (p : Prop) : (p ∧ True) = p :=
  propext ⟨fun h => h.1, fun h => ⟨h, trivial⟩⟩
@[simp] theorem false_and (p : Prop) : (False ∧ p) = False :=
  propext ⟨fun h => h.1, fun h => h.elim⟩
@[simp] theorem and_false (p : Prop) : (p ∧ False) = False :=
  propext ⟨fun h => h.2, fun h => h.elim⟩
@[simp] theorem true_or (p : Prop) : (True ∨ p) = True :=
  propext ⟨fun _ => trivial, fun _ => Or.inl trivial⟩
@[simp] theorem or_true (p : Prop) : (p ∨ True) = True :=
  propext ⟨fun _ => trivial, fun _ => Or.inr trivial⟩
@[simp] theorem false_or (p : Prop) : (False ∨ p) = p :=
  propext ⟨fun h => h.resolve_left (fun f => f), fun h => Or.inr h⟩
@[simp] theorem or_false (p : Prop) : (p ∨ False) = p :=
  propext ⟨fun h => h.resolve_right (fun f => f), fun h => Or.inl h⟩
@[simp] theorem and_self (p : Prop) : (p ∧ p) = p := propext ⟨fun h => h.1, fun h => ⟨h, h⟩⟩
@[simp] theorem or_self (p : Prop) : (p ∨ p) = p :=
  propext ⟨fun h => h.elim id id, fun h => Or.inl h⟩
@[simp] theorem not_true_eq_false : (¬True) = False :=
  propext ⟨fun h => h trivial, fun h => h.elim⟩
@[simp] theorem not_false_eq_true : (¬False) = True := propext ⟨fun _ => trivial, fun _ h => h⟩
@[simp] theorem true_implies (p : Prop) : (True → p) = p :=
  propext ⟨fun h => h trivial, fun h _ => h⟩
@[simp] theorem false_implies (p : Prop) : (False → p) = True :=
  propext ⟨fun _ => trivial, fun _ h => h.elim⟩
@[simp] theorem imp_self (p : Prop) : (p → p) = True := propext ⟨fun _ => trivial, fun _ h => h⟩
@[simp] theorem ne_eq {α : Sort u} (a b : α) : (a ≠ b) = ¬(a = b) := rfl
attribute [simp] eq_self iff_self implies_true

attribute [symm] Eq.symm Ne.symm Iff.symm
instance instDecidableNe {α : Sort u} [DecidableEq α] (a b : α) : Decidable (a ≠ b) :=
  instDecidableNot
