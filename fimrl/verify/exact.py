"""The ``exact`` backend: exact-match reference check, NOT Lean verification.

It rewards a candidate whose normalised text equals the task's reference middle. This is
the offline default (no Lean toolchain needed) and a fast smoke test of the pipeline, but
it proves nothing: a correct proof written differently scores 0, and it never runs Lean.
Its verdicts say so in ``detail``, carry ``backend="exact"`` and ``lean_version=None``, so
no report can present them as Lean verification.

Normalisation: comments are dropped and every run of whitespace between tokens becomes one
space (via the Lean lexer, so ``--`` inside a string is not a comment). Lean is layout
sensitive, so this equates some texts Lean would not; that is acceptable for a baseline.
"""

from __future__ import annotations

import time

from fimrl.lean.lexer import TRIVIA, LeanSyntaxError, tokenize
from fimrl.verify.base import Checker
from fimrl.verify.cache import VerdictCache
from fimrl.verify.types import CheckRequest, Limits, Status, Verdict, reward_for

__all__ = ["EXACT_NOTE", "ExactChecker", "normalize_middle"]

EXACT_NOTE = "exact-match reference check, not Lean verification"


def normalize_middle(text: str) -> str:
    """Comments removed, whitespace between tokens collapsed to one space, ends stripped."""
    try:
        tokens = tokenize(text)
    except LeanSyntaxError:
        return " ".join(text.split())
    out: list[str] = []
    gap = False
    for tok in tokens:
        if tok.kind in TRIVIA:
            gap = True
            continue
        if gap and out:
            out.append(" ")
        out.append(tok.text)
        gap = False
    return "".join(out)


class ExactChecker(Checker):
    """``Checker`` comparing the normalised middle with ``request.reference_middle``."""

    name = "exact"

    def __init__(
        self,
        *,
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

    def _run(self, request: CheckRequest, limits: Limits) -> Verdict:
        started = time.monotonic()
        if request.reference_middle is None:
            return Verdict(
                status="error",
                reward=reward_for("error"),
                backend=self.name,
                detail=f"{EXACT_NOTE}: the task has no reference middle",
                duration_s=time.monotonic() - started,
            )
        same = normalize_middle(request.middle) == normalize_middle(request.reference_middle)
        status: Status = "pass" if same else "fail"
        return Verdict(
            status=status,
            reward=reward_for(status),
            backend=self.name,
            detail=f"{EXACT_NOTE}: {'matches' if same else 'differs from'} the reference",
            duration_s=time.monotonic() - started,
            lean_version=None,
        )
