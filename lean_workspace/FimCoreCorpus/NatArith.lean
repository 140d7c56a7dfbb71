prelude
import FimCore
/-!
# FimCoreCorpus.NatArith — natural-number arithmetic over FimCore

Concrete computations, the ring-like laws of `+` and `*`, truncated subtraction, powers,
and a handful of small recursive functions (doubling, triangular numbers, sums of odd
numbers, hand-rolled addition and multiplication, powers of two, factorial, geometric
sums) together with the facts that tie them to the built-in operations and simple bounds
on their growth.
-/

namespace FimCoreCorpus.NatArith

/-! ## Our own recursive functions -/

/-- Doubling, two at a time. -/
def double : Nat → Nat
  | 0 => 0
  | Nat.succ n => double n + 2

/-- Triangular numbers `0 + 1 + ... + n`. -/
def tri : Nat → Nat
  | 0 => 0
  | Nat.succ n => tri n + (n + 1)

/-- The sum of the first `n` odd numbers `1 + 3 + ... + (2n - 1)`. -/
def oddSum : Nat → Nat
  | 0 => 0
  | Nat.succ n => oddSum n + (2 * n + 1)

/-- Addition by recursion on the second argument. -/
def plus : Nat → Nat → Nat
  | n, 0 => n
  | n, Nat.succ m => plus n m + 1

/-- Multiplication as repeated addition. -/
def times : Nat → Nat → Nat
  | _, 0 => 0
  | n, Nat.succ m => times n m + n

/-- Powers of two. -/
def pow2 : Nat → Nat
  | 0 => 1
  | Nat.succ n => 2 * pow2 n

/-- Factorial. -/
def fact : Nat → Nat
  | 0 => 1
  | Nat.succ n => (n + 1) * fact n

/-- `1 + 2 + 4 + ... + 2^(n-1)`. -/
def geom : Nat → Nat
  | 0 => 0
  | Nat.succ n => geom n + pow2 n

/-! ## Concrete arithmetic -/

theorem two_mul_three_add_one : 2 * 3 + 1 = 7 := by decide

theorem seven_mul_eight : 7 * 8 = 56 := by decide

theorem two_pow_ten : 2 ^ 10 = 1024 := by decide

theorem ten_sub_four : 10 - 4 = 6 := by decide

theorem three_sub_eight_truncates : 3 - 8 = 0 := by decide

theorem nine_add_sixteen : 9 + 16 = 25 := by rfl

theorem pythagorean_three_four_five : 3 ^ 2 + 4 ^ 2 = 5 ^ 2 := by decide

theorem twelve_ne_thirteen : (12 : Nat) ≠ 13 := by decide

theorem six_distrib_example : 6 * (4 + 5) = 6 * 4 + 6 * 5 := by decide

theorem twenty_sub_seven_add_seven : 20 - 7 + 7 = 20 := by decide

theorem cube_of_three : 3 * 3 * 3 = 27 := by rfl

theorem sub_then_mul : (15 - 5) * 3 = 30 := by decide

/-! ## Evaluating our functions -/

theorem double_seven : double 7 = 14 := by rfl

theorem tri_ten : tri 10 = 55 := by decide

theorem oddSum_six : oddSum 6 = 36 := by decide

theorem plus_nineteen_twentythree : plus 19 23 = 42 := by rfl

theorem times_six_seven : times 6 7 = 42 := by decide

theorem pow2_eight : pow2 8 = 256 := by decide

theorem fact_five : fact 5 = 120 := by decide

theorem geom_five : geom 5 = 31 := by decide

/-! ## Defining equations -/

theorem double_zero : double 0 = 0 := by rfl

theorem double_succ (n : Nat) : double (n + 1) = double n + 2 := by rfl

theorem tri_zero : tri 0 = 0 := by rfl

theorem tri_succ (n : Nat) : tri (n + 1) = tri n + (n + 1) := by rfl

theorem oddSum_succ (n : Nat) : oddSum (n + 1) = oddSum n + (2 * n + 1) := by rfl

theorem plus_zero (n : Nat) : plus n 0 = n := by rfl

