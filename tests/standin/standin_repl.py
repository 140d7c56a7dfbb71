#!/usr/bin/env python3
"""STAND-IN for the Lean REPL (leanprover-community/repl): a test double, NOT Lean.

It speaks the REPL's JSON protocol over stdin/stdout (one request per blank-line separated
block; answers pretty-printed over several lines and terminated by a blank line), keeps
numbered environments (a command without ``env`` creates a fresh one; an unknown ``env``
gets ``{"message": "Unknown environment."}``), and never checks any proof. Every answer
carries ``"standin": true`` so the client reports ``lean_version == "standin"``: results
from this program can never be presented as Lean verification.

Behaviour is scripted by markers in the command text (usually inside a comment) so tests
can drive every client code path through a real subprocess:

``STANDIN_ERROR``             an error message at the marker's line
``STANDIN_SORRIES``           a ``sorries`` entry at the marker's line
``STANDIN_SORRY_WARNING``     a "declaration uses 'sorry'" warning at the marker's line
``STANDIN_AXIOMS: a, b``      what every ``#print axioms X`` line answers (default: none)
``STANDIN_STMT_MISMATCH``     an error on the line containing ``type_of%``
``STANDIN_HEARTBEATS``        a "(deterministic) timeout ... heartbeats" error
``STANDIN_SLOW: 0.5``         sleep that many seconds before answering
``STANDIN_HANG``              never answer
``STANDIN_SPAWN_CHILD: path`` start a sleeping child process, write its pid to ``path``, hang
``STANDIN_CRASH``             exit with status 3 without answering
``STANDIN_GARBAGE``           answer with non-JSON text
``STANDIN_MEMORY``            allocate until the address-space limit makes allocation fail
``STANDIN_RSS: 300``          allocate and keep that many MiB resident, then answer
``STANDIN_HEADER_ERROR``      (in a header) an error message, as a failed import would give
``STANDIN_UNKNOWN_TARGET``    ``#print axioms X`` answers "unknown constant" (an error)

Environment variables: ``STANDIN_HEADER_DELAY`` (seconds slept for a command without
``env``, imitating ``import Mathlib``), ``STANDIN_LOG`` (append one JSON line per request).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

_KEEP: list[bytearray] = []


def _line_of(text: str, needle: str) -> int:
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else 1


def _msg(severity: str, line: int, data: str, column: int = 0) -> dict[str, object]:
    return {
        "severity": severity,
        "pos": {"line": line, "column": column},
        "endPos": {"line": line, "column": column + 1},
        "data": data,
    }


def _hang() -> None:
    while True:
        time.sleep(3600)


def _answer(obj: dict[str, object]) -> None:
    obj["standin"] = True
    sys.stdout.write(json.dumps(obj, indent=1, ensure_ascii=False) + "\n\n")
    sys.stdout.flush()


def _run(cmd: str, fresh: bool) -> dict[str, object]:
    if fresh:
        delay = float(os.environ.get("STANDIN_HEADER_DELAY", "0") or 0)
        if delay:
            time.sleep(delay)
    m = re.search(r"STANDIN_SLOW:\s*([0-9.]+)", cmd)
    if m:
        time.sleep(float(m.group(1)))
    if "STANDIN_CRASH" in cmd:
        sys.stderr.write("standin: crashing on request\n")
        sys.stderr.flush()
        os._exit(3)
    if "STANDIN_HANG" in cmd:
        _hang()
    m = re.search(r"STANDIN_SPAWN_CHILD:\s*(\S+)", cmd)
    if m:
        child = subprocess.Popen(
            [sys.executable, "-c", "import time\nwhile True: time.sleep(3600)"],
            stdin=subprocess.DEVNULL,
        )
        with open(m.group(1), "w", encoding="utf-8") as fh:
            fh.write(str(child.pid))
        _hang()
    if "STANDIN_MEMORY" in cmd:
        while True:  # MemoryError under RLIMIT_AS ends the process (exit status 1)
            _KEEP.append(bytearray(64 * 1024 * 1024))
    m = re.search(r"STANDIN_RSS:\s*([0-9]+)", cmd)
    if m:
        block = bytearray(int(m.group(1)) * 1024 * 1024)
        for i in range(0, len(block), 4096):  # touch every page so it is resident
            block[i] = 1
        _KEEP.append(block)

    messages: list[dict[str, object]] = []
    sorries: list[dict[str, object]] = []
    if "STANDIN_HEADER_ERROR" in cmd:
        messages.append(_msg("error", 1, "unknown module prefix 'Mathlib' (standin)"))
    if "STANDIN_ERROR" in cmd:
        messages.append(_msg("error", _line_of(cmd, "STANDIN_ERROR"), "standin error"))
    if "STANDIN_HEARTBEATS" in cmd:
        messages.append(
            _msg(
                "error",
                _line_of(cmd, "STANDIN_HEARTBEATS"),
                "(deterministic) timeout at `whnf`, maximum number of heartbeats (200000) "
                "has been reached",
            )
        )
    if "STANDIN_SORRY_WARNING" in cmd:
        line = _line_of(cmd, "STANDIN_SORRY_WARNING")
        messages.append(_msg("warning", line, "declaration uses 'sorry'"))
    if "STANDIN_SORRIES" in cmd:
        line = _line_of(cmd, "STANDIN_SORRIES")
        sorries.append(
            {
                "pos": {"line": line, "column": 0},
                "endPos": {"line": line, "column": 5},
                "goal": "⊢ False",
                "proofState": 0,
            }
        )
    if "STANDIN_STMT_MISMATCH" in cmd:
        messages.append(_msg("error", _line_of(cmd, "type_of%"), "Type mismatch (standin)"))
    m = re.search(r"STANDIN_AXIOMS:\s*([^\n]*?)\s*(?:-/|$)", cmd, re.M)
    axioms = [a.strip() for a in m.group(1).split(",") if a.strip()] if m else []
    for idx, line_text in enumerate(cmd.split("\n"), start=1):
        pa = re.match(r"#print axioms\s+(\S+)", line_text)
        if pa and "STANDIN_UNKNOWN_TARGET" in cmd:
            messages.append(_msg("error", idx, f"unknown constant '{pa.group(1)}'"))
        elif pa:
            name = pa.group(1)
            data = (
                f"'{name}' depends on axioms: [{', '.join(axioms)}]"
                if axioms
                else f"'{name}' does not depend on any axioms"
            )
            messages.append(_msg("info", idx, data))
    out: dict[str, object] = {}
    if messages:
        out["messages"] = messages
    if sorries:
        out["sorries"] = sorries
    return out


def main() -> int:
    envs: list[str] = []
    log = os.environ.get("STANDIN_LOG")
    while True:
        lines: list[str] = []
        while True:
            line = sys.stdin.readline()
            if not line:  # EOF
                if not lines:
                    return 0
                break
            if not line.strip():
                if lines:
                    break
                continue
            lines.append(line.rstrip("\n"))
        query = "".join(lines)
        try:
            req = json.loads(query)
        except json.JSONDecodeError as exc:
            sys.stderr.write(f"uncaught exception: Could not parse JSON: {exc}\n")
            return 1
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"pid": os.getpid(), "env": req.get("env")}) + "\n")
        cmd = str(req.get("cmd", ""))
        if "STANDIN_GARBAGE" in cmd:
            sys.stdout.write("this is not JSON {\n\n")
            sys.stdout.flush()
            continue
        env = req.get("env")
        if env is not None and not (isinstance(env, int) and 0 <= env < len(envs)):
            _answer({"message": "Unknown environment."})
            continue
        result = _run(cmd, fresh=env is None)
        envs.append(cmd)
        _answer({"env": len(envs) - 1, **result})


if __name__ == "__main__":
    sys.exit(main())
