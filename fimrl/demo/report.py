"""The demo's report: numbers from the database and the demo's own record, PNG figures, one
document rendered as ``report.md`` and ``report.html``.

It answers, in order: which Lean produced the rewards; did the held-out pass rate rise from
base to warm-up to RL (with intervals, paired differences and per span kind); how training
went per policy version and per learner step (clipping, staleness); what verification cost;
and whether every version that sampled got its verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from fimrl.demo import plots
from fimrl.demo.document import Document
from fimrl.demo.evaluate import HeldOutResult
from fimrl.demo.watch import DrainResult
from fimrl.eval.passk import Interval, PassAtK, bootstrap_mean, breakdown_label

__all__ = ["DemoFacts", "collect", "write_report"]


@dataclass
class DemoFacts:
    """What the demo knows that the database does not say by itself."""

    run_name: str
    checker_note: str
    base_model: str
    warmup: dict[str, Any] | None
    stop_reason: str
    rl_seconds: float
    total_seconds: float
    drain: DrainResult | None
    held_out: HeldOutResult | None


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def collect(engine: Engine, run_id: int) -> dict[str, Any]:
    """The training run's figures, straight from PostgreSQL."""
    groups = _rows(
        engine,
        """
        SELECT g.policy_version AS version, g.id,
               avg((v.verdict = 'pass')::int) AS pass_rate, avg(v.reward) AS reward,
               count(v.candidate_id) AS verified
        FROM groups g JOIN verifications v ON v.group_id = g.id
        WHERE g.run_id = :r AND g.purpose = 'train' GROUP BY 1, 2""",
        r=run_id,
    )
    per_version: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for g in groups:
        per_version[int(g.version)]["pass"].append(float(g.pass_rate))
        per_version[int(g.version)]["reward"].append(float(g.reward))
        per_version[int(g.version)]["n"].append(float(g.verified))
    return {
        "per_version": {v: dict(d) for v, d in sorted(per_version.items())},
        "verdicts": _rows(
            engine,
            """
            SELECT v.verdict, coalesce(v.rule, '') AS rule, count(*) AS n
            FROM verifications v JOIN groups g ON g.id = v.group_id
            WHERE g.run_id = :r GROUP BY 1, 2 ORDER BY 3 DESC""",
            r=run_id,
        ),
        "latency": _rows(
            engine,
            """
            SELECT v.backend, v.duration_s FROM verifications v JOIN groups g ON g.id = v.group_id
            WHERE g.run_id = :r""",
            r=run_id,
        ),
        "backends": _rows(
            engine,
            """
            SELECT v.backend, coalesce(v.lean_version, '-') AS lean_version, count(*) AS n
            FROM verifications v JOIN groups g ON g.id = v.group_id
            WHERE g.run_id = :r GROUP BY 1, 2 ORDER BY 3 DESC""",
            r=run_id,
        ),
        "steps": _rows(
            engine,
            """
            SELECT step, policy_version, loss, reward_mean, pass_rate, clip_fraction,
                   mismatch_mean, mismatch_p95, tis_capped_fraction,
                   staleness_mean, staleness_max, groups_used, groups_dropped, groups_skipped,
                   groups_quarantined, step_time_s, wait_time_s
            FROM learner_steps WHERE run_id = :r ORDER BY step""",
            r=run_id,
        ),
        "groups": _rows(
            engine,
            """
            SELECT status, coalesce(split_part(reason, ':', 1), '') AS reason, count(*) AS n
            FROM groups WHERE run_id = :r GROUP BY 1, 2 ORDER BY 1, 2""",
            r=run_id,
        ),
    }


def _ci(i: Interval | PassAtK | None, digits: int = 3) -> str:
    if i is None:
        return "-"
    return f"{i.estimate:.{digits}f} [{i.low:.{digits}f}, {i.high:.{digits}f}]"


def _save(out: Path, name: str, png: bytes) -> Path:
    path = out / name
    path.write_bytes(png)
    return path


