prelude
import FimCore
/-!
# FimCoreCorpus.ListFunctions — list functions defined by pattern matching

`replicate`, `take`/`drop`, a Boolean `filter`, `all`/`any`, `count`, `snoc`, `lastD`,
pointwise addition `zipAdd`, a maximum with a default, insertion sort, and a Boolean
membership test, with their computations and their laws.
-/

universe u v

namespace FimCoreCorpus.ListFunctions

variable {α : Type u} {β : Type v}

/-! ## Definitions -/

def replicate : Nat → α → List α
  | .zero, _ => []
  | .succ n, a => a :: replicate n a

def take : Nat → List α → List α
  | .zero, _ => []
  | .succ _, [] => []
  | .succ n, a :: l => a :: take n l

def drop : Nat → List α → List α
  | .zero, l => l
  | .succ _, [] => []
  | .succ n, _ :: l => drop n l

def filter (p : α → Bool) : List α → List α
  | [] => []
  | a :: l => cond (p a) (a :: filter p l) (filter p l)

def all (p : α → Bool) : List α → Bool
  | [] => true
  | a :: l => p a && all p l

def any (p : α → Bool) : List α → Bool
  | [] => false
  | a :: l => p a || any p l

def count (n : Nat) : List Nat → Nat
  | [] => 0
  | m :: l => cond (Nat.beq n m) (count n l + 1) (count n l)

def snoc : List α → α → List α
  | [], b => [b]
  | a :: l, b => a :: snoc l b

def lastD (d : α) : List α → α
  | [] => d
  | a :: l => lastD a l

def zipAdd : List Nat → List Nat → List Nat
  | a :: l, b :: m => (a + b) :: zipAdd l m
  | _, _ => []

def maxNat (a b : Nat) : Nat := cond (Nat.ble a b) b a

def maxD (d : Nat) : List Nat → Nat
  | [] => d
  | a :: l => maxNat a (maxD d l)

def insertSorted (n : Nat) : List Nat → List Nat
  | [] => [n]
  | m :: l => cond (Nat.ble n m) (n :: m :: l) (m :: insertSorted n l)

def isort : List Nat → List Nat
  | [] => []
  | a :: l => insertSorted a (isort l)

def memb (n : Nat) : List Nat → Bool
  | [] => false
  | m :: l => Nat.beq n m || memb n l

/-! ## Unfolding lemmas -/

theorem replicate_zero (a : α) : replicate 0 a = [] := by rfl
theorem replicate_succ (n : Nat) (a : α) :
    replicate (n + 1) a = a :: replicate n a := by rfl
theorem filter_nil (p : α → Bool) : filter p [] = [] := by rfl
theorem filter_cons (p : α → Bool) (a : α) (l : List α) :
    filter p (a :: l) = cond (p a) (a :: filter p l) (filter p l) := by rfl
theorem all_nil (p : α → Bool) : all p [] = true := by rfl
theorem any_nil (p : α → Bool) : any p [] = false := by rfl
theorem count_nil (n : Nat) : count n [] = 0 := by rfl
theorem count_cons (n m : Nat) (l : List Nat) :
    count n (m :: l) = cond (Nat.beq n m) (count n l + 1) (count n l) := by rfl
theorem snoc_nil (b : α) : snoc [] b = [b] := by rfl
theorem snoc_cons (a b : α) (l : List α) : snoc (a :: l) b = a :: snoc l b := by rfl
theorem lastD_nil (d : α) : lastD d [] = d := by rfl
theorem lastD_singleton (d a : α) : lastD d [a] = a := by rfl

attribute [simp] replicate_zero replicate_succ filter_nil all_nil any_nil count_nil
attribute [simp] snoc_nil snoc_cons

/-! ## Concrete computations -/

theorem replicate_three_fives : replicate 3 (5 : Nat) = [5, 5, 5] := by rfl
theorem take_two_of_four : take 2 ([1, 2, 3, 4] : List Nat) = [1, 2] := by rfl
theorem drop_two_of_four : drop 2 ([1, 2, 3, 4] : List Nat) = [3, 4] := by rfl
theorem filter_small : filter (fun n => Nat.ble n 2) [3, 1, 4, 2, 0] = [1, 2, 0] := by rfl
theorem all_positive : all (fun n => Nat.ble 1 n) [1, 2, 3] = true := by decide
theorem any_zero_absent : any (fun n => Nat.beq n 0) [1, 2, 3] = false := by decide
theorem count_twos : count 2 [2, 1, 2, 2] = 3 := by decide
theorem snoc_literal : snoc ([1, 2] : List Nat) 3 = [1, 2, 3] := by rfl
theorem lastD_literal : lastD 0 [4, 5, 6] = 6 := by rfl
theorem zipAdd_literal : zipAdd [1, 2, 3] [10, 20] = [11, 22] := by rfl
theorem maxD_literal : maxD 0 [3, 9, 2] = 9 := by decide
theorem isort_literal : isort [3, 1, 2] = [1, 2, 3] := by rfl
theorem memb_literal : memb 3 [1, 2, 3] = true := by decide

