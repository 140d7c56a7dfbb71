"""``fimrl eval run``: pass@k of policy versions on a split, verified by the training workers.

Why it is built from the trainer's parts instead of a separate harness: a number in the paper
must mean what the training curve means. So the same generation backend samples (same prompt
format, same extraction of the middle, same stop sequences), the same verify messages go to
the same Celery queue, and the same workers (guard, Lean, verdict rules) judge. Evaluation then
scales exactly like training: more workers, more hosts.

One evaluation, in order:

1. Resolve the versions: a version number of the source run (its checkpoint from
   ``policy_versions``), or the base model (version 0).
2. Create (or resume) an evaluation run: ``runs.kind = 'eval'``, everything needed to
   reproduce it in ``runs.config``.
3. Select the tasks of the split (optionally filtered by span kind or source, or a seeded
   subset), the same tasks for every version so differences are paired.
4. Per version, per batch of tasks: sample ``n`` completions per task, extract the middles,
   write one ``purpose = 'eval'`` group per task, enqueue its verify messages. Workers start
   verifying while the next batch is generated.
5. Wait until every group is scored (running the relay meanwhile, so a lost message costs a
   lease, not the evaluation), then compute pass@k with bootstrap intervals and store the
   summary in ``runs.config['results']``.

Eval groups can never train the policy: they belong to the evaluation run (the learner claims
only its own run) and have ``purpose = 'eval'`` (the claim query takes only ``'train'``).

Resuming: an interrupted evaluation (Ctrl-C, an outage) keeps every group it wrote; running it
again with the same ``--name`` skips the (version, task) pairs already sampled and waits for
the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.rollout_store import GroupWrite, mark_enqueued, verify_messages, write_groups
from fimrl.db.run_store import ensure_run, finish_run
from fimrl.errors import FimrlError
from fimrl.eval.passk import DEFAULT_KS, PassAtK, summarize, summary_to_json
from fimrl.eval.results import (
    EVAL_KIND,
    EvalProgress,
    RunInfo,
    UnknownRunError,
    backends_of,
    eval_progress,
    find_run,
    get_run,
    outcomes_by_version,
    policy_versions,
)
from fimrl.rollout.candidates import candidate_rows
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.rollout.generation import GenerationBackend, Sampling, make_backend, sampling_for
from fimrl.rollout.prompts import encode_prompt, get_prompt_format
from fimrl.rollout.relay import relay_once
from fimrl.rollout.task_sampler import SampledTask
from fimrl.services.probe import require_broker
from fimrl.services.registry import broker_url

log = logging.getLogger("fimrl.eval")

__all__ = [
    "EvalOptions",
    "EvalReport",
    "EvalRunner",
    "EvalTimeoutError",
    "PolicyLoader",
    "VersionSpec",
    "default_eval_name",
    "resolve_versions",
    "select_tasks",
    "summarize_eval",
]

SPLIT_CHOICES = ("train", "valid", "test", "all")


class EvalTimeoutError(FimrlError):
    """Verification did not finish in time (usually: no verify workers are running)."""


@dataclass(frozen=True)
class VersionSpec:
    """One policy to evaluate.

    Attributes:
        label: ``base`` or ``v<N>`` (how tables name it).
        version: the source run's policy version (0 = the base model); stored as the eval
            groups' ``policy_version``.
        learner_step: the learner step that produced it (x axis of pass@k-vs-step plots).
        model: the base model name (tokenizer and, for adapters, the weights underneath).
        checkpoint_path: the checkpoint to load on top; None for the base model.
    """

    label: str
    version: int
    learner_step: int
    model: str
    checkpoint_path: str | None


def resolve_versions(
    engine: Engine,
    settings: Settings,
    run_name: str,
    versions: Sequence[int] = (),
    *,
    base: bool = False,
) -> tuple[str | None, list[VersionSpec]]:
    """The versions to evaluate and the source run they belong to.

    ``base`` with no such run evaluates ``settings.model`` on its own (source run None), so a
    model can be measured before any training exists.
    """
    if not versions and not base:
        raise FimrlError("name what to evaluate: --version N (repeatable) and/or --base")
    try:
        run: RunInfo | None = find_run(engine, run_name)
    except UnknownRunError:
        if versions:
            raise
        run = None
    if run is None:
        return None, [VersionSpec("base", 0, 0, settings.model, None)]
    published = {v.version: v for v in policy_versions(engine, run.id)}
    wanted = ([0] if base else []) + [v for v in versions if not (base and v == 0)]
    specs: list[VersionSpec] = []
    for number in dict.fromkeys(wanted):
        info = published.get(number)
        if info is None:
            if number == 0:  # a run whose trainer never started: its base is the setting
                specs.append(VersionSpec("base", 0, 0, settings.model, None))
                continue
            have = ", ".join(str(v) for v in sorted(published)) or "none"
            raise FimrlError(f"run {run.name!r} has no policy version {number} (published: {have})")
        specs.append(
            VersionSpec(
                "base" if number == 0 else f"v{number}",
                number,
                info.learner_step,
                info.model,
                info.checkpoint_path if number != 0 else None,
            )
        )
    return run.name, specs


@dataclass
class EvalOptions:
    """What to evaluate and how.

    Attributes:
        split: ``train``, ``valid``, ``test`` or ``all`` (an imported benchmark is usually
            evaluated whole: ``all`` with ``source_prefix``).
        n: samples per task (must be >= every k).
        ks: the k of pass@k.
        span_kinds: only tasks of these span kinds (empty: all).
        source_prefix: only tasks whose ``source`` starts with this (e.g. an imported set).
        limit: at most this many tasks, a seeded random subset (None: all).
        task_ids: only these tasks (empty: every task the other filters let through); how a
            caller pins the exact task set several evaluations must share.
        temperature, top_p, max_new_tokens: sampling; None takes the setting.
        tasks_per_batch: tasks per ``generate`` call (n samples each).
        timeout_s: longest wait for verdicts after the last group is enqueued.
        poll_s: progress poll interval while waiting.
        relay_every_s: how often the relay sweeps while waiting.
        seed: seeds the task subset and the sampler.
        n_resamples, confidence: the bootstrap over tasks.
        name: the evaluation run's name (default: generated); an existing evaluation of
            that name is resumed.
    """

    split: str = "test"
    n: int = 32
    ks: tuple[int, ...] = DEFAULT_KS
    span_kinds: tuple[str, ...] = ()
    source_prefix: str | None = None
    limit: int | None = None
    task_ids: tuple[int, ...] = ()
    temperature: float | None = None
    top_p: float | None = None
    max_new_tokens: int | None = None
    tasks_per_batch: int = 8
    timeout_s: float = 3600.0
    poll_s: float = 1.0
    relay_every_s: float = 60.0
    seed: int = 0
    n_resamples: int = 2000
    confidence: float = 0.95
    name: str | None = None

    def validate(self) -> None:
        if self.split not in SPLIT_CHOICES:
            raise FimrlError(f"--split must be one of {', '.join(SPLIT_CHOICES)}")
        if not self.ks or min(self.ks) < 1:
            raise FimrlError("--k needs positive integers, e.g. --k 1,8,32")
        if self.n < max(self.ks):
            raise FimrlError(
                f"pass@{max(self.ks)} needs at least {max(self.ks)} samples per task: "
                f"raise --n (now {self.n}) or drop that k"
            )
        if self.tasks_per_batch < 1:
            raise FimrlError("tasks_per_batch must be >= 1")


@dataclass
class EvalReport:
    """What an evaluation produced (also stored in ``runs.config``)."""

    run_id: int
    run_name: str
    source_run: str | None
    specs: list[VersionSpec]
    tasks: int
    summaries: dict[int, dict[str, dict[int, PassAtK]]]
    progress: EvalProgress
    backends: list[tuple[str, str | None, int]]
    skipped: dict[int, str] = field(default_factory=dict)
    resumed_groups: int = 0


def select_tasks(engine: Engine, options: EvalOptions) -> list[SampledTask]:
    """The tasks of the split that pass the filters, ordered by id (the same for every version)."""
    sql = "SELECT id, decl_name, header, prefix, suffix, span_kind FROM fim_tasks WHERE true"
    params: dict[str, Any] = {}
    if options.split != "all":
        sql += " AND split = :split"
        params["split"] = options.split
    if options.span_kinds:
        sql += " AND span_kind = ANY(:kinds)"
        params["kinds"] = list(options.span_kinds)
    if options.source_prefix:
        sql += " AND starts_with(source, :prefix)"
        params["prefix"] = options.source_prefix
    if options.task_ids:
        sql += " AND id = ANY(:ids)"
        params["ids"] = list(options.task_ids)
    with engine.connect() as conn:
        rows = conn.execute(text(sql + " ORDER BY id"), params).all()
    tasks = [
        SampledTask(int(r.id), r.decl_name, r.header, r.prefix, r.suffix, r.span_kind) for r in rows
    ]
    if options.limit is not None and len(tasks) > options.limit:
        keep = set(random.Random(options.seed).sample([t.id for t in tasks], options.limit))
        tasks = [t for t in tasks if t.id in keep]
    return tasks


def default_eval_name(source_run: str | None, split: str) -> str:
    """A fresh, readable evaluation run name: ``eval-<run>-<split>-<time>-<random>``."""
    return (
        f"eval-{source_run or 'base'}-{split}-"
        f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
    )


def summarize_eval(
    engine: Engine,
    run_id: int,
    ks: Sequence[int] = DEFAULT_KS,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[int, dict[str, dict[int, PassAtK]]]:
    """pass@k per version and breakdown of one evaluation run, from its stored verdicts."""
    return {
        version: summarize(rows, ks, n_resamples=n_resamples, confidence=confidence, seed=seed)
        for version, rows in sorted(outcomes_by_version(engine, run_id).items())
    }


def _seed(*parts: Any) -> int:
    digest = hashlib.sha256(json.dumps(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31)


BackendFactory = Callable[[str], GenerationBackend]
ProgressCallback = Callable[[str, EvalProgress | None], None]


def default_backend(settings: Settings, model: str) -> GenerationBackend:
    """The configured generation backend loaded with ``model``."""
    return make_backend(settings.model_copy(update={"model": model}))


class PolicyLoader:
    """Holds one generation backend and puts a version's weights into it.

    Loading a model is the slow part of an evaluation, so versions of the same base model
    reuse one backend and only load their checkpoint (``reload``). ``reload`` loads
    checkpoints, not the base, so returning to the base model builds a fresh backend.

    Args:
        backend_factory: model name -> loaded backend.
        on_load: told what is being loaded (progress display).
    """

    def __init__(
        self,
        backend_factory: BackendFactory,
        *,
        on_load: Callable[[str], None] | None = None,
    ) -> None:
        self.backend_factory = backend_factory
        self.on_load = on_load or (lambda _message: None)
        self._backend: GenerationBackend | None = None
        self._loaded: tuple[str, str | None] | None = None

    def load(self, spec: VersionSpec) -> GenerationBackend:
        """A backend holding ``spec``'s weights."""
        key = (spec.model, spec.checkpoint_path)
        if self._backend is not None and self._loaded == key:
            return self._backend
        if (
            self._backend is not None
            and self._loaded is not None
            and self._loaded[0] == spec.model
            and spec.checkpoint_path is not None
        ):
            self.on_load(f"{spec.label}: loading {spec.checkpoint_path}")
            self._backend.reload(spec.checkpoint_path)
            self._loaded = key
            return self._backend
        self.close()
        self.on_load(f"{spec.label}: loading {spec.model}")
        backend = self.backend_factory(spec.model)
        if spec.checkpoint_path is not None:
            backend.reload(spec.checkpoint_path)
        self._backend, self._loaded = backend, key
        return backend

    def close(self) -> None:
        """Release the backend (GPU memory); the next ``load`` builds a new one."""
        if self._backend is not None:
            self._backend.close()
        self._backend, self._loaded = None, None


