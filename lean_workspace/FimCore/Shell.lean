prelude
import FimCore.Core
/-!
# FimCore.Shell — the runtime types Lean's compiled syntax code is written against

Init's compiled parser descriptions and macros (inside `libleanshared.so`) build values of
`Lean.Name` and `Lean.ParserDescr`, and the `@[macro]` / `@[app_unexpander]` attributes
check a declaration's type by name. These declarations give those names the shapes the
compiled code uses: constructor order and arity matter, field types beyond that do not.
-/

inductive String : Type where
  | mk : String

namespace Lean

inductive Name : Type where
  | anonymous : Name
  | str (pre : Name) (s : String) : Name
  | num (pre : Name) (i : Nat) : Name

def Name.mkStr (p : Name) (s : String) : Name := Name.str p s
def Name.mkNum (p : Name) (v : Nat) : Name := Name.num p v
def Name.mkStr1 (a : String) : Name := .str .anonymous a
def Name.mkStr2 (a b : String) : Name := .str (.str .anonymous a) b
def Name.mkStr3 (a b c : String) : Name := .str (.str (.str .anonymous a) b) c
def Name.mkStr4 (a b c d : String) : Name := .str (.str (.str (.str .anonymous a) b) c) d

inductive ParserDescr : Type where
  | const (name : Name) : ParserDescr
  | unary (name : Name) (p : ParserDescr) : ParserDescr
  | binary (name : Name) (p₁ p₂ : ParserDescr) : ParserDescr
  | node (kind : Name) (prec : Nat) (p : ParserDescr) : ParserDescr
  | trailingNode (kind : Name) (prec lhsPrec : Nat) (p : ParserDescr) : ParserDescr
  | symbol (val : String) : ParserDescr
  | nonReservedSymbol (val : String) (includeIdent : Bool) : ParserDescr
  | cat (catName : Name) (rbp : Nat) : ParserDescr
  | parser (declName : Name) : ParserDescr
  | nodeWithAntiquot (name : String) (kind : Name) (p : ParserDescr) : ParserDescr
  | sepBy (p : ParserDescr) (sep : String) (psep : ParserDescr) (allowTrailingSep : Bool) :
      ParserDescr
  | sepBy1 (p : ParserDescr) (sep : String) (psep : ParserDescr) (allowTrailingSep : Bool) :
      ParserDescr
  | unicodeSymbol (val asciiVal : String) (preserveForPP : Bool) : ParserDescr

abbrev TrailingParserDescr := ParserDescr
instance : Inhabited ParserDescr := ⟨ParserDescr.const Name.anonymous⟩

/-- A macro is compiled as a function of three arguments (syntax, context, state); only the
name of this type and that arity matter: the values come from the compiled Init code. -/
def Macro : Type := Nat → Nat → Nat → Nat

/-- Same for unexpanders (syntax, reader context, state). -/
def PrettyPrinter.Unexpander : Type := Nat → Nat → Nat → Nat

end Lean
