/-!
# Arithmetic expressions

A tiny expression language (numerals, variables, `+`, `*`) with an
evaluator, smart constructors that fold constants, a constant-folding pass
with its correctness proof, and a compiler to a stack machine proved correct
against the evaluator.
-/

namespace FimCorpus.Exprs

inductive Expr where
  | num : Nat → Expr
  | var : Nat → Expr
  | add : Expr → Expr → Expr
  | mul : Expr → Expr → Expr
  deriving Repr

/-- Variable environments. -/
abbrev Env := Nat → Nat

namespace Expr

def eval (env : Env) : Expr → Nat
  | num n => n
  | var i => env i
  | add a b => eval env a + eval env b
  | mul a b => eval env a * eval env b

/-- Addition that folds two numerals. -/
def mkAdd (a b : Expr) : Expr :=
  match a, b with
  | num m, num n => num (m + n)
  | a, b => add a b

/-- Multiplication that folds two numerals. -/
def mkMul (a b : Expr) : Expr :=
  match a, b with
  | num m, num n => num (m * n)
  | a, b => mul a b

/-- Bottom-up constant folding. -/
def fold : Expr → Expr
  | num n => num n
  | var i => var i
  | add a b => mkAdd (fold a) (fold b)
  | mul a b => mkMul (fold a) (fold b)

def esize : Expr → Nat
  | num _ => 1
  | var _ => 1
  | add a b => esize a + esize b + 1
  | mul a b => esize a + esize b + 1

def vars : Expr → List Nat
  | num _ => []
  | var i => [i]
  | add a b => vars a ++ vars b
  | mul a b => vars a ++ vars b

/-- Swap the operands of every addition. -/
def swapAdds : Expr → Expr
  | num n => num n
  | var i => var i
  | add a b => add (swapAdds b) (swapAdds a)
  | mul a b => mul (swapAdds a) (swapAdds b)

theorem eval_mkAdd (env : Env) (a b : Expr) :
    eval env (mkAdd a b) = eval env a + eval env b := by
  unfold mkAdd
  split
  · rfl
  · rfl

theorem eval_mkMul (env : Env) (a b : Expr) :
    eval env (mkMul a b) = eval env a * eval env b := by
  cases a <;> cases b <;> rfl

/-- Constant folding preserves the meaning of every expression. -/
theorem eval_fold (env : Env) (e : Expr) : eval env (fold e) = eval env e := by
  induction e with
  | num n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show eval env (mkAdd (fold a) (fold b)) = eval env a + eval env b
    rw [eval_mkAdd, iha, ihb]
  | mul a b iha ihb =>
    show eval env (mkMul (fold a) (fold b)) = eval env a * eval env b
    rw [eval_mkMul, iha, ihb]

theorem esize_pos (e : Expr) : 0 < esize e := by
  cases e with
  | num n =>
    show 0 < 1
    omega
  | var i =>
    show 0 < 1
    omega
  | add a b =>
    show 0 < esize a + esize b + 1
    omega
  | mul a b =>
    show 0 < esize a + esize b + 1
    omega

theorem esize_mkAdd (a b : Expr) : esize (mkAdd a b) ≤ esize a + esize b + 1 := by
  unfold mkAdd
  split
  · show 1 ≤ 1 + 1 + 1
    decide
  · exact Nat.le_refl _

theorem eval_swapAdds (env : Env) (e : Expr) : eval env (swapAdds e) = eval env e := by
  induction e with
  | num n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show eval env (swapAdds b) + eval env (swapAdds a) = eval env a + eval env b
    rw [iha, ihb]
    exact Nat.add_comm _ _
  | mul a b iha ihb =>
    show eval env (swapAdds a) * eval env (swapAdds b) = eval env a * eval env b
    rw [iha, ihb]

/-- Evaluation only depends on the variables that occur in the expression. -/
theorem eval_congr (e : Expr) (env₁ env₂ : Env)
    (h : ∀ i, i ∈ vars e → env₁ i = env₂ i) : eval env₁ e = eval env₂ e := by
  induction e with
  | num n => rfl
  | var i =>
    show env₁ i = env₂ i
    exact h i (by simp [vars])
  | add a b iha ihb =>
    show eval env₁ a + eval env₁ b = eval env₂ a + eval env₂ b
    have ha : eval env₁ a = eval env₂ a :=
      iha (fun i hi => h i (by simp [vars, hi]))
    have hb : eval env₁ b = eval env₂ b :=
      ihb (fun i hi => h i (by simp [vars, hi]))
    rw [ha, hb]
  | mul a b iha ihb =>
    show eval env₁ a * eval env₁ b = eval env₂ a * eval env₂ b
    have ha : eval env₁ a = eval env₂ a :=
      iha (fun i hi => h i (by simp [vars, hi]))
    have hb : eval env₁ b = eval env₂ b :=
      ihb (fun i hi => h i (by simp [vars, hi]))
    rw [ha, hb]

example : eval (fun _ => 0) (add (num 2) (mul (num 3) (num 4))) = 14 := rfl

example : fold (add (num 2) (num 3)) = num 5 := rfl

end Expr

/-! ## A stack machine -/

inductive Instr where
  | push : Nat → Instr
  | load : Nat → Instr
  | iadd : Instr
  | imul : Instr

/-- Run a program on a stack; malformed instructions are skipped. -/
def exec (env : Env) : List Instr → List Nat → List Nat
  | [], stk => stk
  | Instr.push n :: rest, stk => exec env rest (n :: stk)
  | Instr.load i :: rest, stk => exec env rest (env i :: stk)
  | Instr.iadd :: rest, y :: x :: stk => exec env rest ((x + y) :: stk)
  | Instr.imul :: rest, y :: x :: stk => exec env rest ((x * y) :: stk)
  | _ :: rest, stk => exec env rest stk

open Expr in
def compile : Expr → List Instr
  | num n => [Instr.push n]
  | var i => [Instr.load i]
  | add a b => compile a ++ compile b ++ [Instr.iadd]
  | mul a b => compile a ++ compile b ++ [Instr.imul]

open Expr in
/-- Running compiled code pushes the value of the expression. -/
theorem exec_compile (env : Env) (e : Expr) :
    ∀ (rest : List Instr) (stk : List Nat),
      exec env (compile e ++ rest) stk = exec env rest (eval env e :: stk) := by
  induction e with
  | num n =>
    intro rest stk
    rfl
  | var i =>
    intro rest stk
    rfl
  | add a b iha ihb =>
    intro rest stk
    show exec env (compile a ++ compile b ++ [Instr.iadd] ++ rest) stk = _
    rw [List.append_assoc, List.append_assoc, iha, ihb]
    rfl
  | mul a b iha ihb =>
    intro rest stk
    show exec env (compile a ++ compile b ++ [Instr.imul] ++ rest) stk = _
    rw [List.append_assoc, List.append_assoc, iha, ihb]
    rfl

theorem compile_correct (env : Env) (e : Expr) :
    exec env (compile e) [] = [Expr.eval env e] := by
  have h := exec_compile env e [] []
  rw [List.append_nil] at h
  exact h

example : compile (Expr.add (Expr.num 1) (Expr.var 0)) =
    [Instr.push 1, Instr.load 0, Instr.iadd] := rfl

end FimCorpus.Exprs