class EvalRunner:
    """Runs evaluations against the configured database, queue and workers.

    Args:
        settings: database, queue, prompt format and default sampling.
        engine: the database.
        backend_factory: model name -> loaded generation backend (default: the configured
            backend via :func:`fimrl.rollout.generation.make_backend`); each backend it makes is
            closed when the evaluation is done.
        on_progress: called with a message and the verification progress (or None while
            generating), for the CLI's live display.
        stop_event: set it to stop after the group being written (the run can be resumed).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        backend_factory: BackendFactory | None = None,
        on_progress: ProgressCallback | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.on_progress = on_progress or (lambda _msg, _p: None)
        self.stop_event = stop_event or threading.Event()
        self.fmt = get_prompt_format(settings.prompt_format)
        self._queue: VerifyQueue | None = None
        self.policies = PolicyLoader(
            backend_factory or (lambda model: default_backend(settings, model)),
            on_load=lambda message: self.on_progress(message, None),
        )

    # --- the whole evaluation --------------------------------------------------------------
    def run(
        self, source_run: str | None, specs: Sequence[VersionSpec], options: EvalOptions
    ) -> EvalReport:
        """Sample, enqueue, wait, summarise; returns (and stores) the pass@k summaries."""
        options.validate()
        # before a model is loaded and a run row is written
        require_broker(broker_url(self.settings), "verify workers could not get the candidates")
        tasks = select_tasks(self.engine, options)
        if not tasks:
            raise FimrlError(
                f"no tasks match (split {options.split}"
                + (f", span kinds {','.join(options.span_kinds)}" if options.span_kinds else "")
                + (f", source {options.source_prefix}*" if options.source_prefix else "")
                + "): build some with `fimrl tasks build`"
            )
        run_id, run_name = self._open_run(source_run, specs, options, tasks)
        try:
            return self._run_open(run_id, run_name, tasks, specs, options)
        except Exception:
            # Not left "running" forever: failed, with its groups kept for a resume (a
            # requested stop is not a failure).
            if not self.stop_event.is_set():
                with contextlib.suppress(Exception):  # the database may be what failed
                    finish_run(self.engine, run_id, "failed")
            raise

    def _run_open(
        self,
        run_id: int,
        run_name: str,
        tasks: Sequence[SampledTask],
        specs: Sequence[VersionSpec],
        options: EvalOptions,
    ) -> EvalReport:
        done = self._existing_groups(run_id, options.n)
        skipped: dict[int, str] = {}
        try:
            for spec in specs:
                todo = [t for t in tasks if (spec.version, t.id) not in done]
                if not todo:
                    continue
                skipped.update(self._sample_version(run_id, spec, todo, options))
                if self.stop_event.is_set():
                    break
        finally:
            self.policies.close()
        self._patch_config(run_id, {"skipped_tasks": {str(k): v for k, v in skipped.items()}})
        if self.stop_event.is_set():
            raise FimrlError(
                f"evaluation {run_name} stopped; resume with --name {run_name} (groups kept)"
            )
        self.wait(run_id, options)
        return self.finish(run_id, options, skipped=skipped, resumed=len(done))

    def wait(self, run_id: int, options: EvalOptions) -> EvalProgress:
        """Until no eval group of the run is pending; relays lost messages meanwhile."""
        deadline = time.monotonic() + options.timeout_s
        last_relay = time.monotonic()
        while True:
            progress = eval_progress(self.engine, run_id)
            self.on_progress("verifying", progress)
            if progress.pending == 0:
                return progress
            now = time.monotonic()
            if now - last_relay >= options.relay_every_s:
                relay_once(self.engine, self.settings, run_id)
                last_relay = now
            if now > deadline:
                raise EvalTimeoutError(
                    f"{progress.pending} of {progress.groups} eval groups still unverified "
                    f"after {options.timeout_s:.0f}s ({progress.verified}/"
                    f"{progress.candidates} candidates have verdicts). Are verify workers "
                    f"running on queue {self.settings.queue_name!r}? (`fimrl workers start`). "
                    "The groups are kept: `fimrl eval show` reads what is verified."
                )
            if self.stop_event.wait(options.poll_s):
                raise FimrlError("stopped while waiting for verdicts (groups are kept)")

    def finish(
        self,
        run_id: int,
        options: EvalOptions,
        *,
        skipped: dict[int, str] | None = None,
        resumed: int = 0,
    ) -> EvalReport:
        """Compute pass@k per version from the stored verdicts and store the summary."""
        info = get_run(self.engine, run_id)
        summaries = summarize_eval(
            self.engine,
            run_id,
            options.ks,
            n_resamples=options.n_resamples,
            confidence=options.confidence,
            seed=options.seed,
        )
        backends = backends_of(self.engine, [run_id])
        self._patch_config(
            run_id,
            {
                "results": {str(v): summary_to_json(s) for v, s in summaries.items()},
                "backends": [list(b) for b in backends],
            },
        )
        finish_run(self.engine, run_id)
        specs = [VersionSpec(**s) for s in info.config.get("versions", [])]
        return EvalReport(
            run_id=run_id,
            run_name=info.name,
            source_run=info.source_run,
            specs=specs,
            tasks=int(info.config.get("tasks", 0)),
            summaries=summaries,
            progress=eval_progress(self.engine, run_id),
            backends=backends,
            skipped=skipped or {},
            resumed_groups=resumed,
        )

    # --- the parts -------------------------------------------------------------------------
    def _open_run(
        self,
        source_run: str | None,
        specs: Sequence[VersionSpec],
        options: EvalOptions,
        tasks: Sequence[SampledTask],
    ) -> tuple[int, str]:
        name = options.name or default_eval_name(source_run, options.split)
        versions = [asdict(s) for s in specs]
        config: dict[str, Any] = {
            "source_run": source_run,
            "split": options.split,
            "n": options.n,
            "ks": list(options.ks),
            "span_kinds": list(options.span_kinds),
            "source_prefix": options.source_prefix,
            "limit": options.limit,
            "seed": options.seed,
            "tasks": len(tasks),
            "task_ids": [t.id for t in tasks],
            "prompt_format": self.fmt.name,
            "generation_backend": self.settings.generation_backend,
            "sampling": {
                "temperature": options.temperature or self.settings.temperature,
                "top_p": options.top_p or self.settings.top_p,
                "max_new_tokens": options.max_new_tokens or self.settings.max_new_tokens,
            },
            "queue": self.settings.queue_name,
            "versions": versions,
        }
        existing = _run_by_name(self.engine, name)
        if existing is not None:
            if existing.kind != EVAL_KIND:
                raise FimrlError(f"run {name!r} exists and is not an evaluation ({existing.kind})")
            for key in ("split", "n", "source_run"):
                if existing.config.get(key) != config[key]:
                    raise FimrlError(
                        f"evaluation {name!r} was started with {key}="
                        f"{existing.config.get(key)!r}, not {config[key]!r}: use another --name"
                    )
            known = {json.dumps(v, sort_keys=True) for v in existing.config.get("versions", [])}
            merged = list(existing.config.get("versions", [])) + [
                v for v in versions if json.dumps(v, sort_keys=True) not in known
            ]
            self._patch_config(existing.id, {"versions": merged})
            with self.engine.begin() as conn:
                conn.execute(
                    text("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = :r"),
                    {"r": existing.id},
                )
            return existing.id, name
        return ensure_run(self.engine, name, kind=EVAL_KIND, config=config), name

    def _existing_groups(self, run_id: int, n: int) -> set[tuple[int, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT policy_version, task_id FROM groups "
                    "WHERE run_id = :r AND purpose = 'eval' AND size = :n"
                ),
                {"r": run_id, "n": n},
            ).all()
        return {(int(r.policy_version), int(r.task_id)) for r in rows}

    def _sample_version(
        self, run_id: int, spec: VersionSpec, tasks: Sequence[SampledTask], options: EvalOptions
    ) -> dict[int, str]:
        backend = self.policies.load(spec)
        tokenizer = backend.tokenizer
        overrides = {
            key: value
            for key, value in (
                ("temperature", options.temperature),
                ("top_p", options.top_p),
                ("max_new_tokens", options.max_new_tokens),
            )
            if value is not None
        }
        sampling_settings = self.settings.model_copy(update=overrides)
        limit = sampling_settings.max_prompt_tokens
        if backend.context_length is not None:
            limit = min(limit, backend.context_length - sampling_settings.max_new_tokens)
        skipped: dict[int, str] = {}
        prompts: list[tuple[SampledTask, list[int]]] = []
        for task in tasks:
            ids = encode_prompt(self.fmt, task, tokenizer)
            if len(ids) > limit:
                skipped[task.id] = f"prompt_too_long: {len(ids)} tokens > {limit}"
                continue
            prompts.append((task, ids))
        written = 0
        for start in range(0, len(prompts), options.tasks_per_batch):
            if self.stop_event.is_set():
                break
            batch = prompts[start : start + options.tasks_per_batch]
            sampling = sampling_for(
                sampling_settings,
                self.fmt,
                tokenizer,
                seed=_seed(self.settings.seed, options.seed, spec.version, batch[0][0].id),
            )
            self.on_progress(
                f"{spec.label}: sampling tasks {start + 1}-{start + len(batch)} of {len(prompts)}",
                None,
            )
            results = backend.generate([ids for _, ids in batch], options.n, sampling)
            record = sampling.record(backend.name, backend.logprob_space(sampling))
            self._write_and_enqueue(run_id, spec, batch, results, record, sampling)
            written += len(batch)
        log.info("%s: %d eval groups written, %d tasks skipped", spec.label, written, len(skipped))
        return skipped

    def _write_and_enqueue(
        self,
        run_id: int,
        spec: VersionSpec,
        batch: Sequence[tuple[SampledTask, list[int]]],
        results: Sequence[Sequence[Any]],
        record: dict[str, Any],
        sampling: Sampling,
    ) -> None:
        """A sampled batch costs one transaction, one read of its messages and one mark, as
        in the trainer: eval runs sample hundreds of groups per policy version."""
        writes = [
            GroupWrite(
                run_id=run_id,
                task_id=task.id,
                policy_version=spec.version,
                candidates=candidate_rows(self.fmt, task, ids, samples, record, seed=sampling.seed),
                prompt_token_ids=ids,
                prompt_format=self.fmt.name,
                purpose="eval",
            )
            for (task, ids), samples in zip(batch, results, strict=True)
        ]
        candidate_ids = [cid for _, ids in write_groups(self.engine, writes) for cid in ids]
        self.queue.send(verify_messages(self.engine, candidate_ids))
        mark_enqueued(self.engine, candidate_ids)

    @property
    def queue(self) -> VerifyQueue:
        if self._queue is None:
            self._queue = VerifyQueue(self.settings)
        return self._queue

    def _patch_config(self, run_id: int, patch: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE runs SET config = config || CAST(:p AS jsonb) WHERE id = :r"),
                {"p": json.dumps(patch), "r": run_id},
            )


def _run_by_name(engine: Engine, name: str) -> RunInfo | None:
    try:
        info = find_run(engine, name)
    except UnknownRunError:
        return None
    return info if info.name == name else None