/-! ## Boolean and arithmetic helpers -/

theorem and_eq_true_iff (a b : Bool) : (a && b) = true ↔ a = true ∧ b = true := by
  cases a <;> cases b <;> decide

theorem or_eq_true_iff (a b : Bool) : (a || b) = true ↔ a = true ∨ b = true := by
  cases a <;> cases b <;> decide

theorem beq_false_of_ne {n m : Nat} (h : n ≠ m) : Nat.beq n m = false := by
  cases e : Nat.beq n m with
  | false => rfl
  | true => exact absurd (Nat.eq_of_beq_eq_true n m e) h

theorem beq_true_iff (n m : Nat) : Nat.beq n m = true ↔ n = m := by
  constructor
  · exact Nat.eq_of_beq_eq_true n m
  · intro h
    rw [h]
    exact Nat.beq_refl m

theorem le_of_ble_false : ∀ a b : Nat, Nat.ble a b = false → b ≤ a := by
  intro a
  induction a with
  | zero =>
    intro b h
    exact Bool.noConfusion h
  | succ k ih =>
    intro b h
    cases b with
    | zero => exact Nat.zero_le _
    | succ j => exact Nat.succ_le_succ (ih j h)

/-! ## replicate -/

theorem length_replicate (n : Nat) (a : α) : (replicate n a).length = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    rw [replicate_succ, List.length_cons, ih]

theorem sum_replicate (n a : Nat) : List.sum (replicate n a) = n * a := by
  induction n with
  | zero => exact (Nat.zero_mul a).symm
  | succ k ih =>
    rw [replicate_succ, List.sum_cons, ih, Nat.succ_mul]
    exact Nat.add_comm _ _

theorem replicate_add (m n : Nat) (a : α) :
    replicate (m + n) a = replicate m a ++ replicate n a := by
  induction m with
  | zero =>
    rw [Nat.zero_add]
    rfl
  | succ k ih =>
    rw [Nat.succ_add, replicate_succ, ih]
    rfl

theorem map_replicate (f : α → β) (n : Nat) (a : α) :
    List.map f (replicate n a) = replicate n (f a) := by
  induction n with
  | zero => rfl
  | succ k ih =>
    rw [replicate_succ, List.map_cons, ih]
    rfl

theorem replicate_concat (n : Nat) (a : α) : replicate n a ++ [a] = replicate (n + 1) a := by
  have h := (replicate_add n 1 a).symm
  exact h

theorem reverse_replicate (n : Nat) (a : α) : List.reverse (replicate n a) = replicate n a := by
  induction n with
  | zero => rfl
  | succ k ih =>
    calc List.reverse (replicate (k + 1) a)
        = List.reverse (replicate k a) ++ [a] := rfl
      _ = replicate k a ++ [a] := by rw [ih]
      _ = replicate (k + 1) a := replicate_concat k a

theorem eq_of_mem_replicate {a b : α} {n : Nat} (h : List.Mem b (replicate n a)) : b = a := by
  induction n with
  | zero => nomatch h
  | succ k ih =>
    cases h with
    | head => rfl
    | tail _ h' => exact ih h'

/-! ## take and drop -/

theorem take_nil (n : Nat) : take n ([] : List α) = [] := by
  cases n <;> rfl

theorem drop_nil (n : Nat) : drop n ([] : List α) = [] := by
  cases n <;> rfl

theorem take_append_drop (n : Nat) (l : List α) : take n l ++ drop n l = l := by
  induction l generalizing n with
  | nil =>
    rw [take_nil, drop_nil]
    rfl
  | cons a t ih =>
    cases n with
    | zero => rfl
    | succ k =>
      show a :: (take k t ++ drop k t) = a :: t
      rw [ih k]

theorem length_drop (n : Nat) (l : List α) : (drop n l).length = l.length - n := by
  induction l generalizing n with
  | nil =>
    rw [drop_nil]
    exact (Nat.zero_sub n).symm
  | cons a t ih =>
    cases n with
    | zero => rfl
    | succ k =>
      show (drop k t).length = t.length + 1 - (k + 1)
      rw [ih k]
      exact (Nat.succ_sub_succ _ _).symm

/-! ## filter -/

theorem filter_length_le (p : α → Bool) (l : List α) : (filter p l).length ≤ l.length := by
  induction l with
  | nil => exact Nat.le_refl 0
  | cons a t ih =>
    rw [filter_cons]
    cases p a with
    | true => exact Nat.succ_le_succ ih
    | false => exact Nat.le_step ih

