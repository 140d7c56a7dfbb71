prelude
/-!
# FimCore.Core — the constants Lean's elaborator looks up by name

fimrl's own minimal logical world, written for the prelude toolchain (see
`fimrl/verify/prelude/`). Lean 4.35.0's compiled elaborator, tactic framework and kernel run
unchanged; they find the declarations below by name and shape (`Eq.ndrec`, `Decidable`,
`OfNat`, `HAdd`, `sorryAx`, ...). Nothing here is copied from Lean's `Init`: the
definitions are ours, with the names and argument orders the elaborator expects. Proofs in
this file are terms because the tactic syntax is attached later (`FimCore.Tactics`).
-/

universe u v w
set_option linter.unusedVariables false

-- The code generator refers to these when a definition is compiled.
unsafe axiom lcErased : Type
unsafe axiom lcAny : Type
unsafe axiom lcVoid : Type
unsafe axiom lcProof {α : Prop} : α
unsafe axiom lcCast {α : Sort u} {β : Sort v} (a : α) : β
unsafe axiom lcUnreachable {α : Sort u} : α

def id {α : Sort u} (a : α) : α := a
def Function.const {α : Sort u} (β : Sort v) (a : α) : β → α := fun _ => a
def Function.comp {α : Sort u} {β : Sort v} {δ : Sort w} (f : β → δ) (g : α → β) : α → δ :=
  fun x => f (g x)

inductive PUnit : Sort (max 1 u) where
  | unit : PUnit
abbrev Unit : Type := PUnit.{1}
@[match_pattern] abbrev Unit.unit : Unit := PUnit.unit

structure PULift.{r, s} (α : Sort s) : Sort (max s r 1) where
  up :: down : α

inductive True : Prop where
  | intro : True
theorem trivial : True := True.intro

inductive False : Prop

inductive Empty : Type

def Not (a : Prop) : Prop := a → False
def False.elim {C : Sort u} (h : False) : C := h.rec
def absurd {a : Prop} {b : Sort v} (h₁ : a) (h₂ : Not a) : b := (h₂ h₁).rec

inductive Eq {α : Sort u} : α → α → Prop where
  | refl (a : α) : Eq a a

abbrev Eq.ndrec.{u1, u2} {α : Sort u2} {a : α} {motive : α → Sort u1} (m : motive a)
    {b : α} (h : Eq a b) : motive b :=
  h.rec m
set_option linter.defProp false in
@[match_pattern] def rfl {α : Sort u} {a : α} : Eq a a := Eq.refl a
theorem Eq.subst {α : Sort u} {motive : α → Prop} {a b : α} (h₁ : Eq a b) (h₂ : motive a) :
    motive b :=
  Eq.ndrec h₂ h₁
theorem Eq.symm {α : Sort u} {a b : α} (h : Eq a b) : Eq b a :=
  Eq.ndrec (motive := fun x => Eq x a) rfl h
theorem Eq.trans {α : Sort u} {a b c : α} (h₁ : Eq a b) (h₂ : Eq b c) : Eq a c :=
  Eq.ndrec h₁ h₂
def cast {α β : Sort u} (h : Eq α β) (a : α) : β := Eq.ndrec (motive := fun t => t) a h
theorem congrArg {α : Sort u} {β : Sort v} {a₁ a₂ : α} (f : α → β) (h : Eq a₁ a₂) :
    Eq (f a₁) (f a₂) :=
  @Eq.ndrec α a₁ (fun x => Eq (f a₁) (f x)) rfl a₂ h
theorem congr {α : Sort u} {β : Sort v} {f₁ f₂ : α → β} {a₁ a₂ : α} (h₁ : Eq f₁ f₂)
    (h₂ : Eq a₁ a₂) : Eq (f₁ a₁) (f₂ a₂) :=
  @Eq.ndrec (α → β) f₁ (fun g => Eq (f₁ a₁) (g a₂)) (congrArg f₁ h₂) f₂ h₁
theorem congrFun {α : Sort u} {β : α → Sort v} {f g : (x : α) → β x} (h : Eq f g) (a : α) :
    Eq (f a) (g a) :=
  @Eq.ndrec ((x : α) → β x) f (fun k => Eq (f a) (k a)) rfl g h