def _held_out(doc: Document, h: HeldOutResult | None, out: Path) -> None:
    doc.heading("Held-out FIM pass@k: base → warm-up → RL")
    if h is None:
        doc.para("The held-out evaluation did not run (the demo stopped before it).")
        return
    left_out = (
        f"; {len(h.skipped)} of them left out for every policy (prompt too long)"
        if h.skipped
        else ""
    )
    doc.para(
        f"{h.tasks} tasks of the **test** split, a seeded draw from the {h.fitting} of "
        f"{h.test_tasks} test tasks whose prompts fit max_prompt_tokens (the length the policy "
        f"was trained on), the same for every policy{left_out}; n = {h.n} samples per task, "
        "verified by the same workers; intervals are 95% percentile bootstraps over tasks; "
        "differences are paired over the same tasks."
    )
    ks = list(h.ks)
    doc.table(
        ["policy", "evaluation run", *[f"pass@{k}" for k in ks]],
        [
            [p.label, f"`{p.eval_run}`", *[_ci(p.summary.get("all", {}).get(k)) for k in ks]]
            for p in h.policies
        ],
        [False, False, *[True] * len(ks)],
    )
    rows = []
    for name, comparison in h.comparisons.items():
        for row in comparison:
            if row.breakdown == "all":
                rows.append([name, f"pass@{row.k}", _ci(row.diff), str(row.paired)])
    doc.table(
        ["difference", "k", "estimate [95% CI]", "paired tasks"], rows, [False, False, True, True]
    )
    share = _rl_share(h)
    if share is not None:
        doc.para(share)
    kinds = sorted({kd for p in h.policies for kd in p.summary if kd != "all"})
    doc.heading("Per span kind (pass@1)", 3)
    doc.table(
        ["span kind", *[p.label for p in h.policies]],
        [
            [breakdown_label(kd), *[_ci(p.summary.get(kd, {}).get(1)) for p in h.policies]]
            for kd in kinds
        ],
        [False, *[True] * len(h.policies)],
    )
    labels = [p.label for p in h.policies]
    doc.image(
        _save(
            out,
            "held_out.png",
            plots.held_out_bars(labels, [p.summary.get("all", {}) for p in h.policies], h.tasks),
        ),
        "held-out pass@k per policy",
    )
    doc.image(
        _save(
            out,
            "held_out_span_kinds.png",
            plots.span_kind_bars(labels, [p.summary for p in h.policies], 1),
        ),
        "held-out pass@1 per span kind",
    )


def _rl_share(h: HeldOutResult) -> str | None:
    """How much of the base → final gain in pass@1 happened during RL (a point estimate)."""
    base, warm = h.policy("base"), h.policy("warm-up")
    final = h.policies[-1] if len(h.policies) == 3 else None
    if base is None or warm is None or final is None:
        return "No RL step was taken: the final policy is the warm-up checkpoint."
    b, w, f = (p.summary.get("all", {}).get(1) for p in (base, warm, final))
    if b is None or w is None or f is None:
        return None
    gain = f.estimate - b.estimate
    if gain <= 0:
        return (
            f"pass@1 did not rise from base to final ({b.estimate:.3f} → {f.estimate:.3f}): "
            "no gain to attribute."
        )
    return (
        f"Share of the base → final pass@1 gain made by RL: "
        f"{(f.estimate - w.estimate) / gain:.0%} (warm-up: {(w.estimate - b.estimate) / gain:.0%})"
        "; a ratio of point estimates — read it with the intervals of the differences above."
    )


def _training(doc: Document, data: dict[str, Any], out: Path) -> None:
    doc.heading("Training: pass rate and reward per policy version")
    doc.para(
        "Candidates the trainer sampled for training tasks, grouped by the policy version that "
        "sampled them (version 0 is the warm-up checkpoint). The trainer picks tasks by its "
        "curriculum and frontier rule, so these rates are not a held-out measure."
    )
    versions, passes, rewards, rows = [], [], [], []
    for v, d in data["per_version"].items():
        p = bootstrap_mean(d["pass"])
        r = bootstrap_mean(d["reward"])
        versions.append(v)
        passes.append(p)
        rewards.append(r)
        rows.append([str(v), str(len(d["pass"])), str(int(sum(d["n"]))), _ci(p), _ci(r)])
    doc.table(
        ["version", "groups", "candidates", "pass rate [95% CI]", "reward [95% CI]"],
        rows,
        [True] * 5,
    )
    doc.image(
        _save(out, "pass_rate_per_version.png", plots.per_version_rates(versions, passes, rewards)),
        "pass rate and reward per policy version",
    )


def _learner(doc: Document, data: dict[str, Any], out: Path) -> None:
    doc.heading("Learner steps")
    doc.para(
        "`used`: groups in the step; `skipped`: groups without signal (equal rewards, so a zero "
        "GSPO advantage) set aside while gathering it; `stale`: groups older than "
        "max_staleness. Pass rate and reward are those of the used groups. `mismatch`: "
        "mean and p95 over sequences of |mean_t log(π_prox / π_behaviour)|, how far the "
        "sampler's log-probs are from the learner's before the update (`-`: not measured, "
        "behaviour_correction = none); `capped`: share of behaviour weights at tis_cap."
    )
    rows = []
    for s in data["steps"]:
        rows.append(
            [
                str(s.step),
                str(s.policy_version),
                f"{s.loss or 0:.5f}",
                f"{s.pass_rate or 0:.3f}",
                f"{s.reward_mean or 0:.3f}",
                f"{s.clip_fraction or 0:.3f}",
                _pair(s.mismatch_mean, s.mismatch_p95),
                "-" if s.tis_capped_fraction is None else f"{s.tis_capped_fraction:.3f}",
                f"{s.staleness_mean or 0:.2f}/{s.staleness_max or 0}",
                str(s.groups_used),
                str(s.groups_skipped),
                str(s.groups_dropped),
                f"{s.step_time_s or 0:.1f}",
                f"{s.wait_time_s or 0:.1f}",
            ]
        )
    doc.table(
        [
            "step",
            "trained version",
            "loss",
            "pass rate",
            "reward",
            "clip fraction",
            "mismatch mean/p95",
            "capped",
            "staleness mean/max",
            "used",
            "skipped",
            "stale",
            "step s",
            "wait s",
        ],
        rows,
        [True] * 14,
    )
    doc.image(
        _save(out, "learner_steps.png", plots.learner_health(data["steps"])),
        "clip fraction, sampler/learner mismatch and staleness per learner step",
    )


