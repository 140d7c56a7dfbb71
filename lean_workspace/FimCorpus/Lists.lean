/-!
# A hand-rolled list type

`MyList` with length, append, reverse (naive and accumulator-based), map,
sum and membership, and structural-induction proofs of the usual algebraic
laws: associativity of append, `rev (rev xs) = xs`, length and sum
invariants, and distribution of `lmap` over append.
-/

namespace FimCorpus

universe u v

/-- Singly linked lists, written out by hand. -/
inductive MyList (α : Type u) where
  | nil : MyList α
  | cons : α → MyList α → MyList α

namespace MyList

variable {α : Type u} {β : Type v}

def len : MyList α → Nat
  | nil => 0
  | cons _ t => len t + 1

def app : MyList α → MyList α → MyList α
  | nil, ys => ys
  | cons x xs, ys => cons x (app xs ys)

def rev : MyList α → MyList α
  | nil => nil
  | cons x xs => app (rev xs) (cons x nil)

def lmap (f : α → β) : MyList α → MyList β
  | nil => nil
  | cons x xs => cons (f x) (lmap f xs)

def sum : MyList Nat → Nat
  | nil => 0
  | cons x xs => x + sum xs

/-- Tail-recursive reverse with an accumulator. -/
def revAcc : MyList α → MyList α → MyList α
  | nil, acc => acc
  | cons x xs, acc => revAcc xs (cons x acc)

/-- Membership as a recursive proposition. -/
def mem (a : α) : MyList α → Prop
  | nil => False
  | cons x xs => a = x ∨ mem a xs

@[simp] theorem len_nil : len (nil : MyList α) = 0 := rfl

@[simp] theorem len_cons (x : α) (xs : MyList α) : len (cons x xs) = len xs + 1 := rfl

@[simp] theorem app_nil_left (ys : MyList α) : app nil ys = ys := rfl

@[simp] theorem app_cons (x : α) (xs ys : MyList α) :
    app (cons x xs) ys = cons x (app xs ys) := rfl

@[simp] theorem app_nil_right (xs : MyList α) : app xs nil = xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih => rw [app_cons, ih]

theorem app_assoc (xs ys zs : MyList α) : app (app xs ys) zs = app xs (app ys zs) := by
  induction xs with
  | nil => rfl
  | cons x xs ih => simp [ih]

theorem len_app (xs ys : MyList α) : len (app xs ys) = len xs + len ys := by
  induction xs with
  | nil => simp
  | cons x xs ih =>
    show len (app xs ys) + 1 = len xs + 1 + len ys
    omega

theorem len_rev (xs : MyList α) : len (rev xs) = len xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    have h1 : len (rev (cons x xs)) = len (app (rev xs) (cons x nil)) := rfl
    have h2 := len_app (rev xs) (cons x nil)
    have h3 : len (cons x nil) = 1 := rfl
    have h4 : len (cons x xs) = len xs + 1 := rfl
    omega

theorem rev_app (xs ys : MyList α) : rev (app xs ys) = app (rev ys) (rev xs) := by
  induction xs with
  | nil => simp [rev]
  | cons x xs ih => simp [rev, ih, app_assoc]

theorem rev_rev (xs : MyList α) : rev (rev xs) = xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih => simp [rev, rev_app, ih]

theorem lmap_app (f : α → β) (xs ys : MyList α) :
    lmap f (app xs ys) = app (lmap f xs) (lmap f ys) := by
  induction xs with
  | nil => rfl
  | cons x xs ih => simp [lmap, ih]

theorem len_lmap (f : α → β) (xs : MyList α) : len (lmap f xs) = len xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show len (lmap f xs) + 1 = len xs + 1
    rw [ih]

theorem lmap_id (xs : MyList α) : lmap (fun x => x) xs = xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    show cons x (lmap (fun x => x) xs) = cons x xs
    rw [ih]

theorem lmap_lmap {γ : Type} (f : α → β) (g : β → γ) (xs : MyList α) :
    lmap g (lmap f xs) = lmap (fun x => g (f x)) xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih => simp [lmap, ih]

theorem sum_app (xs ys : MyList Nat) : sum (app xs ys) = sum xs + sum ys := by
  induction xs with
  | nil =>
    show sum ys = 0 + sum ys
    omega
  | cons x xs ih =>
    show x + sum (app xs ys) = x + sum xs + sum ys
    omega

theorem sum_rev (xs : MyList Nat) : sum (rev xs) = sum xs := by
  induction xs with
  | nil => rfl
  | cons x xs ih =>
    have h1 : rev (cons x xs) = app (rev xs) (cons x nil) := rfl
    have h2 := sum_app (rev xs) (cons x nil)
    have h3 : sum (cons x nil) = x := by
      show x + 0 = x
      omega
    have h4 : sum (cons x xs) = x + sum xs := rfl
    rw [h1]
    omega

theorem revAcc_eq (xs acc : MyList α) : revAcc xs acc = app (rev xs) acc := by
  induction xs generalizing acc with
  | nil => rfl
  | cons x xs ih =>
    show revAcc xs (cons x acc) = app (app (rev xs) (cons x nil)) acc
    rw [ih, app_assoc, app_cons, app_nil_left]

theorem rev_eq_revAcc (xs : MyList α) : rev xs = revAcc xs nil := by
  rw [revAcc_eq, app_nil_right]

theorem mem_app {a : α} {xs ys : MyList α} : mem a (app xs ys) ↔ mem a xs ∨ mem a ys := by
  induction xs with
  | nil =>
    show mem a ys ↔ False ∨ mem a ys
    constructor
    · intro h
      exact Or.inr h
    · intro h
      cases h with
      | inl h => exact h.elim
      | inr h => exact h
  | cons x xs ih =>
    show a = x ∨ mem a (app xs ys) ↔ (a = x ∨ mem a xs) ∨ mem a ys
    rw [ih]
    constructor
    · rintro (h | h | h)
      · exact Or.inl (Or.inl h)
      · exact Or.inl (Or.inr h)
      · exact Or.inr h
    · rintro ((h | h) | h)
      · exact Or.inl h
      · exact Or.inr (Or.inl h)
      · exact Or.inr (Or.inr h)

theorem mem_cons_self (a : α) (xs : MyList α) : mem a (cons a xs) :=
  Or.inl rfl

theorem len_eq_zero {xs : MyList α} (h : len xs = 0) : xs = nil := by
  cases xs with
  | nil => rfl
  | cons x xs =>
    have h' : len (cons x xs) = len xs + 1 := rfl
    exfalso
    omega

example : len (cons 1 (cons 2 (cons 3 nil))) = 3 := rfl

example : sum (rev (cons 1 (cons 2 (cons 3 nil)))) = 6 := by decide

end MyList

end FimCorpus
