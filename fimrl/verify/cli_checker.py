"""The ``cli`` backend: one ``lean --json`` process per candidate.

Slower than the REPL (the header, e.g. ``import Mathlib``, is re-imported by every check)
but with no shared state at all, which makes it the reference implementation of the
verdict rules and the backend CI can run against a real Lean (the prelude toolchain's ``lean``, see
:mod:`fimrl.verify.prelude`). The file is ``header + body`` where the body comes from
:func:`fimrl.verify.rules.assemble`, written to a private temporary directory.

Limits: ``-j`` (threads) bounds Lean's worker pool, ``-M`` passes the memory budget to Lean
itself, RLIMIT_AS is set before ``exec`` and a wall-clock deadline kills the process group
(``lake env`` and ``lean`` together). Each Lean thread reserves a large stack, so the
address-space limit must leave room for them: with ``-j1`` Lean 4.35 reserves about 6.5 GB
of address space before doing anything, and it cannot start under a smaller RLIMIT_AS
unless ``thread_stack_kb`` shrinks the stacks.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrl.verify.base import Checker
from fimrl.verify.cache import VerdictCache
from fimrl.verify.procutil import (
    check_environment,
    give_to,
    looks_like_memory_failure,
    run_in_group,
)
from fimrl.verify.rules import AssemblyError, assemble, evaluate
from fimrl.verify.types import CheckRequest, Limits, Verdict, reward_for

__all__ = ["CliChecker", "parse_json_lines", "parse_lean_version"]


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def parse_json_lines(stdout: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Split ``lean --json`` output into message objects and any non-JSON lines."""
    messages: list[dict[str, Any]] = []
    other: list[str] = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            other.append(line)
            continue
        if isinstance(obj, dict) and "severity" in obj:
            messages.append(obj)
        else:
            other.append(line)
    return messages, other


def parse_lean_version(text: str) -> str | None:
    """``Lean (version 4.35.0, ..., commit eb6cafb7..., Release)`` -> ``4.35.0+eb6cafb7290e``."""
    m = re.search(r"version (\S+?)[,)]", text)
    if m is None:
        return None
    commit = re.search(r"commit ([0-9a-f]{7,40})", text)
    return m.group(1) + (f"+{commit.group(1)[:12]}" if commit else "")


