prelude
import FimCore.Logic
/-!
# FimCore.Nat — natural numbers: arithmetic laws, order, decidability, the simp set

Our own proofs of the usual facts, by induction with the builtin tactics. Names follow the
conventions a reader of Lean code expects (`Nat.add_comm`, `Nat.le_trans`), but the
statements and proofs are FimCore's.
-/

namespace Nat

@[simp] theorem add_zero (n : Nat) : n + 0 = n := rfl
theorem add_succ (n m : Nat) : n + succ m = succ (n + m) := rfl
@[simp] theorem zero_add (n : Nat) : 0 + n = n := by
  induction n with
  | zero => rfl
  | succ k ih => exact congrArg succ ih
theorem succ_add (n m : Nat) : succ n + m = succ (n + m) := by
  induction m with
  | zero => rfl
  | succ k ih => exact congrArg succ ih
theorem add_one (n : Nat) : n + 1 = succ n := rfl
theorem succ_eq_add_one (n : Nat) : succ n = n + 1 := rfl
theorem add_comm (n m : Nat) : n + m = m + n := by
  induction m with
  | zero => exact (zero_add n).symm
  | succ k ih => rw [add_succ, succ_add, ih]
theorem add_assoc (n m k : Nat) : n + m + k = n + (m + k) := by
  induction k with
  | zero => rfl
  | succ k ih => rw [add_succ, add_succ, add_succ, ih]
theorem add_left_comm (n m k : Nat) : n + (m + k) = m + (n + k) := by
  rw [← add_assoc, add_comm n m, add_assoc]
theorem add_right_comm (n m k : Nat) : n + m + k = n + k + m := by
  rw [add_assoc, add_comm m k, ← add_assoc]
theorem succ_inj {n m : Nat} (h : succ n = succ m) : n = m := by injection h
@[simp] theorem succ_ne_zero (n : Nat) : succ n ≠ 0 := fun h => Nat.noConfusion h
@[simp] theorem zero_ne_succ (n : Nat) : 0 ≠ succ n := fun h => Nat.noConfusion h
@[simp] theorem succ.injEq' (n m : Nat) : (succ n = succ m) = (n = m) :=
  propext ⟨succ_inj, fun h => congrArg succ h⟩
theorem add_left_cancel {n m k : Nat} : n + m = n + k → m = k := by
  induction n with
  | zero => intro h; rw [zero_add, zero_add] at h; exact h
  | succ j ih => intro h; rw [succ_add, succ_add] at h; exact ih (succ_inj h)
theorem add_right_cancel {n m k : Nat} (h : n + m = k + m) : n = k := by
  rw [add_comm n m, add_comm k m] at h; exact add_left_cancel h
theorem eq_zero_of_add_eq_zero_left {n m : Nat} (h : n + m = 0) : m = 0 := by
  cases m with
  | zero => rfl
  | succ k => exact absurd h (succ_ne_zero (n + k))

@[simp] theorem mul_zero (n : Nat) : n * 0 = 0 := rfl
theorem mul_succ (n m : Nat) : n * succ m = n * m + n := rfl
@[simp] theorem zero_mul (n : Nat) : 0 * n = 0 := by
  induction n with
  | zero => rfl
  | succ k ih => rw [mul_succ, ih]
theorem succ_mul (n m : Nat) : succ n * m = n * m + m := by
  induction m with
  | zero => rfl
  | succ k ih => rw [mul_succ, mul_succ, ih, add_succ, add_succ, add_right_comm]
@[simp] theorem mul_one (n : Nat) : n * 1 = n := by
  show n * 0 + n = n
  rw [mul_zero, zero_add]
@[simp] theorem one_mul (n : Nat) : 1 * n = n := by
  induction n with
  | zero => rfl
  | succ k ih => rw [mul_succ, ih]
theorem mul_comm (n m : Nat) : n * m = m * n := by
  induction m with
  | zero => rw [mul_zero, zero_mul]
  | succ k ih => rw [mul_succ, succ_mul, ih]
