"""The experiment's report: every arm at a matched budget on the same held-out tasks, and the
verdict on each comparison, written as ``<name>.md`` and ``<name>.html`` with PNG curves.

The question is a difference between arms (is FIM RL against Lean's verdict a better warm-up
than next-token training on the same text?), so every verdict comes from a paired bootstrap
over the tasks both arms were evaluated on, recomputed here from the verdicts rather than read
from the stored summaries (a stored summary cannot be paired). An arm that has not finished is
shown as unfinished, never dropped: a missing arm silently changes what "best" means.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, text

from fimrl.demo.document import Document
from fimrl.errors import FimrlError
from fimrl.eval.passk import (
    Interval,
    PassAtK,
    TaskOutcome,
    bootstrap_difference,
    breakdown_label,
    mean_pass_at_k,
    per_task,
)
from fimrl.eval.plots import empty_figure, png_bytes, pyplot
from fimrl.eval.results import backends_of
from fimrl.experiment.results import FIM, PROOF, point_outcomes
from fimrl.experiment.spec import ARMS, ExperimentSpec

__all__ = [
    "COMPARISONS",
    "MEASURES",
    "ArmData",
    "ExperimentData",
    "PointData",
    "Verdict",
    "collect_experiment",
    "compare_arms",
    "measure_pass_at_k",
    "select_measure",
    "write_experiment_report",
]

#: The two held-out measures, as the verdict sentences name them.
MEASURES: dict[str, str] = {FIM: "held-out FIM", PROOF: "held-out whole-proof"}

#: (a, b) pairs compared, in the order the report states them: each trained arm against no
#: training, then the warm-up question proper (RL against next-token training and SFT).
COMPARISONS: tuple[tuple[str, str], ...] = (
    *((arm, "base") for arm in ARMS if arm != "base"),
    ("fim-rlvr", "ntp"),
    ("fim-sft+rlvr", "ntp"),
    ("fim-sft", "ntp"),
    ("fim-sft+rlvr", "fim-sft"),
    ("fim-rlvr", "fim-sft"),
)

#: Comparisons whose per-task differences get their own table (the headline question).
_MAIN = (("fim-rlvr", "ntp"), ("fim-sft+rlvr", "ntp"))
_SPAN_ORDER = ("tactic", "tactic_run", "subproof", "calc_step", "proof")
_MAX_TASK_ROWS = 20
_MARKERS = "osD^v<>"
_QUESTION = (
    "Is RL on Lean fill-in-the-middle tasks against Lean's verdict (`fim-rlvr`, "
    "`fim-sft+rlvr`) a better warm-up than next-token training on the same Lean text "
    "(`ntp`), at the same training budget?"
)


@dataclass(frozen=True)
class PointData:
    """One learning-curve point of an arm: what had been spent, and its held-out outcomes."""

    point: int
    fraction: float
    tokens: int
    steps: int
    seconds: float
    checkpoint: str | None
    summary: dict[str, Any] | None
    outcomes: list[TaskOutcome]

    @property
    def evaluated(self) -> bool:
        """A point counts once its evaluation stored a summary and verdicts are readable: a
        point whose evaluation is still running would otherwise be scored on a partial set."""
        return self.summary is not None and bool(self.outcomes)

    def spent(self, unit: str) -> float:
        return float(getattr(self, unit))


@dataclass(frozen=True)
class ArmData:
    """An ``experiment_arms`` row with its points (oldest first)."""

    arm: str
    position: int
    status: str
    budget_unit: str
    budget_target: float
    tokens: int
    steps: int
    seconds: float
    run_id: int | None
    eval_run_id: int | None
    rl_run: str | None
    eval_run: str | None
    detail: dict[str, Any]
    points: list[PointData] = field(default_factory=list)
    #: The RL run's groups by status, plus ``candidates`` and ``passed`` (RL arms only).
    rl_groups: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status == "evaluated"

    @property
    def evaluated_points(self) -> list[PointData]:
        return [p for p in self.points if p.evaluated]

    @property
    def final(self) -> PointData | None:
        """The last evaluated point: where the arm is measured in the side-by-side table."""
        done = self.evaluated_points
        return done[-1] if done else None


@dataclass(frozen=True)
class ExperimentData:
    """Everything the report needs, read once from PostgreSQL."""

    name: str
    status: str
    spec: ExperimentSpec
    detail: dict[str, Any]
    arms: list[ArmData]
    backends: list[tuple[str, str | None, int]]

    def arm(self, name: str) -> ArmData | None:
        return next((a for a in self.arms if a.arm == name), None)

    @property
    def base_model(self) -> str:
        return str(self.detail.get("base_model") or self.spec.model or "(not recorded)")

    @property
    def checker(self) -> str:
        return str(self.detail.get("checker") or "(not recorded)")

    @property
    def unfinished(self) -> list[ArmData]:
        return [a for a in self.arms if not a.finished]

    @property
    def base_point(self) -> PointData | None:
        """Point 0 of the base arm, where every trained arm's curve starts."""
        base = self.arm("base")
        return base.final if base is not None else None