class CliChecker(Checker):
    """``Checker`` that runs ``lean_cmd + [flags, file]`` once per candidate.

    ``lean_cmd`` is ``[lean]`` or ``[lake, "env", "lean"]`` (the factory picks); ``cwd``
    is the Lean workspace. ``threads`` is passed as ``-j``; ``thread_stack_kb`` (optional)
    as ``-s``; ``pass_memory_flag`` adds ``-M <memory_mb>``. ``lean_version`` is detected
    with ``--version`` on first use when not given.
    """

    name = "cli"

    def __init__(
        self,
        lean_cmd: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        lean_version: str | None = None,
        threads: int = 1,
        thread_stack_kb: int | None = None,
        pass_memory_flag: bool = True,
        tmp_dir: str | os.PathLike[str] | None = None,
        default_limits: Limits | None = None,
        max_candidate_bytes: int = 16_384,
        cache: VerdictCache | None = None,
        allow_proof_search: bool = False,
        user: str | None = None,
    ) -> None:
        super().__init__(
            default_limits=default_limits,
            max_candidate_bytes=max_candidate_bytes,
            cache=cache,
            allow_proof_search=allow_proof_search,
        )
        self.lean_cmd = list(lean_cmd)
        self.cwd = cwd
        # The worker's secrets never reach Lean: an explicit env is taken as given, the
        # inherited one is reduced to what Lean needs.
        self.env = dict(env) if env is not None else check_environment()
        self.threads = threads
        self.thread_stack_kb = thread_stack_kb
        self.pass_memory_flag = pass_memory_flag
        self.tmp_dir = tmp_dir
        self.user = user  # run Lean as this user (a worker running as root)
        self._lean_version = lean_version
        self._version_lock = threading.Lock()

    @property
    def lean_version(self) -> str | None:
        """The Lean version (``lean --version``), detected once."""
        if self._lean_version is None:
            with self._version_lock:
                if self._lean_version is None:
                    self._lean_version = self._detect_version()
        return self._lean_version

    def _detect_version(self) -> str:
        try:
            out = subprocess.run(
                [*self.lean_cmd, "--version"],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=self.cwd,
                env=dict(self.env),
            )
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        return parse_lean_version(out.stdout + out.stderr) or "unknown"

    def open_for_user(self) -> None:
        """Make what Lean reads reachable by ``self.user`` (before every check: another
        process may have closed a parent directory since, as pytest does with its own)."""

    def argv(self, path: str | os.PathLike[str], limits: Limits) -> list[str]:
        """The command line for one check of ``path``."""
        args = [*self.lean_cmd, "--json", f"-j{self.threads}"]
        if self.pass_memory_flag:
            args.append(f"-M{limits.memory_mb}")
        if self.thread_stack_kb is not None:
            args.append(f"-s{self.thread_stack_kb}")
        args.append(str(path))
        return args

    def _run(self, request: CheckRequest, limits: Limits) -> Verdict:
        started = time.monotonic()
        lean_version = self.lean_version
        try:
            asm = assemble(request, limits)
        except AssemblyError as exc:
            return self.error_verdict(f"cannot assemble: {exc}", started=started)
        header = request.header
        if header and not header.endswith("\n"):
            header += "\n"
        text = header + asm.body
        asm = asm.shifted(header.count("\n"))

        with tempfile.TemporaryDirectory(prefix="fimrl-cli-", dir=self.tmp_dir) as tmp:
            path = Path(tmp) / "Candidate.lean"
            path.write_text(text, encoding="utf-8")
            if self.user is not None:  # the private directory becomes the Lean user's
                give_to(Path(tmp), self.user)
                self.open_for_user()
            try:
                run = run_in_group(
                    self.argv(path, limits),
                    timeout_s=limits.timeout_s,
                    memory_mb=limits.memory_mb,
                    work_dir=Path(tmp),
                    env=self.env,
                    cwd=self.cwd,
                    user=self.user,
                )
            except OSError as exc:  # a checker fault (retried, then `error`), never a crash
                who = f" as {self.user}" if self.user is not None else ""
                return self.error_verdict(f"cannot start Lean{who}: {exc}", started=started)
        if run.timed_out:
            return Verdict(
                status="timeout",
                reward=reward_for("timeout"),
                backend=self.name,
                detail=f"no answer within {limits.timeout_s:g} s (process group killed)",
                duration_s=time.monotonic() - started,
                lean_version=lean_version,
            )
        stdout, stderr = run.stdout, run.stderr
        messages, noise = parse_json_lines(stdout)
        code = run.returncode
        assert code is not None
        if code not in (0, 1):
            memory = looks_like_memory_failure(stderr, code)
            what = (
                f"memory limit exceeded (RLIMIT_AS {limits.memory_mb} MiB)"
                if memory
                else "Lean crashed"
            )
            if code < 0:
                what += f" (killed by {_signal_name(-code)}: a checker fault, not a verdict)"
            if "failed to create thread" in stderr:
                what += (
                    "; Lean could not start its threads (each reserves a large stack): "
                    "raise lean_memory_mb or pass thread_stack_kb"
                )
            return self.error_verdict(
                f"{what}: exit status {code}; stderr: {stderr.strip()[-600:]}",
                started=started,
                messages=tuple(messages),
            )
        if code == 1 and not any(m.get("severity") == "error" for m in messages):
            return self.error_verdict(
                f"lean exited 1 without an error message; stderr: {stderr.strip()[-600:]}; "
                f"stdout: {' | '.join(noise)[:300]}",
                started=started,
            )
        outcome = evaluate(messages, [], asm)
        detail = outcome.detail
        if noise:
            detail = (detail + f" [non-JSON output: {' | '.join(noise)[:200]}]").strip()
        return Verdict(
            status=outcome.status,
            reward=outcome.reward,
            backend=self.name,
            rule=outcome.rule,
            messages=outcome.messages,
            axioms=outcome.axioms,
            detail=detail,
            duration_s=time.monotonic() - started,
            lean_version=lean_version,
        )
