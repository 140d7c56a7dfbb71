"""The unbiased pass@k estimator and bootstrap confidence intervals over tasks.

Why an estimator at all: drawing exactly k samples per task and asking "did one pass?" wastes
samples and is noisy. Chen et al. (2021, "Evaluating Large Language Models Trained on Code")
draw n >= k samples, count the c that pass, and estimate the probability that at least one of
k samples drawn without replacement from those n passes:

    pass@k = 1 - C(n - c, k) / C(n, k)

which is unbiased for every k <= n, so one batch of n = 32 samples gives pass@1, pass@8 and
pass@32 together. The binomials overflow floats long before n gets interesting, so the ratio
is computed as the product ``prod_{i = n-c+1}^{n} (1 - k / i)``: c factors in [0, 1], no
factorials, relative error a few ulps.

The benchmark figure is the mean over tasks, and its uncertainty comes from *which tasks* were
drawn (a few hundred held-out declarations), so intervals are a percentile bootstrap over
tasks, seeded so the same data always gives the same interval. Comparing two policy versions
on the same tasks uses a *paired* bootstrap of per-task differences, which is much tighter than
two independent intervals because most of the task-to-task variance is shared.

Everything here is pure (numbers in, numbers out), so it is tested against hand-computed values
and a brute-force enumeration of k-subsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_KS",
    "SPAN_LABELS",
    "WHOLE_PROOF_KIND",
    "Interval",
    "PassAtK",
    "TaskOutcome",
    "bootstrap_difference",
    "bootstrap_mean",
    "breakdown_label",
    "pass_at_k",
    "per_task",
    "summarize",
]

#: The k of the headline figures (issue 8): pass@1, pass@8, pass@32.
DEFAULT_KS: tuple[int, ...] = (1, 8, 32)
#: The span kind of a task whose entire tactic proof is masked (``fimrl tasks build
#: --whole-proof`` builds only these): the transfer question is asked on them.
WHOLE_PROOF_KIND = "proof"
#: Readable names of the span kinds of :mod:`fimrl.lean.spans`.
SPAN_LABELS: dict[str, str] = {
    "all": "all tasks",
    "tactic": "single tactic",
    "tactic_run": "tactic run",
    "subproof": "sub-proof",
    "calc_step": "calc step",
    "proof": "whole proof",
}


def breakdown_label(key: str) -> str:
    """How a breakdown key (``all`` or a span kind) is shown in tables and plots."""
    return SPAN_LABELS.get(key, key)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task from ``n`` samples of which ``c`` passed.

    Raises ValueError for ``k < 1``, ``c`` outside ``[0, n]`` or ``n < k`` (the estimator is
    undefined there: fewer samples than the k it speaks about).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1 (got {k})")
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n (got n={n}, c={c})")
    if n < k:
        raise ValueError(f"pass@{k} needs at least {k} samples per task (got n={n})")
    if n - c < k:
        return 1.0  # every k-subset contains a pass
    ratio = np.prod(1.0 - k / np.arange(n - c + 1, n + 1, dtype=np.float64))
    return float(1.0 - ratio)


@dataclass(frozen=True)
class TaskOutcome:
    """The verified samples of one task under one policy version.

    Attributes:
        task_id: ``fim_tasks.id``.
        span_kind: the masked span's kind (``proof`` = whole proof).
        n: candidates with a verdict.
        c: candidates whose verdict is ``pass``.
        source: the task's source file (lets a report single out an imported benchmark).
    """

    task_id: int
    span_kind: str
    n: int
    c: int
    source: str = ""


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_json(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class PassAtK:
    """Mean pass@k over a set of tasks with its bootstrap interval.

    Attributes:
        k: the k.
        estimate: mean over tasks of the per-task unbiased estimate.
        low, high: percentile bootstrap interval over tasks.
        tasks: tasks that entered the mean (those with ``n >= k``).
        excluded: tasks left out because they had fewer than k verified samples.
    """

    k: int
    estimate: float
    low: float
    high: float
    tasks: int
    excluded: int = 0

    @property
    def interval(self) -> Interval:
        return Interval(self.estimate, self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PassAtK:
        return cls(**{f: data[f] for f in cls.__dataclass_fields__ if f in data})


def per_task(outcomes: Iterable[TaskOutcome], k: int) -> dict[int, float]:
    """Per-task pass@k for the tasks with at least k verified samples (task id -> value).

    A task seen in several groups (a resumed evaluation) arrives already pooled: its ``n`` and
    ``c`` are sums, which is still a valid sample of the same policy.
    """
    return {o.task_id: pass_at_k(o.n, o.c, k) for o in outcomes if o.n >= k}


def _resampled_means(
    values: np.ndarray, n_resamples: int, rng: np.random.Generator, chunk: int = 256
) -> np.ndarray:
    # Chunks keep the index matrix small for thousands of tasks (n_resamples x T int64).
    out = np.empty(n_resamples, dtype=np.float64)
    for start in range(0, n_resamples, chunk):
        rows = min(chunk, n_resamples - start)
        idx = rng.integers(0, len(values), size=(rows, len(values)))
        out[start : start + rows] = values[idx].mean(axis=1)
    return out


def _check(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError("n_resamples must be >= 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")


def bootstrap_mean(
    values: Sequence[float],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Mean of ``values`` with a percentile bootstrap interval (tasks resampled with replacement).

    One value gives a zero-width interval (there is nothing to resample); no values is an error.
    """
    _check(n_resamples, confidence)
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("bootstrap of an empty set of tasks")
    estimate = float(arr.mean())
    if arr.size == 1:
        return Interval(estimate, estimate, estimate)
    means = _resampled_means(arr, n_resamples, np.random.default_rng(seed))
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    # Floating-point sums of identical values can land an ulp off the mean; keep it inside.
    return Interval(estimate, min(float(low), estimate), max(float(high), estimate))


