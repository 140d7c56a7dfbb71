"""The pass@k estimator against hand-computed values and brute-force enumeration, and the
bootstrap intervals (pure: no database)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from fimrl.eval.passk import (
    TaskOutcome,
    bootstrap_difference,
    bootstrap_mean,
    mean_pass_at_k,
    pass_at_k,
    per_task,
    summarize,
    summary_from_json,
    summary_to_json,
)


def brute_force(n: int, c: int, k: int) -> Fraction:
    """Share of the k-subsets of n samples (the first c passing) that contain a pass."""
    subsets = list(itertools.combinations(range(n), k))
    hits = sum(1 for s in subsets if any(i < c for i in s))
    return Fraction(hits, len(subsets))


def exact(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (10, 0, 1, 0.0),
        (10, 10, 1, 1.0),
        (10, 3, 1, 0.3),  # pass@1 is c / n
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (32, 1, 8, 0.25),  # one pass among 32: a k-subset holds it with probability k/n
        (8, 2, 8, 1.0),  # n - c < k: every subset contains a pass
        (32, 1, 32, 1.0),
        (32, 0, 32, 0.0),
        (6, 3, 3, 0.95),  # 1 - C(3,3)/C(6,3) = 1 - 1/20
    ],
)
def test_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_matches_brute_force_enumeration_of_k_subsets() -> None:
    for n in range(1, 10):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(
                    float(brute_force(n, c, k)), abs=1e-12
                ), (n, c, k)


def test_stable_where_binomials_overflow_floats() -> None:
    # C(2000, 1000) ~ 1e600 is not a float; the product form needs no binomial at all.
    for n, c, k in [(2000, 1, 1000), (2000, 7, 32), (1000, 999, 8), (500, 3, 100), (64, 5, 32)]:
        assert pass_at_k(n, c, k) == pytest.approx(float(exact(n, c, k)), rel=1e-12)


def test_undefined_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 8 samples"):
        pass_at_k(4, 1, 8)
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, -1, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, 1, 0)


def test_monotone_in_c_and_k() -> None:
    for n in (8, 32):
        for k in (1, 4, 8):
            values = [pass_at_k(n, c, k) for c in range(n + 1)]
            assert values == sorted(values)
        for c in range(n + 1):
            values = [pass_at_k(n, c, k) for k in range(1, n + 1)]
            assert values == sorted(values)


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = [i / 10 for i in range(11)] * 3
    a = bootstrap_mean(values, seed=7)
    b = bootstrap_mean(values, seed=7)
    assert a == b
    assert a.estimate == pytest.approx(0.5)
    assert a.low < 0.5 < a.high
    assert a.high - a.low < 0.3
    assert bootstrap_mean(values, seed=8) != a  # another seed, another resample
    wide = bootstrap_mean(values, seed=7, confidence=0.99)
    assert wide.low <= a.low and wide.high >= a.high


def test_bootstrap_degenerate_cases() -> None:
    assert bootstrap_mean([0.25]).to_json() == {"estimate": 0.25, "low": 0.25, "high": 0.25}
    same = bootstrap_mean([0.4] * 20)
    assert same.low == same.high == same.estimate == pytest.approx(0.4)
    with pytest.raises(ValueError):
        bootstrap_mean([])


def test_bootstrap_interval_covers_the_truth_most_of_the_time() -> None:
    # 200 simulated benchmarks of 60 Bernoulli(0.3) tasks: a 90% interval should cover 0.3
    # in roughly 90% of them (loose bounds: the percentile bootstrap is approximate).
    import numpy as np

    rng = np.random.default_rng(0)
    covered = 0
    for trial in range(200):
        values = rng.binomial(1, 0.3, size=60).astype(float)
        iv = bootstrap_mean(values, n_resamples=400, confidence=0.9, seed=trial)
        covered += iv.contains(0.3)
    assert 0.8 <= covered / 200 <= 0.97


def test_paired_difference_is_tighter_than_independent() -> None:
    base = {t: (t % 7) / 7 for t in range(50)}
    better = {t: min(1.0, v + 0.1 + (0.05 if t % 2 else -0.05)) for t, v in base.items()}
    paired, n_paired = bootstrap_difference(better, base, seed=1)
    assert n_paired == 50
    expected = sum(better[t] - base[t] for t in base) / 50
    assert paired.estimate == pytest.approx(expected)
    assert paired.low > 0 and paired.contains(expected)
    # The same sets under other task ids: nothing is shared, so nothing can be paired.
    shifted = {t + 1000: v for t, v in better.items()}
    unpaired, n_unpaired = bootstrap_difference(shifted, base, seed=1)
    assert n_unpaired == 0
    assert unpaired.estimate == pytest.approx(expected)
    assert (unpaired.high - unpaired.low) > 2 * (paired.high - paired.low)


def test_summarize_breaks_down_by_span_kind_and_skips_short_tasks() -> None:
    outcomes = [
        TaskOutcome(1, "tactic", 8, 4),
        TaskOutcome(2, "tactic", 8, 0),
        TaskOutcome(3, "proof", 8, 8),
        TaskOutcome(4, "proof", 4, 1),  # too few samples for pass@8
    ]
    summary = summarize(outcomes, (1, 8), n_resamples=200)
    assert set(summary) == {"all", "tactic", "proof"}
    assert summary["tactic"][1].estimate == pytest.approx(0.25)
    assert summary["proof"][1].estimate == pytest.approx((1.0 + 0.25) / 2)
    assert summary["all"][1].tasks == 4 and summary["all"][1].excluded == 0
    assert summary["proof"][8].tasks == 1 and summary["proof"][8].excluded == 1
    assert summary["proof"][8].estimate == 1.0
    assert summary["all"][8].estimate == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert per_task(outcomes, 8) == {1: 1.0, 2: 0.0, 3: 1.0}
    assert mean_pass_at_k([TaskOutcome(9, "tactic", 2, 1)], 8) is None
    assert summary_from_json(summary_to_json(summary)) == summary