/-- The non-dependent `congrFun`, which `simp` uses to rewrite inside applications. -/
theorem congrFun' {α : Sort u} {β : Sort v} {f g : α → β} (h : Eq f g) (a : α) :
    Eq (f a) (g a) :=
  congrFun h a
def Eq.mpr {α β : Sort u} (h : Eq α β) (b : β) : α := Eq.ndrec (motive := fun t => t) b (Eq.symm h)
def Eq.mp {α β : Sort u} (h : Eq α β) (a : α) : β := Eq.ndrec (motive := fun t => t) a h
def Ne {α : Sort u} (a b : α) : Prop := Not (Eq a b)

inductive HEq : {α : Sort u} → α → {β : Sort u} → β → Prop where
  | refl (a : α) : HEq a a
theorem eq_of_heq {α : Sort u} {a a' : α} (h : HEq a a') : Eq a a' :=
  @HEq.rec α a (fun {β} b _ => (e : Eq α β) → Eq (cast e a) b) (fun _ => rfl) α a' h rfl
theorem HEq.rfl {α : Sort u} {a : α} : HEq a a := HEq.refl a
theorem heq_of_eq {α : Sort u} {a a' : α} (h : Eq a a') : HEq a a' :=
  @Eq.ndrec α a (fun x => HEq a x) (HEq.refl a) a' h

structure PProd (α : Sort u) (β : Sort v) where
  fst : α
  snd : β
structure MProd (α β : Type u) where
  fst : α
  snd : β
structure Prod (α : Type u) (β : Type v) where
  mk ::
  fst : α
  snd : β

structure And (a b : Prop) : Prop where
  intro ::
  left : a
  right : b
inductive Or (a b : Prop) : Prop where
  | inl (h : a) : Or a b
  | inr (h : b) : Or a b
structure Iff (a b : Prop) : Prop where
  intro ::
  mp : a → b
  mpr : b → a
inductive Exists {α : Sort u} (p : α → Prop) : Prop where
  | intro (w : α) (h : p w) : Exists p
structure Subtype {α : Sort u} (p : α → Prop) where
  val : α
  property : p val
inductive PSum (α : Sort u) (β : Sort v) where
  | inl (val : α) : PSum α β
  | inr (val : β) : PSum α β
structure PSigma {α : Sort u} (β : α → Sort v) where
  fst : α
  snd : β fst

axiom propext {a b : Prop} : Iff a b → Eq a b

theorem Iff.refl (a : Prop) : Iff a a := Iff.intro (fun h => h) (fun h => h)
theorem Iff.rfl {a : Prop} : Iff a a := Iff.refl a

inductive Bool : Type where
  | false : Bool
  | true : Bool
export Bool (false true)

@[reducible] def optParam (α : Sort u) (default : α) : Sort u := α
@[reducible] def outParam (α : Sort u) : Sort u := α
@[reducible] def semiOutParam (α : Sort u) : Sort u := α
@[reducible] def autoParam.{w'} (α : Sort w') (tactic : Bool) : Sort w' := α

/-- What `sorry` and `admit` elaborate to; `#print axioms` shows it, and fimrl refuses it. -/
axiom sorryAx (α : Sort u) (synthetic : Bool := false) : α

def cond {α : Sort u} (c : Bool) (x y : α) : α := Bool.casesOn (motive := fun _ => α) c y x

class inductive Decidable (p : Prop) where
  | isFalse (h : Not p) : Decidable p
  | isTrue (h : p) : Decidable p
export Decidable (isTrue isFalse)

def Decidable.decide (p : Prop) [h : Decidable p] : Bool :=
  Decidable.casesOn (motive := fun _ => Bool) h (fun _ => false) (fun _ => true)
export Decidable (decide)

def dite {α : Sort u} (c : Prop) [h : Decidable c] (t : c → α) (e : Not c → α) : α :=
  Decidable.casesOn (motive := fun _ => α) h e t
def ite {α : Sort u} (c : Prop) [h : Decidable c] (t e : α) : α :=
  Decidable.casesOn (motive := fun _ => α) h (fun _ => e) (fun _ => t)
