import FimCorpus.Nat

/-!
# Miscellany

Odds and ends that exercise a Lean source scanner as much as a prover:
string literals containing comment markers, a character literal holding a
double quote, nested block comments, «guillemet» identifiers, `conv` blocks,
`ac_rfl`, `open ... in`, `section`/`universe`/`variable`, `private`
declarations and `@[simp]` attributes.
-/

namespace FimCorpus.Misc

/- A block comment /- with a nested block comment -/ that is still
   inside the outer one; `theorem not_code : True := trivial` here is text. -/

-- A line comment mentioning `theorem fake : False` is not code either.

def greeting : String := "hello -- not a comment"

def tricky : String := "a /- not a comment -/ b"

def quoteChar : Char := '"'

def escaped : String := "she said \"hi\" -- still a string"

theorem greeting_eq : greeting = "hello -- not a comment" := rfl

theorem greeting_append : greeting ++ "!" = "hello -- not a comment" ++ "!" := by
  rw [greeting_eq]

theorem tricky_eq : tricky = "a /- not a comment -/ b" := rfl

/-! ## Guillemet identifiers -/

def «double it» (n : Nat) : Nat := n + n

theorem «double it is two mul» (n : Nat) : «double it» n = 2 * n := by
  show n + n = 2 * n
  omega

theorem «add zero on the right» (n : Nat) : n + 0 = n := rfl

theorem «double it twice» (n : Nat) : «double it» («double it» n) = 4 * n := by
  have h1 := «double it is two mul» n
  have h2 := «double it is two mul» («double it» n)
  omega

/-! ## `conv` -/

theorem conv_lhs_example (a b c : Nat) : a + (b + c) = a + (c + b) := by
  conv =>
    lhs
    rw [Nat.add_comm b c]

theorem conv_rhs_example (a b : Nat) (f : Nat → Nat) : f (a + b) = f (b + a) := by
  conv =>
    rhs
    arg 1
    rw [Nat.add_comm]

theorem conv_in_example (x y : Nat) (h : y = 3) : x * (y + 0) = x * 3 := by
  conv in y + 0 => rw [Nat.add_zero]
  rw [h]

theorem conv_at_hyp (a b : Nat) (h : a + 0 = b) : a = b := by
  conv at h =>
    lhs
    rw [Nat.add_zero]
  exact h

theorem conv_enter (f : Nat → Nat → Nat) (a b : Nat) : f (a + 0) b = f a b := by
  conv =>
    lhs
    enter [1]
    rw [Nat.add_zero]

/-! ## `ac_rfl` -/

theorem ac_add_example (a b c d : Nat) : a + b + (c + d) = d + (c + b) + a := by
  ac_rfl

theorem ac_mul_example (a b c : Nat) : a * (b * c) = c * (a * b) := by
  ac_rfl

/-! ## `open ... in` and attributes -/

open FimCorpus.NatFacts in
theorem double_via_open (n : Nat) : double n = n + n := by
  have h := double_eq n
  omega

def triple (n : Nat) : Nat := 3 * n

@[simp] theorem triple_zero : triple 0 = 0 := rfl

@[simp] theorem triple_succ (n : Nat) : triple (n + 1) = triple n + 3 := by
  unfold triple
  omega

theorem triple_two : triple 2 = 6 := rfl

theorem triple_two_steps (n : Nat) : triple (n + 1 + 1) = triple n + 6 := by
  have h1 := triple_succ (n + 1)
  have h2 := triple_succ n
  omega

theorem triple_zero_add (n : Nat) : triple 0 + n = n := by
  simp

/-! ## Sections, universes, variables -/

section Generic

universe u

variable {α : Type u} (xs : List α)

theorem append_nil_generic : xs ++ [] = xs := by
  simp

theorem length_cons_generic (a : α) : (a :: xs).length = xs.length + 1 := rfl

theorem append_assoc_generic (ys zs : List α) : xs ++ ys ++ zs = xs ++ (ys ++ zs) := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show x :: (xs ++ ys ++ zs) = x :: (xs ++ (ys ++ zs))
    rw [ih]

end Generic

private theorem helper_lt (n : Nat) : n < n + 1 := by omega

theorem uses_private (n : Nat) : n < n + 2 := by
  have h := helper_lt n
  omega

example : ∀ n : Nat, n + 0 = n := λ n => rfl

example : (fun x : Nat => x + 1) 2 = 3 := rfl

def headOr (d : Nat) : List Nat → Nat
  | [] => d
  | x :: _ => x

theorem headOr_cons (d x : Nat) (xs : List Nat) : headOr d (x :: xs) = x := rfl

theorem headOr_le (d b : Nat) (xs : List Nat) (hd : d ≤ b) (h : ∀ x, x ∈ xs → x ≤ b) :
    headOr d xs ≤ b := by
  match xs, h with
  | [], _ => exact hd
  | x :: _, h => exact h x (by simp)

/-- `if` on a decidable proposition, proved both ways with `split`. -/
def clamp (lo n : Nat) : Nat := if n < lo then lo else n

theorem le_clamp (lo n : Nat) : lo ≤ clamp lo n := by
  unfold clamp
  split
  next => exact Nat.le_refl lo
  next h => omega

theorem clamp_of_le {lo n : Nat} (h : lo ≤ n) : clamp lo n = n := by
  unfold clamp
  split
  · omega
  · rfl

/-! ## `intros`, `congr`, `change` -/

theorem intros_example : ∀ a b : Nat, a = b → b = a := by
  intros a b h
  exact h.symm

theorem congr_example (f : Nat → Nat → Nat) (a b c d : Nat) (h1 : a = b) (h2 : c = d) :
    f a c = f b d := by
  congr 1 <;> assumption

theorem change_example (n : Nat) (h : n + 0 = 5) : n = 5 := by
  change n = 5 at h
  exact h

end FimCorpus.Misc
