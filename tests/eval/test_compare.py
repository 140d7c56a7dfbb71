"""`fimrl eval compare` on two versions with planted verdicts reports the planted difference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run
from fimrl.errors import FimrlError
from fimrl.eval.compare import (
    VersionRef,
    compare_versions,
    parse_version_ref,
    passk_over_steps,
)

from ..helpers import REPO, settings_env
from .conftest import make_task, make_train_run, plant_group

N = 8
TASKS = 30


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


def plant_two_versions(engine: Engine) -> dict[str, float]:
    """v3 passes (i % 3) more of 8 samples than the base on task i; returns planted figures.

    Per task the pass@1 difference is (i % 3) / 8, so the mean difference over 30 tasks is
    exactly (0 + 1 + 2) / 3 / 8 = 0.125; tasks differ, so the interval has width.
    """
    make_train_run(engine, "planted", "tiny", {3: 30})
    eval_run = ensure_run(
        engine, "eval-planted", kind="eval", config={"source_run": "planted", "split": "test"}
    )
    base_rate, v3_rate = 0.0, 0.0
    for i in range(TASKS):
        kind = "proof" if i % 2 else "tactic"
        task = make_task(engine, i, span_kind=kind)
        base_c = i % 5
        v3_c = base_c + i % 3
        plant_group(engine, run_id=eval_run, task_id=task, version=0, n=N, passes=base_c)
        plant_group(engine, run_id=eval_run, task_id=task, version=3, n=N, passes=v3_c)
        base_rate += base_c / N / TASKS
        v3_rate += v3_c / N / TASKS
    return {"base": base_rate, "v3": v3_rate, "diff": 0.125}


def test_version_references() -> None:
    assert parse_version_ref("3") == VersionRef(None, 3)
    assert parse_version_ref("v12") == VersionRef(None, 12)
    assert parse_version_ref("base") == VersionRef(None, 0)
    assert parse_version_ref("fim-run:4") == VersionRef("fim-run", 4)
    assert parse_version_ref("other:base").label == "other:base"
    with pytest.raises(FimrlError, match="cannot read version"):
        parse_version_ref("latest")


def test_compare_reports_the_planted_difference(clean_db: Engine) -> None:
    planted = plant_two_versions(clean_db)
    result = compare_versions(
        clean_db,
        parse_version_ref("3"),
        parse_version_ref("base"),
        default_run="planted",
        ks=(1, 8),
    )
    assert result.a_eval == result.b_eval == "eval-planted"
    row = next(r for r in result.rows if r.breakdown == "all" and r.k == 1)
    assert row.a is not None and row.b is not None and row.diff is not None
    assert row.a.estimate == pytest.approx(planted["v3"])
    assert row.b.estimate == pytest.approx(planted["base"])
    assert row.diff.estimate == pytest.approx(planted["diff"])
    assert row.diff.contains(planted["diff"])
    assert 0 < row.diff.low < planted["diff"] < row.diff.high  # a real, positive difference
    assert row.paired == TASKS
    assert row.a.tasks == row.b.tasks == TASKS
    # Span kinds are compared too (whole proofs are the odd tasks).
    assert {r.breakdown for r in result.rows} == {"all", "tactic", "proof"}
    # pass@8 from n=8 is "any pass": planted exactly as well.
    row8 = next(r for r in result.rows if r.breakdown == "all" and r.k == 8)
    assert row8.a is not None and row8.b is not None
    assert row8.b.estimate == pytest.approx(sum(1 for i in range(TASKS) if i % 5) / TASKS)
    # Comparing a version with itself: zero difference, zero-width interval.
    same = compare_versions(
        clean_db, VersionRef(None, 3), VersionRef(None, 3), default_run="planted", ks=(1,)
    )
    d = same.rows[0].diff
    assert d is not None and d.estimate == d.low == d.high == 0.0
    with pytest.raises(FimrlError, match=r"no evaluation of v7.*eval run --version 7"):
        compare_versions(
            clean_db, VersionRef(None, 7), VersionRef(None, 0), default_run="planted", ks=(1,)
        )
    # Asked of the wrong run: the hint names the run that has one, and the flag.
    with pytest.raises(
        FimrlError, match=r"of run 'default'; runs with one: planted \(choose with --run\)"
    ):
        compare_versions(
            clean_db, VersionRef(None, 3), VersionRef(None, 0), default_run="default", ks=(1,)
        )

    points = passk_over_steps(clean_db, "planted", (1,))
    steps = {(p.version, p.learner_step) for p in points if p.breakdown == "all"}
    assert steps == {(0, 0), (3, 30)}


def test_compare_cli_prints_the_difference_and_writes_the_plot(
    clean_db: Engine, settings: Settings, tmp_path: Path
) -> None:
    planted = plant_two_versions(clean_db)
    plot = tmp_path / "passk.png"
    done = _cli(
        settings, "eval", "compare", "3", "base", "--run", "planted", "--k", "1,8",
        "--plot", str(plot), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    row = next(r for r in out["rows"] if r["breakdown"] == "all" and r["k"] == 1)
    assert row["diff"]["estimate"] == pytest.approx(planted["diff"])
    assert row["diff"]["low"] < planted["diff"] < row["diff"]["high"]
    assert out["plot"] == str(plot)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000

    table = _cli(settings, "eval", "compare", "v3", "base", "--run", "planted", "--no-plot")
    assert table.returncode == 0, table.stderr
    assert "+0.125" in table.stdout and "whole proof" in table.stdout
