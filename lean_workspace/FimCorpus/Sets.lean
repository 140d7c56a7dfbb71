/-!
# Functions and predicates as sets

Injectivity, surjectivity, left inverses and composition of functions, and
predicates `α → Prop` treated as sets with union, intersection, complement
and inclusion.  Equalities of predicates go through `funext` and `propext`.
-/

namespace FimCorpus.Sets

universe u v w

variable {α : Type u} {β : Type v} {γ : Type w}

def Injective (f : α → β) : Prop := ∀ a b, f a = f b → a = b

def Surjective (f : α → β) : Prop := ∀ b, ∃ a, f a = b

def LeftInverse (g : β → α) (f : α → β) : Prop := ∀ a, g (f a) = a

theorem injective_id : Injective (fun x : α => x) := by
  intro a b h
  exact h

theorem injective_comp {f : α → β} {g : β → γ} (hf : Injective f) (hg : Injective g) :
    Injective (fun x => g (f x)) := by
  intro a b h
  apply hf
  apply hg
  exact h

theorem surjective_comp {f : α → β} {g : β → γ} (hf : Surjective f) (hg : Surjective g) :
    Surjective (fun x => g (f x)) := by
  intro c
  obtain ⟨b, hb⟩ := hg c
  obtain ⟨a, ha⟩ := hf b
  refine ⟨a, ?_⟩
  show g (f a) = c
  rw [ha, hb]

theorem injective_of_leftInverse {f : α → β} {g : β → α} (h : LeftInverse g f) :
    Injective f := by
  intro a b hab
  calc a = g (f a) := (h a).symm
    _ = g (f b) := by rw [hab]
    _ = b := h b

theorem surjective_of_leftInverse {f : α → β} {g : β → α} (h : LeftInverse g f) :
    Surjective g := by
  intro a
  exact ⟨f a, h a⟩

theorem succ_injective : Injective Nat.succ := by
  intro a b h
  have h' : a + 1 = b + 1 := h
  omega

theorem double_injective : Injective (fun n : Nat => 2 * n) := by
  intro a b h
  have h' : 2 * a = 2 * b := h
  omega

theorem add_const_surjective (k : Int) : Surjective (fun x : Int => x + k) := by
  intro y
  refine ⟨y - k, ?_⟩
  show y - k + k = y
  omega

theorem not_surjective_succ : ¬ Surjective Nat.succ := by
  intro h
  obtain ⟨a, ha⟩ := h 0
  exact Nat.succ_ne_zero a ha

theorem funext_add_zero : (fun n : Nat => n + 0) = (fun n => n) := by
  funext n
  rfl

theorem comp_eta (f : α → β) (g : β → γ) :
    (fun x => g (f x)) = (fun x => (fun y => g y) (f x)) := by
  funext x
  rfl

theorem apply_twice (f : Nat → Nat) (h : ∀ n, f n = n + 1) : f (f 0) = 2 := by
  have h0 : f 0 = 1 := h 0
  have h1 : f 1 = 2 := h 1
  rw [h0, h1]

/-! ## Predicates as sets -/

/-- A "set" of `α`, as a predicate. -/
abbrev Pred (α : Type u) := α → Prop

namespace Pred

def pUnion (p q : Pred α) : Pred α := fun x => p x ∨ q x

def pInter (p q : Pred α) : Pred α := fun x => p x ∧ q x

def pCompl (p : Pred α) : Pred α := fun x => ¬ p x

def pUniv : Pred α := fun _ => True

def pEmpty : Pred α := fun _ => False

/-- Inclusion of predicates. -/
def Incl (p q : Pred α) : Prop := ∀ x, p x → q x

theorem incl_refl (p : Pred α) : Incl p p := fun _ hx => hx

theorem incl_trans {p q r : Pred α} (h1 : Incl p q) (h2 : Incl q r) : Incl p r :=
  fun x hx => h2 x (h1 x hx)

theorem inter_incl_left (p q : Pred α) : Incl (pInter p q) p := by
  intro x hx
  have hx' : p x ∧ q x := hx
  exact hx'.1

theorem incl_union_left (p q : Pred α) : Incl p (pUnion p q) := by
  intro x hx
  show p x ∨ q x
  exact Or.inl hx

theorem union_comm (p q : Pred α) : pUnion p q = pUnion q p := by
  funext x
  apply propext
  show p x ∨ q x ↔ q x ∨ p x
  constructor
  · intro h
    cases h with
    | inl h => exact Or.inr h
    | inr h => exact Or.inl h
  · intro h
    cases h with
    | inl h => exact Or.inr h
    | inr h => exact Or.inl h

theorem inter_comm (p q : Pred α) : pInter p q = pInter q p := by
  funext x
  apply propext
  show p x ∧ q x ↔ q x ∧ p x
  exact ⟨fun ⟨a, b⟩ => ⟨b, a⟩, fun ⟨a, b⟩ => ⟨b, a⟩⟩

theorem incl_compl_compl (p : Pred α) : Incl p (pCompl (pCompl p)) := by
  intro x hx
  show ¬¬ p x
  intro hnx
  exact hnx hx

theorem inter_compl_empty (p : Pred α) : pInter p (pCompl p) = pEmpty := by
  funext x
  apply propext
  show p x ∧ ¬ p x ↔ False
  constructor
  · intro ⟨h1, h2⟩
    exact h2 h1
  · intro h
    exact h.elim

theorem union_univ (p : Pred α) : pUnion p pUniv = pUniv := by
  funext x
  apply propext
  show p x ∨ True ↔ True
  exact ⟨fun _ => trivial, fun _ => Or.inr trivial⟩

theorem incl_antisymm {p q : Pred α} (h1 : Incl p q) (h2 : Incl q p) : p = q := by
  funext x
  apply propext
  exact ⟨h1 x, h2 x⟩

theorem inter_union_distrib (p q r : Pred α) :
    pInter p (pUnion q r) = pUnion (pInter p q) (pInter p r) := by
  funext x
  apply propext
  show p x ∧ (q x ∨ r x) ↔ (p x ∧ q x) ∨ (p x ∧ r x)
  constructor
  · rintro ⟨hp, hq | hr⟩
    · exact Or.inl ⟨hp, hq⟩
    · exact Or.inr ⟨hp, hr⟩
  · rintro (⟨hp, hq⟩ | ⟨hp, hr⟩)
    · exact ⟨hp, Or.inl hq⟩
    · exact ⟨hp, Or.inr hr⟩

theorem empty_incl (p : Pred α) : Incl pEmpty p := by
  intro x hx
  exact False.elim hx

def evens : Pred Nat := fun n => n % 2 = 0

def mult4 : Pred Nat := fun n => n % 4 = 0

theorem mult4_incl_evens : Incl mult4 evens := by
  intro n hn
  have h : n % 4 = 0 := hn
  show n % 2 = 0
  omega

theorem evens_union_compl : pUnion evens (pCompl evens) = pUniv := by
  funext n
  apply propext
  show n % 2 = 0 ∨ ¬ n % 2 = 0 ↔ True
  constructor
  · intro _
    trivial
  · intro _
    by_cases h : n % 2 = 0
    · exact Or.inl h
    · exact Or.inr h

end Pred

end FimCorpus.Sets
