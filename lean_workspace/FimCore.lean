prelude
import FimCore.Core
import FimCore.Shell
import FimCore.Tactics
import FimCore.Logic
import FimCore.Nat
import FimCore.Bool
import FimCore.List
