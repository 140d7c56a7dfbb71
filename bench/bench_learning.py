"""Does the main job learn? Held-out pass@1 of base, warm-up and final policy, one fixed run.

    python -m bench learning                 # or: python bench/bench_learning.py [--minutes 12]

Runs exactly what ``fimrl demo`` runs (:func:`fimrl.demo.run_demo`: supervised FIM warm-up,
asynchronous GSPO with trainer, learner and Celery workers as processes, prelude Lean
verdicts, held-out evaluation on the test split) with a fixed seed and budget, on throw-away
services, then reports:

* held-out pass@1 (and pass@n) of base, warm-up and final policy with 95% bootstrap
  intervals over tasks;
* the paired differences warm-up − base, final − warm-up, final − base with intervals;
* the share of the base → final gain made by RL, (final − warm-up) / (final − base), with a
  paired bootstrap interval over tasks (undefined where a resample shows no gain: the share
  of resamples where it is defined is reported beside it).

If there is no gain, it says so, with the limits that explain it (model size, budget, reward
sparsity) rather than a number that suggests otherwise. Results: ``bench/results/
learning-*.json`` and the demo's own report (its path is printed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Any

import numpy as np
from rich.console import Console

from bench.common import bench_services, machine_info, results_dir, write_results

console = Console(width=None if sys.stdout.isatty() else 160)


def rl_share(
    base: dict[int, float],
    warm: dict[int, float],
    final: dict[int, float],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """(final − warm) / (final − base) over the shared tasks, with a paired bootstrap interval."""
    tasks = sorted(set(base) & set(warm) & set(final))
    if not tasks:
        return {"tasks": 0, "estimate": None}
    b, w, f = (np.array([d[t] for t in tasks]) for d in (base, warm, final))
    gain = f.mean() - b.mean()
    estimate = float((f.mean() - w.mean()) / gain) if gain > 0 else None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(tasks), size=(n_resamples, len(tasks)))
    gains = f[idx].mean(1) - b[idx].mean(1)
    rl = f[idx].mean(1) - w[idx].mean(1)
    defined = gains > 0
    shares = rl[defined] / gains[defined]
    out: dict[str, Any] = {
        "tasks": len(tasks),
        "gain": float(gain),
        "estimate": estimate,
        "defined_share_of_resamples": float(defined.mean()),
    }
    if defined.sum() >= 20:
        lo, hi = np.quantile(shares, [0.025, 0.975])
        out["low"], out["high"] = float(lo), float(hi)
    return out


def _per_task_pass1(outcomes: list[Any]) -> dict[int, float]:
    from fimrl.eval.passk import per_task

    return per_task(outcomes, 1)


def _training_figures(settings: Any, run_name: str) -> dict[str, Any]:
    """What limits RL here, in numbers: reward sparsity, signal, steps, clipping."""
    from sqlalchemy import text

    from fimrl.db.session import get_engine

    engine = get_engine(settings)
    with engine.connect() as conn:
        run_id = conn.execute(
            text("SELECT id FROM runs WHERE name = :n"), {"n": run_name}
        ).scalar_one()
        versions = conn.execute(
            text(
                "SELECT g.policy_version AS v, count(*) AS n, "
                "avg((v.verdict = 'pass')::int) AS rate FROM verifications v "
                "JOIN groups g ON g.id = v.group_id WHERE g.run_id = :r GROUP BY 1 ORDER BY 1"
            ),
            {"r": run_id},
        ).all()
        groups = dict(
            conn.execute(
                text(
                    "SELECT coalesce(split_part(reason, ':', 1), status), count(*) FROM groups "
                    "WHERE run_id = :r GROUP BY 1"
                ),
                {"r": run_id},
            ).all()
        )
        steps = conn.execute(
            text(
                "SELECT count(*) AS n, avg(clip_fraction) AS clip, avg(staleness_mean) AS stale, "
                "avg(step_time_s) AS step_s FROM learner_steps WHERE run_id = :r"
            ),
            {"r": run_id},
        ).one()
    return {
        "per_version": [
            {"version": r.v, "candidates": r.n, "pass_rate": round(float(r.rate), 4)}
            for r in versions
        ],
        "groups": groups,
        "learner_steps": steps.n,
        "mean_clip_fraction": None if steps.clip is None else round(float(steps.clip), 3),
        "mean_staleness": None if steps.stale is None else round(float(steps.stale), 3),
        "mean_step_s": None if steps.step_s is None else round(float(steps.step_s), 1),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="most learner steps")
    parser.add_argument("--minutes", type=float, default=10.0, help="most minutes of RL")
    parser.add_argument("--eval-tasks", type=int, default=40)
    parser.add_argument("--eval-n", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="base model (default: the setting)")
    args = parser.parse_args()

    from fimrl.config import Settings
    from fimrl.demo import DemoOptions, run_demo
    from fimrl.demo.evaluate import HeldOut

    with bench_services() as svc:
        overrides: dict[str, Any] = {
            "state_dir": svc.state_dir,
            "database_url": svc.database_url,
            "broker_url": svc.broker_url,
            "seed": args.seed,
            "verifier_backend": "prelude",
        }
        if args.model:
            overrides["model"] = args.model
        settings = Settings(**overrides)
        ks = (1,) if args.eval_n < 2 else (1, args.eval_n)
        options = DemoOptions(
            steps=args.steps,
            minutes=args.minutes,
            held_out=HeldOut(tasks=args.eval_tasks, n=args.eval_n, ks=ks, seed=args.seed),
        )
        report, facts = run_demo(settings, options)
        h = facts.held_out
        assert h is not None
        figures: dict[str, Any] = {}
        per_task: dict[str, dict[int, float]] = {}
        for p in h.policies:
            name = "final" if p.label.startswith("final") else p.label
            figures[name] = {
                f"pass@{k}": v.to_json() for k, v in p.summary.get("all", {}).items()
            } | {"label": p.label, "eval_run": p.eval_run}
            per_task[name] = _per_task_pass1(p.outcomes)
        diffs = {
            name: [
                {"k": r.k, **(r.diff.to_json() if r.diff else {}), "paired": r.paired}
                for r in rows
                if r.breakdown == "all"
            ]
            for name, rows in h.comparisons.items()
        }
        share = (
            rl_share(per_task["base"], per_task["warm-up"], per_task["final"], seed=args.seed)
            if "final" in per_task
            else {"estimate": None, "note": "no RL step was taken"}
        )
        training = _training_figures(settings, facts.run_name)
        # The services' temp dir goes at the end of this block: keep the report beside the JSON.
        kept = results_dir() / f"learning-report-{facts.run_name}"
        shutil.copytree(report.parent, kept, dirs_exist_ok=True)
        report = kept / report.name
    payload = {
        "machine": machine_info(),
        "args": vars(args),
        "report": str(report),
        "rl": {
            "stop_reason": facts.stop_reason,
            "minutes": round(facts.rl_seconds / 60, 2),
            "total_minutes": round(facts.total_seconds / 60, 2),
        },
        "warmup": {
            k: facts.warmup[k] for k in ("steps", "examples", "epochs", "train_tokens", "seconds")
        }
        if facts.warmup
        else None,
        "held_out": {
            "tasks": h.tasks,
            "fitting_test_tasks": h.fitting,
            "test_tasks": h.test_tasks,
            "n": h.n,
            "policies": figures,
            "differences": diffs,
        },
        "training": training,
        "rl_share_of_gain": share,
    }
    path = write_results("learning", payload)
    for name, fig in figures.items():
        p1 = fig["pass@1"]
        console.print(f"{name:8s} pass@1 {p1['estimate']:.3f} [{p1['low']:.3f}, {p1['high']:.3f}]")
    for name, rows in diffs.items():
        r1 = next((r for r in rows if r["k"] == 1), None)
        if r1 and "estimate" in r1:
            console.print(
                f"{name}: pass@1 {r1['estimate']:+.3f} [{r1['low']:+.3f}, {r1['high']:+.3f}]"
            )
    console.print(f"RL share of the gain: {share}")
    console.print(f"results: {path}\nreport: {report}")
    best = figures.get("final", figures["warm-up"])["pass@1"]["estimate"]
    return {
        "base pass@1": round(figures["base"]["pass@1"]["estimate"], 3),
        "warm-up pass@1": round(figures["warm-up"]["pass@1"]["estimate"], 3),
        "final pass@1": round(best, 3),
        "RL share": share.get("estimate"),
    }


if __name__ == "__main__":
    main()
