prelude
import FimCore
/-!
# FimCoreCorpus.Trees — binary trees of natural numbers

Size, depth, mirror image, sums, in-order flattening, leaf counts, maps, complete trees
and insertion into a search tree, with their laws.
-/

namespace FimCoreCorpus.Trees

/-- The larger of two numbers, by structural recursion on both. -/
def maxN : Nat → Nat → Nat
  | .zero, m => m
  | .succ n, .zero => .succ n
  | .succ n, .succ m => .succ (maxN n m)

theorem maxN_zero_left (n : Nat) : maxN 0 n = n := by rfl
theorem maxN_zero_right (n : Nat) : maxN n 0 = n := by
  cases n <;> rfl
theorem maxN_succ_succ (n m : Nat) : maxN (n + 1) (m + 1) = maxN n m + 1 := by rfl
theorem maxN_example : maxN 4 9 = 9 := by decide
theorem maxN_self (n : Nat) : maxN n n = n := by
  induction n with
  | zero => rfl
  | succ k ih => exact congrArg Nat.succ ih
theorem maxN_comm : ∀ n m : Nat, maxN n m = maxN m n := by
  intro n
  induction n with
  | zero =>
    intro m
    rw [maxN_zero_left, maxN_zero_right]
  | succ k ih =>
    intro m
    cases m with
    | zero => rfl
    | succ j => exact congrArg Nat.succ (ih j)
theorem le_maxN_left : ∀ n m : Nat, n ≤ maxN n m := by
  intro n
  induction n with
  | zero =>
    intro m
    exact Nat.zero_le _
  | succ k ih =>
    intro m
    cases m with
    | zero => exact Nat.le_refl _
    | succ j => exact Nat.succ_le_succ (ih j)
theorem le_maxN_right (n m : Nat) : m ≤ maxN n m := by
  rw [maxN_comm]
  exact le_maxN_left m n
theorem maxN_le : ∀ a b c : Nat, a ≤ c → b ≤ c → maxN a b ≤ c := by
  intro a
  induction a with
  | zero =>
    intro b c _ hb
    exact hb
  | succ n ih =>
    intro b c ha hb
    cases b with
    | zero => exact ha
    | succ m =>
      cases c with
      | zero => exact absurd ha (Nat.not_succ_le_zero n)
      | succ k =>
        exact Nat.succ_le_succ (ih m k (Nat.le_of_succ_le_succ ha) (Nat.le_of_succ_le_succ hb))

/-- A small rearrangement used for mirrored sizes. -/
theorem add_one_add_swap (a b : Nat) : a + 1 + b = b + 1 + a := by
  rw [Nat.add_right_comm a 1 b, Nat.add_comm a b, Nat.add_right_comm b a 1]

/-- Binary trees carrying a number at each node. -/
inductive Tree where
  | leaf : Tree
  | node : Tree → Nat → Tree → Tree

open Tree

def size : Tree → Nat
  | leaf => 0
  | node l _ r => size l + 1 + size r

def leaves : Tree → Nat
  | leaf => 1
  | node l _ r => leaves l + leaves r

def depth : Tree → Nat
  | leaf => 0
  | node l _ r => maxN (depth l) (depth r) + 1

def mirror : Tree → Tree
  | leaf => leaf
  | node l x r => node (mirror r) x (mirror l)

def sum : Tree → Nat
  | leaf => 0
  | node l x r => sum l + x + sum r

def flatten : Tree → List Nat
  | leaf => []
  | node l x r => flatten l ++ (x :: flatten r)

def preorder : Tree → List Nat
  | leaf => []
  | node l x r => x :: (preorder l ++ preorder r)

def mapT (f : Nat → Nat) : Tree → Tree
  | leaf => leaf
  | node l x r => node (mapT f l) (f x) (mapT f r)

def isLeaf : Tree → Bool
  | leaf => true
  | node _ _ _ => false

