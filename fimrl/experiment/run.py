"""`fimrl experiment run`: every arm from one starting model, at one budget, one evaluation.

Order: prepare (Lean, services, schema, tasks) -> record the experiment and its held-out tasks
-> start verifier workers -> per arm: train to the budget, keeping a checkpoint at each curve
point, then evaluate its points -> the report. Every step is a row first (``store``), so a
killed experiment run again with the same file goes on at the arm and point it reached:
supervised arms resume from their last point's trainer state, RL arms from their learner's
last checkpoint, evaluations from the groups already sampled.

Arms: ``base`` (the starting model, evaluated only); ``ntp`` (next-token training on the
train split's Lean source); ``fim-sft`` (supervised fill-in of reference middles);
``fim-rlvr`` (GSPO against the checker, from the starting model); ``fim-sft+rlvr`` (SFT for
``sft_share`` of the budget, then GSPO from its checkpoint for the rest).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.demo.checker import checker_note, choose_backend
from fimrl.demo.prepare import prepare
from fimrl.demo.processes import Roles
from fimrl.demo.run import DEMO_RL_DEFAULTS, settings_env
from fimrl.errors import FimrlError
from fimrl.eval.results import EvalProgress
from fimrl.eval.runner import VersionSpec
from fimrl.experiment import store
from fimrl.experiment.budget import Budget, PointReached, Spent
from fimrl.experiment.evaluate import choose_tasks, evaluate_points
from fimrl.experiment.rl import RLStage, train_rl
from fimrl.experiment.spec import ExperimentSpec
from fimrl.experiment.supervised import SupervisedConfig
from fimrl.memory import release_memory

__all__ = ["arm_slug", "experiment_settings", "run_experiment"]

Say = Callable[[str], None]


def arm_slug(arm: str) -> str:
    """The arm's name where a name becomes a path or a run name (``+`` is neither)."""
    return arm.replace("+", "-")


def experiment_settings(settings: Settings, spec: ExperimentSpec) -> Settings:
    """``settings`` with the spec's model, seed and settings table applied, and the demo's RL
    defaults (a learning rate and in-flight window that move a small model on a CPU) where
    neither the user nor the spec set them."""
    wanted: dict[str, Any] = {
        **{k: v for k, v in DEMO_RL_DEFAULTS.items() if k not in settings.model_fields_set},
        **({"model": spec.model} if spec.model else {}),
        "seed": spec.seed,
        **spec.settings,
    }
    try:  # validated as a whole; applied as updates so "was it set?" stays answerable
        checked = Settings.model_validate({**settings.model_dump(), **wanted})
    except ValueError as exc:
        raise FimrlError(f"the experiment's [settings] table is invalid: {exc}") from None
    return settings.model_copy(update={k: getattr(checked, k) for k in wanted})


@dataclass
class _Context:
    engine: Engine
    settings: Settings
    spec: ExperimentSpec
    experiment_id: int
    base_model: str
    task_ids: list[int]
    say: Say

    @property
    def home(self) -> Path:
        return self.settings.state_dir / "experiments" / self.spec.name


# --- points -----------------------------------------------------------------------------------


def _record(
    ctx: _Context, arm_id: int, point: PointReached, model: str, ckpt: str | None, version: int
) -> None:
    """Store a point and how to load it (a full model, or an RL checkpoint on its start)."""
    store.record_point(ctx.engine, arm_id, point)
    store.set_arm(
        ctx.engine,
        arm_id,
        spent=point.spent,
        detail={
            "points": {
                **store.arm_detail(ctx.engine, arm_id).get("points", {}),
                str(point.point): {"model": model, "checkpoint_path": ckpt, "version": version},
            }
        },
    )
    ctx.say(
        f"  point {point.point} ({point.fraction:.0%} of the budget): {point.spent.tokens} tokens,"
        f" {point.spent.steps} steps, {point.spent.seconds:.0f}s"
    )


def _stage_budget(spec: ExperimentSpec, lo: float, hi: float) -> tuple[Budget, list[float]]:
    """The budget of the stage covering arm fractions (lo, hi], its points in stage terms,
    and the arm fractions those points are."""
    fractions = [f for f in spec.budget.points if lo < f < hi] + [hi]
    share = hi - lo
    stage_points = tuple(round((f - lo) / share, 9) for f in fractions)
    return Budget(spec.budget.match, spec.budget.amount * share, stage_points), fractions


# --- supervised stages ------------------------------------------------------------------------


