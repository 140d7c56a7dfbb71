prelude
import FimCore
/-!
# FimCoreCorpus.Records — structures, enumerations and an option-like type

Points and pairs, intervals and positive numbers that carry proofs, colours and weekdays
with functions checked case by case, and our own `Opt` with `map`, `bind` and `getD`.
-/

universe u v w

namespace FimCoreCorpus.Records

-- Points.

structure Point where
  x : Nat
  y : Nat

namespace Point

def origin : Point := ⟨0, 0⟩
def add (p q : Point) : Point := { x := p.x + q.x, y := p.y + q.y }
def swap (p : Point) : Point := ⟨p.y, p.x⟩
def norm1 (p : Point) : Nat := p.x + p.y
def scale (k : Nat) (p : Point) : Point := ⟨k * p.x, k * p.y⟩
def diag (n : Nat) : Point := ⟨n, n⟩

theorem add_x (p q : Point) : (add p q).x = p.x + q.x := by rfl
theorem add_y (p q : Point) : (add p q).y = p.y + q.y := by rfl
theorem swap_swap (p : Point) : swap (swap p) = p := by rfl
theorem swap_diag (n : Nat) : swap (diag n) = diag n := by rfl
theorem norm1_origin : norm1 origin = 0 := by rfl
theorem norm1_example : norm1 (add ⟨1, 2⟩ ⟨3, 4⟩) = 10 := by decide

theorem ext (p q : Point) (hx : p.x = q.x) (hy : p.y = q.y) : p = q := by
  cases p
  cases q
  subst hx
  subst hy
  rfl

theorem add_origin (p : Point) : add p origin = p := by
  cases p
  rfl

theorem origin_add (p : Point) : add origin p = p := by
  apply ext
  · exact Nat.zero_add p.x
  · exact Nat.zero_add p.y

theorem add_comm (p q : Point) : add p q = add q p := by
  apply ext
  · exact Nat.add_comm p.x q.x
  · exact Nat.add_comm p.y q.y

theorem add_assoc (p q r : Point) : add (add p q) r = add p (add q r) := by
  apply ext
  · exact Nat.add_assoc p.x q.x r.x
  · exact Nat.add_assoc p.y q.y r.y

theorem norm1_swap (p : Point) : norm1 (swap p) = norm1 p := by
  exact Nat.add_comm p.y p.x

theorem norm1_add (p q : Point) : norm1 (add p q) = norm1 p + norm1 q := by
  show p.x + q.x + (p.y + q.y) = p.x + p.y + (q.x + q.y)
  rw [Nat.add_assoc, Nat.add_left_comm q.x p.y q.y, ← Nat.add_assoc]

theorem swap_add (p q : Point) : swap (add p q) = add (swap p) (swap q) := by rfl

theorem scale_one (p : Point) : scale 1 p = p := by
  apply ext
  · exact Nat.one_mul p.x
  · exact Nat.one_mul p.y

theorem norm1_scale (k : Nat) (p : Point) : norm1 (scale k p) = k * norm1 p := by
  show k * p.x + k * p.y = k * (p.x + p.y)
  rw [Nat.left_distrib]

theorem scale_add (k : Nat) (p q : Point) : scale k (add p q) = add (scale k p) (scale k q) := by
  apply ext
  · exact Nat.left_distrib k p.x q.x
  · exact Nat.left_distrib k p.y q.y

theorem norm1_diag (n : Nat) : norm1 (diag n) = 2 * n := by
  rw [Nat.two_mul]
  rfl

end Point

-- Generic pairs.

structure Pair (α : Type u) (β : Type v) where
  first : α
  second : β

def Pair.swap {α : Type u} {β : Type v} (p : Pair α β) : Pair β α := ⟨p.second, p.first⟩
def Pair.toProd {α : Type u} {β : Type v} (p : Pair α β) : α × β := (p.first, p.second)
def Pair.ofProd {α : Type u} {β : Type v} (q : α × β) : Pair α β := ⟨q.1, q.2⟩

theorem Pair.swap_swap {α : Type u} {β : Type v} (p : Pair α β) : p.swap.swap = p := by
  cases p
  rfl