def _pair(mean: float | None, p95: float | None) -> str:
    return "-" if mean is None or p95 is None else f"{mean:.1e}/{p95:.1e}"


def _verification(doc: Document, data: dict[str, Any], out: Path) -> None:
    doc.heading("Verification")
    by_backend: dict[str, list[float]] = defaultdict(list)
    for backend, duration in data["latency"]:
        by_backend[backend].append(float(duration) * 1000)
    rows = []
    for backend, values in sorted(by_backend.items()):
        p50, p90, p99 = np.percentile(values, [50, 90, 99])
        rows.append(
            [
                backend,
                str(len(values)),
                f"{p50:.0f}",
                f"{p90:.0f}",
                f"{p99:.0f}",
                f"{max(values):.0f}",
            ]
        )
    doc.table(
        ["backend", "candidates", "p50 ms", "p90 ms", "p99 ms", "max ms"],
        rows,
        [False, True, True, True, True, True],
    )
    doc.image(
        _save(out, "verification_latency.png", plots.latency_histogram(dict(by_backend))),
        "verification latency",
    )
    doc.heading("Verdicts", 3)
    doc.table(
        ["verdict", "rule", "candidates"],
        [[r.verdict, r.rule or "-", str(r.n)] for r in data["verdicts"]],
        [False, False, True],
    )
    doc.heading("Groups", 3)
    doc.table(
        ["status", "reason", "groups"],
        [[g.status, g.reason or "-", str(g.n)] for g in data["groups"]],
        [False, False, True],
    )


def _warmup(doc: Document, warmup: dict[str, Any] | None, out: Path) -> None:
    doc.heading("Warm-up (policy version 0)")
    if warmup is None:
        doc.para("No warm-up: RL started from the base model.")
        return
    left = ", ".join(f"{k} {v}" for k, v in sorted(warmup["left_out"].items())) or "none"
    losses = warmup.get("losses") or []
    doc.para(
        f"Supervised FIM with TRL's SFTTrainer on the **train** split: warm-up run "
        f"`{warmup['name']}` ({'trained in this demo' if warmup['trained_now'] else 'reused'}), "
        f"{warmup['steps']} steps × {warmup['config']['batch_size']} sequences, "
        f"{warmup['examples']} examples of {warmup['tasks']} tasks (left out: {left}), "
        f"{warmup['epochs']:.2f} epochs, {warmup['train_tokens']} tokens, "
        f"bf16 {warmup['config']['bf16']}, {warmup['seconds']:.0f}s; loss "
        + (f"{losses[0][1]:.3f} → {losses[-1][1]:.3f}" if losses else "-")
        + f". Checkpoint: `{warmup['checkpoint']}`."
    )
    doc.image(
        _save(out, "warmup_loss.png", plots.warmup_loss([tuple(x) for x in losses])), "warm-up loss"
    )


def write_report(engine: Engine, run_id: int, out: Path, facts: DemoFacts) -> Path:
    """Write report.md, report.html and the PNGs into ``out``; return report.md's path."""
    out.mkdir(parents=True, exist_ok=True)
    data = collect(engine, run_id)
    doc = Document(f"fimrl demo report: run `{facts.run_name}`")
    doc.para(f"**Rewards:** {facts.checker_note}")
    doc.table(
        ["backend", "Lean version", "candidates"],
        [[b.backend, b.lean_version, str(b.n)] for b in data["backends"]],
        [False, False, True],
    )
    steps = data["steps"]
    doc.para(
        f"Base model `{facts.base_model}`. RL phase: {len(steps)} learner steps in "
        f"{facts.rl_seconds / 60:.1f} min, stopped after {facts.stop_reason}; whole demo "
        f"{facts.total_seconds / 60:.1f} min."
    )
    if facts.drain is not None:
        if facts.drain.complete:
            doc.para(
                f"Every candidate of every policy version that sampled has its verdict "
                f"(drain {facts.drain.seconds:.0f}s after the trainer stopped)."
            )
        else:
            doc.para(
                f"**Unverified** after the {facts.drain.seconds:.0f}s drain (version: candidates): "
                + ", ".join(f"v{v}: {n}" for v, n in facts.drain.unverified.items())
                + ". Why: the workers did not finish within the drain timeout."
            )
    _held_out(doc, facts.held_out, out)
    _warmup(doc, facts.warmup, out)
    _training(doc, data, out)
    _learner(doc, data, out)
    _verification(doc, data, out)
    md = out / "report.md"
    md.write_text(doc.markdown())
    md.with_suffix(".html").write_text(doc.html())
    return md