def _supervised_rows(ctx: _Context, kind: str, tokenizer: Any) -> list[dict[str, Any]]:
    from fimrl.experiment.ntp_data import fim_rows, ntp_rows, ntp_texts
    from fimrl.rollout.prompts import get_prompt_format
    from fimrl.warmup.stage import train_tasks

    max_length = ctx.spec.supervised.max_length
    if kind == "ntp":
        rows, counts = ntp_rows(ntp_texts(ctx.engine), tokenizer, max_length)
        ctx.say(
            f"  next-token data: {counts['rows']} rows from {counts['texts']} train-split "
            f"declarations ({counts['split']} split, {counts['tokens']} tokens per pass)"
        )
    else:
        fmt = get_prompt_format(ctx.settings.prompt_format)
        rows, left_out = fim_rows(train_tasks(ctx.engine), fmt, tokenizer, max_length)
        ctx.say(f"  FIM data: {len(rows)} examples (left out: {left_out or 'none'})")
    if not rows:
        raise FimrlError(f"no {kind} training data in the train split")
    return rows


def _supervised(
    ctx: _Context, arm_id: int, arm: str, kind: str, lo: float, hi: float, first_point: int
) -> PointReached:
    """Train a supervised stage over arm fractions (lo, hi]; return its last point."""
    import torch

    from fimrl.experiment.supervised import train_supervised
    from fimrl.rollout.models import load_causal_lm, load_tokenizer
    from fimrl.warmup.precision import use_bf16

    budget, fractions = _stage_budget(ctx.spec, lo, hi)
    last_index = first_point + len(fractions) - 1
    done = [p for p in store.points_of(ctx.engine, arm_id) if first_point <= p.point <= last_index]
    if done and done[-1].point == last_index:
        return done[-1]
    cache = ctx.settings.state_dir / "models"
    tokenizer = load_tokenizer(ctx.base_model, cache_dir=cache)
    rows = _supervised_rows(ctx, kind, tokenizer)
    model = load_causal_lm(ctx.base_model, torch.float32, cache_dir=cache)
    torch.manual_seed(ctx.spec.seed)
    sup = ctx.spec.supervised
    config = SupervisedConfig(
        batch_size=sup.batch_size,
        learning_rate=sup.learning_rate,
        max_length=sup.max_length,
        seed=ctx.spec.seed,
        bf16=use_bf16(ctx.settings.warmup_precision),
        trainable_layers=sup.trainable_layers,
    )
    resume = None
    if done:  # in stage terms: the helper checks it against this budget
        last = done[-1]
        resume = PointReached(
            last.point,
            budget.points[last.point - first_point],
            last.spent,
            last.checkpoint,
        )
        ctx.say(f"  resuming {arm} from point {last.point} ({last.spent.steps} steps)")
    reached: list[PointReached] = []

    def on_point(p: PointReached) -> None:
        arm_point = PointReached(p.point, fractions[p.point - first_point], p.spent, p.checkpoint)
        _record(ctx, arm_id, arm_point, p.checkpoint, None, 0)
        reached.append(arm_point)

    def on_log(entry: dict[str, Any]) -> None:
        if "loss" in entry:
            spent = entry.get("spent", {})
            ctx.say(
                f"  {arm} step {entry['step']}: loss {float(entry['loss']):.3f}, "
                f"{spent.get('tokens', 0)} tokens, {float(spent.get('seconds', 0)):.0f}s of "
                f"{budget.target(len(budget.points) - 1):g} {budget.unit}"
            )

    train_supervised(
        model,
        tokenizer,
        rows,
        ctx.home / arm_slug(arm) / kind,
        budget,
        config,
        first_point=first_point,
        resume=resume,
        on_point=on_point,
        on_log=on_log,
    )
    final = store.points_of(ctx.engine, arm_id)
    return next(p for p in reversed(final) if p.point == last_index)


# --- RL stages --------------------------------------------------------------------------------


