"""A thread-safe pool of REPL processes keyed by header (the Kimina Lean Server rules).

REPLs are keyed by the header's import block (:func:`split_imports`); the rest of a header
is elaborated once inside the REPL and cached there. Acquiring a REPL for a header, in
order:

1. reuse a free REPL whose imports (and memory limit) match, preferring one that already
   has this exact header's environment;
2. otherwise start a new one while fewer than ``size`` exist (starting ones count);
3. otherwise recycle the least recently used free REPL (kill it, start one in its slot);
4. otherwise wait for a release, at most ``acquire_timeout_s``, then raise
   :class:`PoolExhausted`.

Releasing: a REPL that failed (timeout, crash, garbage, REPL error) is killed and dropped;
a healthy one is dropped after ``max_uses`` checks or when its resident memory exceeds
``max_rss_mb``, else it goes back to the free list. Processes are started and killed
outside the lock (an ``import Mathlib`` header takes seconds), with their slot reserved.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fimrl.verify.repl_process import ReplProcess, split_imports

__all__ = ["PoolExhausted", "ReplInfo", "ReplPool"]


class PoolExhausted(RuntimeError):
    """No REPL became free within the acquire timeout (all ``size`` REPLs busy)."""


@dataclass(frozen=True, slots=True)
class ReplInfo:
    """A snapshot of one pooled REPL (for tests, stats and ``fimrl lean doctor``)."""

    id: str
    pid: int
    header: str
    memory_mb: int | None
    uses: int
    busy: bool
    alive: bool


class ReplPool:
    """Long-lived REPL processes shared by threads (see the module docstring for the rules).

    ``argv``/``cwd``/``env`` start one REPL (``[lake, "env", repl]`` in the workspace, or
    the REPL binary itself); ``memory_mb`` is the default RLIMIT_AS; ``header_timeout_s``
    bounds the header command of a new process.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        size: int = 2,
        max_uses: int = 200,
        max_rss_mb: float = 6144.0,
        memory_mb: int | None = 8192,
        header_timeout_s: float = 600.0,
        acquire_timeout_s: float = 300.0,
    ) -> None:
        if size < 1:
            raise ValueError("pool size must be >= 1")
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.size = size
        self.max_uses = max_uses
        self.max_rss_mb = max_rss_mb
        self.memory_mb = memory_mb
        self.header_timeout_s = header_timeout_s
        self.acquire_timeout_s = acquire_timeout_s
        self._cond = threading.Condition(threading.Lock())
        self._free: list[ReplProcess] = []
        self._busy: set[ReplProcess] = set()
        self._starting = 0
        self._closed = False
        self.started_total = 0
        self.recycled_total = 0
        self.retired_total = 0

    # ------------------------------------------------------------------ acquire / release

    def acquire(
        self, header: str, *, memory_mb: int | None = None, timeout_s: float | None = None
    ) -> ReplProcess:
        """A REPL with ``header`` loaded, exclusively for the caller until :meth:`release`.

        Raises :class:`PoolExhausted` after ``timeout_s`` (default ``acquire_timeout_s``)
        and whatever :class:`ReplProcess` raises when a new process fails to start.
        """
        mem = self.memory_mb if memory_mb is None else memory_mb
        wait_s = self.acquire_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + wait_s
        victim: ReplProcess | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("REPL pool is closed")
                # A REPL that died while idle (OOM killer, external kill) frees its slot.
                dead = [r for r in self._free if not r.alive]
                for repl in dead:
                    self._free.remove(repl)
                    self.retired_total += 1
                    repl.kill()  # reap it and close its pipes
                match = self._take_matching(header, mem)
                if match is not None:
                    self._busy.add(match)
                    return match
                if len(self._free) + len(self._busy) + self._starting < self.size:
                    self._starting += 1
                    break
                if self._free:
                    victim = min(self._free, key=lambda r: r.last_used)
                    self._free.remove(victim)
                    self._starting += 1
                    self.recycled_total += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolExhausted(
                        f"no free Lean REPL within {wait_s:g} s: all {self.size} busy "
                        "(raise repl_pool_size or lower worker concurrency)"
                    )
                self._cond.wait(remaining)
        if victim is not None:
            victim.kill()
        try:
            repl = ReplProcess(
                self.argv,
                header=header,
                cwd=self.cwd,
                env=self.env,
                memory_mb=mem,
                header_timeout_s=self.header_timeout_s,
            )
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._starting -= 1
            self.started_total += 1
            self._busy.add(repl)
        return repl

    def _take_matching(self, header: str, mem: int | None) -> ReplProcess | None:
        """Pop the best free REPL for ``header``: same imports and memory limit, preferring
        one that already has the header's environment, then the most recently used."""
        imports = split_imports(header)[0].strip()
        best: ReplProcess | None = None
        best_key: tuple[bool, float] = (False, 0.0)
        for repl in self._free:
            if repl.header != imports or repl.memory_mb != mem or not repl.alive:
                continue
            key = (repl.has_header(header), repl.last_used)
            if best is None or key > best_key:
                best, best_key = repl, key
        if best is not None:
            self._free.remove(best)
        return best

    def release(self, repl: ReplProcess, *, broken: bool = False) -> None:
        """Give ``repl`` back; ``broken=True`` (it failed) kills and drops it."""
        retire = broken or not repl.alive or repl.uses >= self.max_uses
        if not retire and self.max_rss_mb > 0 and repl.rss_mb() > self.max_rss_mb:
            retire = True
        with self._cond:
            self._busy.discard(repl)
            if retire:
                self.retired_total += 1
            if not retire and not self._closed:
                self._free.append(repl)
            self._cond.notify()
        if retire or self._closed:
            repl.kill()

    @contextlib.contextmanager
    def lease(
        self, header: str, *, memory_mb: int | None = None, timeout_s: float | None = None
    ) -> Iterator[Lease]:
        """``with pool.lease(header) as lease: lease.repl.command(...)``; call
        ``lease.mark_broken()`` (or let an exception escape) to have the REPL replaced."""
        repl = self.acquire(header, memory_mb=memory_mb, timeout_s=timeout_s)
        lease = Lease(repl)
        try:
            yield lease
        except BaseException:
            self.release(repl, broken=True)
            raise
        self.release(repl, broken=lease.broken)

    # ------------------------------------------------------------------ introspection

    def snapshot(self) -> list[ReplInfo]:
        """Current REPLs (free and busy)."""
        with self._cond:
            items = [(r, False) for r in self._free] + [(r, True) for r in self._busy]
        return [
            ReplInfo(r.id, r.pid, r.header, r.memory_mb, r.uses, busy, r.alive) for r, busy in items
        ]

    def stats(self) -> dict[str, Any]:
        """Counters for logs and benchmarks."""
        with self._cond:
            return {
                "size": self.size,
                "free": len(self._free),
                "busy": len(self._busy),
                "starting": self._starting,
                "started_total": self.started_total,
                "recycled_total": self.recycled_total,
                "retired_total": self.retired_total,
            }

    def close(self) -> None:
        """Kill every REPL; busy ones are killed now and dropped on release."""
        with self._cond:
            self._closed = True
            repls = list(self._free) + list(self._busy)
            self._free.clear()
            self._cond.notify_all()
        for repl in repls:
            repl.kill()

    def __enter__(self) -> ReplPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Lease:
    """A borrowed REPL; see :meth:`ReplPool.lease`."""

    def __init__(self, repl: ReplProcess) -> None:
        self.repl = repl
        self.broken = False

    def mark_broken(self) -> None:
        """Have the pool kill and replace this REPL on release."""
        self.broken = True