def single (x : Nat) : Tree := node leaf x leaf

/-- The complete tree of a given height, all labels zero. -/
def full : Nat → Tree
  | .zero => leaf
  | .succ n => node (full n) 0 (full n)

/-- Insertion into a binary search tree. -/
def insert (x : Nat) : Tree → Tree
  | leaf => single x
  | node l y r => if x ≤ y then node (insert x l) y r else node l y (insert x r)

/-- `x` occurs as a label somewhere in the tree. -/
inductive Occurs (x : Nat) : Tree → Prop where
  | here (l r : Tree) : Occurs x (node l x r)
  | left (l : Tree) (y : Nat) (r : Tree) : Occurs x l → Occurs x (node l y r)
  | right (l : Tree) (y : Nat) (r : Tree) : Occurs x r → Occurs x (node l y r)

def sample : Tree := node (node leaf 1 leaf) 2 (node (node leaf 3 leaf) 4 leaf)

-- Computations on concrete trees.

theorem size_sample : size sample = 4 := by decide
theorem sum_sample : sum sample = 10 := by decide
theorem depth_sample : depth sample = 3 := by decide
theorem leaves_sample : leaves sample = 5 := by decide
theorem flatten_sample : flatten sample = [1, 2, 3, 4] := by rfl
theorem preorder_sample : preorder sample = [2, 1, 4, 3] := by rfl
theorem mirror_sample :
    mirror sample = node (node leaf 4 (node leaf 3 leaf)) 2 (node leaf 1 leaf) := by rfl
theorem insert_sample : flatten (insert 0 sample) = [0, 1, 2, 3, 4] := by rfl

-- Unfolding facts.

@[simp] theorem size_leaf : size leaf = 0 := by rfl
@[simp] theorem size_node (l r : Tree) (x : Nat) : size (node l x r) = size l + 1 + size r := by
  rfl
@[simp] theorem mirror_leaf : mirror leaf = leaf := by rfl
@[simp] theorem mirror_node (l r : Tree) (x : Nat) :
    mirror (node l x r) = node (mirror r) x (mirror l) := by rfl
theorem size_single (x : Nat) : size (single x) = 1 := by rfl
theorem sum_single (x : Nat) : sum (single x) = x := by exact Nat.zero_add x
theorem depth_single (x : Nat) : depth (single x) = 1 := by rfl
theorem leaves_single (x : Nat) : leaves (single x) = 2 := by rfl
theorem mirror_single (x : Nat) : mirror (single x) = single x := by rfl
theorem flatten_single (x : Nat) : flatten (single x) = [x] := by rfl
theorem isLeaf_single (x : Nat) : isLeaf (single x) = false := by rfl
theorem isLeaf_mirror (t : Tree) : isLeaf (mirror t) = isLeaf t := by
  cases t <;> rfl
theorem isLeaf_iff (t : Tree) : isLeaf t = true ↔ t = leaf := by
  cases t with
  | leaf => exact ⟨fun _ => rfl, fun _ => rfl⟩
  | node l x r =>
    constructor
    · intro h
      exact Bool.noConfusion h
    · intro h
      exact Tree.noConfusion h
theorem size_eq_zero_iff (t : Tree) : size t = 0 ↔ t = leaf := by
  cases t with
  | leaf => exact ⟨fun _ => rfl, fun _ => rfl⟩
  | node l x r =>
    constructor
    · intro h
      rw [size_node, Nat.add_right_comm] at h
      exact absurd h (Nat.succ_ne_zero _)
    · intro h
      exact Tree.noConfusion h
theorem size_node_pos (l r : Tree) (x : Nat) : 0 < size (node l x r) := by
  rw [size_node, Nat.add_right_comm]
  exact Nat.zero_lt_succ _

-- Mirror.

