/-!
# Well-founded, mutual and nested recursion

Definitions that need `termination_by` / `decreasing_by` (halving,
digit sums, counting down, Ackermann), helpers introduced with `where`,
a mutual pair of parity functions, a merge of sorted lists, and proofs
about them: by unfolding with `rw [f]` and `split`, and by recursive
theorems that carry their own termination argument.
-/

namespace FimCorpus.Recursion

/-- Number of halvings needed to bring `n` below 2. -/
def log2 (n : Nat) : Nat :=
  if h : n < 2 then 0 else 1 + log2 (n / 2)
termination_by n
decreasing_by omega

theorem log2_of_lt_two {n : Nat} (h : n < 2) : log2 n = 0 := by
  unfold log2
  simp [h]

theorem log2_le_self (n : Nat) : log2 n ≤ n := by
  rw [log2]
  split
  · omega
  · have ih := log2_le_self (n / 2)
    omega
termination_by n
decreasing_by omega

/-- Sum of the decimal digits of `n`. -/
def digitSum (n : Nat) : Nat :=
  if h : n < 10 then n else n % 10 + digitSum (n / 10)
termination_by n
decreasing_by omega

theorem digitSum_le (n : Nat) : digitSum n ≤ n := by
  rw [digitSum]
  split
  · exact Nat.le_refl n
  · have ih := digitSum_le (n / 10)
    omega
termination_by n
decreasing_by omega

/-- `[n - 1, n - 2, ..., 0]`, by well-founded recursion on `n`. -/
def countdown (n : Nat) : List Nat :=
  if h : n = 0 then [] else (n - 1) :: countdown (n - 1)
termination_by n
decreasing_by omega

theorem countdown_length (n : Nat) : (countdown n).length = n := by
  induction n with
  | zero =>
    rw [countdown]
    simp
  | succ k ih =>
    rw [countdown]
    simp [ih]

def fib : Nat → Nat
  | 0 => 0
  | 1 => 1
  | n + 2 => fib n + fib (n + 1)

theorem fib_add_two (n : Nat) : fib (n + 2) = fib n + fib (n + 1) := rfl

example : fib 10 = 55 := by decide

/-- Linear-time Fibonacci through a pair-valued helper. -/
def fibFast (n : Nat) : Nat := (go n).1
where
  /-- `go n = (fib n, fib (n + 1))`. -/
  go : Nat → Nat × Nat
    | 0 => (0, 1)
    | k + 1 => ((go k).2, (go k).1 + (go k).2)

theorem fibFast_go (n : Nat) : fibFast.go n = (fib n, fib (n + 1)) := by
  induction n with
  | zero => rfl
  | succ k ih =>
    show ((fibFast.go k).2, (fibFast.go k).1 + (fibFast.go k).2) = (fib (k + 1), fib (k + 2))
    rw [ih]
    rfl

theorem fibFast_eq (n : Nat) : fibFast n = fib n := by
  calc fibFast n = (fibFast.go n).1 := rfl
    _ = (fib n, fib (n + 1)).1 := by rw [fibFast_go]
    _ = fib n := rfl

theorem fib_pos (n : Nat) (h : 0 < n) : 0 < fib n := by
  match n, h with
  | 0, h => exact absurd h (Nat.lt_irrefl 0)
  | 1, _ => decide
  | k + 2, _ =>
    have h1 : fib (k + 2) = fib k + fib (k + 1) := rfl
    have h2 := fib_pos (k + 1) (by omega)
    omega

theorem fib_mono (n : Nat) : fib n ≤ fib (n + 1) := by
  match n with
  | 0 => decide
  | k + 1 =>
    have h : fib (k + 1 + 1) = fib k + fib (k + 1) := rfl
    omega

mutual
  /-- Parity by mutual recursion. -/
  def evenM : Nat → Bool
    | 0 => true
    | n + 1 => oddM n
  def oddM : Nat → Bool
    | 0 => false
    | n + 1 => evenM n
end

theorem evenM_add_two (n : Nat) : evenM (n + 2) = evenM n := by
  rw [evenM, oddM]

theorem evenM_double (n : Nat) : evenM (2 * n) = true := by
  induction n with
  | zero =>
    show evenM 0 = true
    rw [evenM]
  | succ k ih =>
    have h : 2 * (k + 1) = 2 * k + 2 := by omega
    rw [h, evenM_add_two]
    exact ih

/-- The Ackermann function, terminating by the lexicographic order. -/
def ack : Nat → Nat → Nat
  | 0, n => n + 1
  | m + 1, 0 => ack m 1
  | m + 1, n + 1 => ack m (ack (m + 1) n)
termination_by m n => (m, n)

theorem ack_zero (n : Nat) : ack 0 n = n + 1 := by
  rw [ack]

theorem ack_pos : ∀ m n : Nat, 0 < ack m n
  | 0, n => by
    rw [ack]
    omega
  | m + 1, 0 => by
    rw [ack]
    exact ack_pos m 1
  | m + 1, n + 1 => by
    rw [ack]
    exact ack_pos m (ack (m + 1) n)

/-- Merge two lists, taking the smaller head first. -/
def merge : List Nat → List Nat → List Nat
  | [], ys => ys
  | x :: xs, [] => x :: xs
  | x :: xs, y :: ys =>
    if x ≤ y then x :: merge xs (y :: ys) else y :: merge (x :: xs) ys

theorem merge_length : ∀ xs ys : List Nat, (merge xs ys).length = xs.length + ys.length
  | [], ys => by
    rw [merge]
    simp
  | x :: xs, [] => by
    rw [merge]
    simp
  | x :: xs, y :: ys => by
    rw [merge]
    split
    · have ih := merge_length xs (y :: ys)
      simp only [List.length_cons] at *
      omega
    · have ih := merge_length (x :: xs) ys
      simp only [List.length_cons] at *
      omega

example : merge [1, 4, 6] [2, 3, 7] = [1, 2, 3, 4, 6, 7] := by
  simp [merge]

/-- Number of decimal digits, with fuel for structural recursion. -/
def numDigits (n : Nat) : Nat := go n n
where
  go : Nat → Nat → Nat
    | 0, _ => 1
    | fuel + 1, m => if m < 10 then 1 else 1 + go fuel (m / 10)

theorem numDigits_go_pos (fuel m : Nat) : 0 < numDigits.go fuel m := by
  cases fuel with
  | zero =>
    show 0 < 1
    omega
  | succ k =>
    show 0 < (if m < 10 then 1 else 1 + numDigits.go k (m / 10))
    split <;> omega

theorem numDigits_pos (n : Nat) : 0 < numDigits n :=
  numDigits_go_pos n n

example : numDigits 345 = 3 := by decide

end FimCorpus.Recursion
