"""In-process LRU cache of verdicts.

A Lean verdict is a pure function of (toolchain version, header, full text, limits): the
same candidate checked twice gets the same answer, and RL sampling produces many duplicate
candidates (short tactics such as ``simp`` recur across a group). The key is a sha256 of
those inputs plus the backend name. Only deterministic outcomes are stored: ``error`` (the
checker broke) and ``timeout`` (wall clock, machine load) are never cached.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from fimrl.verify.types import CheckRequest, Limits, Verdict

__all__ = ["CACHEABLE_STATUSES", "VerdictCache", "cache_key"]

CACHEABLE_STATUSES = frozenset({"pass", "fail", "rejected"})


def cache_key(
    *, backend: str, lean_version: str | None, request: CheckRequest, limits: Limits
) -> str:
    """sha256 over everything a verdict depends on (canonical JSON, so order-stable)."""
    material: dict[str, Any] = {
        "backend": backend,
        "lean_version": lean_version,
        "header": request.header,
        "prefix": request.prefix,
        "middle": request.middle,
        "suffix": request.suffix,
        "target": request.target,
        "limits": limits.to_dict(),
    }
    if backend == "exact":
        material["reference"] = request.reference_middle
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8", "replace")
    return hashlib.sha256(blob).hexdigest()


class VerdictCache:
    """Thread-safe LRU map from :func:`cache_key` to verdicts (``maxsize=0`` disables it)."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, Verdict] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Verdict | None:
        """The cached verdict, marked ``cached=True``, or ``None``."""
        with self._lock:
            verdict = self._data.get(key)
            if verdict is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
        return verdict.replace(cached=True)

    def put(self, key: str, verdict: Verdict) -> bool:
        """Store ``verdict`` if its status is deterministic; returns whether it was stored."""
        if self.maxsize <= 0 or verdict.status not in CACHEABLE_STATUSES:
            return False
        with self._lock:
            self._data[key] = verdict.replace(cached=False)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        """Drop every entry (counters are kept)."""
        with self._lock:
            self._data.clear()