@dataclass(frozen=True)
class Verdict:
    """One comparison on one measure: ``a - b`` with its paired interval, or why it was not
    computed (``diff`` None), and the sentence the report prints."""

    a: str
    b: str
    measure: str
    k: int
    diff: Interval | None
    paired: int
    sentence: str


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def collect_experiment(engine: Engine, name: str) -> ExperimentData:
    """Read the experiment ``name``, its arms, points and each point's verified outcomes."""
    found = _rows(
        engine, "SELECT id, name, spec, status, detail FROM experiments WHERE name = :n", n=name
    )
    if not found:
        known = [r.name for r in _rows(engine, "SELECT name FROM experiments ORDER BY id")]
        hint = f"; known experiments: {', '.join(known)}" if known else "; there are none yet"
        raise FimrlError(f"no experiment called {name!r}{hint}")
    row = found[0]
    try:
        spec = ExperimentSpec.model_validate(row.spec)
    except ValidationError as exc:
        raise FimrlError(f"experiment {name!r} has a spec this fimrl cannot read: {exc}") from None
    arms: list[ArmData] = []
    for a in _rows(
        engine,
        """
        SELECT a.id, a.arm, a.position, a.status, a.budget_unit, a.budget_target, a.tokens,
               a.steps, a.seconds, a.run_id, a.eval_run_id, r.name AS rl_run,
               ev.name AS eval_run, a.detail
        FROM experiment_arms a
        LEFT JOIN runs r ON r.id = a.run_id
        LEFT JOIN runs ev ON ev.id = a.eval_run_id
        WHERE a.experiment_id = :e ORDER BY a.position, a.id""",
        e=row.id,
    ):
        points = [
            PointData(
                int(p.point),
                float(p.fraction),
                int(p.tokens),
                int(p.steps),
                float(p.seconds),
                p.checkpoint,
                p.summary,
                point_outcomes(engine, a.eval_run_id, int(p.point))
                if a.eval_run_id is not None
                else [],
            )
            for p in _rows(
                engine,
                "SELECT point, fraction, tokens, steps, seconds, checkpoint, summary "
                "FROM experiment_points WHERE arm_id = :a ORDER BY point",
                a=a.id,
            )
        ]
        arms.append(
            ArmData(
                a.arm,
                int(a.position),
                a.status,
                a.budget_unit,
                float(a.budget_target),
                int(a.tokens),
                int(a.steps),
                float(a.seconds),
                a.run_id,
                a.eval_run_id,
                a.rl_run,
                a.eval_run,
                dict(a.detail or {}),
                points,
                _rl_groups(engine, a.run_id) if a.run_id is not None else {},
            )
        )
    eval_ids = [a.eval_run_id for a in arms if a.eval_run_id is not None]
    return ExperimentData(
        row.name,
        row.status,
        spec,
        dict(row.detail or {}),
        arms,
        backends_of(engine, eval_ids) if eval_ids else [],
    )


def select_measure(outcomes: Sequence[TaskOutcome], measure: str) -> list[TaskOutcome]:
    """The outcomes a measure is computed on: whole proofs, or every partial span."""
    if measure == PROOF:
        return [o for o in outcomes if o.span_kind == PROOF]
    if measure == FIM:
        return [o for o in outcomes if o.span_kind != PROOF]
    return [o for o in outcomes if o.span_kind == measure]  # one span kind