def bootstrap_difference(
    a: dict[int, float],
    b: dict[int, float],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Interval, int]:
    """Mean of A minus mean of B with a bootstrap interval; returns (interval, paired tasks).

    ``a`` and ``b`` map task ids to per-task values. On the tasks both have, the difference is
    paired (per-task differences resampled together); without a common task, the two sets are
    resampled independently (0 paired tasks), which is honest but wide.
    """
    _check(n_resamples, confidence)
    common = sorted(set(a) & set(b))
    if common:
        diffs = [a[t] - b[t] for t in common]
        return bootstrap_mean(
            diffs, n_resamples=n_resamples, confidence=confidence, seed=seed
        ), len(common)
    if not a or not b:
        raise ValueError("difference of pass@k needs tasks on both sides")
    rng = np.random.default_rng(seed)
    va = np.asarray(list(a.values()), dtype=np.float64)
    vb = np.asarray(list(b.values()), dtype=np.float64)
    diff = _resampled_means(va, n_resamples, rng) - _resampled_means(vb, n_resamples, rng)
    alpha = 1.0 - confidence
    low, high = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
    estimate = float(va.mean() - vb.mean())
    return Interval(estimate, min(float(low), estimate), max(float(high), estimate)), 0


def mean_pass_at_k(
    outcomes: Sequence[TaskOutcome],
    k: int,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PassAtK | None:
    """Mean pass@k over ``outcomes`` with its interval; None when no task has n >= k."""
    values = per_task(outcomes, k)
    if not values:
        return None
    iv = bootstrap_mean(
        [values[t] for t in sorted(values)],
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )
    return PassAtK(k, iv.estimate, iv.low, iv.high, len(values), len(outcomes) - len(values))


def summarize(
    outcomes: Sequence[TaskOutcome],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[int, PassAtK]]:
    """pass@k for ``all`` tasks and for each span kind present (``proof`` = whole proof).

    Returns ``{breakdown: {k: PassAtK}}``; a k with no task of enough samples is left out.
    """
    groups: dict[str, list[TaskOutcome]] = {"all": list(outcomes)}
    for o in outcomes:
        groups.setdefault(o.span_kind, []).append(o)
    out: dict[str, dict[int, PassAtK]] = {}
    for key, members in groups.items():
        row: dict[int, PassAtK] = {}
        for k in ks:
            value = mean_pass_at_k(
                members, k, n_resamples=n_resamples, confidence=confidence, seed=seed
            )
            if value is not None:
                row[k] = value
        out[key] = row
    return out


def summary_to_json(summary: dict[str, dict[int, PassAtK]]) -> dict[str, dict[str, Any]]:
    """The summary as JSON (k as string keys): what is stored in ``runs.config``."""
    return {key: {str(k): v.to_json() for k, v in row.items()} for key, row in summary.items()}


def summary_from_json(data: dict[str, dict[str, Any]]) -> dict[str, dict[int, PassAtK]]:
    """Inverse of :func:`summary_to_json`."""
    return {
        key: {int(k): PassAtK.from_json(v) for k, v in row.items()} for key, row in data.items()
    }
