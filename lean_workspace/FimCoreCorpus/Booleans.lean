prelude
import FimCore
/-! # FimCoreCorpus.Booleans — our own boolean functions, truth tables, `b = true`, if-then-else -/

namespace FimCoreCorpus.Booleans

/-- Not-and. -/
def nand (a b : Bool) : Bool := !(a && b)
/-- Not-or. -/
def nor (a b : Bool) : Bool := !(a || b)
/-- Boolean implication. -/
def bimp (a b : Bool) : Bool := !a || b
/-- Boolean equivalence. -/
def biff (a b : Bool) : Bool := (a && b) || (!a && !b)
/-- Majority of three. -/
def maj (a b c : Bool) : Bool := (a && b) || (b && c) || (a && c)
/-- Parity of a natural number: `true` exactly on even numbers. -/
def isEven : Nat → Bool
  | Nat.zero => true
  | Nat.succ n => !(isEven n)
/-- `1` for `true`, `0` for `false`. -/
def toNat : Bool → Nat
  | false => 0
  | true => 1
/-- Conjunction of a list. -/
def allTrue : List Bool → Bool
  | [] => true
  | b :: l => b && allTrue l
/-- Disjunction of a list. -/
def anyTrue : List Bool → Bool
  | [] => false
  | b :: l => b || anyTrue l
/-- Choose between two numbers by a boolean. -/
def pick (b : Bool) (x y : Nat) : Nat := if b = true then x else y
/-- The larger of two numbers, via `if`. -/
def bigger (a b : Nat) : Nat := if a ≤ b then b else a

/-! ## Truth tables -/

theorem nand_true_true : nand true true = false := by rfl

theorem nand_false_left (b : Bool) : nand false b = true := by rfl

theorem nand_comm (a b : Bool) : nand a b = nand b a := by cases a <;> cases b <;> rfl

theorem nand_self (a : Bool) : nand a a = !a := by cases a <;> rfl

theorem nand_nand_self (a b : Bool) : nand (nand a b) (nand a b) = (a && b) := by
  calc nand (nand a b) (nand a b) = !(nand a b) := nand_self (nand a b)
    _ = !!(a && b) := rfl
    _ = (a && b) := Bool.not_not (a && b)

theorem and_eq_nand_nand (a b : Bool) : (a && b) = nand (nand a b) (nand a b) := by
  cases a <;> cases b <;> rfl

theorem or_eq_nand (a b : Bool) : (a || b) = nand (nand a a) (nand b b) := by
  cases a <;> cases b <;> rfl

theorem nor_comm (a b : Bool) : nor a b = nor b a := by cases a <;> cases b <;> rfl

theorem nor_eq_and_not (a b : Bool) : nor a b = (!a && !b) := by cases a <;> cases b <;> rfl

theorem bimp_true_right (a : Bool) : bimp a true = true := by cases a <;> rfl

theorem bimp_self (a : Bool) : bimp a a = true := by cases a <;> rfl

theorem bimp_contrapose (a b : Bool) : bimp a b = bimp (!b) (!a) := by
  cases a <;> cases b <;> rfl

theorem biff_comm (a b : Bool) : biff a b = biff b a := by cases a <;> cases b <;> rfl

theorem biff_self (a : Bool) : biff a a = true := by cases a <;> rfl

theorem biff_eq_not_xor (a b : Bool) : biff a b = !(Bool.xor a b) := by
  cases a <;> cases b <;> rfl

theorem maj_true_true (c : Bool) : maj true true c = true := by cases c <;> rfl

theorem maj_false_false (c : Bool) : maj false false c = false := by cases c <;> rfl

theorem maj_swap12 (a b c : Bool) : maj a b c = maj b a c := by
  cases a <;> cases b <;> cases c <;> rfl

theorem maj_self_left (a b : Bool) : maj a a b = a := by cases a <;> cases b <;> rfl