def _rl(
    ctx: _Context,
    arm_id: int,
    arm: str,
    policy0: str,
    before: Spent,
    lo: float,
    first_point: int,
) -> None:
    budget, fractions = _stage_budget(ctx.spec, lo, 1.0)
    run_name = f"{ctx.spec.name}.{arm_slug(arm)}.rl"
    rl_settings = ctx.settings.model_copy(update={"model": policy0, "run_name": run_name})
    roles = Roles(settings_env(rl_settings, dict(os.environ)), rl_settings.state_dir, ctx.say)
    done = [p for p in store.points_of(ctx.engine, arm_id) if p.point >= first_point]

    def on_point(p: PointReached, version: int) -> None:
        arm_point = PointReached(p.point, fractions[p.point - first_point], p.spent, p.checkpoint)
        ckpt = None if version == 0 else p.checkpoint
        _record(ctx, arm_id, arm_point, policy0, ckpt, version)

    run_id, spent = train_rl(
        ctx.engine,
        rl_settings,
        roles,
        RLStage(run_name, policy0, budget, first_point, before),
        seconds_so_far=max(store.arm_seconds(ctx.engine, arm_id), before.seconds),
        done=done,
        on_point=on_point,
        on_spent=lambda s: store.set_arm(ctx.engine, arm_id, spent=s),
        on_line=ctx.say,
    )
    store.set_arm(ctx.engine, arm_id, run_id=run_id, spent=spent)


# --- arms -------------------------------------------------------------------------------------


def _train(ctx: _Context, arm: str, arm_id: int) -> None:
    if arm == "base":
        _record(ctx, arm_id, PointReached(0, 0.0, Spent(), ctx.base_model), ctx.base_model, None, 0)
    elif arm in ("ntp", "fim-sft"):
        _supervised(ctx, arm_id, arm, "ntp" if arm == "ntp" else "fim", 0.0, 1.0, 1)
    elif arm == "fim-rlvr":
        _rl(ctx, arm_id, arm, ctx.base_model, Spent(), 0.0, 1)
    else:
        share = ctx.spec.budget.sft_share
        sft = _supervised(ctx, arm_id, arm, "fim", 0.0, share, 1)
        _rl(ctx, arm_id, arm, sft.checkpoint, sft.spent, share, sft.point + 1)
    points = store.points_of(ctx.engine, arm_id)
    store.set_arm(
        ctx.engine,
        arm_id,
        status="trained",
        spent=points[-1].spent,
        checkpoint=points[-1].checkpoint,
    )


def _evaluate(ctx: _Context, arm: str, arm_id: int) -> None:
    detail = store.arm_detail(ctx.engine, arm_id).get("points", {})
    specs = []
    for p in store.points_of(ctx.engine, arm_id):
        how = detail[str(p.point)]
        specs.append(
            VersionSpec(
                f"{arm} p{p.point}", p.point, p.spent.steps, how["model"], how["checkpoint_path"]
            )
        )

    def progress(message: str, p: EvalProgress | None) -> None:
        if p is None:
            ctx.say(f"  eval: {message}")

    eval_run_id, summaries = evaluate_points(
        ctx.engine,
        ctx.settings,
        ctx.spec.evaluation,
        eval_name=f"{ctx.spec.name}.{arm_slug(arm)}.eval",
        specs=specs,
        task_ids=ctx.task_ids,
        on_progress=progress,
    )
    for point, summary in summaries.items():
        store.store_summary(ctx.engine, arm_id, point, summary)
    if ctx.spec.evaluation.nl and "nl" not in store.arm_detail(ctx.engine, arm_id):
        _evaluate_nl(ctx, arm, arm_id, specs[-1])
    store.set_arm(ctx.engine, arm_id, eval_run_id=eval_run_id, status="evaluated")


def _evaluate_nl(ctx: _Context, arm: str, arm_id: int, final: VersionSpec) -> None:
    """The optional natural-language set (``fimrl eval nl``) on the arm's final point: does
    training on Lean cost or help plain maths answers?"""
    from fimrl.eval.nl import load_problems, run_nl_eval

    path = Path(str(ctx.spec.evaluation.nl))
    evaluation = ctx.spec.evaluation
    report = run_nl_eval(
        ctx.settings,
        ctx.engine,
        load_problems(path),
        [final],
        source_run=None,
        source_file=str(path),
        n=evaluation.n,
        ks=evaluation.ks,
        seed=evaluation.seed,
        on_progress=lambda m: ctx.say(f"  nl: {m}"),
        name=f"{ctx.spec.name}.{arm_slug(arm)}.nl",
    )
    figures = {str(k): v.to_json() for k, v in report.results[0].pass_at_k.items()}
    store.set_arm(ctx.engine, arm_id, detail={"nl": {"run": report.run_name, "pass_at_k": figures}})