def measure_pass_at_k(
    outcomes: Sequence[TaskOutcome], measure: str, k: int, *, seed: int = 0
) -> PassAtK | None:
    """Mean pass@k with its 95% bootstrap interval over the measure's tasks (None: no task)."""
    return mean_pass_at_k(select_measure(outcomes, measure), k, seed=seed)


def _headline_ks(spec: ExperimentSpec) -> list[int]:
    return sorted({1, max(spec.evaluation.ks)})


def _signed(x: float) -> str:
    x = 0.0 if abs(x) < 5e-4 else x
    return f"{x:+.3f}".replace("-", "−")


def _paired(n: int) -> str:
    if n == 0:
        return "(no shared task: the two sides were resampled independently)"
    return f"({n} paired task{'s' if n != 1 else ''})"


def _sentence(a: str, b: str, what: str, diff: Interval, paired: int) -> str:
    if diff.low > 0:
        return (
            f"{a} beats {b} on {what} by {_signed(diff.estimate)} "
            f"[{_signed(diff.low)}, {_signed(diff.high)}] {_paired(paired)}."
        )
    if diff.high < 0:
        return (
            f"{b} beats {a} on {what} by {_signed(-diff.estimate)} "
            f"[{_signed(-diff.high)}, {_signed(-diff.low)}] {_paired(paired)}."
        )
    return (
        f"No difference detectable at this budget between {a} and {b} on {what}: "
        f"{_signed(diff.estimate)} [{_signed(diff.low)}, {_signed(diff.high)}] {_paired(paired)}."
    )


def compare_arms(data: ExperimentData) -> list[Verdict]:
    """A verdict per comparison of two finished arms and headline measure (FIM and whole-proof
    pass@1 and pass@max-k), in :data:`COMPARISONS` order.

    Only finished arms are compared: an unfinished arm's last point is at a smaller budget,
    and comparing it would quietly break the matched budget.
    """
    seed = data.spec.evaluation.seed
    present = _measures_present(data)  # a measure no arm has tasks for is noted once, not here
    verdicts: list[Verdict] = []
    for a_name, b_name in COMPARISONS:
        a, b = data.arm(a_name), data.arm(b_name)
        if a is None or b is None or not a.finished or not b.finished:
            continue
        pa, pb = a.final, b.final
        if pa is None or pb is None:
            continue
        for measure in present:
            label = MEASURES[measure]
            for k in _headline_ks(data.spec):
                what = f"{label} pass@{k}"
                ta = per_task(select_measure(pa.outcomes, measure), k)
                tb = per_task(select_measure(pb.outcomes, measure), k)
                if not ta or not tb:
                    lacking = [n for n, t in ((a_name, ta), (b_name, tb)) if not t]
                    verdicts.append(
                        Verdict(
                            a_name,
                            b_name,
                            measure,
                            k,
                            None,
                            0,
                            f"{a_name} vs {b_name} on {what}: skipped, "
                            f"{' and '.join(lacking)} {'have' if len(lacking) > 1 else 'has'} "
                            f"no task with at least {k} verified sample{'s' if k != 1 else ''}.",
                        )
                    )
                    continue
                diff, paired = bootstrap_difference(ta, tb, seed=seed)
                verdicts.append(
                    Verdict(
                        a_name,
                        b_name,
                        measure,
                        k,
                        diff,
                        paired,
                        _sentence(a_name, b_name, what, diff, paired),
                    )
                )
    return verdicts


# --- formatting -------------------------------------------------------------------------------


def _ci(p: PassAtK | None) -> str:
    if p is None:
        return "–"
    return f"{p.estimate:.3f} [{p.low:.3f}, {p.high:.3f}]"


def _amount(unit: str, value: float) -> str:
    if unit == "tokens":
        return f"{value:,.0f} tokens"
    if unit == "steps":
        return f"{value:,.0f} optimizer steps"
    return f"{value:,.0f} s ({value / 60:.1f} min)"


def _status(arm: ArmData) -> str:
    if arm.finished:
        return "evaluated"
    why = arm.detail.get("error") or arm.detail.get("reason")
    return f"**{arm.status} (unfinished)**" + (f": {why}" if why else "")


def _spent_cells(p: PointData | ArmData) -> list[str]:
    return [f"{p.tokens:,}", f"{p.steps:,}", f"{p.seconds:,.1f}"]


