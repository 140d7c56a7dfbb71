"""The one evaluation every arm gets: the same held-out tasks, sampling and workers.

The tasks are drawn once, when the experiment starts, and stored with it: partial-span FIM
tasks and whole-proof tasks of the test split, each a seeded sample among the tasks whose
prompt fits ``max_prompt_tokens`` (a prompt the sampler would skip is no measurement). Every
arm's points are then ``fimrl eval run`` on exactly those ids, so arm differences are paired
over tasks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.eval.passk import summary_to_json
from fimrl.eval.results import EvalProgress
from fimrl.eval.runner import EvalOptions, EvalRunner, VersionSpec, select_tasks
from fimrl.experiment.results import PROOF, point_outcomes, summarize_point
from fimrl.experiment.spec import EvaluationSpec
from fimrl.lean.spans import SPAN_KINDS

__all__ = ["HeldOutTasks", "choose_tasks", "evaluate_points"]

HeldOutTasks = dict[str, list[int]]


def _fitting(engine: Engine, settings: Settings, kinds: Sequence[str]) -> list[int]:
    from fimrl.rollout.models import load_tokenizer
    from fimrl.rollout.prompts import encode_prompt, get_prompt_format

    tasks = select_tasks(engine, EvalOptions(split="test", span_kinds=tuple(kinds)))
    if not tasks:
        return []
    tokenizer = load_tokenizer(settings.model, cache_dir=settings.state_dir / "models")
    fmt = get_prompt_format(settings.prompt_format)
    return [
        t.id for t in tasks if len(encode_prompt(fmt, t, tokenizer)) <= settings.max_prompt_tokens
    ]


def choose_tasks(engine: Engine, settings: Settings, evaluation: EvaluationSpec) -> HeldOutTasks:
    """The held-out task ids of a new experiment: ``fim_task_ids`` and ``proof_task_ids``."""
    rng = random.Random(evaluation.seed)
    fim_kinds = [k for k in SPAN_KINDS if k != PROOF]
    out: HeldOutTasks = {}
    for key, kinds, want in (
        ("fim_task_ids", fim_kinds, evaluation.fim_tasks),
        ("proof_task_ids", [PROOF], evaluation.proof_tasks),
    ):
        fit = _fitting(engine, settings, kinds) if want else []
        out[key] = sorted(rng.sample(fit, min(want, len(fit))))
    if not out["fim_task_ids"] and not out["proof_task_ids"]:
        raise ValueError(
            "no held-out test task fits max_prompt_tokens: build tasks (`fimrl tasks build`) "
            "or raise max_prompt_tokens"
        )
    return out


def evaluate_points(
    engine: Engine,
    settings: Settings,
    evaluation: EvaluationSpec,
    *,
    eval_name: str,
    specs: Sequence[VersionSpec],
    task_ids: Sequence[int],
    on_progress: Callable[[str, EvalProgress | None], None] | None = None,
) -> tuple[int, dict[int, dict[str, Any]]]:
    """Evaluate an arm's points (one :class:`VersionSpec` each, version = point index) into
    evaluation run ``eval_name`` (resumed if it exists); return its id and each point's
    pass@k summary as stored JSON."""
    runner = EvalRunner(settings, engine, on_progress=on_progress)
    options = EvalOptions(
        split="test",
        n=evaluation.n,
        ks=tuple(evaluation.ks),
        task_ids=tuple(task_ids),
        seed=evaluation.seed,
        timeout_s=evaluation.timeout_s,
        tasks_per_batch=4,
        name=eval_name,
    )
    report = runner.run(None, list(specs), options)
    summaries = {
        spec.version: summary_to_json(
            summarize_point(
                point_outcomes(engine, report.run_id, spec.version),
                evaluation.ks,
                seed=evaluation.seed,
            )
        )
        for spec in specs
    }
    return report.run_id, summaries
