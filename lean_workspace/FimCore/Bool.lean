prelude
import FimCore.Logic
/-! # FimCore.Bool — booleans: the connectives, their laws, the simp set -/

universe u
namespace Bool

@[simp] theorem not_true : (!true) = false := rfl
@[simp] theorem not_false : (!false) = true := rfl
@[simp] theorem not_not (b : Bool) : (!!b) = b := by cases b <;> rfl
@[simp] theorem true_and (b : Bool) : (true && b) = b := rfl
@[simp] theorem false_and (b : Bool) : (false && b) = false := rfl
@[simp] theorem and_true (b : Bool) : (b && true) = b := by cases b <;> rfl
@[simp] theorem and_false (b : Bool) : (b && false) = false := by cases b <;> rfl
@[simp] theorem true_or (b : Bool) : (true || b) = true := rfl
@[simp] theorem false_or (b : Bool) : (false || b) = b := rfl
@[simp] theorem or_true (b : Bool) : (b || true) = true := by cases b <;> rfl
@[simp] theorem or_false (b : Bool) : (b || false) = b := by cases b <;> rfl
theorem and_comm (a b : Bool) : (a && b) = (b && a) := by cases a <;> cases b <;> rfl
theorem or_comm (a b : Bool) : (a || b) = (b || a) := by cases a <;> cases b <;> rfl
theorem and_assoc (a b c : Bool) : ((a && b) && c) = (a && (b && c)) := by
  cases a <;> rfl
theorem or_assoc (a b c : Bool) : ((a || b) || c) = (a || (b || c)) := by
  cases a <;> rfl
@[simp] theorem and_self (b : Bool) : (b && b) = b := by cases b <;> rfl
@[simp] theorem or_self (b : Bool) : (b || b) = b := by cases b <;> rfl
theorem not_and (a b : Bool) : (!(a && b)) = (!a || !b) := by cases a <;> cases b <;> rfl
theorem not_or (a b : Bool) : (!(a || b)) = (!a && !b) := by cases a <;> cases b <;> rfl
@[simp] theorem false_ne_true : false ≠ true := fun h => Bool.noConfusion h
@[simp] theorem true_ne_false : true ≠ false := fun h => Bool.noConfusion h
@[simp] theorem cond_true {α : Sort u} (x y : α) : cond true x y = x := rfl
@[simp] theorem cond_false {α : Sort u} (x y : α) : cond false x y = y := rfl

/-- Exclusive or, our own. -/
def xor (a b : Bool) : Bool := a && !b || !a && b
theorem xor_comm (a b : Bool) : xor a b = xor b a := by cases a <;> cases b <;> rfl
@[simp] theorem xor_self (b : Bool) : xor b b = false := by cases b <;> rfl
@[simp] theorem xor_false (b : Bool) : xor b false = b := by cases b <;> rfl

end Bool

@[simp] theorem ite_true {α : Sort u} (a b : α) : (if True then a else b) = a := rfl
@[simp] theorem ite_false {α : Sort u} (a b : α) : (if False then a else b) = b := rfl
theorem ite_self {α : Sort u} {c : Prop} [d : Decidable c] (a : α) : (if c then a else a) = a := by
  cases d <;> rfl
theorem if_pos {c : Prop} [d : Decidable c] (h : c) {α : Sort u} {t e : α} :
    (if c then t else e) = t := by
  cases d with
  | isTrue _ => rfl
  | isFalse hn => exact absurd h hn
theorem if_neg {c : Prop} [d : Decidable c] (h : ¬c) {α : Sort u} {t e : α} :
    (if c then t else e) = e := by
  cases d with
  | isTrue hc => exact absurd hc h
  | isFalse _ => rfl

-- What `simp` uses by name to decide an `if` whose condition it rewrote to `True`/`False`.
theorem ite_eq_left_of_eq_true {α : Sort u} {c : Prop} {inst : Decidable c} (a b : α)
    (h : c = True) : (if c then a else b) = a := by
  cases inst with
  | isTrue _ => rfl
  | isFalse hn => exact absurd (of_eq_true h) hn
theorem ite_eq_right_of_eq_false {α : Sort u} {c : Prop} {inst : Decidable c} (a b : α)
    (h : c = False) : (if c then a else b) = b := by
  cases inst with
  | isTrue hc => exact False.elim (h ▸ hc)
  | isFalse _ => rfl
theorem dite_eq_left_of_eq_true {α : Sort u} {c : Prop} {inst : Decidable c} {t : c → α}
    {e : ¬c → α} (h : c = True) : dite c t e = t (of_eq_true h) := by
  cases inst with
  | isTrue _ => rfl
  | isFalse hn => exact absurd (of_eq_true h) hn
theorem dite_eq_right_of_eq_false {α : Sort u} {c : Prop} {inst : Decidable c} {t : c → α}
    {e : ¬c → α} (h : c = False) : dite c t e = e (fun hc => h ▸ hc) := by
  cases inst with
  | isTrue hc => exact False.elim (h ▸ hc)
  | isFalse _ => rfl
