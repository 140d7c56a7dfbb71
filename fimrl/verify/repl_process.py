"""One long-lived Lean REPL process (leanprover-community/repl) and its JSON protocol.

Protocol (REPL README and ``REPL/Main.lean``): each request is one JSON object on one line
followed by a blank line; ``{"cmd": text}`` starts a fresh environment (the only place
``import`` is allowed), ``{"cmd": text, "env": n}`` builds on environment ``n``. The answer
is a (pretty-printed, possibly multi-line) JSON object followed by a blank line:
``{"env": m, "messages": [...], "sorries": [...]}`` (empty lists are omitted) or
``{"message": "..."}`` when the REPL could not run the command.

A request's header is split (:func:`split_imports`) into its import block and the rest
(``open``s, earlier declarations of the file). The import block is run once when the
process starts (the only place ``import`` is allowed) and gives ``import_env``; the rest of
each header is run once on top of it (``{"cmd": rest, "env": import_env}``) and its env id
is remembered, so every later check of a task with that header runs with ``"env":
header_env``. That is what makes checks cheap (milliseconds instead of the seconds an
``import Mathlib`` costs) even when every declaration of a file has a different header.
The REPL has no timeout and keeps every environment, so this class enforces a wall-clock
deadline per command (killing the process group) and the pool recycles processes after N
uses or above an RSS threshold.

A response containing ``"standin": true`` comes from the test stand-in
(``tests/standin/standin_repl.py``): the process then reports ``lean_version ==
"standin"`` so its results can never be presented as Lean verification.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrl.lean.lexer import TRIVIA, LeanSyntaxError, tokenize
from fimrl.verify.procutil import kill_group, looks_like_memory_failure, make_preexec, tree_rss_mb

__all__ = [
    "ReplCommandError",
    "ReplCrashed",
    "ReplError",
    "ReplHeaderError",
    "ReplProcess",
    "ReplProtocolError",
    "ReplTimeout",
    "split_imports",
]

STANDIN_VERSION = "standin"


_IMPORT_WORDS = frozenset({"prelude", "module", "import", "public", "meta", "all"})


def split_imports(header: str) -> tuple[str, str]:
    """``(import block, rest)`` of a header; ``import_block + rest == header``.

    The import block is the leading ``prelude``/``import X`` commands (with comments): Lean
    only accepts them at the very start, and the REPL only in a command without ``env``.
    The split happens at the start of the line of the first other token.
    """
    try:
        tokens = tokenize(header)
    except LeanSyntaxError:
        return header, ""
    after_import = False
    for tok in tokens:
        if tok.kind in TRIVIA:
            continue
        if (tok.kind == "keyword" and tok.text in _IMPORT_WORDS) or (
            tok.kind == "ident" and (after_import or tok.text in _IMPORT_WORDS)
        ):
            after_import = tok.text == "import" or (after_import and tok.kind == "ident")
            continue
        cut = header.rfind("\n", 0, tok.start) + 1
        return header[:cut], header[cut:]
    return header, ""


class ReplError(RuntimeError):
    """Base class: the REPL could not answer; the process must be replaced."""


class ReplTimeout(ReplError):
    """No answer before the deadline; the process group has been killed."""


class ReplCrashed(ReplError):
    """The process exited (or closed stdout) before answering."""

    def __init__(self, message: str, *, memory: bool = False) -> None:
        super().__init__(message)
        self.memory = memory


class ReplProtocolError(ReplError):
    """The answer was not a JSON object (garbage on stdout)."""


class ReplCommandError(ReplError):
    """The REPL answered ``{"message": ...}``: it could not run the command."""


class ReplHeaderError(ReplError):
    """The header (imports) produced errors, so no check can run on this environment."""

    def __init__(self, message: str, messages: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.messages = list(messages)


class ReplProcess:
    """A started REPL with its import environment; used by one thread at a time.

    ``argv`` is the full command (``[repl]`` or ``[lake, "env", repl]``), run in ``cwd``
    (the Lean workspace, so ``lake env`` finds the project). ``memory_mb`` becomes the
    process' RLIMIT_AS. Construction starts the process and runs the import block of
    ``header`` (if not blank) within ``header_timeout_s``; failures raise a
    :class:`ReplError` after killing it. ``max_header_envs`` bounds how many header
    environments are remembered (least recently used are forgotten).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        header: str = "",
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        memory_mb: int | None = None,
        header_timeout_s: float = 600.0,
        max_header_envs: int = 64,
    ) -> None:
        self.id = uuid.uuid4().hex[:8]
        self.argv = list(argv)
        self.imports, _ = split_imports(header)
        self.header = self.imports.strip()  # what the pool matches on
        self.header_timeout_s = header_timeout_s
        self.max_header_envs = max_header_envs
        self._header_envs: dict[str, int] = {}
        self.memory_mb = memory_mb
        self.created_at = time.monotonic()
        self.last_used = self.created_at
        self.uses = 0
        self.header_env: int | None = None  # the import block's env (None: no imports)
        self.header_messages: list[dict[str, Any]] = []
        self.header_duration_s = 0.0
        self.standin = False
        self._buf = b""
        # Kept open for the process' lifetime (closed in kill()), so no context manager.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=None if cwd is None else str(cwd),
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=make_preexec(memory_mb),
            bufsize=0,
        )
        try:
            self._run_header(header_timeout_s)
        except BaseException:
            self.kill()
            raise

    # ------------------------------------------------------------------ properties

    @property
    def pid(self) -> int:
        """Process id (also the process group id)."""
        return self._proc.pid

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc.poll() is None

    @property
    def lean_version(self) -> str | None:
        """``"standin"`` for the stand-in; ``None`` (unknown here) for a real REPL."""
        return STANDIN_VERSION if self.standin else None

    def rss_mb(self) -> float:
        """Resident memory of the REPL and its children (``lake env`` + repl), MiB."""
        return tree_rss_mb(self.pid)

    # ------------------------------------------------------------------ protocol

    def _run_header(self, timeout_s: float) -> None:
        if not self.imports.strip():
            return
        started = time.monotonic()
        resp = self.request({"cmd": self.imports}, timeout_s=timeout_s)
        self.header_duration_s = time.monotonic() - started
        self.header_env = self._env_of(resp, "header")

    def _env_of(self, resp: Mapping[str, Any], what: str) -> int:
        messages = resp.get("messages") or []
        self.header_messages = list(messages)
        errors = [m for m in messages if m.get("severity") == "error"]
        if errors:
            first = str(errors[0].get("data", ""))[:500]
            raise ReplHeaderError(f"{what} failed to elaborate: {first}", messages)
        env = resp.get("env")
        if not isinstance(env, int):
            raise ReplProtocolError(f"{what} answer without an env id: {resp!r:.300}")
        return env

    def has_header(self, header: str) -> bool:
        """Whether ``header``'s environment is ready (no extra command needed)."""
        imports, rest = split_imports(header)
        return imports.strip() == self.header and (not rest.strip() or rest in self._header_envs)

    def env_for(self, header: str | None) -> int | None:
        """The env id to run a check with ``header`` on, elaborating the header's non-import
        part on top of the import env the first time (raises :class:`ReplHeaderError` when
        it does not elaborate, or :class:`ValueError` for another import block)."""
        if header is None:
            return self.header_env
        imports, rest = split_imports(header)
        if imports.strip() != self.header:
            raise ValueError("header has different imports than this REPL")
        if not rest.strip():
            return self.header_env
        env = self._header_envs.pop(rest, None)
        if env is None:
            payload: dict[str, Any] = {"cmd": rest}
            if self.header_env is not None:
                payload["env"] = self.header_env
            resp = self.request(payload, timeout_s=self.header_timeout_s)
            env = self._env_of(resp, "header (after imports)")
        self._header_envs[rest] = env  # re-inserted: most recently used last
        while len(self._header_envs) > self.max_header_envs:
            self._header_envs.pop(next(iter(self._header_envs)))
        return env

    def command(self, cmd: str, *, timeout_s: float, header: str | None = None) -> dict[str, Any]:
        """Run ``cmd`` on top of ``header``'s environment (default: the import env) and
        return the REPL's answer object."""
        env = self.env_for(header)
        payload: dict[str, Any] = {"cmd": cmd}
        if env is not None:
            payload["env"] = env
        resp = self.request(payload, timeout_s=timeout_s)
        self.uses += 1
        self.last_used = time.monotonic()
        return resp

    def request(self, payload: Mapping[str, Any], *, timeout_s: float) -> dict[str, Any]:
        """Send one request and read its answer, or raise a :class:`ReplError`."""
        if not self.alive:
            raise ReplCrashed(self._death_note("REPL process is not running"))
        # One line: json.dumps escapes newlines inside strings. ensure_ascii=False sends
        # characters outside the BMP as UTF-8 rather than as surrogate-pair escapes.
        data = (json.dumps(payload, ensure_ascii=False) + "\n\n").encode("utf-8")
        deadline = time.monotonic() + timeout_s
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
            raise ReplCrashed(self._death_note(f"cannot write to the REPL ({exc})")) from exc
        raw = self._read_answer(deadline, timeout_s)
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ReplProtocolError(f"REPL answered non-JSON output: {raw[:300]!r}") from exc
        if not isinstance(obj, dict):
            raise ReplProtocolError(f"REPL answered a non-object: {raw[:300]!r}")
        if obj.get("standin") is True:
            self.standin = True
        if "message" in obj and "env" not in obj:
            raise ReplCommandError(f"REPL could not run the command: {obj['message']}"[:1000])
        return obj

    def _read_answer(self, deadline: float, timeout_s: float) -> str:
        """Read up to the blank line that ends an answer, honouring ``deadline``."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while True:
            self._buf = self._buf.lstrip(b"\r\n")
            end = self._buf.find(b"\n\n")
            if end >= 0:
                chunk, self._buf = self._buf[:end], self._buf[end + 2 :]
                return chunk.decode("utf-8", "replace")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise ReplTimeout(f"no REPL answer within {timeout_s:g} s (process group killed)")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            piece = os.read(fd, 1 << 16)
            if not piece:
                self._proc.wait(timeout=5)
                raise ReplCrashed(
                    self._death_note("REPL exited before answering"),
                    memory=looks_like_memory_failure(self.stderr_tail(), self._proc.returncode),
                )
            self._buf += piece.replace(b"\r\n", b"\n")

    # ------------------------------------------------------------------ lifecycle

    def stderr_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` bytes the process wrote to stderr."""
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def _death_note(self, what: str) -> str:
        code = self._proc.poll()
        tail = self.stderr_tail().strip()
        note = f"{what} (exit status {code})"
        return f"{note}; stderr: {tail[-800:]}" if tail else note

    def kill(self) -> None:
        """Kill the whole process group and release pipes (idempotent)."""
        kill_group(self._proc)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(OSError):
            self._stderr.close()

    def __repr__(self) -> str:
        return (
            f"ReplProcess(id={self.id}, pid={self.pid}, uses={self.uses}, "
            f"alive={self.alive}, header={self.header[:30]!r})"
        )


def describe_argv(argv: Sequence[str]) -> str:
    """Short human form of a command line (for error messages)."""
    return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv))
