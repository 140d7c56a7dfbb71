import FimCorpus.Nat

/-!
# Calculational proofs

`calc` chains mixing `=`, `≤`, `<` and `↔`, each step justified by `rfl`,
`omega`, a core lemma, a lemma from `FimCorpus.Nat`, or a nested tactic
block with its own `have`s.
-/

namespace FimCorpus.Calc

open FimCorpus.NatFacts

theorem calc_add_rotate (a b c : Nat) : a + b + c = c + b + a := by
  calc a + b + c = a + (b + c) := Nat.add_assoc a b c
    _ = (b + c) + a := Nat.add_comm a (b + c)
    _ = (c + b) + a := by rw [Nat.add_comm b c]
    _ = c + b + a := rfl

theorem calc_le_chain (a b c d : Nat) (h1 : a ≤ b) (h2 : b < c) (h3 : c ≤ d) : a < d := by
  calc a ≤ b := h1
    _ < c := h2
    _ ≤ d := h3

theorem calc_double (n : Nat) : 2 * (n + 1) = 2 * n + 2 := by
  calc 2 * (n + 1) = 2 * n + 2 * 1 := Nat.left_distrib 2 n 1
    _ = 2 * n + 2 := by rfl

theorem calc_square (a b : Nat) (h : a = b + 1) : a * a = b * b + 2 * b + 1 := by
  calc a * a = (b + 1) * (b + 1) := by rw [h]
    _ = (b + 1) * b + (b + 1) := rfl
    _ = b * b + b + (b + 1) := by rw [succ_mul']
    _ = b * b + 2 * b + 1 := by omega

theorem calc_with_have (x y : Nat) (hx : x = 3) (hy : y = x + 2) : x + y = 8 := by
  have hy' : y = 5 := by omega
  calc x + y = 3 + y := by rw [hx]
    _ = 3 + 5 := by rw [hy']
    _ = 8 := rfl

theorem calc_int (x y : Int) (h1 : x = 2 * y) (h2 : y = 3) : x - y = 3 := by
  calc x - y = 2 * y - y := by rw [h1]
    _ = y := by omega
    _ = 3 := h2

theorem calc_tri (n : Nat) : tri (n + 2) = tri n + 2 * n + 3 := by
  calc tri (n + 2) = tri (n + 1) + (n + 2) := rfl
    _ = tri n + (n + 1) + (n + 2) := rfl
    _ = tri n + 2 * n + 3 := by omega

theorem calc_mono (a b : Nat) (h : a ≤ b) : 2 * a + 1 ≤ 2 * b + 3 := by
  calc 2 * a + 1 ≤ 2 * b + 1 := by omega
    _ ≤ 2 * b + 3 := Nat.add_le_add_left (by decide) (2 * b)

theorem calc_sum_sq (a b : Nat) : (a + b) * (a + b) = a * a + 2 * (a * b) + b * b := by
  calc (a + b) * (a + b) = (a + b) * a + (a + b) * b := Nat.left_distrib (a + b) a b
    _ = (a * a + b * a) + (a * b + b * b) := by
      rw [Nat.right_distrib, Nat.right_distrib]
    _ = a * a + 2 * (a * b) + b * b := by
      have hc : b * a = a * b := Nat.mul_comm b a
      omega

theorem calc_iff (p q r : Prop) (h1 : p ↔ q) (h2 : q ↔ r) : p ↔ r := by
  calc p ↔ q := h1
    _ ↔ r := h2

theorem calc_term_mode (a b : Nat) (h : a = b) : a + 0 = b :=
  calc a + 0 = a := rfl
    _ = b := h

theorem calc_lt_chain (a : Nat) : a < a + 3 := by
  calc a < a + 1 := Nat.lt_succ_self a
    _ < a + 2 := Nat.lt_succ_self (a + 1)
    _ < a + 3 := by omega

theorem calc_list_length (xs ys : List Nat) :
    (xs ++ ys ++ xs).length = 2 * xs.length + ys.length := by
  calc (xs ++ ys ++ xs).length = (xs ++ ys).length + xs.length := by
        rw [List.length_append]
    _ = xs.length + ys.length + xs.length := by rw [List.length_append]
    _ = 2 * xs.length + ys.length := by omega

theorem calc_eq_lt (a b c : Nat) (h1 : a = b) (h2 : b < c) : a < c := by
  calc a = b := h1
    _ < c := h2

theorem calc_pow2 (n : Nat) : pow2 (n + 1) = pow2 n + pow2 n := by
  calc pow2 (n + 1) = 2 * pow2 n := rfl
    _ = pow2 n + pow2 n := by omega

theorem calc_double_tri (n : Nat) : double (tri n) = n * (n + 1) := by
  calc double (tri n) = 2 * tri n := double_eq (tri n)
    _ = n * (n + 1) := tri_formula n

theorem calc_sub (a b : Nat) (h : b ≤ a) : a - b + b + b = a + b := by
  calc a - b + b + b = a + b := by omega

theorem calc_nested (a b : Nat) (hab : a ≤ b) : a + a ≤ b + b + 1 := by
  have key : a + a ≤ b + b := by
    calc a + a ≤ b + a := Nat.add_le_add_right hab a
      _ ≤ b + b := Nat.add_le_add_left hab b
  calc a + a ≤ b + b := key
    _ ≤ b + b + 1 := Nat.le_succ (b + b)

end FimCorpus.Calc