theorem Pair.ofProd_toProd {α : Type u} {β : Type v} (p : Pair α β) : Pair.ofProd p.toProd = p := by
  cases p
  rfl

theorem Pair.toProd_ofProd {α : Type u} {β : Type v} (q : α × β) : (Pair.ofProd q).toProd = q := by
  cases q
  rfl

theorem Pair.swap_first {α : Type u} {β : Type v} (a : α) (b : β) : (Pair.mk a b).swap.first = b := by
  rfl

-- Intervals: records that carry a proof.

structure Interval where
  lo : Nat
  hi : Nat
  ok : lo ≤ hi

namespace Interval

def width (I : Interval) : Nat := I.hi - I.lo
def point (n : Nat) : Interval := ⟨n, n, Nat.le_refl n⟩
def shift (k : Nat) (I : Interval) : Interval := ⟨I.lo + k, I.hi + k, Nat.add_le_add_right I.ok k⟩
def widen (k : Nat) (I : Interval) : Interval := ⟨I.lo, I.hi + k, Nat.le_trans I.ok (Nat.le_add_right _ _)⟩
def Mem (n : Nat) (I : Interval) : Prop := I.lo ≤ n ∧ n ≤ I.hi
def unit : Interval := ⟨0, 1, Nat.le_succ 0⟩

theorem width_point (n : Nat) : width (point n) = 0 := by exact Nat.sub_self n
theorem width_unit : width unit = 1 := by decide
theorem shift_lo (k : Nat) (I : Interval) : (shift k I).lo = I.lo + k := by rfl
theorem widen_lo (k : Nat) (I : Interval) : (widen k I).lo = I.lo := by rfl

theorem ext (I J : Interval) (hlo : I.lo = J.lo) (hhi : I.hi = J.hi) : I = J := by
  cases I
  cases J
  subst hlo
  subst hhi
  rfl

theorem shift_zero (I : Interval) : shift 0 I = I := by
  apply ext
  · rfl
  · rfl

theorem widen_zero (I : Interval) : widen 0 I = I := by
  apply ext <;> rfl

theorem shift_shift (j k : Nat) (I : Interval) : shift j (shift k I) = shift (k + j) I := by
  apply ext
  · exact Nat.add_assoc I.lo k j
  · exact Nat.add_assoc I.hi k j

theorem lo_mem (I : Interval) : Mem I.lo I := by
  exact ⟨Nat.le_refl _, I.ok⟩

theorem hi_mem (I : Interval) : Mem I.hi I := by
  exact ⟨I.ok, Nat.le_refl _⟩

theorem mem_point_iff (m n : Nat) : Mem m (point n) ↔ m = n := by
  constructor
  · intro h
    have h1 : n ≤ m := h.1
    have h2 : m ≤ n := h.2
    cases h1 with
    | refl => rfl
    | step h3 => exact absurd (Nat.le_trans (Nat.succ_le_succ h3) h2) (Nat.not_succ_le_self _)
  · intro h
    subst h
    exact ⟨Nat.le_refl _, Nat.le_refl _⟩

theorem mem_widen (k n : Nat) (I : Interval) (h : Mem n I) : Mem n (widen k I) := by
  constructor
  · exact h.1
  · exact Nat.le_trans h.2 (Nat.le_add_right I.hi k)

theorem mem_shift (k n : Nat) (I : Interval) (h : Mem n I) : Mem (n + k) (shift k I) := by
  constructor
  · exact Nat.add_le_add_right h.1 k
  · exact Nat.add_le_add_right h.2 k

theorem width_shift (k : Nat) (I : Interval) : width (shift k I) = width I := by
  unfold width
  show I.hi + k - (I.lo + k) = I.hi - I.lo
  induction k with
  | zero => rfl
  | succ j ih => rw [Nat.add_succ, Nat.add_succ, Nat.succ_sub_succ, ih]

end Interval

/-- Positive numbers. -/
structure Pos where
  val : Nat
  pos : 0 < val

