prelude
import FimCore
/-!
# FimCoreCorpus.Lists — laws of FimCore's own list operations

Concrete evaluations, then facts about `length`, `++`, `map`, `reverse`, `sum` and the
membership predicate `List.Mem`, all proved from FimCore's definitions and lemmas.
-/

universe u v w

namespace FimCoreCorpus.Lists

variable {α : Type u} {β : Type v} {γ : Type w}

/-! ## Small arithmetic helpers -/

theorem add_swap_middle (a b c d : Nat) : a + b + (c + d) = a + c + (b + d) := by
  rw [Nat.add_assoc]
  rw [Nat.add_left_comm b c d]
  rw [← Nat.add_assoc]

theorem add_le_add_both {a b c d : Nat} (h₁ : a ≤ b) (h₂ : c ≤ d) : a + c ≤ b + d := by
  apply Nat.le_trans (Nat.add_le_add_right h₁ c)
  exact Nat.add_le_add_left h₂ b

theorem eq_zero_of_add_eq_zero_right {n m : Nat} (h : n + m = 0) : n = 0 := by
  rw [Nat.add_comm] at h
  exact Nat.eq_zero_of_add_eq_zero_left h

/-! ## Concrete computations -/

theorem length_three : ([4, 5, 6] : List Nat).length = 3 := by rfl

theorem append_two_two : ([1, 2] : List Nat) ++ [3, 4] = [1, 2, 3, 4] := by rfl

theorem reverse_four : List.reverse ([1, 2, 3, 4] : List Nat) = [4, 3, 2, 1] := by rfl

theorem sum_first_four : List.sum [1, 2, 3, 4] = 10 := by decide

theorem map_double_three : List.map (fun n => n * 2) [1, 2, 3] = [2, 4, 6] := by rfl

theorem sum_map_succ_three : (List.map (fun n => n + 1) [0, 1, 2]).sum = 6 := by decide

theorem length_append_literal : ([1, 2] ++ [3, 4, 5] : List Nat).length = 5 := by decide

theorem sum_reverse_literal : (List.reverse [7, 0, 5]).sum = 12 := by decide

theorem mem_two_of_three : List.Mem 2 [1, 2, 3] := by
  apply List.Mem.tail
  exact List.Mem.head _

theorem mem_last_of_three : List.Mem (9 : Nat) [7, 8, 9] := by
  exact List.Mem.tail _ (List.Mem.tail _ (List.Mem.head _))

/-! ## Length and append -/

theorem length_singleton (a : α) : [a].length = 1 := by rfl

theorem singleton_append (a : α) (l : List α) : [a] ++ l = a :: l := by rfl

theorem cons_append_eq (a : α) (l₁ l₂ : List α) : a :: (l₁ ++ l₂) = (a :: l₁) ++ l₂ := by rfl

theorem length_cons_pos (a : α) (l : List α) : 0 < (a :: l).length := by
  exact Nat.zero_lt_succ _

theorem cons_ne_nil (a : α) (l : List α) : a :: l ≠ [] := by nofun

theorem append_cons_eq_concat (l₁ : List α) (a : α) (l₂ : List α) :
    l₁ ++ a :: l₂ = l₁ ++ [a] ++ l₂ := by
  rw [List.append_assoc]
  rfl

theorem length_concat (l : List α) (a : α) : (l ++ [a]).length = l.length + 1 := by
  rw [List.length_append]
  rfl

theorem length_append_comm (l₁ l₂ : List α) : (l₁ ++ l₂).length = (l₂ ++ l₁).length := by
  rw [List.length_append, List.length_append]
  exact Nat.add_comm _ _

theorem eq_nil_of_length_eq_zero {l : List α} (h : l.length = 0) : l = [] := by
  cases l with
  | nil => rfl
  | cons a t => exact absurd h (Nat.succ_ne_zero _)

theorem length_eq_zero_iff (l : List α) : l.length = 0 ↔ l = [] := by
  constructor
  · exact eq_nil_of_length_eq_zero
  · intro h
    rw [h]
    rfl

theorem append_eq_nil_iff (l₁ l₂ : List α) : l₁ ++ l₂ = [] ↔ l₁ = [] ∧ l₂ = [] := by
  constructor
  · intro h
    cases l₁ with
    | nil => exact ⟨rfl, h⟩
    | cons a t => exact absurd h (cons_ne_nil a (t ++ l₂))
  · intro h
    rw [h.1, h.2]
    rfl

theorem append_left_cancel {l l₁ l₂ : List α} (h : l ++ l₁ = l ++ l₂) : l₁ = l₂ := by
  induction l with
  | nil => exact h
  | cons a t ih =>
    apply ih
    rw [List.cons_append, List.cons_append] at h
    injection h

