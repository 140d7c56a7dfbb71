"""The demo's report: numbers from the database, PNG plots, one Markdown file.

Plots are what a person looks at first: pass rate and reward per policy version, and the
distribution of verification latency per backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def collect(engine: Engine, run_id: int) -> dict[str, Any]:
    per_version = _rows(
        engine,
        """
        SELECT g.policy_version AS version, count(*) AS candidates,
               avg(v.reward) AS reward, avg((v.verdict = 'pass')::int) AS pass_rate
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = :r GROUP BY 1 ORDER BY 1""",
        r=run_id,
    )
    verdicts = _rows(
        engine,
        """
        SELECT v.verdict, coalesce(v.rule, '') AS rule, count(*) AS n
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = :r GROUP BY 1, 2 ORDER BY 3 DESC""",
        r=run_id,
    )
    latency = _rows(
        engine,
        """
        SELECT v.backend, v.duration_s FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = :r""",
        r=run_id,
    )
    backends = _rows(
        engine,
        """
        SELECT v.backend, coalesce(v.lean_version, '-') AS lean_version, count(*) AS n
        FROM verifications v JOIN groups g ON g.id = v.group_id
        WHERE g.run_id = :r GROUP BY 1, 2""",
        r=run_id,
    )
    steps = _rows(
        engine,
        """
        SELECT step, policy_version, loss, reward_mean, pass_rate, groups_used, groups_dropped,
               groups_skipped, groups_quarantined, step_time_s, wait_time_s
        FROM learner_steps WHERE run_id = :r ORDER BY step""",
        r=run_id,
    )
    groups = dict(
        _rows(engine, "SELECT status, count(*) FROM groups WHERE run_id = :r GROUP BY 1", r=run_id)
    )
    return {
        "per_version": per_version,
        "verdicts": verdicts,
        "latency": latency,
        "backends": backends,
        "steps": steps,
        "groups": groups,
    }


def plot(data: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(7, 4))
    versions = [r.version for r in data["per_version"]]
    ax.plot(versions, [float(r.pass_rate) for r in data["per_version"]], "o-", label="pass rate")
    ax.plot(versions, [float(r.reward) for r in data["per_version"]], "s--", label="mean reward")
    ax.set_xlabel("policy version that sampled the candidates")
    ax.set_ylabel("fraction")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Pass rate and reward per policy version")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    ax.grid(alpha=0.3)
    paths.append(out / "pass_rate_per_version.png")
    fig.tight_layout()
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    by_backend: dict[str, list[float]] = {}
    for backend, duration in data["latency"]:
        by_backend.setdefault(backend, []).append(float(duration) * 1000)
    for backend, values in sorted(by_backend.items()):
        ax.hist(values, bins=40, alpha=0.7, label=f"{backend} (n={len(values)})")
    ax.set_xlabel("verification latency (ms)")
    ax.set_ylabel("candidates")
    ax.set_title("Verification latency")
    if by_backend:
        ax.legend()
    paths.append(out / "verification_latency.png")
    fig.tight_layout()
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def write_report(engine: Engine, run_id: int, run_name: str, out: Path, checker_note: str) -> Path:
    data = collect(engine, run_id)
    images = plot(data, out)
    lines = [f"# fimrl demo report: run `{run_name}`", "", f"**Rewards:** {checker_note}", ""]
    lines += [
        "## Verification backends",
        "",
        "| backend | lean version | candidates |",
        "| --- | --- | ---: |",
    ]
    lines += [f"| {b.backend} | {b.lean_version} | {b.n} |" for b in data["backends"]]
    lines += ["", "## Groups", "", "| status | groups |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(data["groups"].items())]
    lines += [
        "",
        "## Per policy version",
        "",
        "| version | candidates | reward | pass rate |",
        "| ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.version} | {r.candidates} | {float(r.reward):.3f} | {float(r.pass_rate):.3f} |"
        for r in data["per_version"]
    ]
    lines += ["", "## Verdicts", "", "| verdict | rule | candidates |", "| --- | --- | ---: |"]
    lines += [f"| {r.verdict} | {r.rule or '-'} | {r.n} |" for r in data["verdicts"]]
    lines += [
        "",
        "## Learner steps",
        "",
        "| step | version | loss | reward | pass rate | used | dropped | skipped | "
        "quarantined | step s | wait s |",
        "|" + " ---: |" * 11,
    ]
    for s in data["steps"]:
        lines.append(
            f"| {s.step} | {s.policy_version} | {s.loss or 0:.5f} | {s.reward_mean or 0:.3f} | "
            f"{s.pass_rate or 0:.3f} | {s.groups_used} | {s.groups_dropped} | "
            f"{s.groups_skipped} | {s.groups_quarantined} | {s.step_time_s or 0:.1f} | "
            f"{s.wait_time_s or 0:.1f} |"
        )
    lines += [""] + [f"![{p.stem}]({p.name})" for p in images]
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    return report
