prelude
import FimCore.Nat
import FimCore.Bool
/-! # FimCore.List — lists: recursive functions by pattern matching and their laws -/

universe u v
namespace List
variable {α : Type u} {β : Type v}

/-- Number of elements. -/
def length : List α → Nat
  | nil => 0
  | cons _ l => length l + 1
/-- `l₁ ++ l₂`. -/
protected def append : List α → List α → List α
  | nil, l => l
  | cons a l₁, l₂ => cons a (List.append l₁ l₂)
instance : Append (List α) := ⟨List.append⟩

@[simp] theorem length_nil : (nil : List α).length = 0 := rfl
@[simp] theorem length_cons (a : α) (l : List α) : (a :: l).length = l.length + 1 := rfl
@[simp] theorem nil_append (l : List α) : [] ++ l = l := rfl
@[simp] theorem cons_append (a : α) (l₁ l₂ : List α) : (a :: l₁) ++ l₂ = a :: (l₁ ++ l₂) := rfl
@[simp] theorem append_nil (l : List α) : l ++ [] = l := by
  induction l with
  | nil => rfl
  | cons a t ih => rw [cons_append, ih]
theorem append_assoc (l₁ l₂ l₃ : List α) : l₁ ++ l₂ ++ l₃ = l₁ ++ (l₂ ++ l₃) := by
  induction l₁ with
  | nil => rfl
  | cons a t ih => rw [cons_append, cons_append, cons_append, ih]
@[simp] theorem length_append (l₁ l₂ : List α) : (l₁ ++ l₂).length = l₁.length + l₂.length := by
  induction l₁ with
  | nil => rw [nil_append, length_nil, Nat.zero_add]
  | cons a t ih => rw [cons_append, length_cons, length_cons, ih, Nat.add_right_comm]

/-- Apply `f` to every element. -/
def map (f : α → β) : List α → List β
  | [] => []
  | a :: l => f a :: map f l
@[simp] theorem map_nil (f : α → β) : map f [] = [] := rfl
@[simp] theorem map_cons (f : α → β) (a : α) (l : List α) : map f (a :: l) = f a :: map f l := rfl
@[simp] theorem length_map (f : α → β) (l : List α) : (map f l).length = l.length := by
  induction l with
  | nil => rfl
  | cons a t ih => rw [map_cons, length_cons, length_cons, ih]
theorem map_append (f : α → β) (l₁ l₂ : List α) : map f (l₁ ++ l₂) = map f l₁ ++ map f l₂ := by
  induction l₁ with
  | nil => rfl
  | cons a t ih => rw [cons_append, map_cons, map_cons, cons_append, ih]

/-- Reverse, by appending each head at the end. -/
def reverse : List α → List α
  | [] => []
  | a :: l => reverse l ++ [a]
@[simp] theorem reverse_nil : reverse ([] : List α) = [] := rfl
@[simp] theorem reverse_cons (a : α) (l : List α) : reverse (a :: l) = reverse l ++ [a] := rfl
theorem reverse_append (l₁ l₂ : List α) : reverse (l₁ ++ l₂) = reverse l₂ ++ reverse l₁ := by
  induction l₁ with
  | nil => rw [nil_append, reverse_nil, append_nil]
  | cons a t ih => rw [cons_append, reverse_cons, reverse_cons, ih, append_assoc]
theorem reverse_reverse (l : List α) : reverse (reverse l) = l := by
  induction l with
  | nil => rfl
  | cons a t ih => rw [reverse_cons, reverse_append, ih]; rfl

/-- Sum of a list of numbers. -/
def sum : List Nat → Nat
  | [] => 0
  | a :: l => a + sum l
@[simp] theorem sum_nil : sum [] = 0 := rfl
@[simp] theorem sum_cons (a : Nat) (l : List Nat) : sum (a :: l) = a + sum l := rfl
theorem sum_append (l₁ l₂ : List Nat) : sum (l₁ ++ l₂) = sum l₁ + sum l₂ := by
  induction l₁ with
  | nil => rw [nil_append, sum_nil, Nat.zero_add]
  | cons a t ih => rw [cons_append, sum_cons, sum_cons, ih, Nat.add_assoc]

/-- Membership, as a proposition. -/
inductive Mem (a : α) : List α → Prop where
  | head (l : List α) : Mem a (a :: l)
  | tail (b : α) {l : List α} : Mem a l → Mem a (b :: l)
theorem mem_append_left {a : α} {l₁ : List α} (l₂ : List α) (h : Mem a l₁) : Mem a (l₁ ++ l₂) := by
  induction h with
  | head l => exact Mem.head _
  | tail b _ ih => exact Mem.tail b ih

end List