theorem plus_succ (n m : Nat) : plus n (m + 1) = plus n m + 1 := by rfl

theorem times_zero (n : Nat) : times n 0 = 0 := by rfl

theorem times_succ (n m : Nat) : times n (m + 1) = times n m + n := by rfl

theorem pow2_zero : pow2 0 = 1 := by rfl

theorem pow2_succ (n : Nat) : pow2 (n + 1) = 2 * pow2 n := by rfl

theorem fact_zero : fact 0 = 1 := by rfl

theorem fact_succ (n : Nat) : fact (n + 1) = (n + 1) * fact n := by rfl

theorem geom_succ (n : Nat) : geom (n + 1) = geom n + pow2 n := by rfl

/-! ## The basic laws, one step each -/

theorem add_comm_ex (a b : Nat) : a + b = b + a := by exact Nat.add_comm a b

theorem mul_comm_ex (a b : Nat) : a * b = b * a := by exact Nat.mul_comm a b

theorem add_assoc_ex (a b c : Nat) : a + b + c = a + (b + c) := by exact Nat.add_assoc a b c

theorem mul_assoc_ex (a b c : Nat) : a * b * c = a * (b * c) := by exact Nat.mul_assoc a b c

theorem mul_add_ex (a b c : Nat) : a * (b + c) = a * b + a * c := by exact Nat.left_distrib a b c

theorem sub_self_ex (n : Nat) : n - n = 0 := by exact Nat.sub_self n

theorem succ_sub_one (n : Nat) : n + 1 - 1 = n := by exact Nat.add_sub_cancel n 1

theorem add_one_ne_zero (n : Nat) : n + 1 ≠ 0 := by simp

theorem eq_zero_add (n : Nat) : n = 0 + n := by simp

theorem eq_add_mul_zero (m n : Nat) : m = m + n * 0 := by simp

theorem mul_zero_ex (n : Nat) : n * 0 = 0 := by simp

theorem zero_pow_succ (n : Nat) : 0 ^ (n + 1) = 0 := by rfl

theorem mul_two_eq (n : Nat) : n * 2 = n + n := by exact Nat.mul_two n

/-! ## Short rewriting proofs -/

theorem add_right_comm_ex (a b c : Nat) : a + b + c = a + c + b := by
  rw [Nat.add_assoc]
  rw [Nat.add_comm b c]
  rw [← Nat.add_assoc]

theorem mul_right_comm_ex (a b c : Nat) : a * b * c = a * c * b := by
  rw [Nat.mul_assoc]
  rw [Nat.mul_comm b c]
  rw [← Nat.mul_assoc]

theorem add_add_add_swap (a b c d : Nat) : a + b + (c + d) = a + c + (b + d) := by
  rw [Nat.add_assoc]
  rw [Nat.add_left_comm b c d]
  rw [← Nat.add_assoc]

theorem sq_eq_mul_self (n : Nat) : n ^ 2 = n * n := by
  show 1 * n * n = n * n
  rw [Nat.one_mul]

theorem two_mul_add (a b : Nat) : 2 * (a + b) = a + a + (b + b) := by
  rw [Nat.left_distrib]
  rw [Nat.two_mul a, Nat.two_mul b]

theorem add_left_cancel_ex {a b c : Nat} (h : a + b = a + c) : b = c := by
  apply Nat.add_left_cancel
  exact h

theorem eq_zero_of_add_eq_zero_right {a b : Nat} (h : a + b = 0) : a = 0 := by
  rw [Nat.add_comm] at h
  exact Nat.eq_zero_of_add_eq_zero_left h

theorem add_sub_cancel_left_ex (a b : Nat) : a + b - a = b := by
  exact Nat.add_sub_cancel_left a b

theorem mul_succ_ex (a b : Nat) : a * (b + 1) = a * b + a := by
  rfl

theorem succ_mul_ex (a b : Nat) : (a + 1) * b = a * b + b := by
  exact Nat.succ_mul a b

theorem pow2_eq_double (n : Nat) : pow2 (n + 1) = pow2 n + pow2 n := by
  rw [pow2_succ]
  exact Nat.two_mul (pow2 n)

