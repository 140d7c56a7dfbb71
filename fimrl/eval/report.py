"""``fimrl report RUN``: the experiment report as one self-contained HTML file.

One file, plots embedded as base64 PNG, no external CSS or scripts: a researcher can mail it,
attach it to a paper draft or open it years later offline, and it shows the same thing.

Sections, all read from PostgreSQL (nothing from process memory or log files):

- which checker produced the rewards (``exact`` is said to be NOT Lean, loudly);
- reward and pass rate over learner steps;
- held-out pass@k against learner step (all tasks and whole proofs), and per span kind, from
  the newest evaluation of each version (``fimrl eval run``), with the tables behind them;
- pass@k of the training rollouts per span kind (indicative only: the trainer picks tasks);
- natural-language pass@k next to the Lean figures (``fimrl eval nl``), when run;
- latency histograms: check duration per backend, and time from sampling to verdict;
- guard rejections per rule, and all verdicts, for training and evaluation.

:func:`screenshot` opens the file in headless Chromium, so "the report renders" is checked by
a real browser rather than assumed.
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from fimrl.errors import FimrlError
from fimrl.eval import plots
from fimrl.eval.compare import StepPoint, passk_over_steps
from fimrl.eval.passk import (
    DEFAULT_KS,
    PassAtK,
    TaskOutcome,
    breakdown_label,
    summarize,
)
from fimrl.eval.results import (
    EVAL_KIND,
    NL_EVAL_KIND,
    RunInfo,
    backends_of,
    eval_runs,
    find_run,
    policy_versions,
)

__all__ = [
    "BROWSERS",
    "ReportData",
    "collect",
    "find_browser",
    "render_html",
    "screenshot",
    "write_report",
]

#: Executables tried, in order, to render the report.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


@dataclass
class ReportData:
    """Everything the report shows, gathered once."""

    run: RunInfo
    eval_run_names: list[str]
    steps: list[Any]
    per_version: list[Any]
    eval_points: list[StepPoint]
    train_points: list[StepPoint]
    latency: dict[str, list[float]]
    time_to_verdict: dict[str, list[float]]
    rejections: dict[str, dict[str, int]]
    verdicts: list[Any]
    backends: list[tuple[str, str | None, int]]
    nl: list[dict[str, Any]] = field(default_factory=list)
    ks: tuple[int, ...] = DEFAULT_KS
    generated_at: str = ""


def _train_points(engine: Engine, run_id: int, ks: Sequence[int], seed: int) -> list[StepPoint]:
    rows = _rows(
        engine,
        """
        SELECT g.policy_version AS version, g.task_id, t.span_kind,
               count(v.id) AS n, count(v.id) FILTER (WHERE v.verdict = 'pass') AS c
        FROM groups g JOIN fim_tasks t ON t.id = g.task_id
        JOIN verifications v ON v.group_id = g.id
        WHERE g.run_id = :r AND g.purpose = 'train'
        GROUP BY 1, 2, 3""",
        r=run_id,
    )
    steps = {v.version: v.learner_step for v in policy_versions(engine, run_id)}
    by_version: dict[int, list[TaskOutcome]] = {}
    for r in rows:
        by_version.setdefault(int(r.version), []).append(
            TaskOutcome(int(r.task_id), r.span_kind, int(r.n), int(r.c))
        )
    points = []
    for version, outcomes in sorted(by_version.items()):
        for key, row in summarize(outcomes, ks, n_resamples=500, seed=seed).items():
            for k, value in row.items():
                points.append(
                    StepPoint(version, steps.get(version, version), key, k, value, "train")
                )
    return points


def _latest_nl(engine: Engine, run_name: str) -> list[dict[str, Any]]:
    """Per version, the newest natural-language evaluation's pass@k."""
    latest: dict[int, dict[str, Any]] = {}
    for info in eval_runs(engine, source_run=run_name, kind=NL_EVAL_KIND):
        for version, result in (info.config.get("results") or {}).items():
            latest[int(version)] = {
                "version": int(version),
                "label": result.get("label", f"v{version}"),
                "eval_run": info.name,
                "file": info.config.get("file", ""),
                "n": info.config.get("n"),
                "problems": len(info.config.get("problems", [])),
                "pass_at_k": {
                    int(k): PassAtK.from_json(v) for k, v in result.get("pass_at_k", {}).items()
                },
            }
    return [latest[v] for v in sorted(latest)]


