"""The one interface every backend implements: ``Checker.check(CheckRequest) -> Verdict``.

The base class does what is common to all backends, in order: the static guard (a
rejected middle never reaches Lean), the verdict cache, and timing. A backend implements
only :meth:`Checker._run`. Keeping this sequence in one place means a Celery task, the
benchmark and the tests cannot skip the guard by calling a backend "directly".
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

from fimrl.lean.guard import guard
from fimrl.verify.cache import VerdictCache, cache_key
from fimrl.verify.types import CheckRequest, Limits, Verdict, reward_for

__all__ = ["Checker"]


def _unencodable_field(request: CheckRequest) -> str | None:
    """Name and position of the first task field that is not valid UTF-8 text, if any.

    The middle is left to the guard (its ``encoding`` rule); the rest is the task's.
    """
    fields = {
        "header": request.header,
        "prefix": request.prefix,
        "suffix": request.suffix,
        "target": request.target or "",
        "reference_middle": request.reference_middle or "",
    }
    for name, text in fields.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{name} has a lone surrogate at character {exc.start}"
    return None


class Checker(ABC):
    """Abstract verifier backend.

    ``default_limits`` apply to requests with ``limits=None``; ``max_candidate_bytes`` is
    the guard's size bound; ``allow_proof_search`` lets ``exact?`` and friends through the
    guard (``Settings.allow_proof_search``); ``cache`` (optional) is shared by all threads
    using this checker. Subclasses set :attr:`name` and implement :meth:`_run`.
    """

    name: str = "abstract"

    def __init__(
        self,
        *,
        default_limits: Limits | None = None,
        max_candidate_bytes: int = 16_384,
        cache: VerdictCache | None = None,
        allow_proof_search: bool = False,
    ) -> None:
        self.default_limits = default_limits or Limits()
        self.max_candidate_bytes = max_candidate_bytes
        self.cache = cache
        self.allow_proof_search = allow_proof_search

    @property
    def lean_version(self) -> str | None:
        """Version of the Lean that produces this checker's verdicts (``None``: no Lean)."""
        return None

    @property
    def cache_version(self) -> str | None:
        """The version string that goes into cache keys: it must not change over the
        checker's life (a stand-in REPL only identifies itself after its first answer)."""
        return self.lean_version

    def check(self, request: CheckRequest) -> Verdict:
        """Guard, then cache, then the backend. Never raises for a bad candidate; raises
        only when the infrastructure cannot give an answer at all (e.g. pool exhausted)."""
        started = time.monotonic()
        unencodable = _unencodable_field(request)
        if unencodable is not None:
            # Task text is trusted input, but a lone surrogate in it would make every
            # backend fail while writing the file; that is the task's fault, not a crash.
            return self.error_verdict(
                f"task text not encodable as UTF-8: {unencodable}", started=started
            )
        result = guard(
            request.middle,
            max_bytes=self.max_candidate_bytes,
            prefix=request.prefix,
            suffix=request.suffix,
            allow_proof_search=self.allow_proof_search,
        )
        if not result.ok:
            return Verdict(
                status="rejected",
                reward=reward_for("rejected"),
                backend=self.name,
                rule=result.rule,
                detail=f"static guard: {result.detail}",
                duration_s=time.monotonic() - started,
                lean_version=self.lean_version,
            )
        limits = request.limits or self.default_limits
        key = None
        if self.cache is not None:
            key = cache_key(
                backend=self.name,
                lean_version=self.cache_version,
                request=request,
                limits=limits,
            )
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        verdict = self._run(request, limits)
        if not verdict.duration_s:
            verdict = verdict.replace(duration_s=time.monotonic() - started)
        if self.cache is not None and key is not None:
            self.cache.put(key, verdict)
        return verdict

    @abstractmethod
    def _run(self, request: CheckRequest, limits: Limits) -> Verdict:
        """Check a guarded request with ``limits``; return a verdict (never raise for a
        candidate's fault)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release processes and files (idempotent)."""

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def error_verdict(self, detail: str, *, started: float, **extra: object) -> Verdict:
        """An ``error`` verdict (the checker could not answer)."""
        return Verdict(
            status="error",
            reward=reward_for("error"),
            backend=self.name,
            detail=detail,
            duration_s=time.monotonic() - started,
            lean_version=self.lean_version,
            **extra,  # type: ignore[arg-type]
        )