def _unit_headers(unit: str) -> list[str]:
    return [f"{u} (matched)" if u == unit else u for u in ("tokens", "steps", "seconds")]


def _measures_present(data: ExperimentData) -> list[str]:
    """The measures some arm has outcomes for (a measure without tasks is noted, not shown)."""
    outcomes = [o for a in data.arms for p in a.evaluated_points for o in p.outcomes]
    return [m for m in MEASURES if select_measure(outcomes, m)]


def _task_count(data: ExperimentData, key: str, measure: str) -> int:
    ids = data.detail.get(key)
    if isinstance(ids, list):
        return len(ids)
    outcomes = [o for a in data.arms for p in a.evaluated_points for o in p.outcomes]
    return len({o.task_id for o in select_measure(outcomes, measure)})


# --- sections ---------------------------------------------------------------------------------


def _header(doc: Document, data: ExperimentData) -> None:
    spec = data.spec
    budget, ev = spec.budget, spec.evaluation
    doc.para(f"**Question.** {_QUESTION}")
    if spec.description:
        doc.para(spec.description)
    doc.para(
        f"**Starting model:** `{data.base_model}`. **Verdicts and rewards:** {data.checker} "
        f"Experiment status: {data.status}."
    )
    if data.backends:
        doc.table(
            ["checker backend", "Lean version", "evaluation verdicts"],
            [[b, v or "-", f"{n:,}"] for b, v, n in data.backends],
            [False, False, True],
        )
    doc.para(
        f"**Budget held equal:** {budget.match} — {_amount(budget.match, budget.amount)} per "
        f"trained arm; the other two quantities are recorded, not matched. `fim-sft+rlvr` "
        f"spends {budget.sft_share:.0%} of it on supervised FIM, the rest on RL. Curve points "
        f"at {', '.join(f'{p:.0%}' for p in budget.points)} of the budget."
    )
    fim_n = _task_count(data, "fim_task_ids", FIM)
    proof_n = _task_count(data, "proof_task_ids", PROOF)
    doc.para(
        f"**Evaluation (the same for every arm):** {fim_n} held-out FIM tasks (partial spans) "
        f"and {proof_n} held-out whole-proof tasks, n = {ev.n} samples per task, "
        f"pass@k for k in {', '.join(str(k) for k in ev.ks)}, task draw seed {ev.seed}, "
        f"training seed {spec.seed}. Intervals are 95% percentile bootstraps over tasks; "
        "differences are paired over the tasks both arms share."
    )
    doc.heading("Arms", 3)
    doc.table(
        ["arm", "status", "budget target", "points evaluated", "RL run", "evaluation run"],
        [
            [
                a.arm,
                _status(a),
                "-" if a.arm == "base" else _amount(a.budget_unit, a.budget_target),
                f"{len(a.evaluated_points)} of {len(a.points)}",
                f"`{a.rl_run}`" if a.rl_run else "-",
                f"`{a.eval_run}`" if a.eval_run else "-",
            ]
            for a in data.arms
        ],
        [False, False, True, True, False, False],
    )
    missing = [a for a in spec.arms if data.arm(a) is None]
    if missing:
        doc.para(f"Arms in the spec with no row yet (not started): {', '.join(missing)}.")


def _side_by_side(doc: Document, data: ExperimentData, measures: list[str]) -> None:
    doc.heading("Arms side by side (final evaluated point)")
    ks = list(data.spec.evaluation.ks)
    seed = data.spec.evaluation.seed
    unit = data.spec.budget.match
    headers = ["arm", "status", "point (budget)"]
    for m in measures:
        headers += [f"{MEASURES[m]} pass@{k}" for k in ks]
    headers += _unit_headers(unit)
    rows: list[list[str]] = []
    for a in data.arms:
        final = a.final
        where = "not evaluated" if final is None else f"{final.point} ({final.fraction:.0%})"
        cells = [a.arm, _status(a), where]
        for m in measures:
            cells += [
                _ci(measure_pass_at_k(final.outcomes, m, k, seed=seed)) if final else "–"
                for k in ks
            ]
        rows.append(cells + _spent_cells(final if final is not None else a))
    doc.table(headers, rows, [False, False, True, *[True] * (len(headers) - 3)])
    doc.para(
        f"Spent quantities are those at the point shown; **{unit}** is the matched unit. "
        "Tokens are tokens that carried loss (a FIM completion, a GSPO sample, every token of "
        "a next-token text), so arms count them on different text. "
        + (
            "Unfinished arms are shown at their last evaluated point (a smaller budget) "
            "and are not compared below."
            if data.unfinished
            else ""
        )
    )
    notes = []
    for m in (FIM, PROOF):
        if m not in measures:
            notes.append(f"No {MEASURES[m]} task was evaluated: that measure is not reported.")
    if notes:
        doc.para(" ".join(notes))


