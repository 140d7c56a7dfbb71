"""The trainer loop: FIM tasks + the current policy -> groups of candidates awaiting verdicts.

One batch, in order:

1. Flush what an earlier batch could not finish (a database or broker outage): generated
   groups are kept in memory and written/enqueued before anything new is generated.
2. Run the relay every ``relay_every_s``: candidates whose verify message was lost (Redis
   restart, a crash between commit and enqueue) are enqueued again once their lease expired.
3. Backpressure: at most ``max_inflight_groups`` of this run's groups may be ``pending``
   (unscored); above that the trainer waits instead of piling work onto the verifiers.
4. Follow the learner: if ``policy_versions`` has a newer version than the loaded one, load
   its checkpoint *before* sampling and tag the new groups with it. If loading fails and the
   loaded policy is more than ``max_staleness`` versions behind, stop producing until it works.
5. Pick tasks (:class:`~fimrl.rollout.task_sampler.TaskSampler`, in the curriculum stage
   this run has reached; every candidate records that stage), build prompts; a prompt
   longer than ``max_prompt_tokens`` (or than the model's context minus ``max_new_tokens``)
   is skipped, counted, and its reason recorded; the task is not picked again.
6. Sample G completions per task, extract the middles (an empty or garbage middle is still a
   candidate: the model produced it, and the verifier rejects it).
7. One transaction writes the batch's groups and their G candidates each; after commit, one
   verify message per candidate is enqueued and the candidates are marked enqueued.

Failure model: a crash before a commit leaves nothing; after it, the relay enqueues. An outage
makes the loop wait with exponential backoff and retry (never exit); SIGTERM sets the stop
event: a running generation is abandoned (nothing of it was written), a group write in
progress completes, and the loop exits.

Metrics (groups in flight, candidates/s, staleness, skips, outages) go to the daemon's JSON
status file after every batch and state change; ``fimrl trainer status`` reads it.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.exc
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.claim_store import latest_policy_version
from fimrl.db.group_events import GroupEvents
from fimrl.db.rollout_store import (
    CandidateRow,
    GroupWrite,
    mark_enqueued,
    verify_messages,
    write_groups,
)
from fimrl.db.run_store import ensure_base_version, ensure_run
from fimrl.outages import TRANSIENT_ERRORS
from fimrl.rollout.candidates import candidate_rows
from fimrl.rollout.curriculum import STAGE_KEY, StageState
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.rollout.generation import (
    GenerationBackend,
    GenerationInterrupted,
    Sample,
    sampling_for,
)
from fimrl.rollout.prompts import PromptFormat, encode_prompt, get_prompt_format
from fimrl.rollout.relay import relay_once
from fimrl.rollout.task_sampler import SampledTask, TaskSampler
from fimrl.services.daemon import Daemon

log = logging.getLogger("fimrl.trainer")

__all__ = [
    "TRANSIENT_ERRORS",
    "BatchReport",
    "PendingGroup",
    "Trainer",
    "TrainerOptions",
    "trainer_daemon",
]


PROMPT_TOO_LONG = "prompt_too_long"
#: Statuses a pending group moves to: each one frees room in flight.
LEFT_PENDING = frozenset({"scored", "dropped", "quarantined"})


def trainer_daemon(state_dir: Any) -> Daemon:
    """The trainer's pid, log and status files under ``<state_dir>/trainer/``."""
    return Daemon(state_dir, "trainer")


@dataclass
class TrainerOptions:
    """Loop timings (the sampling and asynchrony knobs are settings).

    Attributes:
        relay_every_s: seconds between relay sweeps (the first runs at start); never more
            than the ``lease_s`` setting.
        poll_s: wait between checks while backpressure or an empty task table holds.
        backoff_s: first wait after an outage; doubles per failure up to ``backoff_max_s``.
        backoff_max_s: longest wait between retries during an outage.
        task_refresh_s: how stale the task list and pass rates may be.
        recent_batches: batches the candidates/s rate is averaged over.
    """

    relay_every_s: float = 30.0
    poll_s: float = 1.0
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    task_refresh_s: float = 30.0
    recent_batches: int = 10