theorem fact_one : fact 1 = 1 := by
  rw [fact_succ, fact_zero]

theorem times_one (n : Nat) : times n 1 = n := by
  show times n 0 + n = n
  rw [times_zero]
  exact Nat.zero_add n

theorem sub_sub_self_add (a b : Nat) : a + b - b - a = 0 := by
  rw [Nat.add_sub_cancel]
  exact Nat.sub_self a

theorem mul_add_one (a b : Nat) : a * (b + 1) = a + a * b := by
  rw [Nat.mul_succ]
  exact Nat.add_comm (a * b) a

/-! ## Inductive proofs about our functions -/

theorem double_eq_add_self (n : Nat) : double n = n + n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show double k + 2 = k + 1 + (k + 1)
    rw [ih]
    rw [Nat.add_succ, Nat.succ_add]
    rfl

theorem double_eq_two_mul (n : Nat) : double n = 2 * n := by
  rw [double_eq_add_self]
  rw [Nat.two_mul]

theorem double_add (m n : Nat) : double (m + n) = double m + double n := by
  rw [double_eq_two_mul, double_eq_two_mul, double_eq_two_mul]
  exact Nat.left_distrib 2 m n

theorem plus_eq_add (n m : Nat) : plus n m = n + m := by
  induction m with
  | zero => rfl
  | succ k ih =>
    show plus n k + 1 = n + (k + 1)
    rw [ih]
    rfl

theorem plus_comm (n m : Nat) : plus n m = plus m n := by
  rw [plus_eq_add, plus_eq_add]
  exact Nat.add_comm n m

theorem times_eq_mul (n m : Nat) : times n m = n * m := by
  induction m with
  | zero => rfl
  | succ k ih =>
    show times n k + n = n * (k + 1)
    rw [ih]
    rfl

theorem times_comm (n m : Nat) : times n m = times m n := by
  rw [times_eq_mul, times_eq_mul]
  exact Nat.mul_comm n m

theorem pow2_eq_pow (n : Nat) : pow2 n = 2 ^ n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show 2 * pow2 k = 2 ^ k * 2
    rw [ih]
    exact Nat.mul_comm 2 (2 ^ k)

theorem pow2_add (m n : Nat) : pow2 (m + n) = pow2 m * pow2 n := by
  induction n with
  | zero =>
    show pow2 m = pow2 m * 1
    rw [Nat.mul_one]
  | succ k ih =>
    show 2 * pow2 (m + k) = pow2 m * (2 * pow2 k)
    rw [ih]
    rw [Nat.mul_left_comm]

theorem geom_add_one (n : Nat) : geom n + 1 = pow2 n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show geom k + pow2 k + 1 = 2 * pow2 k
    rw [Nat.add_right_comm]
    rw [ih]
    rw [Nat.two_mul]

theorem tri_two_mul (n : Nat) : 2 * tri n = n * (n + 1) := by
  induction n with
  | zero => rfl
  | succ k ih =>
    calc 2 * tri (k + 1) = 2 * (tri k + (k + 1)) := rfl
      _ = 2 * tri k + 2 * (k + 1) := Nat.left_distrib 2 (tri k) (k + 1)
      _ = k * (k + 1) + 2 * (k + 1) := by rw [ih]
      _ = (k + 2) * (k + 1) := (Nat.right_distrib k 2 (k + 1)).symm
      _ = (k + 1) * (k + 1 + 1) := Nat.mul_comm (k + 2) (k + 1)

theorem oddSum_eq_sq (n : Nat) : oddSum n = n * n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    calc oddSum (k + 1) = oddSum k + (2 * k + 1) := rfl
      _ = k * k + (2 * k + 1) := by rw [ih]
      _ = k * k + (k + k + 1) := by rw [Nat.two_mul]
      _ = k * k + k + (k + 1) := by rw [Nat.add_assoc k k 1, Nat.add_assoc]
      _ = (k + 1) * k + (k + 1) := by rw [Nat.succ_mul]
      _ = (k + 1) * (k + 1) := rfl