theorem mirror_mirror (t : Tree) : mirror (mirror t) = t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    rw [mirror_node, mirror_node, ihl, ihr]
theorem mirror_injective (s t : Tree) (h : mirror s = mirror t) : s = t := by
  rw [← mirror_mirror s, h, mirror_mirror]
theorem size_mirror (t : Tree) : size (mirror t) = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    rw [mirror_node, size_node, size_node, ihl, ihr]
    exact add_one_add_swap (size r) (size l)
theorem leaves_mirror (t : Tree) : leaves (mirror t) = leaves t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show leaves (mirror r) + leaves (mirror l) = leaves l + leaves r
    rw [ihl, ihr, Nat.add_comm]
theorem sum_mirror (t : Tree) : sum (mirror t) = sum t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show sum (mirror r) + x + sum (mirror l) = sum l + x + sum r
    rw [ihl, ihr]
    calc sum r + x + sum l = sum l + (sum r + x) := Nat.add_comm _ _
      _ = sum l + (x + sum r) := by rw [Nat.add_comm (sum r) x]
      _ = sum l + x + sum r := (Nat.add_assoc _ _ _).symm
theorem depth_mirror (t : Tree) : depth (mirror t) = depth t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show maxN (depth (mirror r)) (depth (mirror l)) + 1 = maxN (depth l) (depth r) + 1
    rw [ihl, ihr, maxN_comm]

-- Counting.

theorem leaves_eq_size_succ (t : Tree) : leaves t = size t + 1 := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show leaves l + leaves r = size l + 1 + size r + 1
    rw [ihl, ihr]
    rfl
theorem size_lt_leaves (t : Tree) : size t < leaves t := by
  rw [leaves_eq_size_succ]
  exact Nat.lt_succ_self _
theorem depth_le_size (t : Tree) : depth t ≤ size t := by
  induction t with
  | leaf => exact Nat.le_refl 0
  | node l x r ihl ihr =>
    have hl : depth l ≤ size l + size r := Nat.le_trans ihl (Nat.le_add_right _ _)
    have hr : depth r ≤ size l + size r := Nat.le_trans ihr (Nat.le_add_left _ _)
    have hm : maxN (depth l) (depth r) ≤ size l + size r := maxN_le _ _ _ hl hr
    show maxN (depth l) (depth r) + 1 ≤ size l + 1 + size r
    rw [Nat.add_right_comm (size l) 1 (size r)]
    exact Nat.succ_le_succ hm
theorem depth_left_le (l r : Tree) (x : Nat) : depth l < depth (node l x r) := by
  show depth l + 1 ≤ maxN (depth l) (depth r) + 1
  exact Nat.succ_le_succ (le_maxN_left _ _)
theorem depth_right_le (l r : Tree) (x : Nat) : depth r < depth (node l x r) := by
  show depth r + 1 ≤ maxN (depth l) (depth r) + 1
  exact Nat.succ_le_succ (le_maxN_right _ _)

-- Flattening.

theorem length_flatten (t : Tree) : (flatten t).length = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show (flatten l ++ (x :: flatten r)).length = size l + 1 + size r
    rw [List.length_append, List.length_cons, ihl, ihr, Nat.add_right_comm (size l) 1 (size r)]
    rfl
theorem length_preorder (t : Tree) : (preorder t).length = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show (preorder l ++ preorder r).length + 1 = size l + 1 + size r
    rw [List.length_append, ihl, ihr, Nat.add_right_comm]
theorem sum_flatten (t : Tree) : List.sum (flatten t) = sum t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show List.sum (flatten l ++ (x :: flatten r)) = sum l + x + sum r
    rw [List.sum_append, List.sum_cons, ihl, ihr, Nat.add_assoc]
theorem sum_preorder (t : Tree) : List.sum (preorder t) = sum t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show x + List.sum (preorder l ++ preorder r) = sum l + x + sum r
    rw [List.sum_append, ihl, ihr, ← Nat.add_assoc, Nat.add_comm x (sum l)]
