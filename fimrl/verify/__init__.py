"""Running Lean on candidates: the verifier core (a plain library, no Celery, no database).

Public API::

    from fimrl.verify import CheckRequest, Limits, Verdict, make_checker

    with make_checker(settings) as checker:      # repl | cli | exact, from settings
        verdict = checker.check(CheckRequest(header=..., prefix=..., middle=..., suffix=...,
                                             target="foo", reference_middle=...))

Backends: :class:`ReplChecker` (pooled REPLs with header reuse), :class:`CliChecker`
(one ``lean --json`` per candidate), :class:`ExactChecker` (exact-match reference check,
not Lean verification). Toolchain discovery: :func:`discover`, :func:`doctor`, :func:`setup`.
"""

from fimrl.verify.base import Checker
from fimrl.verify.cache import VerdictCache
from fimrl.verify.cli_checker import CliChecker
from fimrl.verify.exact import ExactChecker
from fimrl.verify.factory import ToolchainMissing, make_checker
from fimrl.verify.repl_checker import ReplChecker
from fimrl.verify.repl_pool import PoolExhausted, ReplPool
from fimrl.verify.rules import AssemblyError, assemble, evaluate
from fimrl.verify.toolchain import DoctorReport, SetupError, Toolchain, discover, doctor, setup
from fimrl.verify.types import ALLOWED_AXIOMS, CheckRequest, Limits, Verdict

__all__ = [
    "ALLOWED_AXIOMS",
    "AssemblyError",
    "CheckRequest",
    "Checker",
    "CliChecker",
    "DoctorReport",
    "ExactChecker",
    "Limits",
    "PoolExhausted",
    "ReplChecker",
    "ReplPool",
    "SetupError",
    "Toolchain",
    "ToolchainMissing",
    "Verdict",
    "VerdictCache",
    "assemble",
    "discover",
    "doctor",
    "evaluate",
    "make_checker",
    "setup",
]