theorem tri_add_tri_succ (n : Nat) : tri n + tri (n + 1) = (n + 1) * (n + 1) := by
  have h : tri n + tri (n + 1) = 2 * tri n + (n + 1) := by
    rw [tri_succ]
    rw [← Nat.add_assoc]
    rw [Nat.two_mul]
  rw [h]
  rw [tri_two_mul]
  rw [← Nat.succ_mul]

theorem oddSum_eq_tri_add_tri (n : Nat) : oddSum (n + 1) = tri n + tri (n + 1) := by
  rw [tri_add_tri_succ]
  exact oddSum_eq_sq (n + 1)

theorem fact_pos_eq (n : Nat) : fact (n + 1) = fact n + n * fact n := by
  rw [fact_succ]
  rw [Nat.succ_mul]
  exact Nat.add_comm (n * fact n) (fact n)

theorem plus_zero_left (n : Nat) : plus 0 n = n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show plus 0 k + 1 = k + 1
    rw [ih]

/-! ## Truncated subtraction -/

theorem sub_sub_eq (n m k : Nat) : n - m - k = n - (m + k) := by
  induction k with
  | zero => rfl
  | succ j ih =>
    show Nat.pred (n - m - j) = Nat.pred (n - (m + j))
    rw [ih]

theorem add_sub_add_right_eq (n m k : Nat) : n + k - (m + k) = n - m := by
  induction k with
  | zero => rfl
  | succ j ih =>
    show Nat.succ (n + j) - Nat.succ (m + j) = n - m
    rw [Nat.succ_sub_succ]
    exact ih

theorem add_sub_add_left_eq (n m k : Nat) : k + n - (k + m) = n - m := by
  rw [Nat.add_comm k n, Nat.add_comm k m]
  exact add_sub_add_right_eq n m k

theorem sub_add_self_sub (n m : Nat) : n - (n + m) = 0 := by
  rw [← sub_sub_eq]
  rw [Nat.sub_self]
  exact Nat.zero_sub m

theorem mul_sub_one_add (n : Nat) : (n + 1) * (n + 1) - 1 = n * (n + 2) := by
  have h : (n + 1) * (n + 1) = n * (n + 2) + 1 := by
    calc (n + 1) * (n + 1) = n * (n + 1) + (n + 1) := Nat.succ_mul n (n + 1)
      _ = n * (n + 1) + n + 1 := rfl
      _ = n * (n + 2) + 1 := rfl
  rw [h]
  exact Nat.add_sub_cancel (n * (n + 2)) 1

/-! ## Powers and squares -/

theorem pow_add_eq (a m n : Nat) : a ^ (m + n) = a ^ m * a ^ n := by
  induction n with
  | zero =>
    show a ^ m = a ^ m * 1
    rw [Nat.mul_one]
  | succ k ih =>
    show a ^ (m + k) * a = a ^ m * (a ^ k * a)
    rw [ih]
    exact Nat.mul_assoc (a ^ m) (a ^ k) a

theorem one_pow_eq (n : Nat) : 1 ^ n = 1 := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show 1 ^ k * 1 = 1
    rw [Nat.mul_one]
    exact ih

theorem pow_mul_eq (a m n : Nat) : a ^ (m * n) = (a ^ m) ^ n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show a ^ (m * k + m) = (a ^ m) ^ k * a ^ m
    rw [pow_add_eq]
    rw [ih]

theorem mul_pow_eq (a b n : Nat) : (a * b) ^ n = a ^ n * b ^ n := by
  induction n with
  | zero => rfl
  | succ k ih =>
    calc (a * b) ^ (k + 1) = (a * b) ^ k * (a * b) := rfl
      _ = a ^ k * b ^ k * (a * b) := by rw [ih]
      _ = a ^ k * (b ^ k * (a * b)) := Nat.mul_assoc _ _ _
      _ = a ^ k * (a * (b ^ k * b)) := by rw [Nat.mul_left_comm (b ^ k) a b]
      _ = a ^ k * a * (b ^ k * b) := (Nat.mul_assoc _ _ _).symm
      _ = a ^ (k + 1) * b ^ (k + 1) := rfl

