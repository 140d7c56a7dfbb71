prelude
import FimCore
/-!
# FimCoreCorpus.Exprs — a small arithmetic expression language

Constants, variables indexed by numbers, addition and multiplication; an evaluator under an
environment `Nat → Nat`; constant folding and identity-elimination passes proved correct;
operand swapping, variable shifting and substitution; a stack-machine compiler.
-/

namespace FimCoreCorpus.Exprs

inductive Expr where
  | const : Nat → Expr
  | var : Nat → Expr
  | add : Expr → Expr → Expr
  | mul : Expr → Expr → Expr

open Expr

def eval (ρ : Nat → Nat) : Expr → Nat
  | const n => n
  | var i => ρ i
  | add a b => eval ρ a + eval ρ b
  | mul a b => eval ρ a * eval ρ b

def size : Expr → Nat
  | const _ => 1
  | var _ => 1
  | add a b => size a + size b + 1
  | mul a b => size a + size b + 1

/-- Does the expression mention any variable? -/
def hasVar : Expr → Bool
  | const _ => false
  | var _ => true
  | add a b => hasVar a || hasVar b
  | mul a b => hasVar a || hasVar b

/-- Smart constructors: fold two constants into one. -/
def mkAdd : Expr → Expr → Expr
  | const n, const m => const (n + m)
  | a, b => add a b

def mkMul : Expr → Expr → Expr
  | const n, const m => const (n * m)
  | a, b => mul a b

/-- Bottom-up constant folding. -/
def fold : Expr → Expr
  | const n => const n
  | var i => var i
  | add a b => mkAdd (fold a) (fold b)
  | mul a b => mkMul (fold a) (fold b)

/-- Drop additions of a literal zero on the left. -/
def dropZero : Expr → Expr
  | const n => const n
  | var i => var i
  | add (const .zero) b => dropZero b
  | add a b => add (dropZero a) (dropZero b)
  | mul a b => mul (dropZero a) (dropZero b)

/-- Swap the operands of every operator. -/
def swap : Expr → Expr
  | const n => const n
  | var i => var i
  | add a b => add (swap b) (swap a)
  | mul a b => mul (swap b) (swap a)

/-- Renumber variables by adding `k` to each index. -/
def shift (k : Nat) : Expr → Expr
  | const n => const n
  | var i => var (i + k)
  | add a b => add (shift k a) (shift k b)
  | mul a b => mul (shift k a) (shift k b)

/-- Replace variable `i` by the expression `e`. -/
def replace (i : Nat) (e : Expr) : Expr → Expr
  | const n => const n
  | var j => if j = i then e else var j
  | add a b => add (replace i e a) (replace i e b)
  | mul a b => mul (replace i e a) (replace i e b)

def update (ρ : Nat → Nat) (i v : Nat) : Nat → Nat := fun j => if j = i then v else ρ j

def zeroEnv : Nat → Nat := fun _ => 0

def ex1 : Expr := add (mul (const 2) (var 0)) (const 3)

-- Concrete evaluations.

theorem eval_ex1_zero : eval zeroEnv ex1 = 3 := by decide
theorem eval_ex1_id : eval (fun i => i + 5) ex1 = 13 := by decide
theorem size_ex1 : size ex1 = 5 := by rfl
theorem hasVar_ex1 : hasVar ex1 = true := by rfl
theorem fold_example : fold (add (const 2) (mul (const 3) (const 4))) = const 14 := by rfl
theorem fold_keeps_var : fold (add (var 1) (add (const 1) (const 1))) = add (var 1) (const 2) := by
  rfl
theorem swap_ex1 : swap ex1 = add (const 3) (mul (var 0) (const 2)) := by rfl
theorem dropZero_example : dropZero (add (const 0) (mul (var 2) (const 1))) = mul (var 2) (const 1) := by
  rfl

-- Unfolding facts.

theorem eval_const (ρ : Nat → Nat) (n : Nat) : eval ρ (const n) = n := by rfl
theorem eval_var (ρ : Nat → Nat) (i : Nat) : eval ρ (var i) = ρ i := by rfl
theorem eval_add (ρ : Nat → Nat) (a b : Expr) : eval ρ (add a b) = eval ρ a + eval ρ b := by rfl
theorem eval_mul (ρ : Nat → Nat) (a b : Expr) : eval ρ (mul a b) = eval ρ a * eval ρ b := by rfl
theorem eval_add_self (ρ : Nat → Nat) (a : Expr) : eval ρ (add a a) = 2 * eval ρ a := by
  rw [eval_add, Nat.two_mul]
