/-!
# Booleans

Hand-written boolean connectives with truth-table proofs by case analysis
(`cases a <;> cases b <;> rfl`), agreement with the core operators, `decide`
on small closed facts, and a counting function over `List Bool`.
-/

namespace FimCorpus.BoolFacts

def myNot : Bool → Bool
  | true => false
  | false => true

def myAnd : Bool → Bool → Bool
  | true, b => b
  | false, _ => false

def myOr : Bool → Bool → Bool
  | true, _ => true
  | false, b => b

/-- Exclusive or, built from the other connectives. -/
def myXor (a b : Bool) : Bool := myAnd (myOr a b) (myNot (myAnd a b))

/-- Material implication. -/
def myImp (a b : Bool) : Bool := myOr (myNot a) b

@[simp] theorem myNot_myNot (b : Bool) : myNot (myNot b) = b := by
  cases b <;> rfl

theorem myAnd_comm (a b : Bool) : myAnd a b = myAnd b a := by
  cases a <;> cases b <;> rfl

theorem myOr_comm (a b : Bool) : myOr a b = myOr b a := by
  cases a <;> cases b <;> rfl

theorem myAnd_assoc (a b c : Bool) : myAnd (myAnd a b) c = myAnd a (myAnd b c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem myOr_assoc (a b c : Bool) : myOr (myOr a b) c = myOr a (myOr b c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem de_morgan_and (a b : Bool) : myNot (myAnd a b) = myOr (myNot a) (myNot b) := by
  cases a <;> cases b <;> rfl

theorem de_morgan_or (a b : Bool) : myNot (myOr a b) = myAnd (myNot a) (myNot b) := by
  cases a <;> cases b <;> rfl

theorem myAnd_self (b : Bool) : myAnd b b = b := by
  cases b <;> rfl

theorem myAnd_myOr_distrib (a b c : Bool) :
    myAnd a (myOr b c) = myOr (myAnd a b) (myAnd a c) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem myXor_self (b : Bool) : myXor b b = false := by
  cases b <;> rfl

theorem myXor_comm (a b : Bool) : myXor a b = myXor b a := by
  cases a <;> cases b <;> rfl

theorem myXor_false (b : Bool) : myXor b false = b := by
  cases b <;> rfl

theorem myImp_self (b : Bool) : myImp b b = true := by
  cases b <;> rfl

theorem myAnd_eq_true {a b : Bool} (h : myAnd a b = true) : a = true ∧ b = true := by
  revert h
  cases a <;> cases b <;> decide

theorem myOr_eq_false {a b : Bool} (h : myOr a b = false) : a = false ∧ b = false := by
  revert h
  cases a <;> cases b <;> decide

theorem myAnd_agrees (a b : Bool) : myAnd a b = (a && b) := by
  cases a <;> cases b <;> rfl

theorem myOr_agrees (a b : Bool) : myOr a b = (a || b) := by
  cases a <;> cases b <;> rfl

theorem myNot_agrees (a : Bool) : myNot a = !a := by
  cases a <;> rfl

theorem core_and_comm (a b : Bool) : (a && b) = (b && a) := by
  cases a <;> cases b <;> rfl

theorem bool_cases (b : Bool) : b = true ∨ b = false := by
  cases b
  case false => exact Or.inr rfl
  case true => exact Or.inl rfl

theorem myNot_ne (b : Bool) : myNot b ≠ b := by
  cases b <;> decide

theorem eq_false_of_ne_true' (b : Bool) (h : b ≠ true) : b = false := by
  cases b
  · rfl
  · exact (h rfl).elim

example : myAnd true (myOr false true) = true := by decide

example : myXor true false = true := rfl

example : (List.replicate 3 true).length = 3 := rfl

example : (10 : Nat) % 3 = 1 ∧ (7 : Nat) < 9 := by decide

/-- Number of `true` entries in a list. -/
def countTrue : List Bool → Nat
  | [] => 0
  | true :: bs => countTrue bs + 1
  | false :: bs => countTrue bs

theorem countTrue_le_length (bs : List Bool) : countTrue bs ≤ bs.length := by
  induction bs with
  | nil => exact Nat.le_refl 0
  | cons b bs ih =>
    cases b
    · show countTrue bs ≤ bs.length + 1
      omega
    · show countTrue bs + 1 ≤ bs.length + 1
      omega

theorem countTrue_append (xs ys : List Bool) :
    countTrue (xs ++ ys) = countTrue xs + countTrue ys := by
  induction xs with
  | nil => simp [countTrue]
  | cons x xs ih =>
    cases x
    · show countTrue (xs ++ ys) = countTrue xs + countTrue ys
      exact ih
    · show countTrue (xs ++ ys) + 1 = countTrue xs + 1 + countTrue ys
      omega

theorem countTrue_replicate (n : Nat) : countTrue (List.replicate n true) = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show countTrue (List.replicate k true) + 1 = k + 1
    rw [ih]

end FimCorpus.BoolFacts
