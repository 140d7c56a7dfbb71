/-!
# Structures and records

Small `structure`s (points, intervals carrying a proof field, a counter with
default values, a point extended with a third coordinate) and an enumerated
`Shape` type, with functions over them and proofs that use projections,
anonymous constructors, structure eta and `cases` on records.
-/

namespace FimCorpus.Structs

structure Point where
  x : Nat
  y : Nat
  deriving DecidableEq, Repr

namespace Point

def add (p q : Point) : Point := ⟨p.x + q.x, p.y + q.y⟩

def zero : Point := ⟨0, 0⟩

def swap (p : Point) : Point := ⟨p.y, p.x⟩

def scale (k : Nat) (p : Point) : Point := ⟨k * p.x, k * p.y⟩

/-- Manhattan norm. -/
def norm1 (p : Point) : Nat := p.x + p.y

theorem add_comm (p q : Point) : add p q = add q p := by
  cases p with
  | mk a b =>
    cases q with
    | mk c d =>
      show Point.mk (a + c) (b + d) = Point.mk (c + a) (d + b)
      rw [Nat.add_comm a c, Nat.add_comm b d]

theorem add_zero (p : Point) : add p zero = p := by
  cases p
  rfl

theorem zero_add (p : Point) : add zero p = p := by
  cases p with
  | mk a b =>
    show Point.mk (0 + a) (0 + b) = Point.mk a b
    simp

theorem add_assoc (p q r : Point) : add (add p q) r = add p (add q r) := by
  show Point.mk (p.x + q.x + r.x) (p.y + q.y + r.y)
    = Point.mk (p.x + (q.x + r.x)) (p.y + (q.y + r.y))
  rw [Nat.add_assoc, Nat.add_assoc]

theorem swap_swap (p : Point) : swap (swap p) = p := rfl

theorem norm1_swap (p : Point) : norm1 (swap p) = norm1 p := by
  show p.y + p.x = p.x + p.y
  omega

theorem norm1_add (p q : Point) : norm1 (add p q) = norm1 p + norm1 q := by
  show (p.x + q.x) + (p.y + q.y) = (p.x + p.y) + (q.x + q.y)
  omega

theorem scale_add (k : Nat) (p q : Point) :
    scale k (add p q) = add (scale k p) (scale k q) := by
  show Point.mk (k * (p.x + q.x)) (k * (p.y + q.y))
    = Point.mk (k * p.x + k * q.x) (k * p.y + k * q.y)
  rw [Nat.left_distrib, Nat.left_distrib]

theorem eq_of_fields (p q : Point) (hx : p.x = q.x) (hy : p.y = q.y) : p = q := by
  cases p with
  | mk a b =>
    cases q with
    | mk c d =>
      have h1 : a = c := hx
      have h2 : b = d := hy
      rw [h1, h2]

example : swap ⟨1, 2⟩ = ⟨2, 1⟩ := by decide

end Point

instance : Add Point := ⟨Point.add⟩

theorem hadd_eq (p q : Point) : p + q = Point.add p q := rfl

/-- A closed interval of naturals, carrying the proof that it is non-empty. -/
structure Interval where
  lo : Nat
  hi : Nat
  valid : lo ≤ hi

namespace Interval

def width (i : Interval) : Nat := i.hi - i.lo

def shift (k : Nat) (i : Interval) : Interval :=
  ⟨i.lo + k, i.hi + k, by have := i.valid; omega⟩

/-- Smallest interval containing both. -/
def join (a b : Interval) : Interval :=
  ⟨min a.lo b.lo, max a.hi b.hi, by
    have := a.valid
    have := b.valid
    omega⟩

theorem width_shift (k : Nat) (i : Interval) : width (shift k i) = width i := by
  show i.hi + k - (i.lo + k) = i.hi - i.lo
  omega

theorem lo_le_hi (i : Interval) : i.lo ≤ i.hi := i.valid

theorem width_add_lo (i : Interval) : width i + i.lo = i.hi := by
  have h := i.valid
  show i.hi - i.lo + i.lo = i.hi
  omega

theorem join_contains_left (a b : Interval) :
    (join a b).lo ≤ a.lo ∧ a.hi ≤ (join a b).hi := by
  show min a.lo b.lo ≤ a.lo ∧ a.hi ≤ max a.hi b.hi
  constructor <;> omega

theorem join_comm_lo (a b : Interval) : (join a b).lo = (join b a).lo := by
  show min a.lo b.lo = min b.lo a.lo
  omega

theorem width_join_ge (a b : Interval) : width a ≤ width (join a b) := by
  have ha := a.valid
  have hb := b.valid
  show a.hi - a.lo ≤ max a.hi b.hi - min a.lo b.lo
  omega

end Interval

/-- A counter with default field values. -/
structure Counter where
  count : Nat := 0
  step : Nat := 1

def Counter.tick (c : Counter) : Counter := { c with count := c.count + c.step }

def Counter.tickN : Nat → Counter → Counter
  | 0, c => c
  | n + 1, c => Counter.tickN n c.tick

def c0 : Counter := {}

example : c0.count = 0 ∧ c0.step = 1 := ⟨rfl, rfl⟩

theorem Counter.tick_step (c : Counter) : c.tick.step = c.step := rfl

theorem Counter.tickN_count (n : Nat) (c : Counter) :
    (Counter.tickN n c).count = c.count + n * c.step := by
  induction n generalizing c with
  | zero =>
    show c.count = c.count + 0 * c.step
    simp
  | succ k ih =>
    show (Counter.tickN k c.tick).count = c.count + (k + 1) * c.step
    rw [ih]
    have h : (k + 1) * c.step = k * c.step + c.step := Nat.succ_mul k c.step
    show c.count + c.step + k * c.step = c.count + (k + 1) * c.step
    omega

/-- A point with a third coordinate, via `extends`. -/
structure Point3 extends Point where
  z : Nat

def Point3.norm1 (p : Point3) : Nat := p.x + p.y + p.z

theorem Point3.norm1_eq (p : Point3) : p.norm1 = p.toPoint.norm1 + p.z := rfl

inductive Shape where
  | square (side : Nat)
  | rect (w h : Nat)
  | tri (a b c : Nat)

def Shape.perimeter : Shape → Nat
  | .square s => 4 * s
  | .rect w h => 2 * (w + h)
  | .tri a b c => a + b + c

def Shape.isRect : Shape → Bool
  | .rect _ _ => true
  | _ => false

theorem Shape.perimeter_square_ge (s : Nat) : (Shape.square s).perimeter ≥ s := by
  show 4 * s ≥ s
  omega

theorem Shape.perimeter_rect_even (w h : Nat) : (Shape.rect w h).perimeter % 2 = 0 := by
  show 2 * (w + h) % 2 = 0
  omega

theorem Shape.isRect_cases (sh : Shape) : sh.isRect = true ∨ sh.isRect = false := by
  cases sh with
  | rect w h => exact Or.inl rfl
  | square s => exact Or.inr rfl
  | tri a b c => exact Or.inr rfl

theorem Shape.perimeter_pos_of_rect (w h : Nat) (hw : 0 < w) :
    0 < (Shape.rect w h).perimeter := by
  show 0 < 2 * (w + h)
  omega

end FimCorpus.Structs
