"""A private copy of the whole system for one fault test: its own servers and real processes.

Each fault test restarts or kills something, so it never uses the session's servers: a
:class:`FaultRig` starts its own embedded PostgreSQL and Redis in a ``tempfile.mkdtemp()``
directory (outside pytest's basetemp, which pytest re-chmods), migrates, adds a few FIM tasks,
and starts verifier workers, the trainer and the learner the way operators do
(``python -m fimrl.cli workers|trainer|learner start --detach``), all configured through
``FIMRL_*`` variables: a tiny random model, a few new tokens, the ``exact`` backend with a
fixed checker latency (so checks overlap the faults), and a short lease (so the relay and the
learner's claims react within seconds).

Bounded runs: ``max_inflight_groups = 1`` makes the trainer write a group only once every
earlier group is scored, so a trainer started with ``--max-batches N`` cannot finish while a
group written before a fault is still waiting for the relay; the relay runs inside the trainer.

:meth:`FaultRig.counts` is what every test asserts on at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
import redis
from sqlalchemy import Engine, create_engine, text

from fimrl.config import Settings
from fimrl.db import migrate
from fimrl.services.daemon import Daemon
from fimrl.services.postgres import EmbeddedPostgres
from fimrl.services.process import pid_alive, read_pid_file
from fimrl.services.redis import EmbeddedRedis

from ..helpers import REPO, settings_env, store_omega_task, wait_for

RUN = "faults"

#: Celery's log lines about one task: "Task fimrl.verify[<id>] received|succeeded in ..|retry: ..".
_TASK_EVENT = re.compile(r"Task fimrl\.verify\[([0-9a-f-]+)\] (received|succeeded|retry|raised)")

#: Settings every fault test shares (each test may override some).
BASE_KNOBS: dict[str, Any] = {
    "run_name": RUN,
    "verifier_backend": "exact",
    "group_size": 2,
    "tasks_per_batch": 1,
    "max_new_tokens": 6,
    "max_inflight_groups": 1,
    "lease_s": 3,
    "checker_latency_s": 1.0,
    "groups_per_step": 1,
    "checkpoint_every": 1,
    "skip_zero_variance": "false",  # a random model scores all-zero groups: train on them too
    "max_staleness": 4,
    "learning_rate": 1e-4,
}


@dataclass(frozen=True)
class Counts:
    """The ledger of a run, read from PostgreSQL."""

    candidates: int
    verdicts: int
    duplicate_verdicts: int  # count(*) - count(DISTINCT candidate_id) of verifications
    unverified: int  # candidates without a verdict
    groups: int
    broken_groups: int  # groups without exactly `size` candidates with indexes 0..size-1
    duplicate_groups: int  # the same samples written twice (see DUPLICATE_GROUPS_SQL)
    groups_by_status: dict[str, int]
    consumed: int
    consumed_without_step: int
    learner_steps: int
    distinct_steps: int
    max_step: int
    groups_used: int  # sum of learner_steps.groups_used
    steps_not_matching_groups: int  # steps whose groups_used != groups consumed by that step
    reenqueued: int  # candidates enqueued more than once (relay, redelivery)

    @property
    def trained_twice(self) -> int:
        """Groups trained on by a step that did not record them, or by two steps."""
        return self.groups_used - self.consumed + self.steps_not_matching_groups

    def line(self) -> str:
        return json.dumps(asdict(self) | {"trained_twice": self.trained_twice}, sort_keys=True)


#: Two groups are "the same group written twice" when they have the same run, task and policy
#: version and the very same samples (every candidate's token ids, in order). The trainer
#: writes each generated group once (it keeps the group id after commit and only retries the
#: enqueue), and a restarted trainer draws fresh random streams, so identical samples can only
#: come from a group written twice: a retried write or a replayed batch. (The same task may
#: legitimately be sampled again in another batch: different samples, not a duplicate.)
DUPLICATE_GROUPS_SQL = """
SELECT count(*) - count(DISTINCT (run_id, task_id, policy_version, samples)) FROM (
    SELECT g.run_id, g.task_id, g.policy_version,
           string_agg(c.token_ids::text, ';' ORDER BY c.index) AS samples
    FROM groups g JOIN candidates c ON c.group_id = g.id
    GROUP BY g.id
) s
"""


class FaultRig:
    """Servers, settings and daemons of one fault test; :meth:`close` removes everything."""

    def __init__(self, model_dir: Path, **knobs: Any) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="fimrl-faults-"))
        self.state_dir = self.root / "state"
        self.pg = EmbeddedPostgres(self.root / "postgres")
        self.redis = EmbeddedRedis(self.root / "redis")
        self.workers: dict[str, int] = {}  # the Celery main process of each node now
        self.supervisors: dict[str, int] = {}  # its supervisor (`workers start --detach`)
        self.engine: Engine | None = None
        try:
            database_url = self.pg.start()
            broker_url = self.redis.start()
            self.redis_port = int(self.redis.port() or 0)
            self.engine = create_engine(database_url, pool_pre_ping=True)
            migrate.upgrade(self.engine)
        except BaseException:
            self.close()
            raise
        self.settings = Settings(
            state_dir=self.state_dir,
            database_url=database_url,
            broker_url=broker_url,
            queue_name=f"verify-faults-{uuid.uuid4().hex[:8]}",
        )
        self.knobs = BASE_KNOBS | {"model": str(model_dir)} | knobs
        self.env = settings_env(self.settings, **self.knobs)

    # --- data ---------------------------------------------------------------------------------
    def add_tasks(self, n: int) -> None:
        assert self.engine is not None
        for i in range(n):
            store_omega_task(self.engine, i, namespace="F", source="faults.lean", hash_tag="f")

    def scalar(self, sql: str, **params: Any) -> Any:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def count(self, sql: str, **params: Any) -> int:
        return int(self.scalar(sql, **params) or 0)

    def counts(self) -> Counts:
        c = self.count
        assert self.engine is not None
        with self.engine.connect() as conn:
            by_status = dict(
                conn.execute(text("SELECT status, count(*) FROM groups GROUP BY status")).all()
            )
        verdicts = c("SELECT count(*) FROM verifications")
        return Counts(
            candidates=c("SELECT count(*) FROM candidates"),
            verdicts=verdicts,
            duplicate_verdicts=verdicts
            - c("SELECT count(DISTINCT candidate_id) FROM verifications"),
            unverified=c(
                "SELECT count(*) FROM candidates c WHERE NOT EXISTS "
                "(SELECT 1 FROM verifications v WHERE v.candidate_id = c.id)"
            ),
            groups=c("SELECT count(*) FROM groups"),
            broken_groups=c(
                "SELECT count(*) FROM groups g WHERE g.size <> "
                "(SELECT count(*) FROM candidates c WHERE c.group_id = g.id "
                " AND c.index >= 0 AND c.index < g.size)"
            ),
            duplicate_groups=c(DUPLICATE_GROUPS_SQL),
            groups_by_status={str(k): int(v) for k, v in by_status.items()},
            consumed=c("SELECT count(*) FROM groups WHERE status = 'consumed'"),
            consumed_without_step=c(
                "SELECT count(*) FROM groups WHERE status = 'consumed' AND learner_step IS NULL"
            ),
            learner_steps=c("SELECT count(*) FROM learner_steps"),
            distinct_steps=c("SELECT count(DISTINCT step) FROM learner_steps"),
            max_step=c("SELECT max(step) FROM learner_steps"),
            groups_used=c("SELECT sum(groups_used) FROM learner_steps"),
            steps_not_matching_groups=c(
                "SELECT count(*) FROM learner_steps s WHERE s.groups_used <> "
                "(SELECT count(*) FROM groups g WHERE g.run_id = s.run_id "
                " AND g.status = 'consumed' AND g.learner_step = s.step)"
            ),
            reenqueued=c("SELECT count(*) FROM candidates WHERE enqueue_count > 1"),
        )

    def queue_depth(self) -> int:
        url = self.settings.broker_url.get_secret_value()  # type: ignore[union-attr]
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            return int(client.llen(self.settings.queue_name))
        finally:
            client.close()

    # --- servers ------------------------------------------------------------------------------
    def restart_redis(
        self, *, lose_data: bool = False, down_until: Callable[[], Any] | None = None
    ) -> None:
        """Stop redis-server (SIGTERM: the AOF is flushed) and start it on the same port;
        ``lose_data`` deletes the AOF in between, so the queue comes back empty;
        ``down_until`` keeps it down until that condition holds."""
        assert self.redis.stop()
        if down_until is not None:
            self.wait(down_until, 60, "the condition that ends the broker outage")
        if lose_data:
            for name in ("appendonly.aof", "appendonlydir", "dump.rdb"):
                path = self.redis.root / name
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        self.redis.start(port=self.redis_port)

    # --- processes ----------------------------------------------------------------------------
    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fimrl.cli", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _start(self, *args: str) -> None:
        done = self.cli(*args)
        assert done.returncode == 0, f"`fimrl {' '.join(args)}` failed:\n{done.stdout}{done.stderr}"

    def worker_log(self, name: str) -> Path:
        return self.state_dir / "workers" / f"{name}.log"

    def start_worker(self, name: str, concurrency: int = 2) -> int:
        """`fimrl workers start --detach`; returns the Celery main process's pid once ready."""
        self._start(
            "workers", "start", "--detach", "-c", str(concurrency), "--hostname", f"{name}@%h"
        )
        pid = read_pid_file(self.state_dir / "workers" / f"{name}.pid")
        sup = read_pid_file(self.state_dir / "workers" / f"{name}.supervisor.pid")
        assert pid is not None and sup is not None
        self.workers[name], self.supervisors[name] = pid, sup
        self._wait_ready(name, pid, 1)
        return pid

    def _wait_ready(self, name: str, pid: int, times: int) -> None:
        log = self.worker_log(name)

        def ready() -> bool:
            text_ = log.read_text(errors="replace") if log.exists() else ""
            assert pid_alive(pid), f"worker {name} exited:\n{text_[-3000:]}"
            return text_.count("ready.") >= times

        self.wait(ready, 90, f"worker {name} (pid {pid}) to be ready")

    def wait_restarted(self, name: str, old_pid: int, times: int) -> int:
        """Until the supervisor has restarted worker ``name`` (its ``times``-th "ready." in
        the log) under a new pid; returns that pid."""
        pid_file = self.state_dir / "workers" / f"{name}.pid"

        def restarted() -> int | None:
            pid = read_pid_file(pid_file)
            return pid if pid not in (None, old_pid) and pid_alive(pid) else None

        pid = self.wait(restarted, 90, f"the supervisor to restart worker {name}")
        self._wait_ready(name, pid, times)
        self.workers[name] = pid
        return pid

    def checks_in_flight(self, name: str) -> set[str]:
        """Task ids whose last line in the worker's log is "received" (being checked now)."""
        log = self.worker_log(name)
        last: dict[str, str] = {}
        for task_id, event in _TASK_EVENT.findall(log.read_text(errors="replace")):
            last[task_id] = event
        return {task_id for task_id, event in last.items() if event == "received"}

    def workers_children(self, name: str) -> list[int]:
        return [c.pid for c in psutil.Process(self.workers[name]).children(recursive=False)]

    def workers_alive(self, name: str) -> bool:
        return pid_alive(self.workers[name])

    def ids(self, sql: str, **params: Any) -> set[int]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return {int(r[0]) for r in conn.execute(text(sql), params)}

    def unverified_ids(self) -> set[int]:
        return self.ids(
            "SELECT c.id FROM candidates c WHERE NOT EXISTS "
            "(SELECT 1 FROM verifications v WHERE v.candidate_id = c.id)"
        )

    def freeze_worker_holding_work(self, name: str, stale: set[str], batches: int) -> bool:
        """SIGSTOP worker ``name`` (main process and pool) if it holds unverified work.

        Frozen, nothing changes: it holds work when its log shows a check in flight that is
        not in ``stale``, some candidate has no verdict, and the Redis list is empty (so that
        candidate's message is with this worker, the only consumer). The trainer (started
        with ``--max-batches batches``) must be two batches short of its end, so the held group
        is not its last: it waits for that group to be scored, relaying, before it can finish.
        Otherwise the worker is thawed (SIGCONT) and False returned: poll it with :meth:`wait`.
        """
        group = self.supervisors[name]  # the session leader: supervisor, worker and pool
        os.killpg(group, signal.SIGSTOP)
        in_flight = self.checks_in_flight(name) - stale
        if (
            in_flight
            and self.trainer_batches() <= batches - 2
            and self.unverified_ids()
            and self.queue_depth() == 0
        ):
            return True
        os.killpg(group, signal.SIGCONT)
        return False

    def thaw_worker(self, name: str) -> None:
        os.killpg(self.supervisors[name], signal.SIGCONT)

    def kill_worker(self, name: str) -> None:
        """SIGKILL the Celery main process, then its pool children (the node is gone), then
        let its supervisor run again (it may have been frozen with them)."""
        pid = self.workers[name]
        children = psutil.Process(pid).children(recursive=True)
        os.kill(pid, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        wait_for(lambda: not pid_alive(pid), 30, f"worker {name} to die")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.supervisors[name], signal.SIGCONT)

    def start_trainer(self, max_batches: int) -> int:
        self._start("trainer", "start", "--detach", "--max-batches", str(max_batches))
        pid = self.trainer_pid()
        assert pid is not None
        return pid

    def start_learner(self, max_steps: int | None = None) -> int:
        extra = ["--max-steps", str(max_steps)] if max_steps else []
        self._start("learner", "start", "--detach", *extra)
        pid = self.learner_pid()
        assert pid is not None
        return pid

    def _daemon_file(self, name: str, file: str) -> Path:
        return self.state_dir / name / file

    def trainer_pid(self) -> int | None:
        pid = read_pid_file(self._daemon_file("trainer", "trainer.pid"))
        return pid if pid_alive(pid) else None

    def learner_pid(self) -> int | None:
        pid = read_pid_file(self._daemon_file("learner", "learner.pid"))
        return pid if pid_alive(pid) else None

    def trainer_status(self) -> dict[str, Any]:
        return Daemon(self.state_dir, "trainer").read_status()

    def learner_state(self) -> str | None:
        """The running learner's state from its status file: "running" or "waiting: ..." once
        its model is loaded and it consumes, None before (or when it is not running)."""
        state = Daemon(self.state_dir, "learner").read_status().get("state")
        return str(state) if state is not None and self.learner_pid() else None

    def trainer_batches(self) -> int:
        """Batches the running trainer has produced (its status file)."""
        return int(self.trainer_status().get("batches") or 0)

    def learner_log(self) -> str:
        path = self._daemon_file("learner", "learner.log")
        return path.read_text(errors="replace") if path.exists() else ""

    def trainer_log(self) -> str:
        path = self._daemon_file("trainer", "trainer.log")
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, pid: int, what: str) -> None:
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not pid_alive(pid), 30, f"the {what} to die")

    # --- waiting and reporting ----------------------------------------------------------------
    def diagnostics(self) -> str:
        parts = []
        try:
            parts.append(f"counts: {self.counts().line()}")
        except Exception as exc:  # the database may be the thing that is down
            parts.append(f"counts unavailable: {exc}")
        parts.append(f"trainer status: {self.trainer_status()}")
        parts.append(f"trainer log:\n{self.trainer_log()[-2500:]}")
        parts.append(f"learner log:\n{self.learner_log()[-2500:]}")
        for name in self.workers:
            log = self.worker_log(name)
            if log.exists():
                parts.append(f"worker {name} log:\n{log.read_text(errors='replace')[-2500:]}")
        return "\n".join(parts)

    def wait(self, condition: Callable[[], Any], timeout: float, what: str) -> Any:
        """:func:`wait_for` whose failure message carries the counts and the logs' tails."""
        try:
            return wait_for(condition, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.diagnostics()}") from None

    def wait_drained(self, timeout: float) -> Counts:
        """Wait until trainer and learner have exited by themselves (max batches, max steps)
        with every group consumed; fail at once if the learner is gone before that."""

        def drained() -> bool:
            left = self.count("SELECT count(*) FROM groups WHERE status <> 'consumed'")
            if self.learner_pid() is None and left:
                raise AssertionError(f"the learner exited with {left} group(s) not consumed")
            return self.trainer_pid() is None and self.learner_pid() is None and not left

        self.wait(drained, timeout, "trainer and learner to finish and every group consumed")
        return self.counts()

    # --- teardown -----------------------------------------------------------------------------
    def close(self) -> None:
        """SIGKILL every process this rig started (the test is over), stop the servers and
        delete the directory."""
        groups = [read_pid_file(self._daemon_file(n, f"{n}.pid")) for n in ("trainer", "learner")]
        for pid in [*groups, *self.supervisors.values(), *self.workers.values()]:
            if pid_alive(pid):
                assert pid is not None
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)  # each was started in its own session
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                wait_for(lambda pid=pid: not pid_alive(pid), 30, f"pid {pid} to die")
        if self.engine is not None:
            self.engine.dispose()
        # The data is thrown away: no clean shutdown (SIGQUIT = PostgreSQL's immediate stop).
        for pid, sig in ((self.redis.pid(), signal.SIGKILL), (self.pg.pid(), signal.SIGQUIT)):
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                wait_for(lambda pid=pid: not pid_alive(pid), 30, f"server {pid} to stop")
        if not os.environ.get("FIMRL_FAULTS_KEEP"):  # keep the logs to debug a failure
            shutil.rmtree(self.root, ignore_errors=True)
