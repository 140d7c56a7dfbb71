/-!
# Natural numbers

Small recursive functions on `Nat` (doubling, triangular numbers, factorial,
powers of two, sums of odd numbers, a hand-rolled addition, parity) and
induction proofs about them.  Arithmetic side conditions are closed with
`omega` after the relevant unfolding facts have been stated as `have`s.
-/

namespace FimCorpus.NatFacts

/-- Doubling by recursion rather than multiplication. -/
def double : Nat → Nat
  | 0 => 0
  | n + 1 => double n + 2

/-- Triangular numbers: `0 + 1 + ... + n`. -/
def tri : Nat → Nat
  | 0 => 0
  | n + 1 => tri n + (n + 1)

/-- Factorial, multiplying on the right so that `fact n * (n + 1)` unfolds
definitionally to `fact n * n + fact n`. -/
def fact : Nat → Nat
  | 0 => 1
  | n + 1 => fact n * (n + 1)

/-- Powers of two by repeated doubling. -/
def pow2 : Nat → Nat
  | 0 => 1
  | n + 1 => 2 * pow2 n

/-- Sum of the first `n` odd numbers. -/
def oddSum : Nat → Nat
  | 0 => 0
  | n + 1 => oddSum n + (2 * n + 1)

/-- Addition defined by recursion on the second argument. -/
def plus : Nat → Nat → Nat
  | m, 0 => m
  | m, n + 1 => plus m n + 1

/-- Parity as a `Bool`, recursing two steps at a time. -/
def isEven : Nat → Bool
  | 0 => true
  | 1 => false
  | n + 2 => isEven n

@[simp] theorem double_zero : double 0 = 0 := rfl

@[simp] theorem double_succ (n : Nat) : double (n + 1) = double n + 2 := rfl

theorem double_eq (n : Nat) : double n = 2 * n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    have step : double (k + 1) = double k + 2 := rfl
    omega

theorem double_add (m n : Nat) : double (m + n) = double m + double n := by
  have h1 := double_eq (m + n)
  have h2 := double_eq m
  have h3 := double_eq n
  omega

theorem le_double (n : Nat) : n ≤ double n := by
  have h := double_eq n
  omega

@[simp] theorem isEven_add_two (n : Nat) : isEven (n + 2) = isEven n := rfl

theorem double_even (n : Nat) : isEven (double n) = true := by
  induction n with
  | zero => rfl
  | succ k ih =>
    rw [double_succ, isEven_add_two]
    exact ih

theorem isEven_two_mul (n : Nat) : isEven (2 * n) = true := by
  induction n with
  | zero => rfl
  | succ k ih =>
    have h : 2 * (k + 1) = 2 * k + 2 := by omega
    rw [h, isEven_add_two]
    exact ih

theorem isEven_two_mul_add_one (n : Nat) : isEven (2 * n + 1) = false := by
  induction n with
  | zero => rfl
  | succ k ih =>
    have h : 2 * (k + 1) + 1 = (2 * k + 1) + 2 := by omega
    rw [h, isEven_add_two]
    exact ih

/-- Gauss: twice the `n`-th triangular number is `n * (n + 1)`. -/
theorem tri_formula (n : Nat) : 2 * tri n = n * (n + 1) := by
  induction n with
  | zero => rfl
  | succ k ih =>
    have h1 : tri (k + 1) = tri k + (k + 1) := rfl
    have h2 : (k + 1) * (k + 1 + 1) = (k + 1) * (k + 1) + (k + 1) := rfl
    have h3 : (k + 1) * (k + 1) = (k + 1) * k + (k + 1) := rfl
    have h4 : (k + 1) * k = k * (k + 1) := Nat.mul_comm (k + 1) k
    omega

theorem tri_le_tri_succ (n : Nat) : tri n ≤ tri (n + 1) := by
  show tri n ≤ tri n + (n + 1)
  omega

theorem tri_mono {m n : Nat} (h : m ≤ n) : tri m ≤ tri n := by
  induction n with
  | zero =>
    have hm : m = 0 := by omega
    subst hm
    exact Nat.le_refl _
  | succ k ih =>
    by_cases hk : m ≤ k
    · have h1 := ih hk
      have h2 := tri_le_tri_succ k
      omega
    · have hm : m = k + 1 := by omega
      subst hm
      exact Nat.le_refl _

/-- `(a + 1) * b = a * b + b`, proved from scratch by induction on `b`. -/
theorem succ_mul' (a b : Nat) : (a + 1) * b = a * b + b := by
  induction b with
  | zero => rfl
  | succ k ih =>
    have h1 : (a + 1) * (k + 1) = (a + 1) * k + (a + 1) := rfl
    have h2 : a * (k + 1) = a * k + a := rfl
    omega

theorem fact_pos (n : Nat) : 0 < fact n := by
  induction n with
  | zero => decide
  | succ k ih =>
    have h : fact (k + 1) = fact k * k + fact k := rfl
    omega

theorem fact_mono (n : Nat) : fact n ≤ fact (n + 1) := by
  have h : fact (n + 1) = fact n * n + fact n := rfl
  omega

example : fact 5 = 120 := by decide

example : tri 10 = 55 := rfl

theorem pow2_pos (n : Nat) : 0 < pow2 n := by
  induction n with
  | zero => decide
  | succ k ih =>
    show 0 < 2 * pow2 k
    omega

theorem succ_le_pow2 (n : Nat) : n + 1 ≤ pow2 n := by
  induction n with
  | zero => decide
  | succ k ih =>
    have h : pow2 (k + 1) = 2 * pow2 k := rfl
    omega

theorem pow2_add (m n : Nat) : pow2 (m + n) = pow2 m * pow2 n := by
  induction n with
  | zero =>
    show pow2 m = pow2 m * 1
    exact (Nat.mul_one (pow2 m)).symm
  | succ k ih =>
    have h1 : pow2 (m + (k + 1)) = 2 * pow2 (m + k) := rfl
    have h2 : pow2 (k + 1) = 2 * pow2 k := rfl
    rw [h1, h2, ih]
    exact Nat.mul_left_comm 2 (pow2 m) (pow2 k)

theorem oddSum_eq (n : Nat) : oddSum n = n * n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    have h1 : oddSum (k + 1) = oddSum k + (2 * k + 1) := rfl
    have h2 : (k + 1) * (k + 1) = (k + 1) * k + (k + 1) := rfl
    have h3 : (k + 1) * k = k * k + k := succ_mul' k k
    omega

theorem plus_eq (m n : Nat) : plus m n = m + n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show plus m k + 1 = m + (k + 1)
    omega

theorem plus_comm (m n : Nat) : plus m n = plus n m := by
  repeat rw [plus_eq]
  exact Nat.add_comm m n

theorem plus_zero_left (n : Nat) : plus 0 n = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show plus 0 k + 1 = k + 1
    rw [ih]

theorem plus_assoc (a b c : Nat) : plus (plus a b) c = plus a (plus b c) := by
  have h1 := plus_eq (plus a b) c
  have h2 := plus_eq a b
  have h3 := plus_eq a (plus b c)
  have h4 := plus_eq b c
  omega

theorem pred_lt_of_pos (n : Nat) (h : 0 < n) : n - 1 < n := by
  cases n with
  | zero => exact absurd h (Nat.lt_irrefl 0)
  | succ k => omega

theorem double_pos : ∀ n : Nat, 0 < n → 0 < double n := by
  intro n hn
  match n, hn with
  | 0, h => exact absurd h (Nat.lt_irrefl 0)
  | k + 1, _ =>
    show 0 < double k + 2
    omega

end FimCorpus.NatFacts