theorem filter_append (p : α → Bool) (l₁ l₂ : List α) :
    filter p (l₁ ++ l₂) = filter p l₁ ++ filter p l₂ := by
  induction l₁ with
  | nil => rfl
  | cons a t ih =>
    rw [List.cons_append, filter_cons, filter_cons, ih]
    cases p a with
    | true => rfl
    | false => rfl

theorem mem_filter (p : α → Bool) (a : α) (l : List α) :
    List.Mem a (filter p l) ↔ List.Mem a l ∧ p a = true := by
  induction l with
  | nil =>
    constructor
    · nofun
    · intro h
      nomatch h.1
  | cons b t ih =>
    rw [filter_cons]
    cases hb : p b with
    | true =>
      constructor
      · intro h
        cases h with
        | head => exact ⟨List.Mem.head t, hb⟩
        | tail _ h' => exact ⟨List.Mem.tail b (ih.mp h').1, (ih.mp h').2⟩
      · intro h
        cases h.1 with
        | head => exact List.Mem.head _
        | tail _ h' => exact List.Mem.tail b (ih.mpr ⟨h', h.2⟩)
    | false =>
      constructor
      · intro h
        exact ⟨List.Mem.tail b (ih.mp h).1, (ih.mp h).2⟩
      · intro h
        cases h.1 with
        | head => exact absurd (hb.symm.trans h.2) Bool.false_ne_true
        | tail _ h' => exact ih.mpr ⟨h', h.2⟩

/-! ## all and any -/

theorem all_eq_true_iff (p : α → Bool) (l : List α) :
    all p l = true ↔ ∀ x, List.Mem x l → p x = true := by
  induction l with
  | nil =>
    constructor
    · intro _ x hx
      nomatch hx
    · intro _
      rfl
  | cons a t ih =>
    show (p a && all p t) = true ↔ _
    rw [and_eq_true_iff]
    constructor
    · intro h x hx
      cases hx with
      | head => exact h.1
      | tail _ hx' => exact ih.mp h.2 x hx'
    · intro h
      refine ⟨h a (List.Mem.head t), ?_⟩
      apply ih.mpr
      intro x hx
      exact h x (List.Mem.tail a hx)

theorem all_append (p : α → Bool) (l₁ l₂ : List α) :
    all p (l₁ ++ l₂) = (all p l₁ && all p l₂) := by
  induction l₁ with
  | nil => rfl
  | cons a t ih =>
    show (p a && all p (t ++ l₂)) = ((p a && all p t) && all p l₂)
    rw [ih, Bool.and_assoc]

theorem all_filter (p : α → Bool) (l : List α) : all p (filter p l) = true := by
  rw [all_eq_true_iff]
  intro x hx
  exact ((mem_filter p x l).mp hx).2

/-! ## count and memb -/

theorem count_cons_self (n : Nat) (l : List Nat) : count n (n :: l) = count n l + 1 := by
  rw [count_cons, Nat.beq_refl]
  rfl

theorem count_cons_of_ne {n m : Nat} (h : n ≠ m) (l : List Nat) :
    count n (m :: l) = count n l := by
  rw [count_cons, beq_false_of_ne h]
  rfl

theorem count_append (n : Nat) (l₁ l₂ : List Nat) :
    count n (l₁ ++ l₂) = count n l₁ + count n l₂ := by
  induction l₁ with
  | nil => exact (Nat.zero_add _).symm
  | cons a t ih =>
    rw [List.cons_append, count_cons, count_cons, ih]
    cases Nat.beq n a with
    | true => exact Nat.add_right_comm _ _ _
    | false => rfl

theorem count_replicate_self (n k : Nat) : count n (replicate k n) = k := by
  induction k with
  | zero => rfl
  | succ j ih =>
    rw [replicate_succ, count_cons_self, ih]

theorem count_reverse (n : Nat) (l : List Nat) : count n (List.reverse l) = count n l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    rw [List.reverse_cons, count_append, ih, count_cons n a t, count_cons n a []]
    cases Nat.beq n a with
    | true => rfl
    | false => rfl

theorem memb_iff_mem (n : Nat) (l : List Nat) : memb n l = true ↔ List.Mem n l := by
  induction l with
  | nil =>
    constructor
    · intro h
      exact Bool.noConfusion h
    · nofun
  | cons m t ih =>
    show (Nat.beq n m || memb n t) = true ↔ _
    rw [or_eq_true_iff, beq_true_iff]
    constructor
    · intro h
      cases h with
      | inl e =>
        rw [e]
        exact List.Mem.head t
      | inr h' => exact List.Mem.tail m (ih.mp h')
    · intro h
      cases h with
      | head => exact Or.inl rfl
      | tail _ h' => exact Or.inr (ih.mpr h')