def Pos.one : Pos := ⟨1, Nat.zero_lt_succ 0⟩
def Pos.add (a b : Pos) : Pos := ⟨a.val + b.val, Nat.lt_of_lt_of_le a.pos (Nat.le_add_right _ _)⟩
def Pos.succ (n : Nat) : Pos := ⟨n + 1, Nat.zero_lt_succ n⟩

theorem Pos.val_ne_zero (p : Pos) : p.val ≠ 0 := by
  intro h
  have hp := p.pos
  rw [h] at hp
  exact Nat.lt_irrefl 0 hp

theorem Pos.add_val (a b : Pos) : (Pos.add a b).val = a.val + b.val := by rfl
theorem Pos.one_val : Pos.one.val = 1 := by rfl
theorem Pos.add_comm_val (a b : Pos) : (Pos.add a b).val = (Pos.add b a).val := by
  exact Nat.add_comm a.val b.val

-- Colours: an enumeration.

inductive Color where
  | red
  | green
  | blue

namespace Color

def next : Color → Color
  | red => green
  | green => blue
  | blue => red

def prev : Color → Color
  | red => blue
  | green => red
  | blue => green

def toNat : Color → Nat
  | red => 0
  | green => 1
  | blue => 2

def isWarm : Color → Bool
  | red => true
  | _ => false

theorem toNat_inj (a b : Color) (h : toNat a = toNat b) : a = b := by
  cases a <;> cases b <;> first | rfl | exact absurd h (by decide)

instance : DecidableEq Color := fun a b =>
  if h : toNat a = toNat b then isTrue (toNat_inj a b h)
  else isFalse (fun e => h (congrArg toNat e))

theorem next_red : next red = green := by rfl
theorem red_ne_blue : red ≠ blue := by decide
theorem next_ne_self (c : Color) : next c ≠ c := by cases c <;> decide
theorem next_next_next (c : Color) : next (next (next c)) = c := by cases c <;> rfl
theorem prev_next (c : Color) : prev (next c) = c := by cases c <;> rfl
theorem next_prev (c : Color) : next (prev c) = c := by cases c <;> rfl
theorem prev_eq_next_next (c : Color) : prev c = next (next c) := by cases c <;> rfl
theorem toNat_lt_three (c : Color) : toNat c < 3 := by cases c <;> decide
theorem isWarm_iff (c : Color) : isWarm c = true ↔ c = red := by
  cases c <;> decide

theorem next_injective (a b : Color) (h : next a = next b) : a = b := by
  rw [← prev_next a, h, prev_next]

theorem exists_next_eq (c : Color) : ∃ d, next d = c := by
  exact ⟨prev c, next_prev c⟩

theorem toNat_next (c : Color) (h : c ≠ blue) : toNat (next c) = toNat c + 1 := by
  cases c with
  | red => rfl
  | green => rfl
  | blue => exact absurd rfl h

end Color

-- Weekdays.

inductive Weekday where
  | mon | tue | wed | thu | fri | sat | sun

namespace Weekday

def next : Weekday → Weekday
  | mon => tue
  | tue => wed
  | wed => thu
  | thu => fri
  | fri => sat
  | sat => sun
  | sun => mon

def isWeekend : Weekday → Bool
  | sat => true
  | sun => true
  | _ => false

def iter : Nat → Weekday → Weekday
  | .zero, d => d
  | .succ n, d => iter n (next d)

theorem next_sun : next sun = mon := by rfl
theorem iter_seven (d : Weekday) : iter 7 d = d := by cases d <;> rfl
theorem isWeekend_next_fri : isWeekend (next fri) = true := by rfl
theorem weekend_then_weekday (d : Weekday) (h : isWeekend d = true) :
    isWeekend (next (next d)) = false := by
  cases d <;> first | rfl | exact Bool.noConfusion h

theorem iter_add (m n : Nat) : ∀ d : Weekday, iter (m + n) d = iter n (iter m d) := by
  induction m with
  | zero =>
    intro d
    rw [Nat.zero_add]
    rfl
  | succ k ih =>
    intro d
    rw [Nat.succ_add]
    exact ih (next d)

