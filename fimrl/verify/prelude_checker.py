"""The ``prelude`` backend: Lean 4.35.0's elaborator and kernel on the FimCore library.

A :class:`~fimrl.verify.cli_checker.CliChecker` over the prelude toolchain's ``lean`` with
``LEAN_PATH`` at the built FimCore ``.olean`` files: one fresh process per candidate, in its
own process group, under the same wall-clock, RLIMIT_AS and heartbeat limits and the same
verdict rules as the ``cli`` backend. Fresh processes are the sound choice: nothing one
candidate does can reach another's check, and at FimCore's size re-importing the header
costs only ~50 ms (``bench_verify`` measures it).

Only FimCore tasks can be checked here: a header that does not start with ``prelude``
(``import Mathlib``, or core Lean) needs Lean's own library, so such a request gets an
``error`` verdict that says so, never a ``fail`` the candidate did not earn.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fimrl.verify.cli_checker import CliChecker
from fimrl.verify.prelude import PreludeToolchain
from fimrl.verify.procutil import check_environment
from fimrl.verify.types import CheckRequest, Limits, Verdict

__all__ = ["PreludeChecker", "is_prelude_header"]

_COMMENTS = re.compile(r"/-.*?-/|--[^\n]*", re.S)


def is_prelude_header(header: str) -> bool:
    """Whether ``header`` is a ``prelude`` file's (the only kind this backend can check)."""
    text = _COMMENTS.sub(" ", header).lstrip()
    return text.startswith("prelude") and (len(text) == 7 or text[7].isspace())


class PreludeChecker(CliChecker):
    """``lean --json`` of the prelude toolchain, one process per candidate."""

    name = "prelude"

    def __init__(self, toolchain: PreludeToolchain, **kwargs: Any) -> None:
        kwargs.setdefault("lean_version", toolchain.lean_version)
        kwargs["env"] = toolchain.env(check_environment(kwargs.get("env")))
        super().__init__(toolchain.lean_cmd(), **kwargs)
        self.toolchain = toolchain
        if self.user is not None:
            toolchain.share_with_others()  # the trees once per checker, not per check

    def open_for_user(self) -> None:
        self.toolchain.keep_reachable()

    def _run(self, request: CheckRequest, limits: Limits) -> Verdict:
        if not is_prelude_header(request.header):
            return self.error_verdict(
                "the prelude toolchain checks FimCore tasks only (a header starting with "
                "`prelude`); this task's header needs Lean's own library: use the `repl` or "
                "`cli` backend with a full toolchain",
                started=time.monotonic(),
            )
        return super()._run(request, limits)
