"""The demo's held-out evaluation: base, warm-up and final policy on the same test tasks.

It is ``fimrl eval run`` (same sampler, same workers, same verdict rules), twice: once for the
base model on its own (source run none, so a second demo with the same base, tasks and
sampling resumes it instead of paying for it again), and once for the RL run's version 0 (the
warm-up checkpoint) and its final version. The same seeded task subset and sampling serve all
three, so the differences are paired over tasks and get their own bootstrap intervals.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.eval.compare import ComparisonRow, compare_outcomes
from fimrl.eval.passk import PassAtK, TaskOutcome, summarize
from fimrl.eval.results import EvalProgress, outcomes_by_version
from fimrl.eval.runner import EvalOptions, EvalRunner, VersionSpec, select_tasks

__all__ = ["HeldOut", "HeldOutResult", "PolicyResult", "evaluate_policies"]


@dataclass(frozen=True)
class HeldOut:
    """What the held-out evaluation samples: a seeded subset of the test split."""

    tasks: int = 40
    n: int = 4
    ks: tuple[int, ...] = (1, 4)
    seed: int = 0
    timeout_s: float = 1200.0

    def options(self, name: str | None = None, task_ids: Sequence[int] = ()) -> EvalOptions:
        return EvalOptions(
            split="test",
            n=self.n,
            ks=self.ks,
            task_ids=tuple(task_ids),
            seed=self.seed,
            timeout_s=self.timeout_s,
            tasks_per_batch=4,
            name=name,
        )


@dataclass
class PolicyResult:
    """One evaluated policy: where its figures are stored and what they are."""

    label: str
    eval_run: str
    version: int
    outcomes: list[TaskOutcome]
    summary: dict[str, dict[int, PassAtK]]


@dataclass
class HeldOutResult:
    """The three policies and the paired differences between them."""

    policies: list[PolicyResult]
    comparisons: dict[str, list[ComparisonRow]] = field(default_factory=dict)
    tasks: int = 0
    n: int = 0
    ks: tuple[int, ...] = ()
    skipped: dict[int, str] = field(default_factory=dict)
    fitting: int = 0
    test_tasks: int = 0

    def policy(self, label: str) -> PolicyResult | None:
        return next((p for p in self.policies if p.label == label), None)


ProgressFn = Callable[[str, EvalProgress | None], None]


def fitting_tasks(
    engine: Engine, settings: Settings, model: str, held_out: HeldOut
) -> tuple[list[int], int, int]:
    """A seeded subset of the test tasks whose prompts fit ``max_prompt_tokens``.

    The policy was trained on prompts of that length, and a task the sampler would skip for
    length is no measurement: drawing among the tasks that fit keeps the evaluated count at
    ``held_out.tasks``. Returns the chosen ids, how many test tasks fit, and how many exist.
    """
    from fimrl.rollout.models import load_tokenizer
    from fimrl.rollout.prompts import encode_prompt, get_prompt_format

    tasks = select_tasks(engine, EvalOptions(split="test"))
    tokenizer = load_tokenizer(model, cache_dir=settings.state_dir / "models")
    fmt = get_prompt_format(settings.prompt_format)
    fit = [
        t.id for t in tasks if len(encode_prompt(fmt, t, tokenizer)) <= settings.max_prompt_tokens
    ]
    chosen = random.Random(held_out.seed).sample(fit, min(held_out.tasks, len(fit)))
    return sorted(chosen), len(fit), len(tasks)


def _base_eval_name(
    settings: Settings, base_model: str, task_ids: Sequence[int], h: HeldOut
) -> str:
    key = json.dumps(
        [
            base_model,
            settings.prompt_format,
            settings.generation_backend,
            settings.temperature,
            settings.top_p,
            settings.max_new_tokens,
            h.n,
            h.seed,
            list(task_ids),
        ]
    )
    return f"demo-eval-base-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def _result(
    engine: Engine, label: str, eval_run: str, run_id: int, version: int, h: HeldOut
) -> PolicyResult:
    outcomes = outcomes_by_version(engine, run_id, [version]).get(version, [])
    return PolicyResult(label, eval_run, version, outcomes, summarize(outcomes, h.ks, seed=h.seed))


def evaluate_policies(
    engine: Engine,
    settings: Settings,
    *,
    base_model: str,
    rl_run: str,
    warmup: VersionSpec,
    final: VersionSpec | None,
    held_out: HeldOut,
    on_progress: ProgressFn | None = None,
) -> HeldOutResult:
    """Evaluate base, warm-up (``warmup``: the RL run's version 0) and ``final`` (None: no RL
    step was taken, so there is nothing beyond the warm-up to evaluate)."""
    runner = EvalRunner(settings, engine, on_progress=on_progress)
    task_ids, fitting, test_tasks = fitting_tasks(engine, settings, base_model, held_out)
    base_name = _base_eval_name(settings, base_model, task_ids, held_out)
    base = runner.run(
        None, [VersionSpec("base", 0, 0, base_model, None)], held_out.options(base_name, task_ids)
    )
    specs = [warmup] + ([final] if final is not None else [])
    rl_name = f"{rl_run}-eval"
    rl = runner.run(rl_run, specs, held_out.options(rl_name, task_ids))
    policies = [
        _result(engine, "base", base.run_name, base.run_id, 0, held_out),
        _result(engine, "warm-up", rl.run_name, rl.run_id, warmup.version, held_out),
    ]
    if final is not None:
        policies.append(
            _result(
                engine, f"final (v{final.version})", rl.run_name, rl.run_id, final.version, held_out
            )
        )
    result = HeldOutResult(
        policies,
        tasks=len(task_ids),
        n=held_out.n,
        ks=held_out.ks,
        skipped={**base.skipped, **rl.skipped},
        fitting=fitting,
        test_tasks=test_tasks,
    )
    by = {p.label: p for p in policies}
    pairs = [("warm-up", "base")]
    if final is not None:
        label = policies[-1].label
        pairs += [(label, "warm-up"), (label, "base")]
    for a, b in pairs:
        result.comparisons[f"{a} − {b}"] = compare_outcomes(
            by[a].outcomes, by[b].outcomes, held_out.ks, seed=held_out.seed
        )
    return result