theorem eval_mul_one (ρ : Nat → Nat) (a : Expr) : eval ρ (mul a (const 1)) = eval ρ a := by
  exact Nat.mul_one (eval ρ a)
theorem eval_add_zero (ρ : Nat → Nat) (a : Expr) : eval ρ (add a (const 0)) = eval ρ a := by
  rfl
theorem eval_mul_zero (ρ : Nat → Nat) (a : Expr) : eval ρ (mul (const 0) a) = 0 := by
  exact Nat.zero_mul (eval ρ a)
theorem update_same (ρ : Nat → Nat) (i v : Nat) : update ρ i v i = v := by
  unfold update
  exact if_pos rfl
theorem update_other (ρ : Nat → Nat) (i j v : Nat) (h : j ≠ i) : update ρ i v j = ρ j := by
  unfold update
  exact if_neg h

-- Size.

theorem size_pos (e : Expr) : 0 < size e := by
  cases e with
  | const n => exact Nat.zero_lt_succ 0
  | var i => exact Nat.zero_lt_succ 0
  | add a b => exact Nat.zero_lt_succ _
  | mul a b => exact Nat.zero_lt_succ _

theorem size_add (a b : Expr) : size (add a b) = size a + size b + 1 := by rfl

theorem size_swap (e : Expr) : size (swap e) = size e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show size (swap b) + size (swap a) + 1 = size a + size b + 1
    rw [iha, ihb, Nat.add_comm (size b)]
  | mul a b iha ihb =>
    show size (swap b) + size (swap a) + 1 = size a + size b + 1
    rw [iha, ihb, Nat.add_comm (size b)]

theorem size_shift (k : Nat) (e : Expr) : size (shift k e) = size e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show size (shift k a) + size (shift k b) + 1 = size a + size b + 1
    rw [iha, ihb]
  | mul a b iha ihb =>
    show size (shift k a) + size (shift k b) + 1 = size a + size b + 1
    rw [iha, ihb]

theorem size_mkAdd_le (a b : Expr) : size (mkAdd a b) ≤ size a + size b + 1 := by
  cases a <;> cases b <;> first | exact Nat.le_refl _ | exact Nat.le_add_left 1 _

theorem size_mkMul_le (a b : Expr) : size (mkMul a b) ≤ size a + size b + 1 := by
  cases a <;> cases b <;> first | exact Nat.le_refl _ | exact Nat.le_add_left 1 _

theorem size_fold_le (e : Expr) : size (fold e) ≤ size e := by
  induction e with
  | const n => exact Nat.le_refl 1
  | var i => exact Nat.le_refl 1
  | add a b iha ihb =>
    show size (mkAdd (fold a) (fold b)) ≤ size a + size b + 1
    calc size (mkAdd (fold a) (fold b)) ≤ size (fold a) + size (fold b) + 1 := size_mkAdd_le _ _
      _ ≤ size a + size (fold b) + 1 := Nat.add_le_add_right (Nat.add_le_add_right iha _) 1
      _ ≤ size a + size b + 1 := Nat.add_le_add_right (Nat.add_le_add_left ihb _) 1
  | mul a b iha ihb =>
    show size (mkMul (fold a) (fold b)) ≤ size a + size b + 1
    calc size (mkMul (fold a) (fold b)) ≤ size (fold a) + size (fold b) + 1 := size_mkMul_le _ _
      _ ≤ size a + size (fold b) + 1 := Nat.add_le_add_right (Nat.add_le_add_right iha _) 1
      _ ≤ size a + size b + 1 := Nat.add_le_add_right (Nat.add_le_add_left ihb _) 1

-- Correctness of the passes.

theorem eval_mkAdd (ρ : Nat → Nat) (a b : Expr) : eval ρ (mkAdd a b) = eval ρ a + eval ρ b := by
  cases a <;> cases b <;> rfl

theorem eval_mkMul (ρ : Nat → Nat) (a b : Expr) : eval ρ (mkMul a b) = eval ρ a * eval ρ b := by
  cases a <;> cases b <;> rfl

theorem eval_fold (ρ : Nat → Nat) (e : Expr) : eval ρ (fold e) = eval ρ e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show eval ρ (mkAdd (fold a) (fold b)) = eval ρ a + eval ρ b
    rw [eval_mkAdd, iha, ihb]
  | mul a b iha ihb =>
    show eval ρ (mkMul (fold a) (fold b)) = eval ρ a * eval ρ b
    rw [eval_mkMul, iha, ihb]

theorem fold_fold_eval (ρ : Nat → Nat) (e : Expr) : eval ρ (fold (fold e)) = eval ρ e := by
  rw [eval_fold, eval_fold]

