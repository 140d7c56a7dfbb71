"""Comparing policy versions: side by side with the difference and its interval, and pass@k
against training step.

The research question is a difference ("did FIM training help?"), so the difference gets its
own interval, from a paired bootstrap over the tasks both versions were evaluated on; two
overlapping per-version intervals do not mean "no difference" when the tasks are shared.

A version is named ``[RUN:]VERSION``: ``3``, ``v3``, ``base`` (version 0), or
``other-run:3`` to compare across training runs (e.g. FIM-trained against a baseline). Its
figures come from the newest evaluation of that version
(:func:`~fimrl.eval.results.latest_outcomes`), or from one named evaluation run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from fimrl.errors import FimrlError
from fimrl.eval.passk import (
    DEFAULT_KS,
    Interval,
    PassAtK,
    TaskOutcome,
    bootstrap_difference,
    mean_pass_at_k,
    per_task,
    summarize,
)
from fimrl.eval.results import (
    RunInfo,
    eval_runs,
    find_run,
    latest_outcomes,
    outcomes_by_version,
    policy_versions,
)

__all__ = [
    "Comparison",
    "ComparisonRow",
    "StepPoint",
    "VersionRef",
    "compare_outcomes",
    "compare_versions",
    "parse_version_ref",
    "passk_over_steps",
    "write_passk_vs_step_plot",
]


@dataclass(frozen=True)
class VersionRef:
    """A policy version of a training run (``run`` None: the configured run)."""

    run: str | None
    version: int

    @property
    def label(self) -> str:
        name = "base" if self.version == 0 else f"v{self.version}"
        return f"{self.run}:{name}" if self.run else name


def parse_version_ref(value: str) -> VersionRef:
    """``3`` / ``v3`` / ``base`` / ``run:3`` / ``run:base`` -> VersionRef."""
    run, sep, version = value.strip().rpartition(":")
    text = version.strip().lower()
    if text == "base":
        number = 0
    else:
        digits = text[1:] if text.startswith("v") else text
        if not digits.isdigit():
            raise FimrlError(
                f"cannot read version {value!r}: use N, vN, base, or RUN:N (e.g. 3, base, fim:3)"
            )
        number = int(digits)
    return VersionRef(run if sep and run else None, number)


@dataclass(frozen=True)
class ComparisonRow:
    """One breakdown and k: A, B, and A - B with its interval.

    ``paired`` is the number of tasks both sides have (0: the difference was bootstrapped
    from independent resamples).
    """

    breakdown: str
    k: int
    a: PassAtK | None
    b: PassAtK | None
    diff: Interval | None
    paired: int


@dataclass(frozen=True)
class Comparison:
    """``A`` against ``B``: where their figures came from and the rows."""

    a: VersionRef
    b: VersionRef
    a_eval: str
    b_eval: str
    rows: list[ComparisonRow]


def compare_outcomes(
    a: Sequence[TaskOutcome],
    b: Sequence[TaskOutcome],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[ComparisonRow]:
    """Rows for ``all`` tasks and each span kind either side has, for every k."""
    kinds = sorted({o.span_kind for o in a} | {o.span_kind for o in b})
    rows: list[ComparisonRow] = []
    for key in ["all", *kinds]:
        side_a = [o for o in a if key == "all" or o.span_kind == key]
        side_b = [o for o in b if key == "all" or o.span_kind == key]
        for k in ks:
            pa = mean_pass_at_k(
                side_a, k, n_resamples=n_resamples, confidence=confidence, seed=seed
            )
            pb = mean_pass_at_k(
                side_b, k, n_resamples=n_resamples, confidence=confidence, seed=seed
            )
            diff: Interval | None = None
            paired = 0
            if pa is not None and pb is not None:
                diff, paired = bootstrap_difference(
                    per_task(side_a, k),
                    per_task(side_b, k),
                    n_resamples=n_resamples,
                    confidence=confidence,
                    seed=seed,
                )
            if pa is not None or pb is not None:
                rows.append(ComparisonRow(key, k, pa, pb, diff, paired))
    return rows


def _outcomes_for(
    engine: Engine,
    ref: VersionRef,
    default_run: str | None,
    split: str | None,
    eval_run: RunInfo | None,
) -> tuple[str, list[TaskOutcome]]:
    run = ref.run or default_run
    if eval_run is not None:
        found = outcomes_by_version(engine, eval_run.id, [ref.version]).get(ref.version)
        if not found:
            raise FimrlError(f"evaluation {eval_run.name!r} has no verdicts for {ref.label}")
        return eval_run.name, found
    latest = latest_outcomes(engine, run, ref.version, split=split)
    if latest is None:
        where = f" on split {split}" if split else ""
        elsewhere = sorted(
            {
                r.source_run
                for r in eval_runs(engine)
                if r.source_run is not None
                and r.source_run != run
                and outcomes_by_version(engine, r.id, [ref.version]).get(ref.version)
            }
        )
        hint = (
            f"runs with one: {', '.join(elsewhere)} (choose with --run)"
            if elsewhere
            else f"run `fimrl eval run --version {ref.version}` first"
        )
        raise FimrlError(f"no evaluation of {ref.label} of run {run!r}{where}; {hint}")
    info, outcomes = latest
    return info.name, outcomes


def compare_versions(
    engine: Engine,
    a: VersionRef,
    b: VersionRef,
    *,
    default_run: str | None,
    ks: Sequence[int] = DEFAULT_KS,
    split: str | None = None,
    eval_run: str | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Load both versions' newest evaluations (or the named one) and compare them."""
    pinned = find_run(engine, eval_run) if eval_run else None
    a_eval, a_out = _outcomes_for(engine, a, default_run, split, pinned)
    b_eval, b_out = _outcomes_for(engine, b, default_run, split, pinned)
    rows = compare_outcomes(
        a_out, b_out, ks, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    return Comparison(a, b, a_eval, b_eval, rows)


@dataclass(frozen=True)
class StepPoint:
    """pass@k of one version of a run at its learner step, for one breakdown."""

    version: int
    learner_step: int
    breakdown: str
    k: int
    value: PassAtK
    eval_run: str


def passk_over_steps(
    engine: Engine,
    run: str,
    ks: Sequence[int] = DEFAULT_KS,
    *,
    split: str | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[StepPoint]:
    """pass@k of every evaluated version of ``run`` (newest evaluation each), by breakdown."""
    info = find_run(engine, run)
    points: list[StepPoint] = []
    for version in policy_versions(engine, info.id):
        latest = latest_outcomes(engine, info.name, version.version, split=split)
        if latest is None:
            continue
        eval_info, outcomes = latest
        summary = summarize(outcomes, ks, n_resamples=n_resamples, confidence=confidence, seed=seed)
        for key, row in summary.items():
            for k, value in row.items():
                points.append(
                    StepPoint(version.version, version.learner_step, key, k, value, eval_info.name)
                )
    return points


def write_passk_vs_step_plot(points: Sequence[StepPoint], out: Path, *, title: str) -> Path:
    """The PNG of pass@k against learner step (one panel for all tasks, one for whole proofs)."""
    from fimrl.eval.plots import passk_vs_step

    png = passk_vs_step(points, title=title)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    return out