def _run_arm(ctx: _Context, arm: str, take_over: bool) -> bool:
    """Run one arm to evaluated; False when it is left to the host that is training it."""
    row = store.arm_row(ctx.engine, ctx.experiment_id, arm)
    if row.status == "evaluated":
        ctx.say(f"[{arm}] already evaluated: skipped")
        return True
    here = socket.gethostname()
    if row.status == "training" and row.host not in (None, here) and not take_over:
        ctx.say(
            f"[{arm}] is training on {row.host}: skipped (if that host is gone, run again "
            "with --take-over to resume the arm here from its last point)"
        )
        return False
    ctx.say(f"[{arm}] " + ("resuming" if row.status != "pending" else "starting"))
    try:
        if row.status in ("pending", "training", "failed"):
            store.set_arm(ctx.engine, row.id, status="training")
            _train(ctx, arm, row.id)
            release_memory()
        _evaluate(ctx, arm, row.id)
        release_memory()
    except Exception as exc:  # recorded for the report and `fimrl sql`; resumable
        store.set_arm(ctx.engine, row.id, status="failed", detail={"error": str(exc)[-2000:]})
        raise
    ctx.say(f"[{arm}] evaluated")
    return True


def _detail(engine: Engine, settings: Settings, spec: ExperimentSpec) -> dict[str, Any]:
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT detail FROM experiments WHERE name = :n"), {"n": spec.name}
        ).scalar()
    if stored:
        return dict(stored)
    try:
        tasks = choose_tasks(engine, settings, spec.evaluation)
    except ValueError as exc:
        raise FimrlError(str(exc)) from None
    return {"base_model": settings.model, "checker": checker_note(settings), **tasks}


def run_experiment(
    settings: Settings,
    spec: ExperimentSpec,
    say: Say,
    *,
    only: Sequence[str] = (),
    take_over: bool = False,
) -> Path:
    """Run (or resume) the arms of ``spec`` (``only``: these; another host may run the rest
    against the same database); return the report's Markdown path.

    An arm another host is training is left to it unless ``take_over``.
    """
    unknown = [a for a in only if a not in spec.arms]
    if unknown:
        raise FimrlError(
            f"--arm {', '.join(unknown)}: not an arm of {spec.name} ({', '.join(spec.arms)})"
        )
    from fimrl.experiment.report import write_experiment_report

    if spec.evaluation.nl:  # a bad path fails now, not after hours of training
        from fimrl.eval.nl import load_problems

        load_problems(Path(spec.evaluation.nl))
    settings, why = choose_backend(experiment_settings(settings, spec))
    if why:
        say(why)
    say(f"Rewards and verdicts: {checker_note(settings)}")
    engine = prepare(settings, say)
    detail = _detail(engine, settings, spec)
    budgets = {arm: 0.0 if arm == "base" else spec.budget.amount for arm in spec.arms}
    experiment_id, resumed = store.open_experiment(engine, spec, budgets, detail)
    detail = store.stored_detail(engine, experiment_id)
    if detail.get("base_model") != settings.model:
        raise FimrlError(
            f"experiment {spec.name!r} started from {detail.get('base_model')!r}, "
            f"not {settings.model!r}"
        )
    ctx = _Context(
        engine,
        settings,
        spec,
        experiment_id,
        settings.model,
        list(detail["fim_task_ids"]) + list(detail["proof_task_ids"]),
        say,
    )
    say(
        f"experiment {spec.name} ({'resumed' if resumed else 'new'}): arms {', '.join(spec.arms)};"
        f" budget {spec.budget.amount:g} {spec.budget.match} per arm; "
        f"{len(detail['fim_task_ids'])} FIM + {len(detail['proof_task_ids'])} whole-proof "
        "held-out tasks"
    )
    workers = Roles(settings_env(settings, dict(os.environ)), settings.state_dir, say)
    status = "failed"
    try:
        workers.fimrl("workers", "stop")  # a killed experiment may have left its workers
        workers.start_workers(settings.worker_concurrency)
        done = [_run_arm(ctx, arm, take_over) for arm in spec.arms if not only or arm in only]
        finished = all(
            store.arm_row(engine, experiment_id, arm).status == "evaluated" for arm in spec.arms
        )
        status = "finished" if finished else "running"
        if not all(done) or not finished:
            say("not every arm is evaluated yet: the report shows what is")
    finally:
        workers.stop_all()
        store.finish_experiment(engine, experiment_id, status)
    out = settings.state_dir / "reports" / f"experiment-{spec.name}"
    return write_experiment_report(engine, spec.name, out)
