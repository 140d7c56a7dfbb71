/-!
# Binary trees

A polymorphic binary tree with `size`, `leaves`, `depth`, `mirror`,
`flatten` (in-order traversal), `tmap`, a membership predicate and a
binary-search-tree insertion on `Nat`, plus proofs of how they interact.
-/

namespace FimCorpus

inductive Tree (α : Type) where
  | leaf : Tree α
  | node : Tree α → α → Tree α → Tree α

namespace Tree

variable {α β : Type}

/-- Number of internal nodes. -/
def size : Tree α → Nat
  | leaf => 0
  | node l _ r => size l + 1 + size r

/-- Number of leaves; always one more than `size`. -/
def leaves : Tree α → Nat
  | leaf => 1
  | node l _ r => leaves l + leaves r

def depth : Tree α → Nat
  | leaf => 0
  | node l _ r => max (depth l) (depth r) + 1

def mirror : Tree α → Tree α
  | leaf => leaf
  | node l x r => node (mirror r) x (mirror l)

/-- In-order traversal. -/
def flatten : Tree α → List α
  | leaf => []
  | node l x r => flatten l ++ x :: flatten r

def tmap (f : α → β) : Tree α → Tree β
  | leaf => leaf
  | node l x r => node (tmap f l) (f x) (tmap f r)

def sumT : Tree Nat → Nat
  | leaf => 0
  | node l x r => sumT l + x + sumT r

/-- Some node label satisfies `p`. -/
def contains (p : α → Prop) : Tree α → Prop
  | leaf => False
  | node l x r => contains p l ∨ p x ∨ contains p r

/-- Binary-search-tree insertion. -/
def ins (k : Nat) : Tree Nat → Tree Nat
  | leaf => node leaf k leaf
  | node l x r => if k < x then node (ins k l) x r else node l x (ins k r)

theorem leaves_eq_size_succ (t : Tree α) : leaves t = size t + 1 := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show leaves l + leaves r = size l + 1 + size r + 1
    omega

theorem mirror_mirror (t : Tree α) : mirror (mirror t) = t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show node (mirror (mirror l)) x (mirror (mirror r)) = node l x r
    rw [ihl, ihr]

theorem size_mirror (t : Tree α) : size (mirror t) = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show size (mirror r) + 1 + size (mirror l) = size l + 1 + size r
    omega

theorem depth_mirror (t : Tree α) : depth (mirror t) = depth t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show max (depth (mirror r)) (depth (mirror l)) + 1 = max (depth l) (depth r) + 1
    rw [ihl, ihr]
    omega

theorem length_flatten (t : Tree α) : (flatten t).length = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    simp only [flatten, size, List.length_append, List.length_cons]
    omega

theorem flatten_mirror (t : Tree α) : flatten (mirror t) = (flatten t).reverse := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr => simp [flatten, mirror, ihl, ihr]

theorem sumT_mirror (t : Tree Nat) : sumT (mirror t) = sumT t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show sumT (mirror r) + x + sumT (mirror l) = sumT l + x + sumT r
    omega

theorem size_tmap (f : α → β) (t : Tree α) : size (tmap f t) = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show size (tmap f l) + 1 + size (tmap f r) = size l + 1 + size r
    omega

theorem tmap_mirror (f : α → β) (t : Tree α) : tmap f (mirror t) = mirror (tmap f t) := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show node (tmap f (mirror r)) (f x) (tmap f (mirror l))
      = node (mirror (tmap f r)) (f x) (mirror (tmap f l))
    rw [ihl, ihr]

theorem depth_le_size (t : Tree α) : depth t ≤ size t := by
  induction t with
  | leaf => exact Nat.le_refl 0
  | node l x r ihl ihr =>
    show max (depth l) (depth r) + 1 ≤ size l + 1 + size r
    omega

theorem size_pos_of_ne_leaf {t : Tree α} (h : t ≠ leaf) : 0 < size t := by
  cases t with
  | leaf => exact (h rfl).elim
  | node l x r =>
    show 0 < size l + 1 + size r
    omega

theorem contains_mirror (p : α → Prop) (t : Tree α) :
    contains p (mirror t) ↔ contains p t := by
  induction t with
  | leaf => exact Iff.rfl
  | node l x r ihl ihr =>
    show contains p (mirror r) ∨ p x ∨ contains p (mirror l)
      ↔ contains p l ∨ p x ∨ contains p r
    rw [ihl, ihr]
    constructor
    · rintro (h | h | h)
      · exact Or.inr (Or.inr h)
      · exact Or.inr (Or.inl h)
      · exact Or.inl h
    · rintro (h | h | h)
      · exact Or.inr (Or.inr h)
      · exact Or.inr (Or.inl h)
      · exact Or.inl h

theorem size_ins (k : Nat) (t : Tree Nat) : size (ins k t) = size t + 1 := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    simp only [ins]
    split
    · show size (ins k l) + 1 + size r = size l + 1 + size r + 1
      omega
    · show size l + 1 + size (ins k r) = size l + 1 + size r + 1
      omega

theorem sumT_ins (k : Nat) (t : Tree Nat) : sumT (ins k t) = sumT t + k := by
  induction t with
  | leaf =>
    show 0 + k + 0 = 0 + k
    omega
  | node l x r ihl ihr =>
    simp only [ins]
    split
    · show sumT (ins k l) + x + sumT r = sumT l + x + sumT r + k
      omega
    · show sumT l + x + sumT (ins k r) = sumT l + x + sumT r + k
      omega

example : size (node leaf 3 (node leaf 4 leaf)) = 2 := rfl

example : flatten (ins 2 (ins 5 (ins 3 leaf))) = [2, 3, 5] := by decide

end Tree

end FimCorpus