abbrev DecidableEq (α : Sort u) := (a b : α) → Decidable (Eq a b)
abbrev DecidablePred {α : Sort u} (r : α → Prop) := (a : α) → Decidable (r a)

theorem of_decide_eq_true {p : Prop} [inst : Decidable p] : Eq (decide p) true → p :=
  Decidable.casesOn (motive := fun i => Eq (@decide p i) true → p) inst
    (fun _ h => absurd h (fun e => Bool.noConfusion e)) (fun hp _ => hp)
theorem of_decide_eq_false {p : Prop} [inst : Decidable p] : Eq (decide p) false → Not p :=
  Decidable.casesOn (motive := fun i => Eq (@decide p i) false → Not p) inst
    (fun hn _ => hn) (fun _ h => absurd h (fun e => Bool.noConfusion e))

set_option genCtorIdx false in
inductive Nat : Type where
  | zero : Nat
  | succ (n : Nat) : Nat

class OfNat (α : Type u) (_ : Nat) where
  ofNat : α
@[default_instance 100]
instance instOfNatNat (n : Nat) : OfNat Nat n where
  ofNat := n

class Inhabited (α : Sort u) where
  default : α
instance : Inhabited Nat := ⟨Nat.zero⟩
instance : Inhabited Prop := ⟨True⟩
instance : Inhabited Bool := ⟨false⟩
class inductive Nonempty (α : Sort u) : Prop where
  | intro (val : α) : Nonempty α

class Trans.{ur, us, ut, ua, ub, uc} {α : Sort ua} {β : Sort ub} {γ : Sort uc}
    (r : α → β → Sort ur) (s : β → γ → Sort us) (t : outParam (α → γ → Sort ut)) where
  trans {a : α} {b : β} {c : γ} : r a b → s b c → t a c
instance {α : Sort u} : @Trans α α α Eq Eq Eq := ⟨Eq.trans⟩

theorem of_eq_true {p : Prop} (h : Eq p True) : p := Eq.mpr h True.intro
theorem eq_true {p : Prop} (h : p) : Eq p True :=
  propext (Iff.intro (fun _ => True.intro) (fun _ => h))
theorem eq_false {p : Prop} (h : Not p) : Eq p False :=
  propext (Iff.intro (fun hp => h hp) (fun hf => False.elim hf))
theorem eq_self {α : Sort u} (a : α) : Eq (Eq a a) True := eq_true rfl
theorem iff_self (p : Prop) : Eq (Iff p p) True := eq_true Iff.rfl
theorem implies_true (α : Sort u) : Eq (α → True) True := eq_true (fun _ => True.intro)

-- Natural-number arithmetic: `@[extern]` names make numerals and `decide` run natively, and
-- the kernel's GMP acceleration recognises these constants by name.
@[extern "lean_nat_dec_le"]
def Nat.ble : Nat → Nat → Bool :=
  fun n => Nat.rec (motive := fun _ => Nat → Bool) (fun _ => true)
    (fun _ ih m => Nat.casesOn (motive := fun _ => Bool) m false (fun m => ih m)) n
@[extern "lean_nat_dec_eq"]
def Nat.beq : Nat → Nat → Bool :=
  fun n => Nat.rec (motive := fun _ => Nat → Bool)
    (fun m => Nat.casesOn (motive := fun _ => Bool) m true (fun _ => false))
    (fun _ ih m => Nat.casesOn (motive := fun _ => Bool) m false (fun m => ih m)) n
@[extern "lean_nat_add"]
protected def Nat.add (n m : Nat) : Nat :=
  Nat.rec (motive := fun _ => Nat) n (fun _ ih => Nat.succ ih) m
@[extern "lean_nat_mul"]
protected def Nat.mul (n m : Nat) : Nat :=
  Nat.rec (motive := fun _ => Nat) Nat.zero (fun _ ih => Nat.add ih n) m
@[extern "lean_nat_pred"]
def Nat.pred (n : Nat) : Nat := Nat.casesOn (motive := fun _ => Nat) n Nat.zero (fun m => m)
@[extern "lean_nat_sub"]
protected def Nat.sub (n m : Nat) : Nat :=
  Nat.rec (motive := fun _ => Nat) n (fun _ ih => Nat.pred ih) m
