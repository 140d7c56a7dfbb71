"""`fimrl demo`: warm-up, asynchronous GSPO, held-out evaluation, report.

1. Prepare: the prelude Lean toolchain, services, schema, FimCore tasks.
2. Warm-up: supervised FIM on the train split (:mod:`fimrl.warmup`); its checkpoint becomes
   policy version 0 of the RL run (reused when an identical warm-up exists).
3. RL: verifier workers, trainer and learner start as their own processes, exactly as an
   operator starts them. One line per learner step. The phase ends at ``steps`` learner steps
   or ``minutes`` of wall clock, whichever comes first.
4. Stop rule: the trainer stops first (no new candidates), then the learner; the workers keep
   verifying until every candidate of every version has its verdict (the drain, bounded by
   ``drain_timeout_s``; the report names any version left without and why).
5. Held-out evaluation of base, warm-up and final policy on the workers (``fimrl eval``), then
   the workers stop and the report is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from fimrl.config import REPO_ROOT, Settings
from fimrl.db.run_store import ensure_base_version, ensure_run, finish_run
from fimrl.demo.checker import checker_note, choose_backend
from fimrl.demo.evaluate import HeldOut, HeldOutResult, evaluate_policies
from fimrl.demo.prepare import prepare
from fimrl.demo.processes import Roles
from fimrl.demo.report import DemoFacts, write_report
from fimrl.demo.watch import DrainResult, drain, new_steps, run_counts
from fimrl.errors import FimrlError
from fimrl.eval.results import EvalProgress, policy_versions
from fimrl.eval.runner import VersionSpec
from fimrl.progress import StepBar
from fimrl.safe_paths import state_path

__all__ = ["DEMO_RL_DEFAULTS", "DemoOptions", "run_demo", "settings_env"]

console = Console(soft_wrap=True)  # a pipe gets whole lines (paths, step lines)

#: RL settings the demo uses unless the user set them (environment or TOML): a 135M model on
#: a CPU moves within minutes only with a larger step than the GSPO paper's 1e-6 for large
#: models; a short in-flight window keeps staleness (and so clipping) low; prompts as long as
#: the warm-up's examples (longer tasks are skipped and counted by the trainer) keep a learner
#: step under about a minute on two cores.
DEMO_RL_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-5,
    "max_inflight_groups": 4,
    "max_new_tokens": 48,
    "max_prompt_tokens": 480,
}


@dataclass(frozen=True)
class DemoOptions:
    """The demo's budget.

    Attributes:
        steps: most learner steps of the RL phase.
        minutes: most wall-clock minutes of the RL phase (warm-up and evaluation excluded).
        warmup: run the supervised warm-up first (off: RL starts from the base model).
        held_out: the held-out evaluation's size.
        drain_timeout_s: longest wait for the last verdicts after the trainer stopped.
    """

    steps: int = 40
    minutes: float = 10.0
    warmup: bool = True
    held_out: HeldOut = field(default_factory=HeldOut)
    drain_timeout_s: float = 300.0

    def validate(self) -> None:
        if self.steps < 1:
            raise FimrlError("--steps must be >= 1")
        if not self.minutes > 0:
            raise FimrlError("--minutes must be > 0")
        if self.held_out.tasks < 1 or self.held_out.n < max(self.held_out.ks):
            raise FimrlError("the held-out evaluation needs >= 1 task and n >= every k")


def settings_env(settings: Settings, base: dict[str, str]) -> dict[str, str]:
    """``base`` plus FIMRL_* variables that make a child process see ``settings`` exactly."""
    env = {k: v for k, v in base.items() if not k.startswith("FIMRL_")}
    for name, value in settings.display().items():
        if value is None:
            continue
        if name in ("database_url", "broker_url"):
            secret = getattr(settings, name)
            value = secret.get_secret_value()
        env[f"FIMRL_{name.upper()}"] = (
            json.dumps(value) if isinstance(value, dict | list | bool) else str(value)
        )
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def _warmup_name(settings: Settings) -> str:
    from fimrl.warmup.stage import config_from_settings

    key = json.dumps(
        [settings.model, settings.prompt_format, asdict(config_from_settings(settings))]
    )
    return f"demo-warmup-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def _warm_up(engine: Engine, settings: Settings) -> dict[str, Any]:
    from fimrl.warmup.stage import run_warmup_shown

    name = _warmup_name(settings)
    console.print(f"[bold]warm-up[/] {name}: {settings.warmup_steps} steps on the train split")
    result, trained = run_warmup_shown(console, engine, settings, name)
    console.print(
        f"warm-up {'trained' if trained else 'reused'}: {result.examples} examples, "
        f"{result.steps} steps, loss {result.losses[0][1] if result.losses else float('nan'):.3f}"
        f" -> {result.final_loss if result.final_loss is not None else float('nan'):.3f}, "
        f"{result.seconds:.0f}s",
        highlight=False,
    )
    return {"name": name, "trained_now": trained, **asdict(result)}


def _rl_settings(settings: Settings, run_name: str, policy0: str) -> Settings:
    updates: dict[str, Any] = {
        k: v for k, v in DEMO_RL_DEFAULTS.items() if k not in settings.model_fields_set
    }
    return settings.model_copy(update={**updates, "model": policy0, "run_name": run_name})


def _watch(engine: Engine, roles: Roles, run_id: int, options: DemoOptions, state_dir: Path) -> str:
    """Print one line per learner step until a stop condition; return which one."""
    from fimrl.learn.daemon import learner_daemon
    from fimrl.rollout.trainer import trainer_daemon

    daemons = {"learner": learner_daemon(state_dir), "trainer": trainer_daemon(state_dir)}
    deadline = time.monotonic() + options.minutes * 60
    last_step, last_heartbeat = 0, time.monotonic()
    with StepBar(console, "GSPO", options.steps) as bar:
        while True:
            for line in new_steps(engine, run_id, last_step):
                last_step = line.step
                bar.update(line.step, line.text(options.steps))
            if last_step >= options.steps:
                return f"{options.steps} learner steps"
            if time.monotonic() >= deadline:
                return f"{options.minutes:g} minutes"
            for name, daemon in daemons.items():
                if daemon.pid() is None and not new_steps(engine, run_id, last_step):
                    raise FimrlError(
                        f"the {name} stopped early; end of its log:\n{roles.log_tail(name)}"
                    )
            if time.monotonic() - last_heartbeat >= 60:
                bar.update(
                    last_step,
                    f"waiting for step {last_step + 1}: " + run_counts(engine, run_id).text(),
                )
                last_heartbeat = time.monotonic()
            time.sleep(1.0)


def _final_spec(engine: Engine, run_id: int, policy0: str) -> VersionSpec | None:
    versions = [v for v in policy_versions(engine, run_id) if v.version > 0]
    if not versions:
        return None
    last = max(versions, key=lambda v: v.version)
    return VersionSpec(
        f"v{last.version}", last.version, last.learner_step, policy0, last.checkpoint_path
    )


def _eval_progress(message: str, p: EvalProgress | None) -> None:
    if p is None:
        console.print(f"held-out: {message}", highlight=False)


def run_demo(settings: Settings, options: DemoOptions) -> tuple[Path, DemoFacts]:
    """Run the demo; return the report's path (Markdown; HTML and PNGs beside it) and facts."""
    options.validate()
    started = time.monotonic()
    if not console.is_terminal:  # a pipe gets our lines, not transformers' progress bars
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    settings, why = choose_backend(settings)
    note = checker_note(settings)
    style = "bold yellow" if settings.verifier_backend == "exact" else "bold green"
    if why:
        console.print(why)
    console.print(f"[{style}]Rewards: {note}[/]")
    engine = prepare(settings, lambda m: console.print(m, highlight=False))
    run_name = f"demo-{time.strftime('%Y%m%d-%H%M%S')}"
    base_model = settings.model
    warmup = _warm_up(engine, settings) if options.warmup else None
    policy0 = warmup["checkpoint"] if warmup else base_model
    rl = _rl_settings(settings, run_name, policy0)
    config = {
        **rl.display(),
        "base_model": base_model,
        "warmup_run": warmup["name"] if warmup else None,
        "demo": {
            "steps": options.steps,
            "minutes": options.minutes,
            "held_out": asdict(options.held_out),
        },
    }
    run_id = ensure_run(engine, run_name, kind="demo", config=config)
    ensure_base_version(engine, run_id, policy0)  # version 0 *is* the warm-up checkpoint
    roles = Roles(
        settings_env(rl, dict(os.environ)),
        rl.state_dir,
        lambda m: console.print(m, highlight=False),
    )
    stop_reason = "not started"
    drained: DrainResult | None = None
    held_out: HeldOutResult | None = None
    rl_started = time.monotonic()
    rl_seconds = 0.0
    try:
        roles.start_workers(rl.worker_concurrency)
        roles.start("trainer", "trainer", "start", "--detach")
        roles.start("learner", "learner", "start", "--detach", "--max-steps", str(options.steps))
        rl_started = time.monotonic()
        stop_reason = _watch(engine, roles, run_id, options, rl.state_dir)
        rl_seconds = time.monotonic() - rl_started
        console.print(f"RL phase ends after {stop_reason}; stopping trainer and learner")
        roles.stop("trainer")
        roles.stop("learner")
        drained = drain(engine, rl, run_id, timeout_s=options.drain_timeout_s)
        status = (
            "every candidate verified" if drained.complete else f"UNVERIFIED {drained.unverified}"
        )
        console.print(f"drain: {status} after {drained.seconds:.0f}s", highlight=False)
        final = _final_spec(engine, run_id, policy0)
        held_out = evaluate_policies(
            engine,
            rl,
            base_model=base_model,
            rl_run=run_name,
            warmup=VersionSpec("warm-up", 0, 0, policy0, None),
            final=final,
            held_out=options.held_out,
            on_progress=_eval_progress,
        )
    finally:
        roles.stop_all()
        finish_run(engine, run_id, "finished" if held_out is not None else "failed")
    facts = DemoFacts(
        run_name=run_name,
        checker_note=note,
        base_model=base_model,
        warmup=warmup,
        stop_reason=stop_reason,
        rl_seconds=rl_seconds,
        total_seconds=time.monotonic() - started,
        drain=drained,
        held_out=held_out,
    )
    report_dir = state_path(rl.state_dir, "reports", run_name, what="run name")
    report = write_report(engine, run_id, report_dir, facts)
    console.print(f"[bold]report:[/] {report} (and {report.with_suffix('.html').name})")
    console.print(f"[{style}]Rewards: {note}[/]")
    return report, facts