theorem eval_dropZero (ρ : Nat → Nat) (e : Expr) : eval ρ (dropZero e) = eval ρ e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    cases a with
    | const n =>
      cases n with
      | zero =>
        show eval ρ (dropZero b) = 0 + eval ρ b
        rw [ihb, Nat.zero_add]
      | succ k =>
        show eval ρ (const (k + 1)) + eval ρ (dropZero b) = eval ρ (const (k + 1)) + eval ρ b
        rw [ihb]
    | var i =>
      show eval ρ (var i) + eval ρ (dropZero b) = eval ρ (var i) + eval ρ b
      rw [ihb]
    | add c d =>
      show eval ρ (dropZero (add c d)) + eval ρ (dropZero b) = eval ρ (add c d) + eval ρ b
      rw [iha, ihb]
    | mul c d =>
      show eval ρ (dropZero (mul c d)) + eval ρ (dropZero b) = eval ρ (mul c d) + eval ρ b
      rw [iha, ihb]
  | mul a b iha ihb =>
    show eval ρ (dropZero a) * eval ρ (dropZero b) = eval ρ a * eval ρ b
    rw [iha, ihb]

theorem eval_swap (ρ : Nat → Nat) (e : Expr) : eval ρ (swap e) = eval ρ e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show eval ρ (swap b) + eval ρ (swap a) = eval ρ a + eval ρ b
    rw [iha, ihb, Nat.add_comm]
  | mul a b iha ihb =>
    show eval ρ (swap b) * eval ρ (swap a) = eval ρ a * eval ρ b
    rw [iha, ihb, Nat.mul_comm]

theorem swap_swap (e : Expr) : swap (swap e) = e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show add (swap (swap a)) (swap (swap b)) = add a b
    rw [iha, ihb]
  | mul a b iha ihb =>
    show mul (swap (swap a)) (swap (swap b)) = mul a b
    rw [iha, ihb]

theorem hasVar_swap (e : Expr) : hasVar (swap e) = hasVar e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show (hasVar (swap b) || hasVar (swap a)) = (hasVar a || hasVar b)
    rw [iha, ihb, Bool.or_comm]
  | mul a b iha ihb =>
    show (hasVar (swap b) || hasVar (swap a)) = (hasVar a || hasVar b)
    rw [iha, ihb, Bool.or_comm]

-- Environments.

theorem eval_shift (ρ : Nat → Nat) (k : Nat) (e : Expr) :
    eval ρ (shift k e) = eval (fun i => ρ (i + k)) e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show eval ρ (shift k a) + eval ρ (shift k b) = _
    rw [iha, ihb]
    rfl
  | mul a b iha ihb =>
    show eval ρ (shift k a) * eval ρ (shift k b) = _
    rw [iha, ihb]
    rfl

theorem shift_zero (e : Expr) : shift 0 e = e := by
  induction e with
  | const n => rfl
  | var i => rfl
  | add a b iha ihb =>
    show add (shift 0 a) (shift 0 b) = add a b
    rw [iha, ihb]
  | mul a b iha ihb =>
    show mul (shift 0 a) (shift 0 b) = mul a b
    rw [iha, ihb]

theorem eval_closed (ρ σ : Nat → Nat) (e : Expr) (h : hasVar e = false) :
    eval ρ e = eval σ e := by
  induction e with
  | const n => rfl
  | var i => exact Bool.noConfusion h
  | add a b iha ihb =>
    have ha : hasVar a = false := by
      cases hx : hasVar a with
      | false => rfl
      | true =>
        have h' : (hasVar a || hasVar b) = false := h
        rw [hx] at h'
        exact Bool.noConfusion h'
    have hb : hasVar b = false := by
      have h' : (hasVar a || hasVar b) = false := h
      rw [ha] at h'
      exact h'
    show eval ρ a + eval ρ b = eval σ a + eval σ b
    rw [iha ha, ihb hb]
  | mul a b iha ihb =>
    have ha : hasVar a = false := by
      cases hx : hasVar a with
      | false => rfl
      | true =>
        have h' : (hasVar a || hasVar b) = false := h
        rw [hx] at h'
        exact Bool.noConfusion h'
    have hb : hasVar b = false := by
      have h' : (hasVar a || hasVar b) = false := h
      rw [ha] at h'
      exact h'
    show eval ρ a * eval ρ b = eval σ a * eval σ b
    rw [iha ha, ihb hb]