theorem left_distrib (n m k : Nat) : n * (m + k) = n * m + n * k := by
  induction k with
  | zero => rfl
  | succ j ih => rw [add_succ, mul_succ, mul_succ, ih, add_assoc]
theorem right_distrib (n m k : Nat) : (n + m) * k = n * k + m * k := by
  rw [mul_comm, left_distrib, mul_comm k n, mul_comm k m]
theorem mul_add (n m k : Nat) : n * (m + k) = n * m + n * k := left_distrib n m k
theorem add_mul (n m k : Nat) : (n + m) * k = n * k + m * k := right_distrib n m k
theorem mul_assoc (n m k : Nat) : n * m * k = n * (m * k) := by
  induction k with
  | zero => rfl
  | succ j ih => rw [mul_succ, mul_succ, ih, left_distrib]
theorem mul_left_comm (n m k : Nat) : n * (m * k) = m * (n * k) := by
  rw [← mul_assoc, mul_comm n m, mul_assoc]
theorem two_mul (n : Nat) : 2 * n = n + n := by
  rw [succ_mul, one_mul]
theorem mul_two (n : Nat) : n * 2 = n + n := by
  rw [mul_comm, two_mul]

@[simp] theorem pow_zero (n : Nat) : n ^ 0 = 1 := rfl
theorem pow_succ (n m : Nat) : n ^ succ m = n ^ m * n := rfl
@[simp] theorem pow_one (n : Nat) : n ^ 1 = n := by
  show 1 * n = n
  exact one_mul n

@[simp] theorem sub_zero (n : Nat) : n - 0 = n := rfl
theorem pred_succ (n : Nat) : pred (succ n) = n := rfl
theorem sub_succ (n m : Nat) : n - succ m = pred (n - m) := rfl
theorem succ_sub_succ (n m : Nat) : succ n - succ m = n - m := by
  induction m with
  | zero => rfl
  | succ k ih => rw [sub_succ, ih]; rfl
@[simp] theorem sub_self (n : Nat) : n - n = 0 := by
  induction n with
  | zero => rfl
  | succ k ih => rw [succ_sub_succ, ih]
@[simp] theorem zero_sub (n : Nat) : 0 - n = 0 := by
  induction n with
  | zero => rfl
  | succ k ih => rw [sub_succ, ih]; rfl
@[simp] theorem add_sub_cancel (n m : Nat) : n + m - m = n := by
  induction m with
  | zero => rfl
  | succ k ih => rw [add_succ, succ_sub_succ, ih]
theorem add_sub_cancel_left (n m : Nat) : n + m - n = m := by
  rw [add_comm]; exact add_sub_cancel m n

-- Order.
theorem le_refl (n : Nat) : n ≤ n := Nat.le.refl
theorem le_succ (n : Nat) : n ≤ succ n := Nat.le.step Nat.le.refl
theorem le_step {n m : Nat} (h : n ≤ m) : n ≤ succ m := Nat.le.step h
theorem le_trans {n m k : Nat} (h₁ : n ≤ m) (h₂ : m ≤ k) : n ≤ k := by
  induction h₂ with
  | refl => exact h₁
  | step _ ih => exact Nat.le.step ih
theorem lt_iff_add_one_le {n m : Nat} : n < m ↔ n + 1 ≤ m := Iff.rfl
theorem le_of_lt {n m : Nat} (h : n < m) : n ≤ m := le_trans (le_succ n) h
theorem lt_succ_self (n : Nat) : n < succ n := le_refl (succ n)
theorem zero_le (n : Nat) : 0 ≤ n := by
  induction n with
  | zero => exact le_refl 0
  | succ k ih => exact le_step ih
theorem succ_le_succ {n m : Nat} (h : n ≤ m) : succ n ≤ succ m := by
  induction h with
  | refl => exact le_refl (succ n)
  | step _ ih => exact le_step ih
theorem zero_lt_succ (n : Nat) : 0 < succ n := succ_le_succ (zero_le n)
theorem le_of_succ_le_succ {n m : Nat} : succ n ≤ succ m → n ≤ m := by
  intro h
  cases h with
  | refl => exact le_refl n
  | step h' => exact le_trans (le_succ n) h'