theorem length_le_append_left (l₁ l₂ : List α) : l₁.length ≤ (l₁ ++ l₂).length := by
  rw [List.length_append]
  exact Nat.le_add_right _ _

theorem append_ne_nil_of_left {l₁ : List α} (l₂ : List α) (h : l₁ ≠ []) : l₁ ++ l₂ ≠ [] := by
  intro e
  exact h ((append_eq_nil_iff l₁ l₂).mp e).1

/-! ## Reverse -/

theorem reverse_singleton (a : α) : List.reverse [a] = [a] := by rfl

theorem reverse_concat (l : List α) (a : α) : List.reverse (l ++ [a]) = a :: List.reverse l := by
  rw [List.reverse_append]
  rfl

theorem length_reverse (l : List α) : (List.reverse l).length = l.length := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.reverse_cons, List.length_append, ih]
    rfl

theorem reverse_injective {l₁ l₂ : List α} (h : List.reverse l₁ = List.reverse l₂) : l₁ = l₂ := by
  rw [← List.reverse_reverse l₁, h]
  exact List.reverse_reverse l₂

theorem reverse_eq_nil_iff (l : List α) : List.reverse l = [] ↔ l = [] := by
  constructor
  · intro h
    apply reverse_injective
    exact h
  · intro h
    rw [h]
    rfl

theorem append_right_cancel {l l₁ l₂ : List α} (h : l₁ ++ l = l₂ ++ l) : l₁ = l₂ := by
  have h' := congrArg List.reverse h
  rw [List.reverse_append, List.reverse_append] at h'
  exact reverse_injective (append_left_cancel h')

theorem length_reverse_append (l₁ l₂ : List α) :
    (List.reverse (l₁ ++ l₂)).length = l₁.length + l₂.length := by
  calc (List.reverse (l₁ ++ l₂)).length
      = (List.reverse l₂ ++ List.reverse l₁).length := by rw [List.reverse_append]
    _ = (List.reverse l₂).length + (List.reverse l₁).length := List.length_append _ _
    _ = l₂.length + l₁.length := by rw [length_reverse, length_reverse]
    _ = l₁.length + l₂.length := Nat.add_comm _ _

/-! ## Map -/

theorem map_singleton (f : α → β) (a : α) : List.map f [a] = [f a] := by rfl

theorem map_id_fun (l : List α) : List.map (fun x => x) l = l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, ih]

theorem map_map (f : α → β) (g : β → γ) (l : List α) :
    List.map g (List.map f l) = List.map (fun x => g (f x)) l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, List.map_cons, List.map_cons, ih]

theorem map_concat (f : α → β) (l : List α) (a : α) :
    List.map f (l ++ [a]) = List.map f l ++ [f a] := by
  rw [List.map_append]
  rfl

theorem map_reverse (f : α → β) (l : List α) :
    List.map f (List.reverse l) = List.reverse (List.map f l) := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.reverse_cons, List.map_append, ih]
    rw [List.map_cons f a t, List.reverse_cons]
    rfl

theorem map_eq_nil_iff (f : α → β) (l : List α) : List.map f l = [] ↔ l = [] := by
  cases l with
  | nil => exact ⟨fun _ => rfl, fun _ => rfl⟩
  | cons a t =>
    constructor
    · intro h
      exact absurd h (cons_ne_nil _ _)
    · intro h
      exact absurd h (cons_ne_nil _ _)

theorem length_map_append (f : α → β) (l₁ l₂ : List α) :
    (List.map f (l₁ ++ l₂)).length = l₁.length + l₂.length := by
  rw [List.length_map]
  exact List.length_append _ _

/-! ## Sum -/

theorem sum_singleton (n : Nat) : List.sum [n] = n := by rfl

theorem sum_pair (a b : Nat) : List.sum [a, b] = a + b := by rfl

theorem sum_concat (l : List Nat) (n : Nat) : List.sum (l ++ [n]) = List.sum l + n := by
  rw [List.sum_append]
  rfl

theorem sum_reverse (l : List Nat) : List.sum (List.reverse l) = List.sum l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.reverse_cons, sum_concat, ih, List.sum_cons]
    exact Nat.add_comm _ _

theorem sum_append_comm (l₁ l₂ : List Nat) : List.sum (l₁ ++ l₂) = List.sum (l₂ ++ l₁) := by
  rw [List.sum_append, List.sum_append]
  exact Nat.add_comm _ _

theorem sum_map_one (l : List α) : List.sum (List.map (fun _ => 1) l) = l.length := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, List.sum_cons, ih, List.length_cons]
    exact Nat.add_comm _ _