theorem eval_replace (ρ : Nat → Nat) (i : Nat) (r e : Expr) :
    eval ρ (replace i r e) = eval (update ρ i (eval ρ r)) e := by
  induction e with
  | const n => rfl
  | var j =>
    by_cases h : j = i
    · show eval ρ (if j = i then r else var j) = update ρ i (eval ρ r) j
      rw [if_pos h, h, update_same]
    · show eval ρ (if j = i then r else var j) = update ρ i (eval ρ r) j
      rw [if_neg h, update_other ρ i j _ h]
      rfl
  | add a b iha ihb =>
    show eval ρ (replace i r a) + eval ρ (replace i r b) = _
    rw [iha, ihb]
    rfl
  | mul a b iha ihb =>
    show eval ρ (replace i r a) * eval ρ (replace i r b) = _
    rw [iha, ihb]
    rfl

theorem replace_const_closed (i n : Nat) (e : Expr) (h : hasVar e = false) :
    replace i (const n) e = e := by
  induction e with
  | const m => rfl
  | var j => exact Bool.noConfusion h
  | add a b iha ihb =>
    have ha : hasVar a = false := by
      cases hx : hasVar a with
      | false => rfl
      | true =>
        have h' : (hasVar a || hasVar b) = false := h
        rw [hx] at h'
        exact Bool.noConfusion h'
    have h' : (hasVar a || hasVar b) = false := h
    rw [ha] at h'
    show add (replace i (const n) a) (replace i (const n) b) = add a b
    rw [iha ha, ihb h']
  | mul a b iha ihb =>
    have ha : hasVar a = false := by
      cases hx : hasVar a with
      | false => rfl
      | true =>
        have h' : (hasVar a || hasVar b) = false := h
        rw [hx] at h'
        exact Bool.noConfusion h'
    have h' : (hasVar a || hasVar b) = false := h
    rw [ha] at h'
    show mul (replace i (const n) a) (replace i (const n) b) = mul a b
    rw [iha ha, ihb h']

-- A stack machine and a compiler to it.

inductive Instr where
  | push : Nat → Instr
  | load : Nat → Instr
  | addI : Instr
  | mulI : Instr

def step (ρ : Nat → Nat) : Instr → List Nat → List Nat
  | .push n, s => n :: s
  | .load i, s => ρ i :: s
  | .addI, b :: a :: s => (a + b) :: s
  | .mulI, b :: a :: s => (a * b) :: s
  | _, s => s

def exec (ρ : Nat → Nat) : List Instr → List Nat → List Nat
  | [], s => s
  | i :: is, s => exec ρ is (step ρ i s)

def compile : Expr → List Instr
  | const n => [.push n]
  | var i => [.load i]
  | add a b => compile a ++ compile b ++ [.addI]
  | mul a b => compile a ++ compile b ++ [.mulI]

theorem exec_nil (ρ : Nat → Nat) (s : List Nat) : exec ρ [] s = s := by rfl
theorem compile_ex1 : compile ex1 = [.push 2, .load 0, .mulI, .push 3, .addI] := by rfl
theorem exec_ex1 : exec (fun _ => 10) (compile ex1) [] = [23] := by rfl

theorem exec_append (ρ : Nat → Nat) (p q : List Instr) (s : List Nat) :
    exec ρ (p ++ q) s = exec ρ q (exec ρ p s) := by
  induction p generalizing s with
  | nil => rfl
  | cons i is ih => exact ih (step ρ i s)

theorem exec_compile (ρ : Nat → Nat) (e : Expr) :
    ∀ (p : List Instr) (s : List Nat), exec ρ (compile e ++ p) s = exec ρ p (eval ρ e :: s) := by
  induction e with
  | const n =>
    intro p s
    rfl
  | var i =>
    intro p s
    rfl
  | add a b iha ihb =>
    intro p s
    show exec ρ (compile a ++ compile b ++ [.addI] ++ p) s = _
    rw [List.append_assoc, List.append_assoc, iha, ihb]
    rfl
  | mul a b iha ihb =>
    intro p s
    show exec ρ (compile a ++ compile b ++ [.mulI] ++ p) s = _
    rw [List.append_assoc, List.append_assoc, iha, ihb]
    rfl

theorem compile_correct (ρ : Nat → Nat) (e : Expr) : exec ρ (compile e) [] = [eval ρ e] := by
  have h := exec_compile ρ e [] []
  rw [List.append_nil] at h
  exact h

theorem compile_fold_correct (ρ : Nat → Nat) (e : Expr) :
    exec ρ (compile (fold e)) [] = [eval ρ e] := by
  rw [compile_correct, eval_fold]

end FimCoreCorpus.Exprs