@[extern "lean_nat_pow"]
protected def Nat.pow (n m : Nat) : Nat :=
  Nat.rec (motive := fun _ => Nat) (Nat.succ Nat.zero) (fun _ ih => Nat.mul ih n) m

theorem Nat.eq_of_beq_eq_true : (n m : Nat) → Eq (Nat.beq n m) true → Eq n m :=
  fun n => Nat.rec (motive := fun n => (m : Nat) → Eq (Nat.beq n m) true → Eq n m)
    (fun m => Nat.casesOn (motive := fun m => Eq (Nat.beq Nat.zero m) true → Eq Nat.zero m) m
      (fun _ => rfl) (fun _ h => Bool.noConfusion h))
    (fun n ih m => Nat.casesOn
      (motive := fun m => Eq (Nat.beq (Nat.succ n) m) true → Eq (Nat.succ n) m) m
      (fun h => Bool.noConfusion h) (fun m h => congrArg Nat.succ (ih m h)))
    n
theorem Nat.ne_of_beq_eq_false : (n m : Nat) → Eq (Nat.beq n m) false → Not (Eq n m) :=
  fun n => Nat.rec (motive := fun n => (m : Nat) → Eq (Nat.beq n m) false → Not (Eq n m))
    (fun m => Nat.casesOn
      (motive := fun m => Eq (Nat.beq Nat.zero m) false → Not (Eq Nat.zero m)) m
      (fun h _ => Bool.noConfusion h) (fun _ _ e => Nat.noConfusion e))
    (fun n ih m => Nat.casesOn
      (motive := fun m => Eq (Nat.beq (Nat.succ n) m) false → Not (Eq (Nat.succ n) m)) m
      (fun _ e => Nat.noConfusion e) (fun m h e => ih m h (Nat.noConfusion e (fun e' => e'))))
    n
@[extern "lean_nat_dec_eq"]
def Nat.decEq (n m : Nat) : Decidable (Eq n m) :=
  Bool.casesOn (motive := fun b => Eq (Nat.beq n m) b → Decidable (Eq n m)) (Nat.beq n m)
    (fun h => isFalse (Nat.ne_of_beq_eq_false n m h))
    (fun h => isTrue (Nat.eq_of_beq_eq_true n m h)) rfl
instance : DecidableEq Nat := Nat.decEq

/-- Constructor index of `Bool`, for `cases`/`contradiction` on `true = false` (declared here:
generating it needs `Nat`, which comes after `Bool`). -/
def Bool.ctorIdx (b : Bool) : Nat :=
  Bool.casesOn (motive := fun _ => Nat) b Nat.zero (Nat.succ Nat.zero)

theorem Nat.beq_refl (n : Nat) : Eq (Nat.beq n n) true :=
  Nat.rec (motive := fun n => Eq (Nat.beq n n) true) rfl (fun _ ih => ih) n
/-- How `cases`, `injection` and `noConfusion` tell constructors apart: equal values have
equal constructor indices. -/
theorem noConfusion_of_Nat {α : Sort u} (f : α → Nat) {a b : α} (h : Eq a b) :
    Bool.rec (motive := fun _ => Prop) False True (Nat.beq (f a) (f b)) :=
  Eq.ndrec (motive := fun x => Bool.rec (motive := fun _ => Prop) False True (Nat.beq (f a) (f x)))
    (Eq.mpr (congrArg (Bool.rec (motive := fun _ => Prop) False True) (Nat.beq_refl (f a)))
      True.intro) h

/-- Constructor index, which `cases` and `injection` use to tell constructors apart (Nat is
declared without the generated one: generating it would need `Nat` literals first). -/
def Nat.ctorIdx (n : Nat) : Nat :=
  Nat.casesOn (motive := fun _ => Nat) n Nat.zero (fun _ => Nat.succ Nat.zero)


def Bool.decEq (a b : Bool) : Decidable (Eq a b) :=
  Bool.casesOn (motive := fun a => Decidable (Eq a b)) a
    (Bool.casesOn (motive := fun b => Decidable (Eq false b)) b (isTrue rfl)
      (isFalse (fun h => Bool.noConfusion h)))
    (Bool.casesOn (motive := fun b => Decidable (Eq true b)) b
      (isFalse (fun h => Bool.noConfusion h)) (isTrue rfl))
