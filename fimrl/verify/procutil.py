"""Process plumbing shared by the Lean backends: limits, group kill, memory accounting.

Lean has no timeout of its own for a whole command and a proof can allocate without bound,
so every Lean process runs in its own session (``start_new_session=True``, hence its own
process group, which also contains ``lake env``'s child) with an address-space limit set
before ``exec``. A timeout or a broken process is handled by killing the whole group, so
nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "GroupRun",
    "kill_group",
    "looks_like_memory_failure",
    "make_preexec",
    "run_in_group",
    "tree_rss_mb",
]

_MEMORY_PATTERNS = re.compile(
    r"MemoryError|out of memory|std::bad_alloc|failed to create thread|"
    r"Cannot allocate memory|memory limit",
    re.IGNORECASE,
)


def make_preexec(memory_mb: int | None) -> Callable[[], None]:
    """A ``preexec_fn`` that sets RLIMIT_AS (and disables core dumps) in the child.

    Everything it needs is computed here, in the parent: between ``fork`` and ``exec`` the
    child must not import modules or take locks (the caller may be multi-threaded), so the
    returned function makes only two ``setrlimit`` system calls.
    """
    limit = None if memory_mb is None else int(memory_mb) * 1024 * 1024
    setrlimit = resource.setrlimit
    rlimit_as = resource.RLIMIT_AS
    rlimit_core = resource.RLIMIT_CORE

    def _preexec() -> None:
        setrlimit(rlimit_core, (0, 0))
        if limit is not None:
            setrlimit(rlimit_as, (limit, limit))

    return _preexec


def kill_group(proc: subprocess.Popen[bytes], *, wait_s: float = 5.0) -> None:
    """SIGKILL the process group led by ``proc`` and reap ``proc``.

    ``proc`` must have been started with ``start_new_session=True`` (its pid is its group
    id). Members that re-parented to init are killed too, because the signal goes to the
    group, not to a pid list.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=wait_s)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MiB (0 when gone)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / (1024 * 1024)


def looks_like_memory_failure(stderr: str, returncode: int | None) -> bool:
    """Heuristic: did the process die because the memory limit was hit?

    Under RLIMIT_AS allocations fail (``MemoryError`` in Python, ``std::bad_alloc`` or
    "failed to create thread" in Lean, then usually SIGABRT); the kernel OOM killer shows up
    as SIGKILL without any message.
    """
    if _MEMORY_PATTERNS.search(stderr or ""):
        return True
    return returncode in (-signal.SIGKILL, 128 + signal.SIGKILL) and not stderr


@dataclass(frozen=True)
class GroupRun:
    """How one limited run ended: ``returncode`` is ``None`` when the deadline killed it."""

    returncode: int | None
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        """The wall-clock deadline passed and the process group was killed."""
        return self.returncode is None


def run_in_group(
    argv: Sequence[str],
    *,
    timeout_s: float,
    memory_mb: int | None,
    work_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> GroupRun:
    """Run ``argv`` in its own session under RLIMIT_AS; kill the whole group at the deadline.

    stderr goes to a file in ``work_dir``, not a pipe: after a group kill, nothing can hold
    a pipe open and block the read. Any exception (e.g. KeyboardInterrupt) kills the group
    before it propagates, so no Lean process outlives its check.
    """
    stderr_path = work_dir / "stderr.txt"
    with open(stderr_path, "wb") as stderr_file:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=make_preexec(memory_mb),
        )
        try:
            stdout_b, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.communicate()
            return GroupRun(None, "", stderr_path.read_text(encoding="utf-8", errors="replace"))
        except BaseException:
            kill_group(proc)
            raise
    return GroupRun(
        proc.returncode,
        stdout_b.decode("utf-8", errors="replace"),
        stderr_path.read_text(encoding="utf-8", errors="replace"),
    )