theorem maj_self_dual (a b c : Bool) : (!maj a b c) = maj (!a) (!b) (!c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem xor_assoc' (a b c : Bool) : Bool.xor (Bool.xor a b) c = Bool.xor a (Bool.xor b c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem xor_cancel_right (a b : Bool) : Bool.xor (Bool.xor a b) b = a := by
  cases a <;> cases b <;> rfl

theorem and_or_absorb (a b : Bool) : (a && (a || b)) = a := by cases a <;> rfl

theorem and_or_distrib' (a b c : Bool) : (a && (b || c)) = ((a && b) || (a && c)) := by
  cases a <;> rfl

theorem not_and_three (a b c : Bool) : (!(a && b && c)) = (!a || !b || !c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem consensus (a b c : Bool) :
    ((a && b) || (!a && c) || (b && c)) = ((a && b) || (!a && c)) := by
  cases a <;> cases b <;> cases c <;> rfl

/-! ## `b = true` and propositions -/

theorem and_eq_true_iff' (a b : Bool) : (a && b) = true ↔ a = true ∧ b = true := by
  cases a <;> cases b <;> decide

theorem or_eq_true_iff' (a b : Bool) : (a || b) = true ↔ a = true ∨ b = true := by
  cases a <;> cases b <;> decide

theorem biff_eq_true_iff (a b : Bool) : biff a b = true ↔ a = b := by
  cases a <;> cases b <;> decide

theorem eq_true_of_ne_false' {b : Bool} (h : b ≠ false) : b = true := by
  exact Bool.of_not_eq_false h

theorem true_or_false (b : Bool) : b = true ∨ b = false := by
  cases b
  · right
    rfl
  · left
    rfl

theorem three_bools_two_equal (a b c : Bool) : a = b ∨ b = c ∨ a = c := by
  cases a <;> cases b <;> cases c <;> decide

theorem and_eq_true_intro' {a b : Bool} (ha : a = true) (hb : b = true) : (a && b) = true := by
  rw [ha, hb]
  rfl

theorem or_eq_true_of_left {a : Bool} (b : Bool) (ha : a = true) : (a || b) = true := by
  rw [ha]
  rfl

theorem ne_true_of_eq_false' {b : Bool} (h : b = false) : b ≠ true := by
  rw [h]
  exact Bool.false_ne_true

theorem not_inj' {a b : Bool} (h : (!a) = (!b)) : a = b := by
  revert h
  cases a <;> cases b <;> decide

theorem left_of_and_eq_true {a b : Bool} (h : (a && b) = true) : a = true := by
  exact ((and_eq_true_iff' a b).mp h).1

theorem bimp_mp {a b : Bool} (hab : bimp a b = true) (ha : a = true) : b = true := by
  rw [ha] at hab
  exact hab

theorem bimp_eq_true_iff (a b : Bool) : bimp a b = true ↔ (a = true → b = true) := by
  constructor
  · intro h ha
    exact bimp_mp h ha
  · intro h
    cases a with
    | false => rfl
    | true => exact h rfl

theorem bimp_trans {a b c : Bool} (h1 : bimp a b = true) (h2 : bimp b c = true) :
    bimp a c = true := by
  have hac : a = true → c = true := by
    intro ha
    exact bimp_mp h2 (bimp_mp h1 ha)
  exact (bimp_eq_true_iff a c).mpr hac

theorem maj_eq_true_of_two {a b c : Bool} (ha : a = true) (hc : c = true) :
    maj a b c = true := by
  rw [ha, hc]
  cases b with
  | false => rfl
  | true => rfl

theorem maj_true_imp (a b c : Bool) (h : maj a b c = true) : a = true ∨ b = true := by
  revert h
  cases a with
  | true =>
    intro _
    left
    rfl
  | false =>
    cases b with
    | true =>
      intro _
      right
      rfl
    | false =>
      intro h
      rw [maj_false_false] at h
      exact absurd h Bool.false_ne_true

theorem xor_eq_false_iff (a b : Bool) : Bool.xor a b = false ↔ a = b := by
  constructor
  · intro h
    cases a with
    | false =>
      cases b with
      | false => rfl
      | true => exact absurd h Bool.true_ne_false
    | true =>
      cases b with
      | false => exact absurd h Bool.true_ne_false
      | true => rfl
  · intro h
    rw [h]
    exact Bool.xor_self b

theorem decide_eq_true_of {p : Prop} [d : Decidable p] (h : p) : decide p = true := by
  cases d with
  | isFalse hn => exact absurd h hn
  | isTrue _ => rfl

theorem decide_eq_false_of {p : Prop} [d : Decidable p] (h : ¬p) : decide p = false := by
  cases d with
  | isFalse _ => rfl
  | isTrue hp => exact absurd hp h

theorem of_decide {p : Prop} [Decidable p] (h : decide p = true) : p := by
  exact of_decide_eq_true h

theorem biff_trans {a b c : Bool} (h1 : biff a b = true) (h2 : biff b c = true) :
    biff a c = true := by
  have hab : a = b := (biff_eq_true_iff a b).mp h1
  have hbc : b = c := (biff_eq_true_iff b c).mp h2
  rw [hab, hbc]
  exact biff_self c

theorem ite_bool_eq_cond (b : Bool) (x y : Nat) : (if b = true then x else y) = cond b x y := by
  cases b with
  | false =>
    rw [if_neg Bool.false_ne_true]
    rfl
  | true =>
    rw [if_pos rfl]
    rfl

theorem decide_and' (p q : Prop) [Decidable p] [Decidable q] :
    decide (p ∧ q) = (decide p && decide q) := by
  by_cases hp : p
  · by_cases hq : q
    · rw [decide_eq_true_of ⟨hp, hq⟩, decide_eq_true_of hp, decide_eq_true_of hq]
      rfl
    · have hn : ¬(p ∧ q) := fun h => hq h.2
      rw [decide_eq_false_of hn, decide_eq_false_of hq, Bool.and_false]
  · have hn : ¬(p ∧ q) := fun h => hp h.1
    rw [decide_eq_false_of hn, decide_eq_false_of hp]
    rfl

theorem decide_or' (p q : Prop) [Decidable p] [Decidable q] :
    decide (p ∨ q) = (decide p || decide q) := by
  by_cases hp : p
  · rw [decide_eq_true_of (Or.inl hp), decide_eq_true_of hp]
    rfl
  · by_cases hq : q
    · rw [decide_eq_true_of (Or.inr hq), decide_eq_true_of hq, Bool.or_true]
    · have hn : ¬(p ∨ q) := by
        intro h
        cases h with
        | inl h1 => exact hp h1
        | inr h2 => exact hq h2
      rw [decide_eq_false_of hn, decide_eq_false_of hp, decide_eq_false_of hq]
      rfl

theorem decide_not' (p : Prop) [Decidable p] : decide (¬p) = !(decide p) := by
  by_cases hp : p
  · rw [decide_eq_false_of (not_not_intro hp), decide_eq_true_of hp]
    rfl
  · rw [decide_eq_true_of hp, decide_eq_false_of hp]
    rfl

theorem decide_iff' (p : Prop) [Decidable p] : decide p = true ↔ p := by
  constructor
  · exact of_decide_eq_true
  · exact decide_eq_true_of

/-! ## Parity -/

theorem isEven_seven : isEven 7 = false := by decide

theorem isEven_succ (n : Nat) : isEven (n + 1) = !(isEven n) := by rfl

theorem isEven_add_two (n : Nat) : isEven (n + 2) = isEven n := by
  show (!!(isEven n)) = isEven n
  exact Bool.not_not (isEven n)

theorem not_biff_right (a b : Bool) : (!(biff a b)) = biff a (!b) := by
  cases a <;> cases b <;> rfl

theorem isEven_add (m n : Nat) : isEven (m + n) = biff (isEven m) (isEven n) := by
  induction n with
  | zero =>
    show isEven m = biff (isEven m) true
    cases isEven m with
    | false => rfl
    | true => rfl
  | succ k ih =>
    show (!(isEven (m + k))) = biff (isEven m) (!(isEven k))
    rw [ih]
    exact not_biff_right (isEven m) (isEven k)

theorem isEven_double (n : Nat) : isEven (n + n) = true := by
  rw [isEven_add]
  exact biff_self (isEven n)

theorem isEven_succ_ne (n : Nat) : isEven (n + 1) ≠ isEven n := by
  rw [isEven_succ]
  cases isEven n with
  | false => exact Bool.true_ne_false
  | true => exact Bool.false_ne_true

theorem isEven_mul (m n : Nat) : isEven (m * n) = (isEven m || isEven n) := by
  induction n with
  | zero =>
    show true = (isEven m || true)
    rw [Bool.or_true]
  | succ k ih =>
    show isEven (m * k + m) = (isEven m || !(isEven k))
    rw [isEven_add, ih]
    cases isEven m with
    | false =>
      cases isEven k with
      | false => rfl
      | true => rfl
    | true =>
      cases isEven k with
      | false => rfl
      | true => rfl

theorem isEven_or_succ (n : Nat) : isEven n = true ∨ isEven (n + 1) = true := by
  rw [isEven_succ]
  cases isEven n with
  | false =>
    right
    rfl
  | true =>
    left
    rfl

/-! ## Lists of booleans and `toNat` -/

theorem toNat_le_one (b : Bool) : toNat b ≤ 1 := by cases b <;> decide

theorem toNat_and (a b : Bool) : toNat (a && b) = toNat a * toNat b := by
  cases a <;> cases b <;> rfl

theorem allTrue_append (l₁ l₂ : List Bool) :
    allTrue (l₁ ++ l₂) = (allTrue l₁ && allTrue l₂) := by
  induction l₁ with
  | nil => rfl
  | cons b t ih =>
    show (b && allTrue (t ++ l₂)) = ((b && allTrue t) && allTrue l₂)
    rw [ih, Bool.and_assoc]

theorem anyTrue_append (l₁ l₂ : List Bool) :
    anyTrue (l₁ ++ l₂) = (anyTrue l₁ || anyTrue l₂) := by
  induction l₁ with
  | nil => rfl
  | cons b t ih =>
    show (b || anyTrue (t ++ l₂)) = ((b || anyTrue t) || anyTrue l₂)
    rw [ih, Bool.or_assoc]

theorem allTrue_eq_true_iff (l : List Bool) :
    allTrue l = true ↔ ∀ b, List.Mem b l → b = true := by
  induction l with
  | nil =>
    constructor
    · intro _ b hb
      nomatch hb
    · intro _
      rfl
  | cons x t ih =>
    constructor
    · intro h b hb
      have hx : (x && allTrue t) = true := h
      have hxt := (and_eq_true_iff' x (allTrue t)).mp hx
      cases hb with
      | head => exact hxt.1
      | tail _ hbt => exact ih.mp hxt.2 b hbt
    · intro h
      have hx : x = true := h x (List.Mem.head t)
      have ht : allTrue t = true := ih.mpr (fun b hb => h b (List.Mem.tail x hb))
      show (x && allTrue t) = true
      rw [hx, ht]
      rfl

theorem not_anyTrue (l : List Bool) : (!anyTrue l) = allTrue (l.map (fun b => !b)) := by
  induction l with
  | nil => rfl
  | cons b t ih =>
    show (!(b || anyTrue t)) = ((!b) && allTrue (t.map (fun b => !b)))
    rw [Bool.not_or, ih]

/-! ## If-then-else -/

theorem pick_true (x y : Nat) : pick true x y = x := by rfl

theorem pick_not (b : Bool) (x y : Nat) : pick (!b) x y = pick b y x := by cases b <;> rfl

theorem pick_same (b : Bool) (x : Nat) : pick b x x = x := by
  unfold pick
  exact ite_self x

theorem ite_eq_then {p : Prop} [Decidable p] {α : Sort _} (x y : α) (h : p) :
    (if p then x else y) = x := by
  exact if_pos h

theorem ite_eq_either {p : Prop} [Decidable p] {α : Sort _} (x y : α) :
    (if p then x else y) = x ∨ (if p then x else y) = y := by
  by_cases h : p
  · left
    rw [if_pos h]
  · right
    rw [if_neg h]

theorem ite_not' {p : Prop} [Decidable p] {α : Sort _} (x y : α) :
    (if ¬p then x else y) = (if p then y else x) := by
  by_cases h : p
  · rw [if_pos h]
    exact if_neg (not_not_intro h)
  · rw [if_neg h]
    exact if_pos h

theorem ite_prop_then {p q r : Prop} [Decidable p] (h : if p then q else r) (hp : p) : q := by
  rw [if_pos hp] at h
  exact h

theorem ite_and_nested {p q : Prop} [Decidable p] [Decidable q] {α : Sort _} (x y : α) :
    (if p ∧ q then x else y) = (if p then (if q then x else y) else y) := by
  by_cases hp : p
  · by_cases hq : q
    · rw [if_pos ⟨hp, hq⟩, if_pos hp, if_pos hq]
    · have hn : ¬(p ∧ q) := by
        intro hpq
        exact hq hpq.2
      rw [if_neg hn, if_pos hp, if_neg hq]
  · have hn : ¬(p ∧ q) := by
      intro hpq
      exact hp hpq.1
    rw [if_neg hn, if_neg hp]

theorem ite_map {p : Prop} [Decidable p] (f : Nat → Nat) (x y : Nat) :
    f (if p then x else y) = (if p then f x else f y) := by
  by_cases h : p
  · rw [if_pos h, if_pos h]
  · rw [if_neg h, if_neg h]

theorem pick_eq_ite_true (b : Bool) (x y : Nat) (h : b = true) : pick b x y = x := by
  unfold pick
  exact if_pos h

theorem bigger_ge_left (a b : Nat) : a ≤ bigger a b := by
  unfold bigger
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact h
  · rw [if_neg h]
    exact Nat.le_refl a

theorem le_of_not_le' {m n : Nat} (hn : ¬m ≤ n) : n ≤ m := by
  induction m generalizing n with
  | zero => exact absurd (Nat.zero_le n) hn
  | succ k ih =>
    cases n with
    | zero => exact Nat.zero_le (Nat.succ k)
    | succ j =>
      apply Nat.succ_le_succ
      apply ih
      intro hkj
      exact hn (Nat.succ_le_succ hkj)

theorem bigger_ge_right (a b : Nat) : b ≤ bigger a b := by
  unfold bigger
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact Nat.le_refl b
  · rw [if_neg h]
    exact le_of_not_le' h

theorem bigger_le_of {a b c : Nat} (ha : a ≤ c) (hb : b ≤ c) : bigger a b ≤ c := by
  unfold bigger
  by_cases h : a ≤ b
  · rw [if_pos h]
    exact hb
  · rw [if_neg h]
    exact ha

theorem bigger_self (a : Nat) : bigger a a = a := by
  unfold bigger
  rw [if_pos (Nat.le_refl a)]

end FimCoreCorpus.Booleans
