/-!
# Orders

A hand-written `max`/`min` on `Nat` proved against the core ones, a
recursive sortedness predicate on lists, insertion sort with its length and
sortedness proofs, and a small preorder type class with two instances.
-/

namespace FimCorpus.Order

def mx (a b : Nat) : Nat := if a ≤ b then b else a

def mn (a b : Nat) : Nat := if a ≤ b then a else b

theorem le_mx_left (a b : Nat) : a ≤ mx a b := by
  unfold mx
  split <;> omega

theorem le_mx_right (a b : Nat) : b ≤ mx a b := by
  unfold mx
  split <;> omega

theorem mn_le_left (a b : Nat) : mn a b ≤ a := by
  unfold mn
  split <;> omega

theorem mn_le_right (a b : Nat) : mn a b ≤ b := by
  unfold mn
  split
  · assumption
  · exact Nat.le_refl b

theorem mn_le_mx (a b : Nat) : mn a b ≤ mx a b := by
  have h1 := mn_le_left a b
  have h2 := le_mx_left a b
  omega

theorem mx_eq_max (a b : Nat) : mx a b = max a b := by
  unfold mx
  split <;> omega

theorem mx_comm (a b : Nat) : mx a b = mx b a := by
  rw [mx_eq_max, mx_eq_max]
  omega

theorem mx_assoc (a b c : Nat) : mx (mx a b) c = mx a (mx b c) := by
  simp only [mx_eq_max]
  omega

theorem mx_self (a : Nat) : mx a a = a := by
  simp [mx]

/-- A list is sorted when each element is at most the next one. -/
def Sorted : List Nat → Prop
  | [] => True
  | [_] => True
  | x :: y :: rest => x ≤ y ∧ Sorted (y :: rest)

def insertSorted (a : Nat) : List Nat → List Nat
  | [] => [a]
  | x :: xs => if a ≤ x then a :: x :: xs else x :: insertSorted a xs

/-- Insertion sort. -/
def isort : List Nat → List Nat
  | [] => []
  | x :: xs => insertSorted x (isort xs)

theorem length_insertSorted (a : Nat) (xs : List Nat) :
    (insertSorted a xs).length = xs.length + 1 := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    simp only [insertSorted]
    split
    · rfl
    · simp [ih]

theorem length_isort (xs : List Nat) : (isort xs).length = xs.length := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show (insertSorted x (isort xs)).length = xs.length + 1
    rw [length_insertSorted, ih]

theorem sorted_tail {x : Nat} {xs : List Nat} (h : Sorted (x :: xs)) : Sorted xs := by
  cases xs with
  | nil => exact trivial
  | cons y ys => exact h.2

/-- Inserting into a sorted list keeps it sorted. -/
theorem sorted_insertSorted (a : Nat) : ∀ xs : List Nat, Sorted xs → Sorted (insertSorted a xs)
  | [], _ => trivial
  | [x], _ => by
    show Sorted (if a ≤ x then [a, x] else x :: insertSorted a [])
    split
    · exact ⟨by assumption, trivial⟩
    · exact ⟨by omega, trivial⟩
  | x :: y :: ys, h => by
    have hxy : x ≤ y := h.1
    have ih : Sorted (if a ≤ y then a :: y :: ys else y :: insertSorted a ys) :=
      sorted_insertSorted a (y :: ys) h.2
    by_cases hax : a ≤ x
    · have e : insertSorted a (x :: y :: ys) = a :: x :: y :: ys := if_pos hax
      rw [e]
      exact ⟨hax, h⟩
    · have e : insertSorted a (x :: y :: ys) = x :: insertSorted a (y :: ys) := if_neg hax
      rw [e]
      by_cases hay : a ≤ y
      · have e2 : insertSorted a (y :: ys) = a :: y :: ys := if_pos hay
        rw [if_pos hay] at ih
        rw [e2]
        exact ⟨by omega, ih⟩
      · have e2 : insertSorted a (y :: ys) = y :: insertSorted a ys := if_neg hay
        rw [if_neg hay] at ih
        rw [e2]
        exact ⟨hxy, ih⟩

theorem sorted_isort : ∀ xs : List Nat, Sorted (isort xs)
  | [] => trivial
  | x :: xs => sorted_insertSorted x (isort xs) (sorted_isort xs)

example : isort [3, 1, 2] = [1, 2, 3] := by decide

example : Sorted [1, 2, 2, 5] := ⟨by decide, ⟨by decide, ⟨by decide, trivial⟩⟩⟩

/-- A minimal preorder interface. -/
class MyPreorder (α : Type) where
  le : α → α → Prop
  refl : ∀ a, le a a
  trans : ∀ a b c, le a b → le b c → le a c

instance : MyPreorder Nat where
  le a b := a ≤ b
  refl a := Nat.le_refl a
  trans _ _ _ h1 h2 := Nat.le_trans h1 h2

/-- On `Bool`, `false` is below everything and everything is below `true`. -/
instance : MyPreorder Bool where
  le a b := a = false ∨ b = true
  refl a := by cases a <;> simp
  trans a b c h1 h2 := by
    cases a <;> cases b <;> cases c <;> simp_all

theorem MyPreorder.le_of_eq {α : Type} [MyPreorder α] {a b : α} (h : a = b) :
    MyPreorder.le a b := by
  rw [h]
  exact MyPreorder.refl b

theorem nat_le_via_class (a b c : Nat) (h1 : a ≤ b) (h2 : b ≤ c) : MyPreorder.le a c :=
  MyPreorder.trans a b c h1 h2

theorem bool_false_le (b : Bool) : MyPreorder.le false b := by
  show false = false ∨ b = true
  exact Or.inl rfl

end FimCorpus.Order