def _headline(v: Verdict, top_k: int) -> bool:
    """The sentences the report leads with: FIM pass@1 (does the arm fill holes?) and
    whole-proof pass@max-k (does it transfer to whole proofs?); the rest go in the table."""
    return (v.measure == FIM and v.k == 1) or (v.measure == PROOF and v.k == top_k)


def _verdicts(doc: Document, data: ExperimentData, verdicts: list[Verdict]) -> None:
    doc.heading("Verdicts")
    doc.para(
        "Each sentence is a paired bootstrap of the per-task difference (first arm minus "
        "second) on the tasks both arms were evaluated on. An interval that contains 0 is "
        "reported as no detectable difference, which is not evidence that the arms are equal."
    )
    if not verdicts:
        doc.para("No comparison could be made: fewer than two compared arms have finished.")
    top_k = max(data.spec.evaluation.ks)
    for a_name, b_name in COMPARISONS:
        lines = [
            v.sentence for v in verdicts if (v.a, v.b) == (a_name, b_name) and _headline(v, top_k)
        ]
        if lines:
            doc.para(" ".join(lines))
    rest = [v for v in verdicts if v.diff is not None]
    if rest:
        doc.para("Every measured difference (first arm minus second, 95% paired interval):")
        doc.table(
            ["comparison", "measure", "difference [95% CI]", "paired tasks", "detectable"],
            [
                [
                    f"{v.a} − {v.b}",
                    f"{MEASURES[v.measure]} pass@{v.k}",
                    f"{_signed(v.diff.estimate)} [{_signed(v.diff.low)}, {_signed(v.diff.high)}]",
                    str(v.paired),
                    "yes" if v.diff.low > 0 or v.diff.high < 0 else "no",
                ]
                for v in rest
                if v.diff is not None
            ],
            right=[False, False, True, True, False],
        )
    skipped = []
    for a_name, b_name in COMPARISONS:
        a, b = data.arm(a_name), data.arm(b_name)
        if a is None or b is None:
            continue
        late = [x.arm for x in (a, b) if not x.finished]
        if late:
            skipped.append(f"{a_name} vs {b_name} ({', '.join(late)} unfinished)")
    if skipped:
        doc.para("Not compared: " + "; ".join(skipped) + ".")


def _per_task(doc: Document, data: ExperimentData) -> None:
    pairs = []
    for a_name, b_name in _MAIN:
        a, b = data.arm(a_name), data.arm(b_name)
        if a and b and a.finished and b.finished and a.final and b.final:
            pairs.append((a, b, a.final, b.final))
    if not pairs:
        return
    doc.heading("Per-task differences (pass@1)")
    for a, b, pa, pb in pairs:
        va, vb = per_task(pa.outcomes, 1), per_task(pb.outcomes, 1)
        kinds = {o.task_id: o.span_kind for o in [*pa.outcomes, *pb.outcomes]}
        differ = sorted(
            (t for t in set(va) & set(vb) if abs(va[t] - vb[t]) > 1e-12),
            key=lambda t: (-abs(va[t] - vb[t]), t),
        )
        shared = len(set(va) & set(vb))
        doc.heading(f"{a.arm} vs {b.arm}", 3)
        doc.para(
            f"{len(differ)} of {shared} shared tasks differ in per-task pass@1"
            + (
                f"; the {_MAX_TASK_ROWS} largest differences:"
                if len(differ) > _MAX_TASK_ROWS
                else "."
            )
        )
        if differ:
            doc.table(
                ["task", "span kind", a.arm, b.arm, f"{a.arm} − {b.arm}"],
                [
                    [
                        str(t),
                        breakdown_label(kinds[t]),
                        f"{va[t]:.3f}",
                        f"{vb[t]:.3f}",
                        _signed(va[t] - vb[t]),
                    ]
                    for t in differ[:_MAX_TASK_ROWS]
                ],
                [True, False, True, True, True],
            )
        if len(differ) > _MAX_TASK_ROWS:
            doc.para(f"… and {len(differ) - _MAX_TASK_ROWS} more tasks that differ.")