theorem iter_fourteen (d : Weekday) : iter 14 d = d := by
  have h : iter (7 + 7) d = iter 7 (iter 7 d) := iter_add 7 7 d
  rw [iter_seven, iter_seven] at h
  exact h

end Weekday

-- An option-like type.

inductive Opt (α : Type u) where
  | none : Opt α
  | some : α → Opt α

namespace Opt

variable {α : Type u} {β : Type v} {γ : Type w}

def map (f : α → β) : Opt α → Opt β
  | none => none
  | some a => some (f a)

def bind (o : Opt α) (f : α → Opt β) : Opt β :=
  match o with
  | none => none
  | some a => f a

def getD (o : Opt α) (d : α) : α :=
  match o with
  | none => d
  | some a => a

def isSome : Opt α → Bool
  | none => false
  | some _ => true

def head : List α → Opt α
  | [] => none
  | a :: _ => some a

def predOpt : Nat → Opt Nat
  | .zero => none
  | .succ n => some n

theorem map_none (f : α → β) : map f (none : Opt α) = none := by rfl
theorem map_some (f : α → β) (a : α) : map f (some a) = some (f a) := by rfl
theorem getD_none (d : α) : getD none d = d := by rfl
theorem getD_some (a d : α) : getD (some a) d = a := by rfl
theorem bind_some (a : α) (f : α → Opt β) : bind (some a) f = f a := by rfl
theorem predOpt_succ (n : Nat) : predOpt (n + 1) = some n := by rfl
theorem head_cons (a : α) (l : List α) : head (a :: l) = some a := by rfl
theorem isSome_map (f : α → β) (o : Opt α) : isSome (map f o) = isSome o := by cases o <;> rfl
theorem bind_none_right (o : Opt α) : bind o (fun _ => (none : Opt β)) = none := by
  cases o <;> rfl
theorem bind_some_right (o : Opt α) : bind o some = o := by
  cases o <;> rfl

theorem map_id (o : Opt α) : map (fun a => a) o = o := by
  cases o with
  | none => rfl
  | some a => rfl

theorem map_map (f : α → β) (g : β → γ) (o : Opt α) :
    map g (map f o) = map (fun a => g (f a)) o := by
  cases o with
  | none => rfl
  | some a => rfl

theorem getD_map (f : α → β) (o : Opt α) (d : α) : getD (map f o) (f d) = f (getD o d) := by
  cases o with
  | none => rfl
  | some a => rfl

theorem map_eq_bind (f : α → β) (o : Opt α) : map f o = bind o (fun a => some (f a)) := by
  cases o <;> rfl

theorem bind_assoc (o : Opt α) (f : α → Opt β) (g : β → Opt γ) :
    bind (bind o f) g = bind o (fun a => bind (f a) g) := by
  cases o with
  | none => rfl
  | some a => rfl

theorem some_injective (a b : α) (h : some a = some b) : a = b := by
  injection h

theorem some_ne_none (a : α) : some a ≠ none := by
  intro h
  cases h

theorem isSome_iff (o : Opt α) : isSome o = true ↔ ∃ a, o = some a := by
  cases o with
  | none =>
    constructor
    · intro h
      exact Bool.noConfusion h
    · intro h
      cases h with
      | intro a ha => cases ha
  | some a =>
    constructor
    · intro _
      exact ⟨a, rfl⟩
    · intro _
      rfl

theorem head_map (f : α → β) (l : List α) : head (List.map f l) = map f (head l) := by
  cases l with
  | nil => rfl
  | cons a t => rfl

theorem predOpt_eq_none_iff (n : Nat) : predOpt n = none ↔ n = 0 := by
  cases n with
  | zero => exact ⟨fun _ => rfl, fun _ => rfl⟩
  | succ k =>
    constructor
    · intro h
      cases h
    · intro h
      exact absurd h (Nat.succ_ne_zero k)

theorem getD_predOpt_succ (n d : Nat) : getD (predOpt (n + 1)) d = n := by rfl

theorem getD_head_append (a d : α) (l m : List α) : getD (head ((a :: l) ++ m)) d = a := by
  rfl

end Opt

end FimCoreCorpus.Records