@dataclass
class PendingGroup:
    """A generated group on its way to the database and the queue (kept across outages)."""

    task: SampledTask
    prompt_ids: list[int]
    rows: list[CandidateRow]
    policy_version: int
    group_id: int | None = None
    candidate_ids: list[int] = field(default_factory=list)
    sent: bool = False
    #: Idempotency key of the database write, fixed before the first attempt.
    write_key: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class BatchReport:
    """What one batch did."""

    batch: int
    policy_version: int
    groups: int = 0
    candidates: int = 0
    completion_tokens: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    generate_s: float = 0.0
    wall_s: float = 0.0
    #: Seconds spent outside ``generate``, by part: ``prompts`` (sampling tasks, encoding),
    #: ``extract`` (middles, candidate rows), ``write`` (group transactions), ``enqueue``
    #: (messages, Redis, marking enqueued). The rest of the overhead is bookkeeping (in-flight
    #: count, policy check, status file).
    timings: dict[str, float] = field(default_factory=dict)

    def add_time(self, part: str, seconds: float) -> None:
        self.timings[part] = self.timings.get(part, 0.0) + seconds

    @property
    def overhead_s(self) -> float:
        """Time outside ``generate``: prompts, extraction, database writes, enqueue."""
        return max(0.0, self.wall_s - self.generate_s)

    @property
    def overhead_fraction(self) -> float:
        return self.overhead_s / self.wall_s if self.wall_s > 0 else 0.0