def _span_kinds(doc: Document, data: ExperimentData) -> None:
    shown = [(a, a.final) for a in data.arms if a.final is not None]
    if not shown:
        return
    seed = data.spec.evaluation.seed
    present = {o.span_kind for _, p in shown for o in p.outcomes}
    kinds = [k for k in _SPAN_ORDER if k in present] + sorted(present - set(_SPAN_ORDER))
    doc.heading("Per span kind (pass@1, final evaluated point)")
    rows = []
    for kind in kinds:
        tasks = {o.task_id for _, p in shown for o in p.outcomes if o.span_kind == kind}
        rows.append(
            [
                breakdown_label(kind),
                str(len(tasks)),
                *[_ci(measure_pass_at_k(p.outcomes, kind, 1, seed=seed)) for _, p in shown],
            ]
        )
    doc.table(
        [
            "span kind",
            "tasks",
            *[a.arm + ("" if a.finished else " (unfinished)") for a, _ in shown],
        ],
        rows,
        [False, True, *[True] * len(shown)],
    )


@dataclass(frozen=True)
class _Series:
    label: str
    xs: list[float]
    values: list[PassAtK]


def _curve_series(data: ExperimentData, measure: str, unit: str) -> list[_Series]:
    seed = data.spec.evaluation.seed
    base = data.base_point
    base_value = measure_pass_at_k(base.outcomes, measure, 1, seed=seed) if base else None
    out: list[_Series] = []
    if base_value is not None:
        out.append(_Series("base (no training)", [0.0], [base_value]))
    for arm in data.arms:
        if arm.arm == "base":
            continue
        xs: list[float] = [0.0] if base_value is not None else []
        values: list[PassAtK] = [base_value] if base_value is not None else []
        for p in arm.evaluated_points:
            value = measure_pass_at_k(p.outcomes, measure, 1, seed=seed)
            if value is not None:
                xs.append(p.spent(unit))
                values.append(value)
        if len(values) > (1 if base_value is not None else 0):
            out.append(_Series(arm.arm + ("" if arm.finished else " (unfinished)"), xs, values))
    return out


_XLABELS = {
    "tokens": "training tokens that carried loss, cumulative (0 = the starting model)",
    "seconds": "wall-clock seconds of training, cumulative (RL: sampling + verification "
    "+ learning)",
}


def _curve_png(series: list[_Series], *, unit: str, ylabel: str, title: str) -> bytes:
    """pass@1 against spent budget, one errorbar line per arm starting at the base point."""
    if not series:
        return empty_figure("no evaluated point yet", title=title)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for i, s in enumerate(series):
        base = s.label.startswith("base")
        ax.errorbar(
            s.xs,
            [v.estimate for v in s.values],
            yerr=[[v.estimate - v.low for v in s.values], [v.high - v.estimate for v in s.values]],
            fmt="k*" if base else _MARKERS[i % len(_MARKERS)] + "-",
            markersize=11 if base else 6,
            capsize=3,
            label=s.label,
            zorder=3 if base else 2,
        )
    ax.set_xlabel(_XLABELS[unit])
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.03, 1.03)
    right = max((x for srs in series for x in srs.xs), default=0.0) or 1.0
    ax.set_xlim(-0.03 * right, 1.03 * right)  # the base point at 0 stays whole
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return png_bytes(fig)