theorem sum_map_zero (l : List α) : List.sum (List.map (fun _ => 0) l) = 0 := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, List.sum_cons, ih]

theorem sum_map_add (f g : α → Nat) (l : List α) :
    List.sum (List.map (fun x => f x + g x) l) =
      List.sum (List.map f l) + List.sum (List.map g l) := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, List.map_cons, List.map_cons]
    rw [List.sum_cons, List.sum_cons, List.sum_cons, ih]
    exact add_swap_middle _ _ _ _

theorem sum_map_mul_left (k : Nat) (l : List Nat) :
    List.sum (List.map (fun x => k * x) l) = k * List.sum l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.map_cons, List.sum_cons, List.sum_cons, ih]
    exact (Nat.mul_add k a (List.sum t)).symm

theorem sum_map_double (l : List Nat) : List.sum (List.map (fun x => x + x) l) = 2 * List.sum l := by
  calc List.sum (List.map (fun x => x + x) l)
      = List.sum (List.map (fun x => x) l) + List.sum (List.map (fun x => x) l) :=
        sum_map_add (fun x => x) (fun x => x) l
    _ = List.sum l + List.sum l := by rw [map_id_fun]
    _ = 2 * List.sum l := (Nat.two_mul _).symm

theorem sum_map_le_sum_map (f g : α → Nat) (h : ∀ x, f x ≤ g x) (l : List α) :
    List.sum (List.map f l) ≤ List.sum (List.map g l) := by
  induction l with
  | nil => exact Nat.le_refl 0
  | cons a t ih =>
    rw [List.map_cons, List.map_cons, List.sum_cons, List.sum_cons]
    exact add_le_add_both (h a) ih

theorem sum_eq_zero_of_nil {l : List Nat} (h : l = []) : List.sum l = 0 := by
  subst h
  rfl

theorem length_le_sum_of_pos (l : List Nat) (h : ∀ x, List.Mem x l → 1 ≤ x) :
    l.length ≤ List.sum l := by
  induction l with
  | nil => exact Nat.le_refl 0
  | cons a t ih =>
    have ha : 1 ≤ a := h a (List.Mem.head t)
    have ht : t.length ≤ List.sum t := by
      apply ih
      intro x hx
      exact h x (List.Mem.tail a hx)
    rw [List.length_cons, List.sum_cons, Nat.add_comm a]
    exact add_le_add_both ht ha

/-! ## Membership -/

theorem mem_cons_self (a : α) (l : List α) : List.Mem a (a :: l) := by
  exact List.Mem.head l

theorem mem_singleton_self (a : α) : List.Mem a [a] := List.Mem.head []

theorem not_mem_nil (a : α) : ¬List.Mem a [] := by nofun

theorem mem_of_mem_tail {a b : α} {l : List α} (h : List.Mem a l) : List.Mem a (b :: l) := by
  exact List.Mem.tail b h

theorem mem_cons_iff (a b : α) (l : List α) : List.Mem a (b :: l) ↔ a = b ∨ List.Mem a l := by
  constructor
  · intro h
    cases h with
    | head => exact Or.inl rfl
    | tail _ h' => exact Or.inr h'
  · intro h
    cases h with
    | inl e =>
      rw [e]
      exact List.Mem.head l
    | inr h' => exact List.Mem.tail b h'

theorem mem_singleton_iff (a b : α) : List.Mem a [b] ↔ a = b := by
  rw [mem_cons_iff]
  constructor
  · intro h
    cases h with
    | inl e => exact e
    | inr h' => exact absurd h' (not_mem_nil a)
  · intro e
    exact Or.inl e

theorem mem_of_mem_cons_of_ne {a b : α} {l : List α} (h : List.Mem a (b :: l)) (hne : a ≠ b) :
    List.Mem a l := by
  rw [mem_cons_iff] at h
  exact h.resolve_left hne

theorem ne_nil_of_mem {a : α} {l : List α} (h : List.Mem a l) : l ≠ [] := by
  intro e
  subst e
  exact not_mem_nil a h

theorem length_pos_of_mem {a : α} {l : List α} (h : List.Mem a l) : 0 < l.length := by
  cases h with
  | head t => exact Nat.zero_lt_succ _
  | tail b _ => exact Nat.zero_lt_succ _

theorem mem_append_right {a : α} (l₁ : List α) {l₂ : List α} (h : List.Mem a l₂) :
    List.Mem a (l₁ ++ l₂) := by
  induction l₁ with
  | nil => exact h
  | cons b t ih =>
    rw [List.cons_append]
    exact List.Mem.tail b ih