theorem flatten_mirror (t : Tree) : flatten (mirror t) = List.reverse (flatten t) := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show flatten (mirror r) ++ (x :: flatten (mirror l)) = List.reverse (flatten l ++ (x :: flatten r))
    rw [List.reverse_append, List.reverse_cons, ihl, ihr, List.append_assoc]
    rfl
theorem flatten_eq_nil_iff (t : Tree) : flatten t = [] ↔ t = leaf := by
  constructor
  · intro h
    have hs : size t = 0 := by
      rw [← length_flatten, h]
      rfl
    exact (size_eq_zero_iff t).mp hs
  · intro h
    rw [h]
    rfl

-- Maps.

theorem mapT_comp (f g : Nat → Nat) (t : Tree) :
    mapT f (mapT g t) = mapT (fun x => f (g x)) t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show node (mapT f (mapT g l)) (f (g x)) (mapT f (mapT g r)) = node (mapT _ l) (f (g x)) (mapT _ r)
    rw [ihl, ihr]
theorem size_mapT (f : Nat → Nat) (t : Tree) : size (mapT f t) = size t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show size (mapT f l) + 1 + size (mapT f r) = size l + 1 + size r
    rw [ihl, ihr]
theorem mirror_mapT (f : Nat → Nat) (t : Tree) : mirror (mapT f t) = mapT f (mirror t) := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show node (mirror (mapT f r)) (f x) (mirror (mapT f l)) = node (mapT f (mirror r)) (f x) (mapT f (mirror l))
    rw [ihl, ihr]
theorem flatten_mapT (f : Nat → Nat) (t : Tree) : flatten (mapT f t) = List.map f (flatten t) := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show flatten (mapT f l) ++ (f x :: flatten (mapT f r)) = List.map f (flatten l ++ (x :: flatten r))
    rw [List.map_append, List.map_cons, ihl, ihr]
theorem sum_mapT_double (t : Tree) : sum (mapT (fun x => x + x) t) = sum t + sum t := by
  induction t with
  | leaf => rfl
  | node l x r ihl ihr =>
    show sum (mapT _ l) + (x + x) + sum (mapT _ r) = sum l + x + sum r + (sum l + x + sum r)
    rw [ihl, ihr]
    have e : ∀ a b c : Nat, a + a + (b + b) + (c + c) = a + b + c + (a + b + c) := by
      intro a b c
      rw [← Nat.two_mul, ← Nat.two_mul, ← Nat.two_mul, ← Nat.two_mul,
        ← Nat.left_distrib, ← Nat.left_distrib]
    exact e (sum l) x (sum r)

-- Complete trees.

theorem full_zero : full 0 = leaf := by rfl
theorem full_succ (n : Nat) : full (n + 1) = node (full n) 0 (full n) := by rfl
theorem depth_full (n : Nat) : depth (full n) = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show maxN (depth (full k)) (depth (full k)) + 1 = k + 1
    rw [ih, maxN_self]
theorem mirror_full (n : Nat) : mirror (full n) = full n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show node (mirror (full k)) 0 (mirror (full k)) = node (full k) 0 (full k)
    rw [ih]
theorem leaves_full (n : Nat) : leaves (full n) = 2 ^ n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show leaves (full k) + leaves (full k) = 2 ^ k * 2
    rw [ih, Nat.mul_two]
theorem size_full_succ (n : Nat) : size (full n) + 1 = 2 ^ n := by
  rw [← leaves_eq_size_succ]
  exact leaves_full n
theorem sum_full (n : Nat) : sum (full n) = 0 := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show sum (full k) + 0 + sum (full k) = 0
    rw [ih]

-- Occurrence.

theorem occurs_single (x : Nat) : Occurs x (single x) := by
  exact Occurs.here leaf leaf
theorem not_occurs_leaf (x : Nat) : ¬Occurs x leaf := by
  intro h
  cases h