def collect(
    engine: Engine, run: RunInfo, *, ks: Sequence[int] = DEFAULT_KS, seed: int = 0
) -> ReportData:
    """Read everything the report shows for training run ``run`` and its evaluations."""
    evals = eval_runs(engine, source_run=run.name, kind=EVAL_KIND)
    ids = [run.id] + [e.id for e in evals]
    steps = _rows(
        engine,
        "SELECT step, policy_version, reward_mean, pass_rate, loss, groups_used "
        "FROM learner_steps WHERE run_id = :r ORDER BY step",
        r=run.id,
    )
    per_version = _rows(
        engine,
        """
        SELECT g.policy_version AS version, count(*) AS candidates,
               avg(v.reward) AS reward, avg((v.verdict = 'pass')::int) AS pass_rate
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = :r AND g.purpose = 'train' GROUP BY 1 ORDER BY 1""",
        r=run.id,
    )
    latency: dict[str, list[float]] = {}
    waited: dict[str, list[float]] = {}
    for r in _rows(
        engine,
        """
        SELECT g.purpose, v.backend, v.duration_s,
               extract(epoch FROM v.created_at - c.created_at) AS waited
        FROM verifications v JOIN candidates c ON c.id = v.candidate_id
        JOIN groups g ON g.id = v.group_id WHERE g.run_id = ANY(:ids)""",
        ids=ids,
    ):
        latency.setdefault(f"{r.backend} ({r.purpose})", []).append(float(r.duration_s) * 1000)
        waited.setdefault(r.purpose, []).append(max(0.0, float(r.waited)))
    rejections: dict[str, dict[str, int]] = {}
    for r in _rows(
        engine,
        """
        SELECT coalesce(v.rule, '(no rule)') AS rule, g.purpose, count(*) AS n
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = ANY(:ids) AND v.verdict = 'rejected' GROUP BY 1, 2""",
        ids=ids,
    ):
        rejections.setdefault(r.rule, {})[r.purpose] = int(r.n)
    verdicts = _rows(
        engine,
        """
        SELECT g.purpose, v.verdict, coalesce(v.rule, '') AS rule, count(*) AS n
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = ANY(:ids) GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC""",
        ids=ids,
    )
    return ReportData(
        run=run,
        eval_run_names=[e.name for e in evals],
        steps=steps,
        per_version=per_version,
        eval_points=passk_over_steps(engine, run.name, ks, seed=seed),
        train_points=_train_points(engine, run.id, ks, seed),
        latency=latency,
        time_to_verdict=waited,
        rejections=rejections,
        verdicts=verdicts,
        backends=backends_of(engine, ids),
        nl=_latest_nl(engine, run.name),
        ks=tuple(ks),
        generated_at=time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    )