def _curves(doc: Document, data: ExperimentData, measures: list[str], out: Path) -> list[Path]:
    doc.heading("Learning curves")
    match = data.spec.budget.match
    doc.para(
        "Held-out pass@1 (95% CI over tasks) of every evaluated point against what the arm had "
        "spent to reach it; every trained arm starts at the base model's point (0 tokens, "
        f"0 seconds). The budget was matched on **{match}**, "
        + {
            "tokens": "so the arms end near the same x on the tokens plot and wherever their "
            "speed took them on the seconds plot.",
            "seconds": "so the arms end near the same x on the seconds plot and wherever their "
            "throughput took them on the tokens plot.",
            "steps": "which neither plot's axis is: arms end at different x on both.",
        }[match]
    )
    written: list[Path] = []
    for measure in measures:
        tasks = _task_count(data, "fim_task_ids" if measure == FIM else "proof_task_ids", measure)
        ylabel = f"{MEASURES[measure]} pass@1 (95% CI, {tasks} tasks)"
        for unit in ("tokens", "seconds"):
            matched = " (the matched unit)" if unit == match else ""
            title = f"{data.name}\n{MEASURES[measure]} pass@1 against training {unit}{matched}"
            png = _curve_png(
                _curve_series(data, measure, unit), unit=unit, ylabel=ylabel, title=title
            )
            path = out / f"{data.name}_{measure}_{unit}.png"
            path.write_bytes(png)
            written.append(path)
            doc.image(path, f"{MEASURES[measure]} pass@1 against training {unit}")
    _points_table(doc, data)
    return written


def _points_table(doc: Document, data: ExperimentData) -> None:
    seed = data.spec.evaluation.seed
    rows = []
    for arm in data.arms:
        for p in arm.points:
            if p.evaluated:
                fim = _ci(measure_pass_at_k(p.outcomes, FIM, 1, seed=seed))
                proof = _ci(measure_pass_at_k(p.outcomes, PROOF, 1, seed=seed))
            else:
                fim = proof = "not evaluated"
            rows.append([arm.arm, str(p.point), f"{p.fraction:.0%}", *_spent_cells(p), fim, proof])
    doc.heading("Curve points", 3)
    doc.table(
        [
            "arm",
            "point",
            "fraction",
            *_unit_headers(data.spec.budget.match),
            "FIM pass@1",
            "whole-proof pass@1",
        ],
        rows,
        [False, True, True, True, True, True, True, True],
    )


_RL_GROUPS_SQL = """
SELECT g.status, count(DISTINCT g.id) AS groups, count(c.id) AS candidates,
       count(v.candidate_id) FILTER (WHERE v.verdict = 'pass') AS passed
FROM groups g JOIN candidates c ON c.group_id = g.id
LEFT JOIN verifications v ON v.candidate_id = c.id
WHERE g.run_id = :r GROUP BY g.status"""


def _rl_groups(engine: Engine, run_id: int) -> dict[str, int]:
    out: dict[str, int] = {"candidates": 0, "passed": 0}
    for r in _rows(engine, _RL_GROUPS_SQL, r=run_id):
        out[str(r.status)] = int(r.groups)
        out["candidates"] += int(r.candidates)
        out["passed"] += int(r.passed)
    return out


def _rl_sentence(arm: ArmData, sft_share: float) -> str | None:
    """What the arm's GSPO stage had to learn from: a stage that took no learner step within
    its budget is said plainly, with the reason when it is the usual one (no signal)."""
    g = arm.rl_groups
    if not g:
        return None
    groups = sum(v for k, v in g.items() if k not in ("candidates", "passed"))
    final = arm.final
    # fim-sft+rlvr: the steps of its supervised stage are those at its last point within it.
    sft_points = [p.steps for p in arm.points if arm.arm != "fim-rlvr" and p.fraction <= sft_share]
    rl_steps = (final.steps if final else arm.steps) - max(sft_points, default=0)
    text = (
        f"`{arm.arm}`'s GSPO stage sampled {groups} groups ({g['candidates']} candidates, "
        f"{g['passed']} passed); {g.get('consumed', 0)} were trained on, {g.get('dropped', 0)} "
        "dropped."
    )
    if rl_steps <= 0:
        text += " It took no learner step within its budget"
        if g["passed"] == 0:
            text += (
                ": every candidate failed, so every group had equal rewards and GSPO had "
                "nothing to learn from. From this starting model RL cannot start at this "
                "budget; it needs a model that sometimes succeeds (a warm start) or more time"
            )
        elif g.get("consumed", 0):
            text += (
                " (the step that used its trained-on groups finished after the budget ran "
                "out, so it does not count)"
            )
        text += "; its final point is the policy it started RL from."
    return text


