"""The figures of evaluations and reports, as PNG bytes.

Returning bytes (not files) lets the same figure go into a PNG file (``fimrl eval compare``)
or, base64-encoded, into the self-contained HTML report. Matplotlib runs headless (Agg), and
every figure states what its axes measure and where the numbers came from, because a figure
cut out of a report must still be readable on its own.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fimrl.eval.passk import WHOLE_PROOF_KIND, breakdown_label

if TYPE_CHECKING:
    from fimrl.eval.compare import StepPoint

__all__ = [
    "bar_counts",
    "empty_figure",
    "histograms",
    "integer_x",
    "passk_vs_step",
    "png_bytes",
    "pyplot",
    "reward_over_steps",
    "span_kinds_vs_step",
]

DPI = 100


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(fig: Any) -> bytes:
    plt = pyplot()
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def integer_x(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def empty_figure(message: str, *, title: str = "") -> bytes:
    """A small figure that says why there is no data (a report keeps its layout)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10)
    if title:
        ax.set_title(title)
    return png_bytes(fig)


def _errorbar_series(
    ax: Any, points: Sequence[StepPoint], label: str, marker: str, color: Any = None
) -> None:
    pts = sorted(points, key=lambda p: (p.learner_step, p.version))
    xs = [p.learner_step for p in pts]
    ys = [p.value.estimate for p in pts]
    lo = [p.value.estimate - p.value.low for p in pts]
    hi = [p.value.high - p.value.estimate for p in pts]
    ax.errorbar(xs, ys, yerr=[lo, hi], fmt=marker + "-", capsize=3, label=label, color=color)


def passk_vs_step(points: Sequence[StepPoint], *, title: str) -> bytes:
    """pass@k (95% bootstrap intervals) against learner step: all tasks, and whole proofs."""
    if not points:
        return empty_figure("no evaluated versions yet (fimrl eval run)", title=title)
    plt = pyplot()
    panels = ["all"] + (
        [WHOLE_PROOF_KIND] if any(p.breakdown == WHOLE_PROOF_KIND for p in points) else []
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.2), squeeze=False)
    markers = "osD^v<>"
    for ax, key in zip(axes[0], panels, strict=True):
        ks = sorted({p.k for p in points if p.breakdown == key})
        for i, k in enumerate(ks):
            series = [p for p in points if p.breakdown == key and p.k == k]
            _errorbar_series(ax, series, f"pass@{k}", markers[i % len(markers)])
        ax.set_title(breakdown_label(key))
        ax.set_xlabel("learner step of the policy version")
        ax.set_ylabel("pass@k (95% CI over tasks)")
        ax.set_ylim(-0.03, 1.03)
        integer_x(ax)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return png_bytes(fig)


def span_kinds_vs_step(points: Sequence[StepPoint], *, title: str) -> bytes:
    """One panel per k: pass@k per span kind (and all tasks) against learner step."""
    if not points:
        return empty_figure("no evaluated versions yet (fimrl eval run)", title=title)
    plt = pyplot()
    ks = sorted({p.k for p in points})
    fig, axes = plt.subplots(1, len(ks), figsize=(5.2 * len(ks), 4.2), squeeze=False)
    keys = ["all", *sorted({p.breakdown for p in points} - {"all"})]
    markers = "osD^v<>"
    for ax, k in zip(axes[0], ks, strict=True):
        for i, key in enumerate(keys):
            series = [p for p in points if p.k == k and p.breakdown == key]
            if series:
                _errorbar_series(ax, series, breakdown_label(key), markers[i % len(markers)])
        ax.set_title(f"pass@{k}")
        ax.set_xlabel("learner step")
        ax.set_ylabel(f"pass@{k}")
        ax.set_ylim(-0.03, 1.03)
        integer_x(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return png_bytes(fig)


def reward_over_steps(
    steps: Sequence[int],
    reward: Sequence[float | None],
    pass_rate: Sequence[float | None],
    *,
    title: str,
    xlabel: str = "learner step",
) -> bytes:
    """Mean reward and pass rate of the groups each step trained on."""
    if not steps:
        return empty_figure("no learner steps yet", title=title)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(steps, [float("nan") if r is None else r for r in reward], "s--", label="mean reward")
    ax.plot(steps, [float("nan") if p is None else p for p in pass_rate], "o-", label="pass rate")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of candidates")
    ax.set_ylim(-0.03, 1.03)
    integer_x(ax)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    return png_bytes(fig)


def histograms(
    series: Mapping[str, Sequence[float]], *, title: str, xlabel: str, bins: int = 40
) -> bytes:
    """Overlaid histograms, one per labelled series (e.g. latency per checker backend)."""
    present = {k: list(v) for k, v in series.items() if v}
    if not present:
        return empty_figure("no verifications yet", title=title)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for label, values in sorted(present.items()):
        ax.hist(values, bins=bins, alpha=0.65, label=f"{label} (n={len(values)})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("candidates")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return png_bytes(fig)


def bar_counts(
    counts: Mapping[str, Mapping[str, int]], *, title: str, xlabel: str = "candidates"
) -> bytes:
    """Horizontal bars: ``counts[category][series]`` (e.g. guard rule x train/eval)."""
    if not counts:
        return empty_figure("none", title=title)
    plt = pyplot()
    cats = sorted(counts, key=lambda c: -sum(counts[c].values()))
    series = sorted({s for c in counts.values() for s in c})
    fig, ax = plt.subplots(figsize=(8, max(2.2, 0.45 * len(cats) + 1.2)))
    height = 0.8 / max(1, len(series))
    for i, name in enumerate(series):
        ys = [j + i * height for j in range(len(cats))]
        ax.barh(ys, [counts[c].get(name, 0) for c in cats], height=height, label=name)
    ax.set_yticks([j + height * (len(series) - 1) / 2 for j in range(len(cats))])
    ax.set_yticklabels(cats)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3, axis="x")
    return png_bytes(fig)
