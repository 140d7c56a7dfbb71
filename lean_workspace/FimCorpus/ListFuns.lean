/-!
# Functions on core `List`

Own recursive functions over the core `List` type (`sumList`, `countIf`,
`replicate'`, `doubleAll`, `snoc`) and how they interact with core
operations such as `++`, `List.map`, `List.length` and `List.foldl`.
-/

namespace FimCorpus.ListFuns

def sumList : List Nat → Nat
  | [] => 0
  | x :: xs => x + sumList xs

def countIf (p : Nat → Bool) : List Nat → Nat
  | [] => 0
  | x :: xs => (if p x then 1 else 0) + countIf p xs

def replicate' {α : Type} : Nat → α → List α
  | 0, _ => []
  | n + 1, a => a :: replicate' n a

def doubleAll : List Nat → List Nat
  | [] => []
  | x :: xs => (2 * x) :: doubleAll xs

/-- Append a single element at the end. -/
def snoc {α : Type} : List α → α → List α
  | [], a => [a]
  | x :: xs, a => x :: snoc xs a

theorem sumList_append (xs ys : List Nat) :
    sumList (xs ++ ys) = sumList xs + sumList ys := by
  induction xs with
  | nil =>
    show sumList ys = 0 + sumList ys
    omega
  | cons x xs ih =>
    show x + sumList (xs ++ ys) = x + sumList xs + sumList ys
    omega

theorem sumList_doubleAll (xs : List Nat) : sumList (doubleAll xs) = 2 * sumList xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show 2 * x + sumList (doubleAll xs) = 2 * (x + sumList xs)
    omega

theorem length_doubleAll (xs : List Nat) : (doubleAll xs).length = xs.length := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show (doubleAll xs).length + 1 = xs.length + 1
    rw [ih]

theorem doubleAll_eq_map (xs : List Nat) : doubleAll xs = xs.map (fun x => 2 * x) := by
  induction xs with
  | nil => rfl
  | cons x xs ih => simp [doubleAll, ih]

theorem replicate'_length {α : Type} (n : Nat) (a : α) : (replicate' n a).length = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show (replicate' k a).length + 1 = k + 1
    rw [ih]

theorem replicate'_eq {α : Type} (n : Nat) (a : α) : replicate' n a = List.replicate n a := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show a :: replicate' k a = a :: List.replicate k a
    rw [ih]

theorem snoc_eq_append {α : Type} (xs : List α) (a : α) : snoc xs a = xs ++ [a] := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show x :: snoc xs a = x :: (xs ++ [a])
    rw [ih]

theorem length_snoc {α : Type} (xs : List α) (a : α) :
    (snoc xs a).length = xs.length + 1 := by
  simp [snoc_eq_append]

theorem mem_snoc {α : Type} (xs : List α) (a : α) : a ∈ snoc xs a := by
  rw [snoc_eq_append]
  simp

theorem countIf_le_length (p : Nat → Bool) (xs : List Nat) : countIf p xs ≤ xs.length := by
  induction xs with
  | nil => exact Nat.le_refl 0
  | cons x xs ih =>
    show (if p x then 1 else 0) + countIf p xs ≤ xs.length + 1
    split <;> omega

theorem countIf_append (p : Nat → Bool) (xs ys : List Nat) :
    countIf p (xs ++ ys) = countIf p xs + countIf p ys := by
  induction xs with
  | nil =>
    show countIf p ys = 0 + countIf p ys
    omega
  | cons x xs ih =>
    show (if p x then 1 else 0) + countIf p (xs ++ ys)
        = (if p x then 1 else 0) + countIf p xs + countIf p ys
    omega

theorem countIf_true (xs : List Nat) : countIf (fun _ => true) xs = xs.length := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    have h : (if true = true then 1 else 0) = 1 := rfl
    show (if true = true then 1 else 0) + countIf (fun _ => true) xs = xs.length + 1
    omega

theorem length_append_comm {α : Type} (xs ys : List α) :
    (xs ++ ys).length = (ys ++ xs).length := by
  rw [List.length_append, List.length_append]
  omega

theorem reverse_length_eq {α : Type} (xs : List α) : xs.reverse.length = xs.length := by
  simp

theorem map_append' (f : Nat → Nat) (xs ys : List Nat) :
    (xs ++ ys).map f = xs.map f ++ ys.map f := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show f x :: (xs ++ ys).map f = f x :: (xs.map f ++ ys.map f)
    rw [ih]

theorem foldl_add_eq (xs : List Nat) (acc : Nat) :
    xs.foldl (· + ·) acc = acc + sumList xs := by
  induction xs generalizing acc with
  | nil => rfl
  | cons x xs ih =>
    show xs.foldl (· + ·) (acc + x) = acc + (x + sumList xs)
    rw [ih]
    omega

theorem mem_doubleAll {xs : List Nat} {y : Nat} (h : y ∈ doubleAll xs) : y % 2 = 0 := by
  induction xs with
  | nil => simp [doubleAll] at h
  | cons x xs ih =>
    simp only [doubleAll, List.mem_cons] at h
    rcases h with h | h
    · omega
    · exact ih h

example : sumList [1, 2, 3, 4] = 10 := rfl

example : countIf (fun n => n % 2 == 0) [1, 2, 3, 4, 6] = 3 := by decide

example : snoc [1, 2] 3 = [1, 2, 3] := rfl

end FimCorpus.ListFuns
