"""The ``repl`` backend: checks run in pooled, long-lived Lean REPLs with header reuse.

Each check borrows a REPL whose header environment matches the request's header, sends
the assembled body (:func:`fimrl.verify.rules.assemble`) with ``"env": header_env`` under
a wall-clock deadline, and turns the answer into a verdict with
:func:`fimrl.verify.rules.evaluate`. Any failure of the process itself (timeout, crash,
garbage, REPL error) makes the REPL be killed and replaced, and the check's verdict is
``timeout`` or ``error``: never ``fail``, which is reserved for Lean's judgement.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from os import PathLike

from fimrl.verify.base import Checker
from fimrl.verify.cache import VerdictCache
from fimrl.verify.repl_pool import ReplPool
from fimrl.verify.repl_process import ReplCrashed, ReplError, ReplHeaderError, ReplTimeout
from fimrl.verify.rules import AssemblyError, assemble, evaluate
from fimrl.verify.types import CheckRequest, Limits, Verdict

__all__ = ["STANDIN_NOTE", "ReplChecker"]

STANDIN_NOTE = "STAND-IN REPL (test double, not Lean verification)"


class ReplChecker(Checker):
    """``Checker`` over a :class:`ReplPool`.

    Either pass a ready ``pool`` or the REPL command ``argv`` (plus ``cwd``/``env`` and the
    pool keywords ``pool_size``, ``max_uses``, ``max_rss_mb``, ``header_timeout_s``,
    ``acquire_timeout_s``). ``lean_version`` is the toolchain's version string (found by
    :mod:`fimrl.verify.toolchain`); a stand-in REPL overrides it with ``"standin"``.
    """

    name = "repl"

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        pool: ReplPool | None = None,
        cwd: str | PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        lean_version: str | None = None,
        pool_size: int = 2,
        max_uses: int = 200,
        max_rss_mb: float = 6144.0,
        header_timeout_s: float = 600.0,
        acquire_timeout_s: float = 300.0,
        default_limits: Limits | None = None,
        max_candidate_bytes: int = 16_384,
        cache: VerdictCache | None = None,
        allow_proof_search: bool = False,
    ) -> None:
        super().__init__(
            default_limits=default_limits,
            max_candidate_bytes=max_candidate_bytes,
            cache=cache,
            allow_proof_search=allow_proof_search,
        )
        if pool is None:
            if argv is None:
                raise ValueError("ReplChecker needs argv (the REPL command) or a pool")
            pool = ReplPool(
                argv,
                cwd=cwd,
                env=env,
                size=pool_size,
                max_uses=max_uses,
                max_rss_mb=max_rss_mb,
                memory_mb=self.default_limits.memory_mb,
                header_timeout_s=header_timeout_s,
                acquire_timeout_s=acquire_timeout_s,
            )
        self.pool = pool
        self._lean_version = lean_version
        self._standin = False

    @property
    def lean_version(self) -> str | None:
        """``"standin"`` once the stand-in identified itself, else the toolchain version."""
        return "standin" if self._standin else self._lean_version

    @property
    def cache_version(self) -> str | None:
        """The configured toolchain version plus the REPL command (stable for the checker's
        life, unlike :attr:`lean_version`, which turns ``standin`` after the first answer)."""
        return f"{self._lean_version}|{' '.join(self.pool.argv)}"

    def _verdict(self, started: float, **fields: object) -> Verdict:
        detail = str(fields.pop("detail", ""))
        if self._standin:
            detail = f"{STANDIN_NOTE}. {detail}".strip()
        status = str(fields.pop("status"))
        return Verdict(
            status=status,  # type: ignore[arg-type]
            reward=1.0 if status == "pass" else 0.0,
            backend=self.name,
            duration_s=time.monotonic() - started,
            lean_version=self.lean_version,
            detail=detail,
            **fields,  # type: ignore[arg-type]
        )

    def _run(self, request: CheckRequest, limits: Limits) -> Verdict:
        started = time.monotonic()
        try:
            asm = assemble(request, limits)
        except AssemblyError as exc:
            return self._verdict(started, status="error", detail=f"cannot assemble: {exc}")
        try:
            repl = self.pool.acquire(request.header, memory_mb=limits.memory_mb)
        except ReplHeaderError as exc:
            return self._verdict(
                started, status="error", detail=str(exc), messages=tuple(exc.messages)
            )
        except ReplError as exc:
            return self._verdict(started, status="error", detail=f"REPL failed to start: {exc}")
        broken = True
        try:
            if repl.standin:
                self._standin = True
            try:
                resp = repl.command(asm.body, timeout_s=limits.timeout_s, header=request.header)
            except ReplHeaderError as exc:  # the header's non-import part: the REPL is fine
                broken = False
                return self._verdict(
                    started, status="error", detail=str(exc), messages=tuple(exc.messages)
                )
            except ReplTimeout as exc:
                return self._verdict(started, status="timeout", detail=str(exc))
            except ReplCrashed as exc:
                what = "memory limit exceeded; " if exc.memory else ""
                return self._verdict(started, status="error", detail=f"{what}{exc}")
            except ReplError as exc:  # garbage output, {"message": ...}
                return self._verdict(started, status="error", detail=str(exc))
            broken = False
            if repl.standin:
                self._standin = True
            outcome = evaluate(resp.get("messages") or [], resp.get("sorries") or [], asm)
            return self._verdict(
                started,
                status=outcome.status,
                rule=outcome.rule,
                detail=outcome.detail,
                messages=outcome.messages,
                axioms=outcome.axioms,
            )
        finally:
            self.pool.release(repl, broken=broken)

    def close(self) -> None:
        """Kill every pooled REPL."""
        self.pool.close()
