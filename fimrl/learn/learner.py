"""The GSPO learner: claim scored groups, take GSPO steps, publish policy versions.

It never waits for generation: it trains on whatever fully scored groups exist, dropping
those more than ``max_staleness`` versions old and those without learning signal, and
quarantining bad data with a reason. Everything it does is recorded in PostgreSQL, and a
restarted learner resumes from its latest checkpoint while its old claims expire and return.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy.exc
import torch
from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.claim_store import (
    ScoredGroup,
    claim_groups,
    finish_groups,
    finish_groups_in,
    latest_policy_version,
    load_groups,
    release_groups,
)
from fimrl.db.group_events import GroupEvents
from fimrl.db.run_store import (
    ensure_base_version,
    insert_learner_step_in,
    last_learner_step,
    publish_version_in,
)
from fimrl.learn.batch import GroupTensors, group_has_signal, quarantine_reason, to_tensors
from fimrl.learn.checkpoints import checkpoint_dir, load_trainer_state, save_checkpoint
from fimrl.learn.gspo import GSPOConfig, GSPOStats, gspo_loss, mismatch
from fimrl.learn.logprobs import completion_logprobs
from fimrl.outages import TRANSIENT_ERRORS
from fimrl.rollout.relay import relay_once

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors that mean "PostgreSQL is unreachable right now" (a restart, a failover): the learner
#: waits with exponential backoff and retries the same call, it never exits on them.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


@dataclass
class StepReport:
    """What one learner step did (also written to ``learner_steps``)."""

    step: int
    policy_version: int
    loss: float | None = None
    clip_fraction: float | None = None
    mean_ratio: float | None = None
    mismatch_mean: float | None = None
    mismatch_p95: float | None = None
    tis_capped_fraction: float | None = None
    reward_mean: float | None = None
    pass_rate: float | None = None
    staleness_mean: float | None = None
    staleness_max: int | None = None
    groups_used: int = 0
    groups_dropped: int = 0
    groups_skipped: int = 0
    groups_quarantined: int = 0
    tokens: int = 0
    step_time_s: float = 0.0
    wait_time_s: float = 0.0
    published: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Learner:
    """One learner process for one run."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        run_id: int,
        *,
        model: Any = None,
        tokenizer: Any = None,
        poll_s: float = 0.2,
        owner: str | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        from accelerate import Accelerator

        self.settings = settings
        #: Told what the learner waits for, whenever that changes (the daemon's status file).
        self.on_wait = on_wait
        self._waiting: str | None = None
        self.engine = engine
        self.run_id = run_id
        self.poll_s = poll_s
        self.owner = owner or f"learner-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.gspo = GSPOConfig(
            settings.epsilon_low,
            settings.epsilon_high,
            settings.beta,
            correction=settings.behaviour_correction,
            tis_cap=settings.tis_cap,
            tis_level=settings.tis_level,
        )
        self.checkpoint_root = settings.state_dir / "checkpoints"
        self.accelerator = Accelerator(
            cpu=not torch.cuda.is_available(),
            mixed_precision="bf16" if torch.cuda.is_available() else "no",
        )
        ensure_base_version(engine, run_id, settings.model)
        latest = latest_policy_version(engine, run_id)
        self.version, resume_from = latest if latest else (0, None)
        self.step = last_learner_step(engine, run_id)
        self.model, self.tokenizer = self._load(model, tokenizer, resume_from)
        self.ref_model = self._load_reference() if settings.beta > 0 else None
        self.optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad], lr=settings.learning_rate
        )
        from transformers import get_constant_schedule_with_warmup

        self.scheduler = get_constant_schedule_with_warmup(self.optimizer, settings.lr_warmup_steps)
        if resume_from:
            state = load_trainer_state(Path(resume_from))
            if "optimizer" in state:
                self.optimizer.load_state_dict(state["optimizer"])
            if "scheduler" in state:
                self.scheduler.load_state_dict(state["scheduler"])
        self.model, self.optimizer, self.scheduler = self.accelerator.prepare(
            self.model, self.optimizer, self.scheduler
        )
        self.model.train()
        self.vocab_size = int(self.accelerator.unwrap_model(self.model).config.vocab_size)
        self.pad_id = int(self.tokenizer.pad_token_id or 0)
        self._stop = threading.Event()
        #: Wakes the wait for scored groups the moment a worker scores one (migration 0007).
        self.events = GroupEvents(engine, run_id, {"scored"})
        self.backoff_s = 0.5
        self.backoff_max_s = 30.0
        self._last_relay = time.monotonic()  # the first sweep after one lease of waiting

    def _db(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, retried with exponential backoff while PostgreSQL is unreachable.

        Each call is one transaction, so a retry repeats nothing that was committed. Gives up
        (re-raises) only once a stop was requested: claims then expire after their lease.
        """
        delay = self.backoff_s
        while True:
            try:
                return call()
            except TRANSIENT_DB_ERRORS as exc:
                if self._stop.is_set():
                    raise
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                log.warning(
                    "database unavailable during %s (%s: %s); retrying in %.1fs",
                    what,
                    type(exc).__name__,
                    first,
                    delay,
                )
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff_max_s)

    # --- models --------------------------------------------------------------------------
    def _load(self, model: Any, tokenizer: Any, resume_from: str | None) -> tuple[Any, Any]:
        from fimrl.rollout.models import load_causal_lm, load_tokenizer

        cache = self.settings.state_dir / "models"
        if resume_from:
            log.info("resuming from %s (version %d)", resume_from, self.version)
            model = _load_checkpoint(
                resume_from, self.settings.use_lora, self.settings.model, cache
            )
            tokenizer = tokenizer or load_tokenizer(resume_from)
        elif model is None:
            model = load_causal_lm(self.settings.model, torch.float32, cache_dir=cache)
            if self.settings.use_lora:
                model = _wrap_lora(model)
        tokenizer = tokenizer or load_tokenizer(self.settings.model, cache_dir=cache)
        return model, tokenizer

    def _load_reference(self) -> Any:
        from fimrl.rollout.models import load_causal_lm

        ref = load_causal_lm(
            self.settings.model, torch.float32, cache_dir=self.settings.state_dir / "models"
        )
        ref.eval().requires_grad_(False)
        return ref.to(self.accelerator.device)

    # --- the loop -------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    def run(self, max_steps: int | None = None) -> list[StepReport]:
        reports: list[StepReport] = []
        try:
            while not self._stop.is_set() and (max_steps is None or len(reports) < max_steps):
                report = self.train_step()
                if report is not None:
                    reports.append(report)
        finally:
            self.events.close()
        return reports

    def _gather(self) -> tuple[list[ScoredGroup], float, StepReport]:
        """Claim until groups_per_step trainable groups are held (or stop); drop the rest."""
        s = self.settings
        report = StepReport(step=self.step + 1, policy_version=self.version)
        usable: list[ScoredGroup] = []
        start = time.monotonic()
        delay = self.poll_s
        self.events.listen()  # before the first claim: a group scored after it wakes the wait
        while len(usable) < s.groups_per_step and not self._stop.is_set():
            ids = self._db(
                "claim",
                lambda: claim_groups(
                    self.engine,
                    run_id=self.run_id,
                    owner=self.owner,
                    limit=s.groups_per_step - len(usable),
                    lease_s=s.lease_s,
                ),
            )
            if not ids:
                self._say_waiting(report, len(usable))
                self._maybe_relay()
                if not self.events.wait(delay, self._stop):
                    delay = min(delay * 1.5, 2.0)  # a quiet run is looked at less often
                continue
            delay = self.poll_s
            for group in self._db("load", functools.partial(load_groups, self.engine, ids)):
                reason = quarantine_reason(group, self.vocab_size)
                if reason is not None:
                    log.warning("group %d quarantined: %s", group.group_id, reason)
                    self._finish(group.group_id, "quarantined", reason)
                    report.groups_quarantined += 1
                elif self.version - group.policy_version > s.max_staleness:
                    self._finish(
                        group.group_id,
                        "dropped",
                        f"stale: version {group.policy_version}, learner at {self.version}",
                    )
                    report.groups_dropped += 1
                elif s.skip_zero_variance and not group_has_signal(group):
                    self._finish(group.group_id, "dropped", "no signal: equal rewards")
                    report.groups_skipped += 1
                else:
                    usable.append(group)
        return usable, time.monotonic() - start, report

    def _say_waiting(self, report: StepReport, usable: int) -> None:
        """Log and report what the step waits for, once per change: a learner that drops
        every group it claims must say so, not look like a learner at work."""
        set_aside = [
            f"{n} {why}"
            for n, why in (
                (report.groups_skipped, "dropped: equal rewards"),
                (report.groups_dropped, "dropped: stale"),
                (report.groups_quarantined, "quarantined"),
            )
            if n
        ]
        message = f"waiting: {usable}/{self.settings.groups_per_step} scored groups with signal" + (
            f" ({', '.join(set_aside)} so far this step)" if set_aside else ""
        )
        if message == self._waiting:
            return
        self._waiting = message
        if set_aside:
            log.info("%s", message)
        if self.on_wait is not None:
            self.on_wait(message)

    def _maybe_relay(self) -> None:
        """While waiting for scored groups, re-send this run's lost verify messages.

        The trainer relays too, but it may have exited (``--max-batches``, a crash) while
        groups are still pending; the learner is waiting on exactly those groups, so it is
        the part of the run that must keep them moving. One sweep per lease at most; an
        outage skips the sweep (the next one claims what this one could not send).
        """
        now = time.monotonic()
        if now - self._last_relay < self.settings.lease_s:
            return
        self._last_relay = now
        try:
            sent = relay_once(self.engine, self.settings, self.run_id).reenqueued
        except TRANSIENT_ERRORS as exc:
            log.warning("relay sweep skipped (%s: %s)", type(exc).__name__, exc)
            return
        if sent:
            log.info("relay re-enqueued %d candidate(s)", sent)

    def _finish(self, group_id: int, status: str, reason: str) -> None:
        self._db(
            status,
            lambda: finish_groups(
                self.engine, owner=self.owner, status=status, group_ids=[group_id], reason=reason
            ),
        )

    def train_step(self) -> StepReport | None:
        groups, waited, report = self._gather()
        self._waiting = None
        if len(groups) < self.settings.groups_per_step:
            # Stopped while gathering: hand the claims back now rather than after the lease.
            held = [g.group_id for g in groups]
            self._db(
                "release",
                lambda: release_groups(self.engine, owner=self.owner, group_ids=held),
            )
            return None
        t0 = time.monotonic()
        rewards: list[float] = []
        passes: list[bool] = []
        staleness: list[int] = []
        tokens = 0
        batches = [to_tensors(group, self.pad_id) for group in groups]
        # π_prox is the weights before this step's first update. With one update that is the
        # update's own forward, detached (exact, free); with several, one no-grad forward per
        # group before the first update.
        several = self.settings.updates_per_step > 1 and self.gspo.correction != "none"
        prox = [self._logprobs(b, grad=False) for b in batches] if several else None
        stats: list[GSPOStats] = []
        for chunk in _chunks(len(batches), self.settings.updates_per_step):
            self.optimizer.zero_grad(set_to_none=True)
            for i in chunk:
                batch = batches[i]
                device = self.accelerator.device
                with self.accelerator.autocast():
                    logps = self._logprobs(batch, grad=True)
                    ref = None
                    if self.ref_model is not None:
                        ref = self._logprobs(batch, grad=False, model=self.ref_model)
                    loss, st = gspo_loss(
                        logps,
                        batch.behaviour_logprobs.to(device),
                        batch.completion_mask.to(device),
                        batch.advantages.to(device),
                        self.gspo,
                        ref,
                        prox_logps=None if prox is None else prox[i],
                    )
                self.accelerator.backward(loss / len(chunk))  # accumulate over the chunk
                stats.append(st)
            self.accelerator.clip_grad_norm_(self.model.parameters(), self.settings.max_grad_norm)
            self.optimizer.step()
            self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        for batch, group in zip(batches, groups, strict=True):
            rewards += batch.rewards.tolist()
            passes += [c.verdict == "pass" for c in group.candidates]
            staleness.append(self.version - group.policy_version)
            tokens += batch.tokens
        self.step += 1
        report.step = self.step
        report.loss = sum(s.loss for s in stats) / len(stats)
        report.clip_fraction = sum(s.clip_fraction for s in stats) / len(stats)
        report.mean_ratio = sum(s.mean_ratio for s in stats) / len(stats)
        report.mismatch_mean, report.mismatch_p95 = mismatch([g for s in stats for g in s.gaps])
        sequences = sum(s.sequences for s in stats) or 1
        if self.gspo.correction == "recompute+tis":
            capped = sum(s.capped_fraction * s.sequences for s in stats)
            report.tis_capped_fraction = capped / sequences
            weights = sum(s.mean_weight * s.sequences for s in stats)
            report.extra["tis_mean_weight"] = weights / sequences
        report.extra["behaviour_correction"] = self.gspo.correction
        report.extra["updates"] = self.settings.updates_per_step
        report.reward_mean = sum(rewards) / len(rewards)
        report.pass_rate = sum(passes) / len(passes)
        report.staleness_mean = sum(staleness) / len(staleness)
        report.staleness_max = max(staleness)
        report.groups_used = len(groups)
        report.tokens = tokens
        report.wait_time_s = waited
        publish_path = None
        if self.step % self.settings.checkpoint_every == 0:
            publish_path = self._save(self.version + 1)
        report.step_time_s = time.monotonic() - t0
        self._commit(report, [g.group_id for g in groups], publish_path)
        return report

    def _logprobs(self, batch: GroupTensors, *, grad: bool, model: Any = None) -> torch.Tensor:
        """π of ``batch``'s completion tokens under ``model`` (default the policy)."""
        device = self.accelerator.device
        with torch.set_grad_enabled(grad):
            return completion_logprobs(
                self.model if model is None else model,
                batch.input_ids.to(device),
                batch.attention_mask.to(device),
                batch.completion_len,
                batch.temperature,
            )

    def _save(self, version: int) -> str:
        directory = checkpoint_dir(self.checkpoint_root, self.run_id, version)
        model = self.accelerator.unwrap_model(self.model)
        save_checkpoint(directory, model, self.tokenizer, self.optimizer, self.scheduler, self.step)
        return str(directory)

    def _commit(self, report: StepReport, group_ids: list[int], publish: str | None) -> None:
        """Step metrics, consumed groups and the new version: all or nothing."""
        values = {
            k: getattr(report, k)
            for k in (
                "step",
                "policy_version",
                "loss",
                "clip_fraction",
                "mean_ratio",
                "mismatch_mean",
                "mismatch_p95",
                "tis_capped_fraction",
                "reward_mean",
                "pass_rate",
                "staleness_mean",
                "staleness_max",
                "groups_used",
                "groups_dropped",
                "groups_skipped",
                "groups_quarantined",
                "tokens",
                "step_time_s",
                "wait_time_s",
            )
        }

        def commit() -> None:
            with self.engine.begin() as conn:
                insert_learner_step_in(
                    conn, {"run_id": self.run_id, **values, "extra": report.extra}
                )
                finish_groups_in(
                    conn, owner=self.owner, status="consumed", group_ids=group_ids, step=self.step
                )
                if publish is not None:
                    publish_version_in(
                        conn,
                        run_id=self.run_id,
                        version=self.version + 1,
                        step=self.step,
                        model=self.settings.model,
                        checkpoint_path=publish,
                    )

        # The step is taken; only its record is missing: retry the transaction, never the step.
        self._db(f"commit of step {self.step}", commit)
        if publish is not None:
            self.version += 1
            report.published = True


def _chunks(n: int, parts: int) -> list[range]:
    """``range(n)`` split into at most ``parts`` contiguous, near-equal, non-empty chunks."""
    parts = max(1, min(parts, n))
    bounds = [-(-i * n // parts) for i in range(parts + 1)]  # ceilings: earlier chunks larger
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _wrap_lora(model: Any) -> Any:
    from peft import LoraConfig, get_peft_model

    return get_peft_model(
        model,
        LoraConfig(
            r=16,
            lora_alpha=32,
            target_modules="all-linear",
            lora_dropout=0.0,
            task_type="CAUSAL_LM",
        ),
    )


def _load_checkpoint(path: str, lora: bool, base: str, cache: Path) -> Any:
    from transformers import AutoModelForCausalLM

    if lora or (Path(path) / "adapter_config.json").exists():
        from peft import PeftModel

        from fimrl.rollout.models import load_causal_lm

        return PeftModel.from_pretrained(
            load_causal_lm(base, torch.float32, cache_dir=cache), path, is_trainable=True
        )
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
