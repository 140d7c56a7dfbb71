"""Process plumbing shared by the Lean backends: limits, group kill, memory accounting.

Lean has no timeout of its own for a whole command and a proof can allocate without bound,
so every Lean process runs in its own session (``start_new_session=True``, hence its own
process group, which also contains ``lake env``'s child) under limits set before ``exec``:
address space, CPU seconds, processes, file size, no core dumps. Its output goes to files,
never pipes, so nothing it leaves behind can make the caller wait for an end-of-file.

At the deadline, and after every run, the whole tree goes: the group, every descendant, and
every process that still holds the run's output files (a child that started its own session
with ``setsid`` is outside the group but inherited those files; found through ``/proc``).
A process that also closed every inherited descriptor would need a cgroup to be found; the
process limit bounds how many such processes one check can start.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "GroupRun",
    "check_environment",
    "checker_user",
    "give_to",
    "holders_of",
    "kill_group",
    "kill_tree",
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


#: Processes (threads included: Lean runs a worker thread per core) a check may add to what
#: its user already runs (RLIMIT_NPROC counts per user, and is not enforced for root).
EXTRA_PROCESSES = 512
#: Largest file a check may write (its output included).
FILE_SIZE_MB = 256


_counted: list[tuple[float, int, int]] = []


def _process_count(uid: int) -> int:
    """Processes and threads of user ``uid`` now (counted at most once a minute: a bound)."""
    now = time.monotonic()
    if _counted and _counted[0][1] == uid and now - _counted[0][0] < 60:
        return _counted[0][2]
    count = 0
    for p in psutil.process_iter(["uids", "num_threads"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if p.info["uids"].real == uid:
                count += int(p.info["num_threads"] or 1)
    _counted[:] = [(now, uid, count)]
    return count


def make_preexec(
    memory_mb: int | None,
    *,
    cpu_s: float | None = None,
    nproc: bool = False,
    fsize_mb: int | None = None,
    uid: int | None = None,
) -> Callable[[], None]:
    """A ``preexec_fn`` that sets the child's limits (and disables core dumps).

    ``memory_mb``: RLIMIT_AS; ``cpu_s``: RLIMIT_CPU (SIGXCPU, then SIGKILL a few seconds
    later); ``nproc``: RLIMIT_NPROC at what the user runs now plus :data:`EXTRA_PROCESSES`;
    ``fsize_mb``: RLIMIT_FSIZE; ``uid``: the user the child runs as (whose processes
    RLIMIT_NPROC counts; default this process's). Everything is computed here, in the
    parent: between ``fork`` and ``exec`` the child must not import modules or take locks
    (the caller may be multi-threaded), so the returned function makes only ``setrlimit``
    system calls.
    """
    setrlimit = resource.setrlimit
    limits: list[tuple[int, tuple[int, int]]] = [(resource.RLIMIT_CORE, (0, 0))]
    if memory_mb is not None:
        limit = int(memory_mb) * 1024 * 1024
        limits.append((resource.RLIMIT_AS, (limit, limit)))
    if cpu_s is not None:
        soft = max(1, int(cpu_s + 0.999))
        limits.append((resource.RLIMIT_CPU, (soft, soft + 5)))
    if nproc:
        cap = _process_count(os.getuid() if uid is None else uid) + EXTRA_PROCESSES
        limits.append((resource.RLIMIT_NPROC, (cap, cap)))
    if fsize_mb is not None:
        size = int(fsize_mb) * 1024 * 1024
        limits.append((resource.RLIMIT_FSIZE, (size, size)))
    plan = tuple(limits)

    def _preexec() -> None:
        for which, value in plan:
            setrlimit(which, value)

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


def holders_of(paths: Sequence[Path]) -> set[int]:
    """Pids of the processes that have any of ``paths`` open (through ``/proc/*/fd``)."""
    targets = {str(p) for p in paths}
    me = os.getpid()
    found: set[int] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = os.scandir(f"/proc/{entry.name}/fd")
        except OSError:
            continue
        with fds:
            for fd in fds:
                with contextlib.suppress(OSError):
                    if os.readlink(fd.path) in targets:
                        found.add(int(entry.name))
                        break
    return found


def kill_tree(
    proc: subprocess.Popen[bytes], files: Sequence[Path] = (), *, wait_s: float = 5.0
) -> int:
    """SIGKILL everything a run started: its group, its descendants, and whoever still holds
    its output ``files`` (with their groups); reap ``proc``. Returns how many were killed
    besides ``proc``'s group."""
    victims: set[int] = set()
    with contextlib.suppress(psutil.Error):
        victims |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    kill_group(proc, wait_s=wait_s)
    victims |= holders_of(files)
    own_group = os.getpgrp()
    killed = 0
    for pid in victims - {proc.pid, os.getpid()}:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = os.getpgid(pid)
            if group not in (own_group, proc.pid):
                os.killpg(group, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


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
    user: str | None = None,
) -> GroupRun:
    """Run ``argv`` in its own session under the check limits; kill its tree at the deadline.

    stdout and stderr go to files in ``work_dir``, not pipes: whatever the run leaves behind,
    nothing makes this wait past the deadline for an end-of-file. After the run, timed out or
    not, :func:`kill_tree` removes anything it left running. Any exception (e.g.
    KeyboardInterrupt) kills the tree before it propagates. ``user``: run as that user (the
    caller must be root), for workers that run as root. ``cwd``: default ``work_dir``, the
    check's private directory.
    """
    stdout_path, stderr_path = work_dir / "stdout.txt", work_dir / "stderr.txt"
    uid = None if user is None else _entry(user).pw_uid
    preexec = make_preexec(
        memory_mb, cpu_s=timeout_s + 1, nproc=True, fsize_mb=FILE_SIZE_MB, uid=uid
    )
    with open(stdout_path, "wb") as stdout_file, open(stderr_path, "wb") as stderr_file:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=stdout_file,
            stderr=stderr_file,
            cwd=work_dir if cwd is None else cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=preexec,
            user=user,
            group=_group_of(user),
        )
    returncode: int | None
    try:
        returncode = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        returncode = None
    finally:
        kill_tree(proc, [stdout_path, stderr_path])
    return GroupRun(
        returncode,
        stdout_path.read_text(encoding="utf-8", errors="replace"),
        stderr_path.read_text(encoding="utf-8", errors="replace"),
    )


#: What a Lean process may see of the worker's environment: the search path, the locale and
#: the toolchain's own variables. Never the rest: the worker's environment holds the database
#: URL and the message key, and a proof elaborated with ``IO.getEnv`` could read them.
_CHECK_ENV = re.compile(r"^(PATH|HOME|USER|LANG|LC_[A-Z_]+|TMPDIR|TERM|(ELAN|LEAN|LAKE)_[A-Z_]*)$")


def check_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) reduced to what a Lean check needs."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items() if _CHECK_ENV.match(k)}


def give_to(directory: Path, user: str) -> None:
    """Hand a check's private directory (and what is in it) to ``user``."""
    entry = _entry(user)
    for path in (directory, *directory.iterdir()):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def checker_user(setting: str) -> str | None:
    """The user Lean checks run as, for the ``checker_user`` setting; ``None``: this
    process's own user.

    ``auto``: ``nobody`` when this process is root (an untrusted proof never runs with root's
    rights), else this process's own user. A user name: that user, which needs root; naming
    the user this process already runs as (``root`` included) means no switch. Raises
    ``ValueError`` with the fix when the setting cannot be honoured.
    """
    own = _entry_by_uid(os.geteuid())
    name = setting.strip()
    if name == "auto":
        if os.geteuid() != 0:
            return None
        name = "nobody"
        if _lookup(name) is None:
            raise ValueError(
                "this worker runs as root and checks run as 'nobody' by default, but this "
                "machine has no user 'nobody': create an unprivileged user and set "
                "FIMRL_CHECKER_USER to it (or FIMRL_CHECKER_USER=root to accept the risk)"
            )
        return name
    if own is not None and name == own.pw_name:
        return None
    if _lookup(name) is None:
        raise ValueError(f"checker_user {name!r}: no such user on this machine")
    if os.geteuid() != 0:
        raise ValueError(
            f"checker_user {name!r}: only a worker running as root can run checks as another "
            "user; unset it (checks then run as this worker's user)"
        )
    return name


def _lookup(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _entry(user: str) -> pwd.struct_passwd:
    return pwd.getpwnam(user)


def _entry_by_uid(uid: int) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwuid(uid)
    except KeyError:
        return None


def _group_of(user: str | None) -> int | None:
    return None if user is None else int(_entry(user).pw_gid)