theorem mem_concat_self (l : List α) (a : α) : List.Mem a (l ++ [a]) := by
  apply mem_append_right
  exact mem_singleton_self a

theorem mem_append_iff (a : α) (l₁ l₂ : List α) :
    List.Mem a (l₁ ++ l₂) ↔ List.Mem a l₁ ∨ List.Mem a l₂ := by
  constructor
  · intro h
    induction l₁ with
    | nil => exact Or.inr h
    | cons b t ih =>
      rw [List.cons_append, mem_cons_iff] at h
      cases h with
      | inl e =>
        rw [e]
        exact Or.inl (List.Mem.head t)
      | inr h' =>
        cases ih h' with
        | inl ht => exact Or.inl (List.Mem.tail b ht)
        | inr h₂ => exact Or.inr h₂
  · intro h
    cases h with
    | inl h₁ => exact List.mem_append_left l₂ h₁
    | inr h₂ => exact mem_append_right l₁ h₂

theorem mem_append_comm {a : α} {l₁ l₂ : List α} (h : List.Mem a (l₁ ++ l₂)) :
    List.Mem a (l₂ ++ l₁) := by
  rw [mem_append_iff] at h
  rw [mem_append_iff]
  exact h.symm

theorem mem_map_of_mem (f : α → β) {a : α} {l : List α} (h : List.Mem a l) :
    List.Mem (f a) (List.map f l) := by
  induction h with
  | head t => exact List.Mem.head _
  | tail b _ ih => exact List.Mem.tail (f b) ih

theorem exists_of_mem_map {f : α → β} {b : β} {l : List α} (h : List.Mem b (List.map f l)) :
    ∃ a, List.Mem a l ∧ f a = b := by
  induction l with
  | nil => exact absurd h (not_mem_nil b)
  | cons x t ih =>
    rw [List.map_cons, mem_cons_iff] at h
    cases h with
    | inl e => exact ⟨x, List.Mem.head t, e.symm⟩
    | inr h' =>
      cases ih h' with
      | intro a ha => exact ⟨a, List.Mem.tail x ha.1, ha.2⟩

theorem mem_reverse_of_mem {a : α} {l : List α} (h : List.Mem a l) :
    List.Mem a (List.reverse l) := by
  induction h with
  | head t =>
    rw [List.reverse_cons]
    exact mem_concat_self _ a
  | tail b _ ih =>
    rw [List.reverse_cons]
    exact List.mem_append_left [b] ih

theorem mem_reverse_iff (a : α) (l : List α) : List.Mem a (List.reverse l) ↔ List.Mem a l := by
  constructor
  · intro h
    have h' := mem_reverse_of_mem h
    rw [List.reverse_reverse] at h'
    exact h'
  · exact mem_reverse_of_mem

theorem exists_append_of_mem {a : α} {l : List α} (h : List.Mem a l) :
    ∃ s t, l = s ++ a :: t := by
  induction h with
  | head t => exact ⟨[], t, rfl⟩
  | tail b _ ih =>
    cases ih with
    | intro s hs =>
      cases hs with
      | intro t ht =>
        refine ⟨b :: s, t, ?_⟩
        rw [ht]
        rfl

theorem mem_of_exists_append {a : α} {l : List α} (h : ∃ s t, l = s ++ a :: t) :
    List.Mem a l := by
  cases h with
  | intro s hs =>
    cases hs with
    | intro t ht =>
      rw [ht]
      exact mem_append_right s (List.Mem.head t)

theorem le_sum_of_mem {n : Nat} {l : List Nat} (h : List.Mem n l) : n ≤ List.sum l := by
  induction h with
  | head t =>
    rw [List.sum_cons]
    exact Nat.le_add_right _ _
  | tail b _ ih =>
    rw [List.sum_cons]
    exact Nat.le_trans ih (Nat.le_add_left _ _)

theorem sum_eq_zero_iff (l : List Nat) : List.sum l = 0 ↔ ∀ x, List.Mem x l → x = 0 := by
  constructor
  · intro h x hx
    exact Nat.eq_zero_of_le_zero (h ▸ le_sum_of_mem hx)
  · intro h
    induction l with
    | nil => rfl
    | cons a t ih =>
      have ha : a = 0 := h a (List.Mem.head t)
      have ht : List.sum t = 0 := by
        apply ih
        intro x hx
        exact h x (List.Mem.tail a hx)
      rw [List.sum_cons, ha, ht]

theorem mem_map_const {b c : β} {l : List α} (h : List.Mem c (List.map (fun _ => b) l)) :
    c = b := by
  cases exists_of_mem_map h with
  | intro a ha => exact ha.2.symm

end FimCoreCorpus.Lists