theorem not_succ_le_zero (n : Nat) : ¬succ n ≤ 0 := by
  intro h
  cases h
theorem not_succ_le_self (n : Nat) : ¬succ n ≤ n := by
  induction n with
  | zero => exact not_succ_le_zero 0
  | succ k ih => intro h; exact ih (le_of_succ_le_succ h)
theorem lt_irrefl (n : Nat) : ¬n < n := not_succ_le_self n
theorem le_add_right (n m : Nat) : n ≤ n + m := by
  induction m with
  | zero => exact le_refl n
  | succ k ih => exact le_step ih
theorem le_add_left (n m : Nat) : n ≤ m + n := by
  rw [add_comm]; exact le_add_right n m
theorem lt_of_lt_of_le {n m k : Nat} (h₁ : n < m) (h₂ : m ≤ k) : n < k := le_trans h₁ h₂
theorem lt_of_le_of_lt {n m k : Nat} (h₁ : n ≤ m) (h₂ : m < k) : n < k :=
  le_trans (succ_le_succ h₁) h₂
theorem lt_trans {n m k : Nat} (h₁ : n < m) (h₂ : m < k) : n < k :=
  lt_of_lt_of_le h₁ (le_of_lt h₂)
theorem add_le_add_left {n m : Nat} (h : n ≤ m) (k : Nat) : k + n ≤ k + m := by
  induction k with
  | zero => rw [zero_add, zero_add]; exact h
  | succ j ih => rw [succ_add, succ_add]; exact succ_le_succ ih
theorem add_le_add_right {n m : Nat} (h : n ≤ m) (k : Nat) : n + k ≤ m + k := by
  rw [add_comm n k, add_comm m k]; exact add_le_add_left h k
theorem eq_zero_of_le_zero {n : Nat} (h : n ≤ 0) : n = 0 := by
  cases n with
  | zero => rfl
  | succ k => exact absurd h (not_succ_le_zero k)
instance : Trans (fun (n m : Nat) => n ≤ m) (fun n m => n ≤ m) (fun n m => n ≤ m) := ⟨le_trans⟩
instance : Trans (fun (n m : Nat) => n < m) (fun n m => n < m) (fun n m => n < m) := ⟨lt_trans⟩
instance : Trans (fun (n m : Nat) => n ≤ m) (fun n m => n < m) (fun n m => n < m) :=
  ⟨lt_of_le_of_lt⟩
instance : Trans (fun (n m : Nat) => n < m) (fun n m => n ≤ m) (fun n m => n < m) :=
  ⟨lt_of_lt_of_le⟩

-- Decidability of `≤` and `<` through `Nat.ble` (the kernel evaluates it on literals).
theorem le_of_ble_eq_true : (n m : Nat) → ble n m = true → n ≤ m := by
  intro n
  induction n with
  | zero => intro m _; exact zero_le m
  | succ k ih =>
    intro m h
    cases m with
    | zero => exact Bool.noConfusion h
    | succ j => exact succ_le_succ (ih j h)
theorem not_le_of_ble_eq_false : (n m : Nat) → ble n m = false → ¬n ≤ m := by
  intro n
  induction n with
  | zero => intro m h; exact Bool.noConfusion h
  | succ k ih =>
    intro m h hle
    cases m with
    | zero => exact not_succ_le_zero k hle
    | succ j => exact ih j h (le_of_succ_le_succ hle)
def decLe (n m : Nat) : Decidable (n ≤ m) :=
  match h : ble n m with
  | true => isTrue (le_of_ble_eq_true n m h)
  | false => isFalse (not_le_of_ble_eq_false n m h)
def decLt (n m : Nat) : Decidable (n < m) := decLe (n + 1) m
instance (n m : Nat) : Decidable (n ≤ m) := decLe n m
instance (n m : Nat) : Decidable (n < m) := decLt n m

end Nat
