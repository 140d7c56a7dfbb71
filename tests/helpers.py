"""Test helpers shared by the process-level tests (no mocks: real processes, real servers)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from fimrl.config import Settings
from workers.command import worker_argv

REPO = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until truthy (returns its value) or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def run_fimrl(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``fimrl ARGS`` as a person runs it: its own process, in the checkout, with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def settings_env(settings: Settings, **extra: Any) -> dict[str, str]:
    """The environment that makes a child process see these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env.update(
        {
            "FIMRL_STATE_DIR": str(settings.state_dir),
            "FIMRL_DATABASE_URL": settings.database_url.get_secret_value(),  # type: ignore[union-attr]
            "FIMRL_BROKER_URL": settings.broker_url.get_secret_value(),  # type: ignore[union-attr]
            "FIMRL_QUEUE_NAME": settings.queue_name,
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("sql_reader_url", "sql_writer_url"):
        value = getattr(settings, name)
        if value is not None:
            env[f"FIMRL_{name.upper()}"] = value.get_secret_value()
    env.update({f"FIMRL_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class WorkerProcess:
    """A real `celery worker` on the test broker, its log in a file."""

    def __init__(
        self, env: dict[str, str], log: Path, concurrency: int = 2, name: str = "w1"
    ) -> None:
        self.log = log
        self.handle = log.open("wb")
        self.proc = subprocess.Popen(
            worker_argv(
                env["FIMRL_QUEUE_NAME"],
                concurrency=concurrency,
                hostname=f"{name}@%h",
                quiet_cluster=True,
            ),
            cwd=REPO,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.ready, 60, f"worker {name} to be ready (log: {log})")

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited: {self.log.read_text()[-3000:]}")
        return b"ready." in self.log.read_bytes()

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=False)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.handle.close()


def store_omega_task(
    engine: Any,
    i: int,
    *,
    namespace: str = "T",
    source: str = "t.lean",
    split: str = "train",
    span_kind: str = "tactic",
    middle: str = "omega",
    hash_tag: str = "",
    prefix_lines: int = 0,
    header: str = "",
) -> int:
    """Store the FIM task ``theorem {namespace}.t{i} (n : Nat) : n + i = i + n`` whose
    reference middle is ``omega``; returns its id.

    ``hash_tag`` starts the content hash, so callers sharing a database keep apart;
    ``prefix_lines`` pads the proof before the hole with ``have`` lines (longer prompts);
    ``header`` is the task's header (``prelude\nimport FimCore\n`` for a FimCore task).
    """
    from sqlalchemy.orm import Session

    from fimrl.db.models import FimTask

    padding = "".join(f"  have h{k} : {k} + n = n + {k} := by omega\n" for k in range(prefix_lines))
    with Session(engine) as session:
        task = FimTask(
            source=source,
            decl_name=f"{namespace}.t{i}",
            decl_kind="theorem",
            header=header,
            prefix=f"theorem {namespace}.t{i} (n : Nat) : n + {i} = {i} + n := by\n{padding}  ",
            middle=middle,
            suffix="\n",
            span_kind=span_kind,
            split=split,
            content_hash=f"{hash_tag}{i:0{64 - len(hash_tag)}x}",
        )
        session.add(task)
        session.commit()
        return task.id


def store_verdicts(engine: Any, run_id: int, task_id: int, results: list[str]) -> int:
    """One group of ``task_id`` in ``run_id`` whose candidates got ``results`` (verdicts, in
    order, reward 1 for a pass); returns the group id."""
    from fimrl.db.rollout_store import CandidateRow, write_group
    from fimrl.db.verdict_store import record_verdict

    group, cands = write_group(
        engine,
        run_id=run_id,
        task_id=task_id,
        policy_version=0,
        candidates=[CandidateRow("x", "x", [1], [-0.1]) for _ in results],
    )
    for cand, verdict in zip(cands, results, strict=True):
        record_verdict(
            engine,
            candidate_id=cand,
            group_id=group,
            verdict={
                "verdict": verdict,
                "reward": float(verdict == "pass"),
                "duration_s": 0.0,
                "backend": "exact",
                "worker_host": "test",
            },
        )
    return group


def queued_candidate_ids(settings: Settings) -> list[int]:
    """Candidate ids of the verify messages waiting in Redis (Celery protocol 2, base64)."""
    from fimrl.rollout.enqueue import VerifyQueue

    queue = VerifyQueue(settings)
    with queue.app.connection_for_write() as conn:
        raw = conn.default_channel.client.lrange(settings.queue_name, 0, -1)
    ids = []
    for item in raw:
        envelope = json.loads(item)
        assert envelope["headers"]["task"] == "fimrl.verify"
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        ids.append(int(args[0]["candidate_id"]))
    return ids