class Trainer:
    """The producer of one run: samples groups with the current policy and hands them on.

    Args:
        settings: model, sampling, asynchrony and queue settings.
        engine: the database.
        backend: a loaded generation backend (its weights are the base model or version 0).
        options: loop timings.
        stop_event: set it (SIGTERM) to stop; shared with the backend's ``interrupt`` so a
            running generation is abandoned promptly.
        daemon: where the status file goes (default: ``<state_dir>/trainer/``).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        backend: GenerationBackend,
        *,
        options: TrainerOptions | None = None,
        stop_event: threading.Event | None = None,
        daemon: Daemon | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.backend = backend
        self.options = options or TrainerOptions()
        self._stop = stop_event or threading.Event()
        self.daemon = daemon or trainer_daemon(settings.state_dir)
        self.fmt: PromptFormat = get_prompt_format(settings.prompt_format)
        self.queue = VerifyQueue(settings)
        self.run_id: int | None = None
        self.sampler: TaskSampler | None = None
        self._logged_stage: int | None = None
        self.version = 0  # the policy version whose weights the backend holds
        self.latest_version = 0
        self.pending: list[PendingGroup] = []
        #: The batch whose groups an outage kept from being written (they are in ``pending``).
        self._held: BatchReport | None = None
        self.batches = 0
        self._seed_base = settings.seed
        self._last_relay = float("-inf")
        self._delay = self.options.backoff_s
        self._recent: collections.deque[tuple[int, int, float]] = collections.deque(
            maxlen=self.options.recent_batches
        )
        self._state = "starting"
        self.events: GroupEvents | None = None  # LISTENs once the run is known
        self.metrics: dict[str, Any] = {
            "groups_written": 0,
            "candidates_written": 0,
            "completion_tokens": 0,
            "skipped": {},
            "skipped_tasks": [],
            "reloads": 0,
            "reload_failures": 0,
            "outages": 0,
            "relay_reenqueued": 0,
            "groups_in_flight": 0,
            "last_error": None,
            "last_batch": None,
        }

    # --- control -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop after the group being written (a running generation is abandoned)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, max_batches: int | None = None) -> list[BatchReport]:
        """Batches until stopped (or ``max_batches`` produced); outages are waited out."""
        reports: list[BatchReport] = []
        try:
            while not self.stopping and (max_batches is None or len(reports) < max_batches):
                try:
                    report = self.step()
                except TRANSIENT_ERRORS as exc:
                    self._outage(exc)
                    continue
                self._delay = self.options.backoff_s
                if report is not None:
                    reports.append(report)
        finally:
            if self.pending:
                log.warning(
                    "stopping with %d generated group(s) not written (outage): abandoned",
                    len(self.pending),
                )
            self._set_state("stopped", force=True)
            if self.events is not None:
                self.events.close()
        return reports

    # --- one batch -----------------------------------------------------------------------------
    def step(self) -> BatchReport | None:
        """One batch; ``None`` when it waited (backpressure, staleness, no tasks, stop).

        Raises one of :data:`TRANSIENT_ERRORS` on an outage (generated groups stay pending).
        A batch whose write an outage interrupted is finished by the next step, which returns
        its report instead of generating: ``--max-batches N`` writes exactly N batches.
        """
        started = time.monotonic()
        self._ensure_run()
        if self._held is not None:
            self._flush(self._held)
            report, self._held = self._held, None
            return self._finish_batch(report, started)
        self._flush()
        self._maybe_relay()
        room = self.settings.max_inflight_groups - self._count_in_flight()
        # Room for a whole batch, not one group: woken by the first group scored, a trainer
        # would otherwise sample batches of one (a GPU sampler's worst case) and write more,
        # smaller batches than `--max-batches` promises.
        if room < min(self.settings.tasks_per_batch, self.settings.max_inflight_groups):
            self._wait("waiting: backpressure")
            return None
        if not self._follow_policy():
            self._wait("waiting: policy too stale (reload failing)")
            return None
        assert self.sampler is not None
        t_tasks = time.monotonic()
        tasks = self.sampler.sample(min(self.settings.tasks_per_batch, room))
        # The stage these tasks were picked in: every candidate records it (the curriculum's
        # stage is derived from the verdicts of each stage's own candidates).
        stage = self.sampler.stage
        self._log_stage(stage)
        tag = {STAGE_KEY: stage.name} if stage is not None else {}
        if not tasks:
            self._wait("waiting: no train tasks")
            return None
        report = BatchReport(batch=self.batches + 1, policy_version=self.version)
        report.add_time("prompts", time.monotonic() - t_tasks)
        t_prompts = time.monotonic()
        prompts = self._build_prompts(tasks, report)
        report.add_time("prompts", time.monotonic() - t_prompts)
        if prompts:
            self._set_state("generating")
            tokenizer = self.backend.tokenizer
            sampling = sampling_for(
                self.settings, self.fmt, tokenizer, seed=self._batch_seed(report.batch)
            )
            g0 = time.monotonic()
            try:
                results = self.backend.generate(
                    [ids for _, ids in prompts], self.settings.group_size, sampling
                )
            except GenerationInterrupted:
                log.info("generation interrupted by stop: batch abandoned, nothing written")
                return None
            report.generate_s = time.monotonic() - g0
            t_extract = time.monotonic()
            record = sampling.record(self.backend.name, self.backend.logprob_space(sampling))
            for (task, ids), samples in zip(prompts, results, strict=True):
                self.pending.append(self._group(task, ids, samples, record | tag))
            report.add_time("extract", time.monotonic() - t_extract)
            self._held = report
            try:
                self._flush(report)
            except TRANSIENT_ERRORS:
                report.wall_s += time.monotonic() - started  # outage waits not counted
                raise
            self._held = None
        return self._finish_batch(report, started)

    def _finish_batch(self, report: BatchReport, started: float) -> BatchReport:
        """Count a fully written batch, publish its figures and log it."""
        self.batches += 1
        report.wall_s += time.monotonic() - started
        self._recent.append((report.candidates, report.completion_tokens, report.wall_s))
        self.metrics["last_batch"] = {
            "batch": report.batch,
            "policy_version": report.policy_version,
            "groups": report.groups,
            "candidates": report.candidates,
            "completion_tokens": report.completion_tokens,
            "skipped": len(report.skipped),
            "generate_s": round(report.generate_s, 4),
            "wall_s": round(report.wall_s, 4),
            "overhead_fraction": round(report.overhead_fraction, 4),
        }
        self._set_state("running", force=True)
        log.info(
            "batch %d (v%d): %d groups, %d candidates, %d skipped, %.2fs (generate %.2fs)",
            report.batch,
            report.policy_version,
            report.groups,
            report.candidates,
            len(report.skipped),
            report.wall_s,
            report.generate_s,
        )
        return report

    # --- the parts --------------------------------------------------------------------------
    def _ensure_run(self) -> None:
        if self.run_id is not None:
            return
        run_id = ensure_run(self.engine, self.settings.run_name)
        ensure_base_version(self.engine, run_id, self.settings.model)
        with self.engine.connect() as conn:
            done = conn.execute(
                text("SELECT count(*) FROM groups WHERE run_id = :r"), {"r": run_id}
            ).scalar_one()
        # A restarted trainer continues with fresh random streams, not a replay of the last.
        self._seed_base = (self.settings.seed * 1_000_003 + int(done)) % (2**31)
        self.sampler = TaskSampler(
            self.engine,
            run_id,
            frontier_fraction=self.settings.task_frontier_fraction,
            seed=self._seed_base,
            refresh_s=self.options.task_refresh_s,
            curriculum=self.settings.curriculum,
            curriculum_window=self.settings.curriculum_window,
        )
        self.run_id = run_id
        self.events = GroupEvents(self.engine, run_id, LEFT_PENDING)
        self.events.listen()  # before the first look at the room in flight

    def _log_stage(self, stage: StageState | None) -> None:
        if stage is not None and stage.index != self._logged_stage:
            log.info("curriculum: %s", stage.describe(self.settings.curriculum_window))
            self._logged_stage = stage.index

    def _batch_seed(self, batch: int) -> int:
        return (self._seed_base * 7919 + batch) % (2**31)

    def _maybe_relay(self) -> None:
        now = time.monotonic()
        # At least one sweep per lease: a lost message waits ~lease_s, not lease_s + 30 s.
        every = min(self.options.relay_every_s, self.settings.lease_s)
        if now - self._last_relay < every:
            return
        result = relay_once(self.engine, self.settings, self.run_id)
        self._last_relay = now
        if result.reenqueued:
            log.info("relay re-enqueued %d candidate(s)", result.reenqueued)
            self.metrics["relay_reenqueued"] += result.reenqueued

    def _count_in_flight(self) -> int:
        with self.engine.connect() as conn:
            n = conn.execute(
                text("SELECT count(*) FROM groups WHERE run_id = :r AND status = 'pending'"),
                {"r": self.run_id},
            ).scalar_one()
        self.metrics["groups_in_flight"] = int(n)
        return int(n)

    def _follow_policy(self) -> bool:
        """Load a newer published policy; False if too stale to keep producing."""
        assert self.run_id is not None
        latest = latest_policy_version(self.engine, self.run_id)
        if latest is None:
            return True
        version, path = latest
        self.latest_version = version
        if version > self.version:
            if path:
                try:
                    started = time.monotonic()
                    self.backend.reload(path)
                except Exception as exc:  # a missing or unreadable checkpoint: keep the old one
                    self.metrics["reload_failures"] += 1
                    self.metrics["last_error"] = f"reload of v{version} from {path}: {exc}"
                    log.error("cannot load policy v%d from %s: %s", version, path, exc)
                else:
                    log.info(
                        "policy v%d -> v%d loaded from %s in %.1fs",
                        self.version,
                        version,
                        path,
                        time.monotonic() - started,
                    )
                    self.version = version
                    self.metrics["reloads"] += 1
            else:  # a version without weights of its own is the base model
                self.version = version
        return self.latest_version - self.version <= self.settings.max_staleness

    def _prompt_limit(self) -> int:
        limit = self.settings.max_prompt_tokens
        context = self.backend.context_length
        if context is not None:
            limit = min(limit, context - self.settings.max_new_tokens)
        return limit

    def _build_prompts(
        self, tasks: list[SampledTask], report: BatchReport
    ) -> list[tuple[SampledTask, list[int]]]:
        assert self.sampler is not None
        limit = self._prompt_limit()
        kept = []
        for task in tasks:
            ids = encode_prompt(self.fmt, task, self.backend.tokenizer)
            if len(ids) > limit:
                reason = (
                    f"{PROMPT_TOO_LONG}: {len(ids)} tokens > {limit} (max_prompt_tokens "
                    f"{self.settings.max_prompt_tokens}, context {self.backend.context_length}, "
                    f"max_new_tokens {self.settings.max_new_tokens})"
                )
                self._skip(task, reason, report)
                continue
            kept.append((task, ids))
        return kept

    def _skip(self, task: SampledTask, reason: str, report: BatchReport) -> None:
        assert self.sampler is not None
        self.sampler.exclude(task.id, reason)
        report.skipped.append((task.id, reason))
        kind = reason.split(":", 1)[0]
        skipped = self.metrics["skipped"]
        skipped[kind] = skipped.get(kind, 0) + 1
        recent = self.metrics["skipped_tasks"]
        recent.append({"task_id": task.id, "decl": task.decl_name, "reason": reason})
        del recent[:-20]
        log.warning("task %d (%s) skipped: %s", task.id, task.decl_name, reason)

    def _group(
        self,
        task: SampledTask,
        prompt_ids: list[int],
        samples: list[Sample],
        record: dict[str, Any],
    ) -> PendingGroup:
        rows = candidate_rows(self.fmt, task, prompt_ids, samples, record)
        return PendingGroup(task, prompt_ids, rows, self.version)

    def _flush(self, report: BatchReport | None = None) -> None:
        """Write, enqueue and mark enqueued every pending group, oldest first.

        The unwritten groups share one transaction (a batch costs one commit), their messages
        are read in one query and one statement marks them enqueued: the trainer's time
        outside ``generate`` is the slowest stage's margin when generation is fast. Raises a
        transient error with the unfinished groups still pending; each group remembers how far
        it got (written, sent), so a retry neither writes nor sends anything twice. A stop
        request waits for this: the batch is already paid for, and the writes take
        milliseconds.
        """
        assert self.run_id is not None
        if not self.pending:
            return
        t_write = time.monotonic()
        unwritten = [g for g in self.pending if g.group_id is None]
        if unwritten:
            self._set_state("writing")
            self._write(unwritten)
        t_enqueue = time.monotonic()
        unsent = [g for g in self.pending if not g.sent]
        if unsent:
            wanted = [cid for g in unsent for cid in g.candidate_ids]
            messages: dict[int | None, list[dict[str, Any]]] = {g.group_id: [] for g in unsent}
            for message in verify_messages(self.engine, wanted):
                messages[message["group_id"]].append(message)
            for group in unsent:
                self.queue.send(messages[group.group_id])
                group.sent = True
        mark_enqueued(self.engine, [cid for g in self.pending for cid in g.candidate_ids])
        done, self.pending = self.pending, []
        if report is not None:
            report.add_time("write", t_enqueue - t_write)
            report.add_time("enqueue", time.monotonic() - t_enqueue)
        for group in done:
            tokens = sum(len(r.token_ids) for r in group.rows)
            self.metrics["groups_written"] += 1
            self.metrics["candidates_written"] += len(group.rows)
            self.metrics["completion_tokens"] += tokens
            if report is not None:
                report.groups += 1
                report.candidates += len(group.rows)
                report.completion_tokens += tokens
                report.group_ids.append(group.group_id)

    def _write(self, groups: list[PendingGroup]) -> None:
        """Store ``groups`` in one transaction; if PostgreSQL refuses it, one by one, so only
        the group it cannot store is dropped (retrying cannot make it accept the value)."""
        assert self.run_id is not None
        writes = [
            GroupWrite(
                run_id=self.run_id,
                task_id=g.task.id,
                policy_version=g.policy_version,
                candidates=g.rows,
                prompt_token_ids=g.prompt_ids,
                prompt_format=self.fmt.name,
                write_key=g.write_key,
            )
            for g in groups
        ]
        try:
            stored = write_groups(self.engine, writes)
        except sqlalchemy.exc.DataError as exc:
            if len(groups) > 1:
                for group in groups:
                    self._write([group])
                return
            group = groups[0]
            self.pending.remove(group)
            self.metrics["last_error"] = f"group for task {group.task.id} refused: {exc}"
            log.error("group for task %d refused by PostgreSQL: %s", group.task.id, exc)
            return
        for group, (group_id, candidate_ids) in zip(groups, stored, strict=True):
            group.group_id, group.candidate_ids = group_id, candidate_ids

    # --- waiting, outages, status --------------------------------------------------------------
    def _wait(self, state: str) -> None:
        """Until a group of the run leaves ``pending`` (room in flight; migration 0007's
        event) or ``poll_s`` passes: the look that follows decides."""
        self._set_state(state)
        if self.events is None:
            self._stop.wait(self.options.poll_s)
        else:
            self.events.wait(self.options.poll_s, self._stop)

    def _outage(self, exc: BaseException) -> None:
        self.metrics["outages"] += 1
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        self.metrics["last_error"] = f"{type(exc).__name__}: {first_line}"
        log.warning(
            "outage (%s: %s); %d group(s) kept in memory; retrying in %.1fs",
            type(exc).__name__,
            first_line,
            len(self.pending),
            self._delay,
        )
        self._set_state("waiting: outage")
        self._stop.wait(self._delay)
        self._delay = min(self._delay * 2, self.options.backoff_max_s)

    def status(self) -> dict[str, Any]:
        """The status document (also written to the status file)."""
        candidates = sum(c for c, _, _ in self._recent)
        tokens = sum(t for _, t, _ in self._recent)
        wall = sum(w for _, _, w in self._recent)
        return {
            "state": self._state,
            "run": self.settings.run_name,
            "run_id": self.run_id,
            "backend": self.backend.name,
            "model": self.settings.model,
            "policy_version": self.version,
            "latest_version": self.latest_version,
            "staleness": self.latest_version - self.version,
            "max_staleness": self.settings.max_staleness,
            "max_inflight_groups": self.settings.max_inflight_groups,
            "batches": self.batches,
            "pending_in_memory": len(self.pending),
            "curriculum_stage": (
                self.sampler.stage.describe(self.settings.curriculum_window)
                if self.sampler is not None and self.sampler.stage is not None
                else None
            ),
            "candidates_per_s": round(candidates / wall, 3) if wall > 0 else 0.0,
            "completion_tokens_per_s": round(tokens / wall, 3) if wall > 0 else 0.0,
            **self.metrics,
        }

    def _set_state(self, state: str, *, force: bool = False) -> None:
        """Record the state; the status file is rewritten on a change (or when forced)."""
        if state == self._state and not force:
            return
        self._state = state
        try:
            self.daemon.write_status(self.status())
        except OSError as exc:  # a full disk must not stop the producer
            log.warning("cannot write status file %s: %s", self.daemon.status_file, exc)