instance : DecidableEq Bool := Bool.decEq

theorem Bool.of_not_eq_true {b : Bool} (h : Not (Eq b true)) : Eq b false :=
  Bool.casesOn (motive := fun b => Not (Eq b true) → Eq b false) b (fun _ => rfl)
    (fun h => absurd rfl h) h
theorem Bool.of_not_eq_false {b : Bool} (h : Not (Eq b false)) : Eq b true :=
  Bool.casesOn (motive := fun b => Not (Eq b false) → Eq b true) b (fun h => absurd rfl h)
    (fun _ => rfl) h

-- Notation classes: `+ * - / % ^ ≤ < ++ ==` elaborate through them (binop% and friends).
class HAdd (α : Type u) (β : Type v) (γ : outParam (Type w)) where
  hAdd : α → β → γ
class HSub (α : Type u) (β : Type v) (γ : outParam (Type w)) where
  hSub : α → β → γ
class HMul (α : Type u) (β : Type v) (γ : outParam (Type w)) where
  hMul : α → β → γ
class HPow (α : Type u) (β : Type v) (γ : outParam (Type w)) where
  hPow : α → β → γ
class HAppend (α : Type u) (β : Type v) (γ : outParam (Type w)) where
  hAppend : α → β → γ
class Add (α : Type u) where
  add : α → α → α
class Sub (α : Type u) where
  sub : α → α → α
class Mul (α : Type u) where
  mul : α → α → α
class Pow (α : Type u) (β : Type v) where
  pow : α → β → α
class Append (α : Type u) where
  append : α → α → α
class LE (α : Type u) where
  le : α → α → Prop
class LT (α : Type u) where
  lt : α → α → Prop
class BEq (α : Type u) where
  beq : α → α → Bool
@[reducible] def GE.ge {α : Type u} [LE α] (a b : α) : Prop := LE.le b a
@[reducible] def GT.gt {α : Type u} [LT α] (a b : α) : Prop := LT.lt b a

@[default_instance] instance instHAdd {α : Type u} [Add α] : HAdd α α α := ⟨fun a b => Add.add a b⟩
@[default_instance] instance instHSub {α : Type u} [Sub α] : HSub α α α := ⟨fun a b => Sub.sub a b⟩
@[default_instance] instance instHMul {α : Type u} [Mul α] : HMul α α α := ⟨fun a b => Mul.mul a b⟩
@[default_instance] instance instHPow {α : Type u} {β : Type v} [Pow α β] : HPow α β α :=
  ⟨fun a b => Pow.pow a b⟩
@[default_instance] instance instHAppend {α : Type u} [Append α] : HAppend α α α :=
  ⟨fun a b => Append.append a b⟩
instance instAddNat : Add Nat := ⟨Nat.add⟩
attribute [match_pattern] Nat.add Add.add HAdd.hAdd
instance instSubNat : Sub Nat := ⟨Nat.sub⟩
instance instMulNat : Mul Nat := ⟨Nat.mul⟩
instance instPowNat : Pow Nat Nat := ⟨Nat.pow⟩
instance : BEq Nat := ⟨Nat.beq⟩
instance : BEq Bool := ⟨fun a b => decide (Eq a b)⟩

inductive Nat.le (n : Nat) : Nat → Prop where
  | refl : Nat.le n n
  | step {m : Nat} : Nat.le n m → Nat.le n (Nat.succ m)
def Nat.lt (n m : Nat) : Prop := Nat.le (Nat.succ n) m
instance instLENat : LE Nat := ⟨Nat.le⟩
instance instLTNat : LT Nat := ⟨Nat.lt⟩

def bne {α : Type u} [BEq α] (a b : α) : Bool := cond (BEq.beq a b) false true
@[macro_inline] def Bool.not (b : Bool) : Bool := cond b false true
@[macro_inline] def Bool.and (a b : Bool) : Bool := cond a b false
@[macro_inline] def Bool.or (a b : Bool) : Bool := cond a true b

inductive List (α : Type u) : Type u where
  | nil : List α
  | cons (head : α) (tail : List α) : List α
