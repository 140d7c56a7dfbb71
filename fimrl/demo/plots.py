"""The demo report's figures. Every x axis says what it counts: a policy version is not a
learner step, and a warm-up step is not an RL step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fimrl.eval.passk import Interval, PassAtK, breakdown_label
from fimrl.eval.plots import empty_figure, integer_x, png_bytes, pyplot

__all__ = [
    "held_out_bars",
    "latency_histogram",
    "learner_health",
    "per_version_rates",
    "span_kind_bars",
    "warmup_loss",
]


def _err(values: Sequence[Interval]) -> list[list[float]]:
    return [[v.estimate - v.low for v in values], [v.high - v.estimate for v in values]]


def per_version_rates(
    versions: Sequence[int], passes: Sequence[Interval], rewards: Sequence[Interval]
) -> bytes:
    """Training pass rate and reward of the candidates each policy version sampled."""
    if not versions:
        return empty_figure("no verified candidates", title="Pass rate per policy version")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.errorbar(
        versions,
        [p.estimate for p in passes],
        yerr=_err(passes),
        fmt="o-",
        capsize=3,
        label="pass rate",
    )
    ax.errorbar(
        [v + 0.1 for v in versions],
        [r.estimate for r in rewards],
        yerr=_err(rewards),
        fmt="s--",
        capsize=3,
        label="mean reward",
    )
    ax.set_xlabel("policy version that sampled the candidates (0 = warm-up checkpoint)")
    ax.set_ylabel("fraction of candidates (95% CI over groups)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Training candidates: pass rate and reward per policy version")
    integer_x(ax)
    ax.grid(alpha=0.3)
    ax.legend()
    return png_bytes(fig)


def held_out_bars(
    labels: Sequence[str], results: Sequence[dict[int, PassAtK]], tasks: int
) -> bytes:
    """Held-out pass@k of each policy with its bootstrap interval."""
    if not labels:
        return empty_figure("no held-out evaluation", title="Held-out pass@k")
    plt = pyplot()
    ks = sorted({k for r in results for k in r})
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(ks))
    for j, k in enumerate(ks):
        vals = [r[k] for r in results]
        xs = [i + (j - (len(ks) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(
            xs,
            [v.estimate for v in vals],
            width,
            label=f"pass@{k}",
            yerr=_err([v.interval for v in vals]),
            capsize=4,
        )
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel("policy")
    ax.set_ylabel(f"held-out pass@k ({tasks} test tasks, 95% CI)")
    ax.set_ylim(0, 1.03)
    ax.set_title("Held-out FIM pass@k: base → warm-up → RL")
    ax.grid(alpha=0.3, axis="y")
    ax.legend()
    return png_bytes(fig)


def span_kind_bars(
    labels: Sequence[str], summaries: Sequence[dict[str, dict[int, PassAtK]]], k: int
) -> bytes:
    """Held-out pass@k per span kind, one bar per policy."""
    kinds = sorted({kind for s in summaries for kind in s if kind != "all"})
    if not kinds:
        return empty_figure("no held-out evaluation", title=f"pass@{k} per span kind")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(1, len(labels))
    for j, (label, summary) in enumerate(zip(labels, summaries, strict=True)):
        vals = [summary.get(kind, {}).get(k) for kind in kinds]
        xs = [i + (j - (len(labels) - 1) / 2) * width for i in range(len(kinds))]
        est = [v.estimate if v else 0.0 for v in vals]
        err = [
            [v.estimate - v.low if v else 0.0 for v in vals],
            [v.high - v.estimate if v else 0.0 for v in vals],
        ]
        ax.bar(xs, est, width, yerr=err, capsize=3, label=label)
    ax.set_xticks(range(len(kinds)), [breakdown_label(kd) for kd in kinds])
    ax.set_xlabel("span kind of the hole")
    ax.set_ylabel(f"held-out pass@{k} (95% CI)")
    ax.set_ylim(0, 1.03)
    ax.set_title(f"Held-out pass@{k} per span kind")
    ax.grid(alpha=0.3, axis="y")
    ax.legend()
    return png_bytes(fig)


def learner_health(steps: Sequence[Any]) -> bytes:
    """GSPO clip fraction, sampler/learner mismatch and group staleness against step."""
    if not steps:
        return empty_figure("the learner took no step", title="Learner steps")
    plt = pyplot()
    fig, (a, m, b) = plt.subplots(1, 3, figsize=(14, 3.8))
    xs = [s.step for s in steps]
    a.plot(xs, [s.clip_fraction or 0.0 for s in steps], "o-")
    a.set_xlabel("learner step")
    a.set_ylabel("clip fraction (share of sequences clipped)")
    a.set_ylim(-0.03, 1.03)
    a.set_title("GSPO clipping")
    measured = [s for s in steps if getattr(s, "mismatch_mean", None) is not None]
    if measured:
        mx = [s.step for s in measured]
        m.plot(mx, [s.mismatch_mean for s in measured], "o-", label="mean")
        m.plot(mx, [s.mismatch_p95 for s in measured], "s--", label="p95")
        m.legend()
    else:
        m.text(0.5, 0.5, "not measured\n(behaviour_correction = none)", ha="center", va="center")
    m.set_xlabel("learner step")
    m.set_ylabel("|mean log(π_prox / π_behaviour)| per sequence")
    m.set_title("Sampler vs learner log-probs")
    b.plot(xs, [s.staleness_mean or 0.0 for s in steps], "o-", label="mean")
    b.plot(xs, [s.staleness_max or 0 for s in steps], "s--", label="max")
    b.set_xlabel("learner step")
    b.set_ylabel("staleness (policy versions behind)")
    b.set_title("Staleness of the groups used")
    b.legend()
    for ax in (a, m, b):
        integer_x(ax)
        ax.grid(alpha=0.3)
    return png_bytes(fig)


def latency_histogram(by_backend: dict[str, list[float]]) -> bytes:
    """Verification latency (ms) per checker backend."""
    if not by_backend:
        return empty_figure("no verifications", title="Verification latency")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for backend, values in sorted(by_backend.items()):
        ax.hist(values, bins=40, alpha=0.7, label=f"{backend} (n={len(values)})")
    ax.set_xlabel("verification latency per candidate (ms)")
    ax.set_ylabel("candidates")
    ax.set_title("Verification latency")
    ax.legend()
    return png_bytes(fig)


def warmup_loss(losses: Sequence[tuple[int, float]]) -> bytes:
    """Supervised warm-up loss against its optimizer step."""
    if not losses:
        return empty_figure("no warm-up", title="Warm-up loss")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot([s for s, _ in losses], [v for _, v in losses], "o-")
    ax.set_xlabel("warm-up optimizer step")
    ax.set_ylabel("cross-entropy on reference middles")
    ax.set_title("Supervised FIM warm-up")
    integer_x(ax)
    ax.grid(alpha=0.3)
    return png_bytes(fig)