theorem two_pow_eq_add (n : Nat) : 2 ^ (n + 1) = 2 ^ n + 2 ^ n := by
  show 2 ^ n * 2 = 2 ^ n + 2 ^ n
  exact Nat.mul_two (2 ^ n)

theorem square_of_sum (a b : Nat) :
    (a + b) * (a + b) = a * a + 2 * (a * b) + b * b := by
  calc (a + b) * (a + b) = a * (a + b) + b * (a + b) := Nat.right_distrib a b (a + b)
    _ = a * a + a * b + (b * a + b * b) := by rw [Nat.left_distrib, Nat.left_distrib]
    _ = a * a + a * b + (a * b + b * b) := by rw [Nat.mul_comm b a]
    _ = a * a + (a * b + a * b) + b * b := by rw [Nat.add_assoc, Nat.add_assoc, Nat.add_assoc]
    _ = a * a + 2 * (a * b) + b * b := by rw [Nat.two_mul]

theorem succ_sq (n : Nat) : (n + 1) * (n + 1) = n * n + 2 * n + 1 := by
  have h := square_of_sum n 1
  rw [Nat.mul_one, Nat.mul_one] at h
  exact h

/-! ## Growth of our functions -/

theorem fact_four_gt_tri_four : tri 4 < fact 4 := by decide

theorem pow2_six_ge : 64 ≤ pow2 6 := by decide

theorem pow2_pos (n : Nat) : 0 < pow2 n := by
  induction n with
  | zero => exact Nat.lt_succ_self 0
  | succ k ih =>
    show 0 < 2 * pow2 k
    rw [Nat.two_mul]
    exact Nat.lt_of_lt_of_le ih (Nat.le_add_right (pow2 k) (pow2 k))

theorem lt_pow2 (n : Nat) : n < pow2 n := by
  induction n with
  | zero => exact Nat.lt_succ_self 0
  | succ k ih =>
    show k + 1 < 2 * pow2 k
    rw [Nat.two_mul]
    calc k + 1 < pow2 k + 1 := Nat.succ_le_succ ih
      _ ≤ pow2 k + pow2 k := Nat.add_le_add_left (pow2_pos k) (pow2 k)

theorem pow2_mono_succ (n : Nat) : pow2 n ≤ pow2 (n + 1) := by
  show pow2 n ≤ 2 * pow2 n
  rw [Nat.two_mul]
  exact Nat.le_add_right (pow2 n) (pow2 n)

theorem fact_pos (n : Nat) : 0 < fact n := by
  induction n with
  | zero => exact Nat.lt_succ_self 0
  | succ k ih =>
    show 0 < (k + 1) * fact k
    rw [Nat.succ_mul]
    exact Nat.lt_of_lt_of_le ih (Nat.le_add_left (fact k) (k * fact k))

theorem le_fact (n : Nat) : n ≤ fact n := by
  cases n with
  | zero => exact Nat.zero_le 1
  | succ k =>
    show k + 1 ≤ (k + 1) * fact k
    have hp := fact_pos k
    revert hp
    generalize fact k = f
    intro hp
    cases f with
    | zero => exact absurd hp (Nat.lt_irrefl 0)
    | succ j =>
      rw [Nat.mul_succ]
      exact Nat.le_add_left (k + 1) ((k + 1) * j)

theorem tri_le_succ (n : Nat) : tri n ≤ tri (n + 1) := by
  exact Nat.le_add_right (tri n) (n + 1)

theorem tri_mono {m n : Nat} (h : m ≤ n) : tri m ≤ tri n := by
  induction h with
  | refl => exact Nat.le_refl (tri m)
  | step _ ih => exact Nat.le_trans ih (tri_le_succ _)

theorem le_tri (n : Nat) : n ≤ tri n := by
  cases n with
  | zero => exact Nat.le_refl 0
  | succ k =>
    show k + 1 ≤ tri k + (k + 1)
    exact Nat.le_add_left (k + 1) (tri k)

end FimCoreCorpus.NatArith
