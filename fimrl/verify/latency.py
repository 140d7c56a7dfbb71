"""A checker wrapper that adds a fixed latency: for benchmarks and fault-injection tests.

Scaling and crash tests need checks that take long enough to overlap and to be killed in the
middle of; wrapping the real checker keeps its verdicts while making the timing controlled.
The backend name is kept, so a delayed `exact` verdict is still stored as `exact`.
"""

from __future__ import annotations

import time
from typing import Protocol

from fimrl.verify.types import CheckRequest, Verdict


class Checker(Protocol):
    def check(self, request: CheckRequest) -> Verdict: ...


class DelayedChecker:
    """Delegates to ``inner`` after sleeping ``delay_s`` (the delay is part of the duration)."""

    def __init__(self, inner: Checker, delay_s: float) -> None:
        self.inner = inner
        self.delay_s = delay_s

    def check(self, request: CheckRequest) -> Verdict:
        start = time.perf_counter()
        time.sleep(self.delay_s)
        verdict = self.inner.check(request)
        return verdict.replace(duration_s=time.perf_counter() - start)