def _limits(
    doc: Document, data: ExperimentData, verdicts: list[Verdict], measures: list[str]
) -> None:
    doc.heading("What this shows and does not show")
    spec = data.spec
    fim_n = _task_count(data, "fim_task_ids", FIM)
    proof_n = _task_count(data, "proof_task_ids", PROOF)
    parts = [
        f"Each arm was trained once (seed {spec.seed}) from `{data.base_model}`: the intervals "
        "are over which held-out tasks were drawn, not over training runs, so they do not "
        "include how far another training seed would move an arm.",
        f"The evaluation has {fim_n} FIM and {proof_n} whole-proof tasks with n = "
        f"{spec.evaluation.n} samples each.",
    ]
    widths = {
        m: [v.diff.high - v.diff.low for v in verdicts if v.measure == m and v.k == 1 and v.diff]
        for m in measures
    }
    for m, ws in widths.items():
        if not ws:
            continue
        median = statistics.median(ws)
        if median > 0:
            parts.append(
                f"Paired {MEASURES[m]} pass@1 intervals have a median width of "
                f"{median:.3f}: a true difference well below about {median / 2:.3f} would "
                "usually go undetected here."
            )
        else:
            count = fim_n if m == FIM else proof_n
            parts.append(
                f"Most paired {MEASURES[m]} pass@1 intervals have width 0: in those "
                "comparisons no task's result differed at all, which says nothing about "
                f"differences smaller than one task changing (1/{count} = {1 / max(count, 1):.3f})."
            )
    parts += [t for t in (_rl_sentence(a, spec.budget.sft_share) for a in data.arms) if t]
    others = [u for u in ("tokens", "steps", "seconds") if u != spec.budget.match]
    parts.append(
        f"Budgets were matched on {spec.budget.match} "
        f"({_amount(spec.budget.match, spec.budget.amount)}); {others[0]} and {others[1]} "
        "differ between arms (see the tables), so a comparison at equal "
        f"{others[0]} or {others[1]} could come out differently, as could one at a larger "
        "budget than the curve points show."
    )
    if PROOF not in measures:
        parts.append("Transfer to whole proofs was not measured (no whole-proof tasks).")
    if data.unfinished:
        parts.append(
            "Unfinished arms: "
            + ", ".join(f"{a.arm} ({a.status})" for a in data.unfinished)
            + "; their comparisons are missing, so this is not yet the full answer."
        )
    else:
        parts.append(f"All {len(data.arms)} arms finished.")
    parts.append(
        "Verdicts are those of the checker named at the top; a figure from another checker "
        "(or Lean version) is a different measurement."
    )
    doc.para(" ".join(parts))


def _natural_language(doc: Document, data: ExperimentData) -> None:
    """The optional natural-language set (``[evaluation] nl``), final point of each arm."""
    rows = []
    for arm in data.arms:
        nl = arm.detail.get("nl")
        if not nl:
            continue
        figures = {int(k): PassAtK.from_json(v) for k, v in nl.get("pass_at_k", {}).items()}
        rows.append(
            [arm.arm, *[_ci(figures.get(k)) for k in data.spec.evaluation.ks], f"`{nl['run']}`"]
        )
    if not rows:
        return
    doc.heading("Natural-language answers (final point)")
    doc.para(
        f"`fimrl eval nl` on `{data.spec.evaluation.nl}`: final-answer equivalence, the same "
        "n and k as above. It shows whether training on Lean moved plain maths answers."
    )
    ks = data.spec.evaluation.ks
    doc.table(
        ["arm", *[f"pass@{k}" for k in ks], "run"],
        rows,
        right=[False, *[True] * len(ks), False],
    )


def write_experiment_report(engine: Engine, name: str, out_dir: Path) -> Path:
    """Write ``<name>.md``, ``<name>.html`` and the curve PNGs into ``out_dir``; return the
    Markdown path."""
    data = collect_experiment(engine, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    measures = _measures_present(data)
    verdicts = compare_arms(data)
    doc = Document(f"fimrl experiment `{data.name}`")
    _header(doc, data)
    _side_by_side(doc, data, measures)
    _verdicts(doc, data, verdicts)
    _per_task(doc, data)
    _span_kinds(doc, data)
    _natural_language(doc, data)
    _curves(doc, data, measures or [FIM], out_dir)
    _limits(doc, data, verdicts, measures)
    md = out_dir / f"{data.name}.md"
    md.write_text(doc.markdown())
    md.with_suffix(".html").write_text(doc.html())
    return md