# --- HTML -----------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1150px; color: #1a1a1a; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid
#ddd; padding-bottom: 0.2em; } .meta { color: #555; }
.warn { background: #fff4e5; border-left: 4px solid #f0a020; padding: 0.6em 1em; }
.ok { background: #eef8ee; border-left: 4px solid #3a3; padding: 0.6em 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f3f3f3; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
img { max-width: 100%; border: 1px solid #eee; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(alt)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(p: PassAtK | None) -> str:
    if p is None:
        return "-"
    return f"{p.estimate:.3f} [{p.low:.3f}, {p.high:.3f}]"


def _checker_note(backends: Sequence[tuple[str, str | None, int]]) -> tuple[str, bool]:
    if not backends:
        return "No verdicts yet.", False
    names = sorted({b for b, _, _ in backends})
    parts = ", ".join(f"{b} (Lean {lv or '-'}): {n}" for b, lv, n in backends)
    if "exact" in names:
        return (
            "Rewards include EXACT-MATCH checks (backend `exact`): NOT Lean verification — a "
            f"pass means the middle equals the reference text. Verdicts by backend: {parts}.",
            False,
        )
    if "prelude" in names:
        from fimrl.verify.prelude import DESCRIPTION

        return (
            f"Rewards are Lean's verdicts: {DESCRIPTION} for backend `prelude` (FimCore's own "
            f"definitions, not Lean's or Mathlib's library). Verdicts by backend: {parts}.",
            True,
        )
    return f"Rewards are the Lean 4 checker's verdicts. Verdicts by backend: {parts}.", True


def _passk_table(points: Sequence[StepPoint], ks: Sequence[int]) -> str:
    keyed: dict[tuple[int, str], dict[int, StepPoint]] = {}
    for p in points:
        keyed.setdefault((p.version, p.breakdown), {})[p.k] = p
    order = {"all": 0, "proof": 1}
    rows = []
    for (version, key), by_k in sorted(
        keyed.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 2), kv[0][1])
    ):
        any_point = next(iter(by_k.values()))
        rows.append(
            [
                "base" if version == 0 else f"v{version}",
                any_point.learner_step,
                breakdown_label(key),
                max(p.value.tasks for p in by_k.values()),
                *[_fmt(by_k[k].value) if k in by_k else "-" for k in ks],
                any_point.eval_run,
            ]
        )
    return _table(
        ["version", "step", "task set", "tasks", *[f"pass@{k} [95% CI]" for k in ks], "source"],
        rows,
    )


def render_html(data: ReportData) -> str:
    """The report as one HTML document (plots inline)."""
    run = data.run
    note, is_lean = _checker_note(data.backends)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>fimrl report: {_esc(run.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>fimrl experiment report: <code>{_esc(run.name)}</code></h1>",
        f"<p class='meta'>run id {run.id}, kind {_esc(run.kind)}, status {_esc(run.status)}, "
        f"started {_esc(run.started_at)}; model {_esc(run.config.get('model', '-'))}; "
        f"generated {_esc(data.generated_at)}; evaluations: "
        f"{_esc(', '.join(data.eval_run_names) or 'none')}</p>",
        f"<p class='{'ok' if is_lean else 'warn'}'>{_esc(note)}</p>",
        "<h2>Reward and pass rate over training</h2>",
    ]
    if data.steps:
        png = plots.reward_over_steps(
            [s.step for s in data.steps],
            [s.reward_mean for s in data.steps],
            [s.pass_rate for s in data.steps],
            title="Groups trained on, per learner step",
        )
        caption = "Mean reward and pass rate of the groups each GSPO step trained on."
    else:
        png = plots.reward_over_steps(
            [r.version for r in data.per_version],
            [float(r.reward) for r in data.per_version],
            [float(r.pass_rate) for r in data.per_version],
            title="Training rollouts per policy version",
            xlabel="policy version",
        )
        caption = "No learner steps recorded: training rollouts per policy version instead."
    parts.append(_img(png, "reward and pass rate over steps", caption))
    if data.per_version:
        parts.append(
            _table(
                ["policy version", "candidates", "mean reward", "pass rate"],
                [
                    [r.version, r.candidates, f"{float(r.reward):.3f}", f"{float(r.pass_rate):.3f}"]
                    for r in data.per_version
                ],
            )
        )

    parts.append("<h2>Held-out pass@k against training step</h2>")
    parts.append(
        _img(
            plots.passk_vs_step(data.eval_points, title=f"{run.name}: held-out pass@k"),
            "pass@k against learner step",
            "Unbiased pass@k (Chen et al. 2021) on held-out tasks, newest evaluation of each "
            "version; bars: 95% bootstrap intervals over tasks. Right panel: whole-proof tasks.",
        )
    )
    parts.append(
        _img(
            plots.span_kinds_vs_step(data.eval_points, title="held-out pass@k per span kind"),
            "pass@k per span kind over steps",
            "One panel per k; one line per span kind (whole proof = the entire proof masked).",
        )
    )
    if data.eval_points:
        parts.append(_passk_table(data.eval_points, data.ks))
    else:
        parts.append(
            "<p>No evaluation of this run yet: <code>fimrl eval run --version N --base</code>.</p>"
        )

    parts.append("<h2>pass@k of the training rollouts per span kind</h2>")
    parts.append(
        _img(
            plots.span_kinds_vs_step(
                data.train_points, title="training rollouts (train split): pass@k per span kind"
            ),
            "training rollouts pass@k per span kind",
            "Indicative only: the trainer chooses which tasks each version sees (frontier "
            "sampling), so versions are not measured on the same tasks; k is at most G.",
        )
    )

    if data.nl:
        parts.append("<h2>Natural-language mathematics (final-answer equivalence)</h2>")
        ks_nl = sorted({k for r in data.nl for k in r["pass_at_k"]})
        parts.append(
            _table(
                ["version", "problems", "n", *[f"NL pass@{k}" for k in ks_nl], "file", "source"],
                [
                    [
                        r["label"],
                        r["problems"],
                        r["n"],
                        *[_fmt(r["pass_at_k"].get(k)) for k in ks_nl],
                        r["file"],
                        r["eval_run"],
                    ]
                    for r in data.nl
                ],
            )
        )

    parts.append("<h2>Latency</h2>")
    parts.append(
        _img(
            plots.histograms(
                data.latency, title="Check duration per backend", xlabel="check duration (ms)"
            ),
            "verification latency histogram",
            "Time a worker spent on one candidate (guard + checker), per backend and purpose.",
        )
    )
    parts.append(
        _img(
            plots.histograms(
                data.time_to_verdict,
                title="Time from sampling to verdict",
                xlabel="seconds from candidate written to verdict stored",
            ),
            "time to verdict histogram",
            "Queueing included: how far verification lags generation.",
        )
    )

    parts.append("<h2>Guard rejections and verdicts</h2>")
    parts.append(
        _img(
            plots.bar_counts(data.rejections, title="Rejected candidates per guard rule"),
            "guard rejections per rule",
            "Candidates rejected before (or instead of) Lean, by the rule that fired.",
        )
    )
    parts.append(
        _table(
            ["purpose", "verdict", "rule", "candidates"],
            [[r.purpose, r.verdict, r.rule or "-", r.n] for r in data.verdicts],
        )
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    engine: Engine,
    run_name: str,
    out: Path,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    seed: int = 0,
) -> Path:
    """Write the HTML report of ``run_name`` to ``out`` (a file path); returns it.

    Given an evaluation run, the report is of the training run it evaluated.
    """
    run = find_run(engine, run_name)
    if run.kind in (EVAL_KIND, NL_EVAL_KIND) and run.source_run:
        run = find_run(engine, run.source_run)
    data = collect(engine, run, ks=ks, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    return out


# --- rendering in a real browser ----------------------------------------------------------------


def find_browser() -> str | None:
    """A headless-capable Chromium on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(
    html_file: Path,
    png: Path,
    *,
    width: int = 1280,
    height: int = 4000,
    browser: str | None = None,
    timeout_s: float = 120.0,
) -> Path:
    """Render ``html_file`` in headless Chromium and save a PNG of the page.

    Raises FimrlError when no browser is found (install one: ``apt-get install chromium``) or
    the browser wrote no image (its stderr is in the message).
    """
    exe = browser or find_browser()
    if exe is None:
        raise FimrlError(
            "no Chromium found to render the report (tried "
            f"{', '.join(BROWSERS)}): install one, e.g. `apt-get install -y chromium`"
        )
    png = png.absolute()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="fimrl-chromium-") as profile:
        argv = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html_file.absolute().as_uri(),
        ]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise FimrlError(f"{exe} did not finish rendering in {timeout_s:.0f}s") from None
    if not png.is_file() or png.stat().st_size == 0:
        raise FimrlError(
            f"{exe} wrote no screenshot (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-1500:]}"
        )
    return png