theorem occurs_mirror (x : Nat) (t : Tree) (h : Occurs x t) : Occurs x (mirror t) := by
  induction h with
  | here l r => exact Occurs.here _ _
  | left l y r _ ih => exact Occurs.right _ _ _ ih
  | right l y r _ ih => exact Occurs.left _ _ _ ih
theorem occurs_mirror_iff (x : Nat) (t : Tree) : Occurs x (mirror t) ↔ Occurs x t := by
  constructor
  · intro h
    have h' := occurs_mirror x (mirror t) h
    rw [mirror_mirror] at h'
    exact h'
  · exact occurs_mirror x t
theorem mem_append_right' {a : Nat} (l₁ : List Nat) {l₂ : List Nat} (h : List.Mem a l₂) :
    List.Mem a (l₁ ++ l₂) := by
  induction l₁ with
  | nil => exact h
  | cons b t ih => exact List.Mem.tail b ih
theorem occurs_flatten (x : Nat) (t : Tree) (h : Occurs x t) : List.Mem x (flatten t) := by
  induction h with
  | here l r =>
    exact mem_append_right' (flatten l) (List.Mem.head _)
  | left l y r _ ih =>
    exact List.mem_append_left _ ih
  | right l y r _ ih =>
    exact mem_append_right' (flatten l) (List.Mem.tail y ih)
theorem occurs_mapT (f : Nat → Nat) (x : Nat) (t : Tree) (h : Occurs x t) :
    Occurs (f x) (mapT f t) := by
  induction h with
  | here l r => exact Occurs.here _ _
  | left l y r _ ih => exact Occurs.left _ _ _ ih
  | right l y r _ ih => exact Occurs.right _ _ _ ih

-- Search-tree insertion.

theorem insert_leaf (x : Nat) : insert x leaf = single x := by rfl
theorem size_insert (x : Nat) (t : Tree) : size (insert x t) = size t + 1 := by
  induction t with
  | leaf => rfl
  | node l y r ihl ihr =>
    by_cases h : x ≤ y
    · show size (if x ≤ y then node (insert x l) y r else node l y (insert x r)) = _
      rw [if_pos h, size_node, ihl, size_node, Nat.add_right_comm (size l) 1 1,
        Nat.add_right_comm (size l + 1) 1 (size r)]
    · show size (if x ≤ y then node (insert x l) y r else node l y (insert x r)) = _
      rw [if_neg h, size_node, ihr, size_node]
      rfl
theorem sum_insert (x : Nat) (t : Tree) : sum (insert x t) = x + sum t := by
  induction t with
  | leaf =>
    show 0 + x + 0 = x + 0
    rw [Nat.zero_add]
  | node l y r ihl ihr =>
    by_cases h : x ≤ y
    · show sum (if x ≤ y then node (insert x l) y r else node l y (insert x r)) = _
      rw [if_pos h]
      show sum (insert x l) + y + sum r = x + (sum l + y + sum r)
      rw [ihl, Nat.add_assoc x (sum l) y, Nat.add_assoc x (sum l + y) (sum r)]
    · show sum (if x ≤ y then node (insert x l) y r else node l y (insert x r)) = _
      rw [if_neg h]
      show sum l + y + sum (insert x r) = x + (sum l + y + sum r)
      rw [ihr, Nat.add_left_comm]
theorem occurs_insert (x : Nat) (t : Tree) : Occurs x (insert x t) := by
  induction t with
  | leaf => exact Occurs.here leaf leaf
  | node l y r ihl ihr =>
    by_cases h : x ≤ y
    · show Occurs x (if x ≤ y then node (insert x l) y r else node l y (insert x r))
      rw [if_pos h]
      exact Occurs.left _ _ _ ihl
    · show Occurs x (if x ≤ y then node (insert x l) y r else node l y (insert x r))
      rw [if_neg h]
      exact Occurs.right _ _ _ ihr

end FimCoreCorpus.Trees