theorem count_pos_of_mem {n : Nat} {l : List Nat} (h : List.Mem n l) : 0 < count n l := by
  induction h with
  | head t =>
    rw [count_cons_self]
    exact Nat.zero_lt_succ _
  | tail b _ ih =>
    rw [count_cons]
    cases Nat.beq n b with
    | true => exact Nat.zero_lt_succ _
    | false => exact ih

/-! ## snoc and lastD -/

theorem snoc_eq_append (l : List α) (a : α) : snoc l a = l ++ [a] := by
  induction l with
  | nil => rfl
  | cons b t ih =>
    rw [snoc_cons, ih]
    rfl

theorem lastD_snoc (d a : α) (l : List α) : lastD d (snoc l a) = a := by
  induction l generalizing d with
  | nil => rfl
  | cons b t ih => exact ih b

/-! ## zipAdd -/

theorem zipAdd_nil_left (m : List Nat) : zipAdd [] m = [] := by rfl

theorem zipAdd_nil_right (l : List Nat) : zipAdd l [] = [] := by
  cases l <;> rfl

theorem zipAdd_cons (a b : Nat) (l m : List Nat) :
    zipAdd (a :: l) (b :: m) = (a + b) :: zipAdd l m := by rfl

theorem zipAdd_comm (l m : List Nat) : zipAdd l m = zipAdd m l := by
  induction l generalizing m with
  | nil => rw [zipAdd_nil_left, zipAdd_nil_right]
  | cons a t ih =>
    cases m with
    | nil => rfl
    | cons b s =>
      rw [zipAdd_cons, zipAdd_cons, ih s, Nat.add_comm a b]

theorem sum_zipAdd (l m : List Nat) (h : l.length = m.length) :
    List.sum (zipAdd l m) = List.sum l + List.sum m := by
  induction l generalizing m with
  | nil =>
    cases m with
    | nil => rfl
    | cons b s => exact absurd h (Nat.zero_ne_succ _)
  | cons a t ih =>
    cases m with
    | nil => exact absurd h (Nat.succ_ne_zero _)
    | cons b s =>
      have hts : t.length = s.length := Nat.succ_inj h
      rw [zipAdd_cons, List.sum_cons, ih s hts, List.sum_cons, List.sum_cons]
      rw [Nat.add_assoc, Nat.add_left_comm b, ← Nat.add_assoc]

/-! ## maxNat and maxD -/

theorem le_maxNat_left (a b : Nat) : a ≤ maxNat a b := by
  unfold maxNat
  cases h : Nat.ble a b with
  | true => exact Nat.le_of_ble_eq_true a b h
  | false => exact Nat.le_refl a

theorem le_maxNat_right (a b : Nat) : b ≤ maxNat a b := by
  unfold maxNat
  cases h : Nat.ble a b with
  | true => exact Nat.le_refl b
  | false => exact le_of_ble_false a b h

theorem le_maxD_of_mem (d : Nat) {x : Nat} {l : List Nat} (h : List.Mem x l) : x ≤ maxD d l := by
  induction h with
  | head t => exact le_maxNat_left x _
  | tail b _ ih => exact Nat.le_trans ih (le_maxNat_right b _)

/-! ## Insertion sort -/

theorem length_insertSorted (n : Nat) (l : List Nat) :
    (insertSorted n l).length = l.length + 1 := by
  induction l with
  | nil => rfl
  | cons m t ih =>
    show (cond (Nat.ble n m) (n :: m :: t) (m :: insertSorted n t)).length = t.length + 1 + 1
    cases Nat.ble n m with
    | true => rfl
    | false =>
      show (insertSorted n t).length + 1 = t.length + 1 + 1
      rw [ih]

theorem sum_insertSorted (n : Nat) (l : List Nat) :
    List.sum (insertSorted n l) = n + List.sum l := by
  induction l with
  | nil => rfl
  | cons m t ih =>
    show List.sum (cond (Nat.ble n m) (n :: m :: t) (m :: insertSorted n t)) = n + (m + List.sum t)
    cases Nat.ble n m with
    | true => rfl
    | false =>
      show m + List.sum (insertSorted n t) = n + (m + List.sum t)
      rw [ih, Nat.add_left_comm]

theorem sum_isort (l : List Nat) : List.sum (isort l) = List.sum l := by
  induction l with
  | nil => rfl
  | cons a t ih =>
    show List.sum (insertSorted a (isort t)) = a + List.sum t
    rw [sum_insertSorted, ih]

theorem mem_insertSorted_self (n : Nat) (l : List Nat) : List.Mem n (insertSorted n l) := by
  induction l with
  | nil => exact List.Mem.head []
  | cons m t ih =>
    show List.Mem n (cond (Nat.ble n m) (n :: m :: t) (m :: insertSorted n t))
    cases Nat.ble n m with
    | true => exact List.Mem.head _
    | false => exact List.Mem.tail m ih

end FimCoreCorpus.ListFunctions
