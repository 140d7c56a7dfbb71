"""`fimrl report RUN` writes one self-contained HTML file that a real browser renders with its
plots (headless Chromium screenshot)."""

from __future__ import annotations

import base64
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run, insert_learner_step_in
from fimrl.eval.report import find_browser, screenshot, write_report

from ..helpers import REPO, settings_env
from .conftest import make_task, make_train_run, plant_group

#: matplotlib's first two default colours: only plots put them on the page.
PLOT_BLUE = (31, 119, 180)
PLOT_ORANGE = (255, 127, 14)


def plant_experiment(engine: Engine) -> None:
    """A training run with learner steps, rollouts (some rejected by the guard) and two
    evaluations, as the trainer, workers, learner and `fimrl eval run` would leave them."""
    run_id = make_train_run(engine, "paper", "tiny", {1: 2, 2: 4})
    with engine.begin() as conn:
        for step in range(1, 5):
            insert_learner_step_in(
                conn,
                {
                    "run_id": run_id,
                    "step": step,
                    "policy_version": step // 2,
                    "loss": 0.1 / step,
                    "reward_mean": 0.1 * step,
                    "pass_rate": 0.1 * step,
                    "groups_used": 2,
                },
            )
    kinds = ["tactic", "tactic_run", "subproof", "proof"]
    for i in range(8):
        task = make_task(engine, 100 + i, span_kind=kinds[i % 4], split="train")
        for version in (0, 1, 2):
            plant_group(
                engine,
                run_id=run_id,
                task_id=task,
                version=version,
                n=4,
                passes=min(4, (i + version) % 5),
                purpose="train",
                fail_verdict="rejected" if i % 2 else "fail",
                rule=("sorry" if i % 4 == 1 else "forbidden_command") if i % 2 else None,
                duration_s=0.02 + 0.01 * i,
            )
    first = ensure_run(engine, "eval-paper-1", kind="eval", config={"source_run": "paper"})
    second = ensure_run(engine, "eval-paper-2", kind="eval", config={"source_run": "paper"})
    for i in range(12):
        task = make_task(engine, 200 + i, span_kind=kinds[i % 4])
        for eval_run, version in ((first, 0), (first, 1), (second, 2)):
            plant_group(
                engine,
                run_id=eval_run,
                task_id=task,
                version=version,
                n=8,
                passes=min(8, (i % 4) + 2 * version),
            )
    ensure_run(
        engine,
        "nl-paper",
        kind="eval_nl",
        config={
            "source_run": "paper",
            "file": "problems.jsonl",
            "n": 8,
            "problems": [{"id": "1", "answer": "3"}],
            "results": {
                "2": {
                    "label": "v2",
                    "pass_at_k": {
                        "1": {"k": 1, "estimate": 0.5, "low": 0.4, "high": 0.6, "tasks": 1}
                    },
                }
            },
        },
    )


def test_report_is_self_contained_html(clean_db: Engine, settings: Settings) -> None:
    plant_experiment(clean_db)
    out = settings.state_dir / "r" / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "report", "paper", "--out", str(out), "--k", "1,8"],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 7  # reward, pass@k x2, train rollouts, latency x2, rejections
    for data in images:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert 'src="http' not in page and "<script" not in page  # nothing fetched from outside
    for text in (
        "EXACT-MATCH",  # the planted verdicts are `exact`: said loudly
        "whole proof",
        "sub-proof",
        "eval-paper-1",
        "eval-paper-2",
        "forbidden_command",
        "NL pass@1",
        "0.500 [0.400, 0.600]",
    ):
        assert text in page, text
    # An evaluation run's report is its training run's.
    other = write_report(clean_db, "eval-paper-2", settings.state_dir / "r2.html", ks=(1, 8))
    assert "fimrl experiment report: <code>paper</code>" in other.read_text()


def test_report_renders_in_headless_chromium(clean_db: Engine, settings: Settings) -> None:
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on PATH (apt-get install -y chromium): cannot check rendering")
    plant_experiment(clean_db)
    html = write_report(clean_db, "paper", settings.state_dir / "report.html", ks=(1, 8))
    png = screenshot(html, settings.state_dir / "report.png", width=1280, height=5000)
    assert png.stat().st_size > 50_000
    image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert image.shape[:2] == (5000, 1280)
    assert image.std() > 10  # not a blank (uniform) page

    def near(colour: tuple[int, int, int]) -> int:
        return int((np.abs(image - np.array(colour)).sum(axis=2) < 40).sum())

    # The plots are drawn: their line and bar colours fill thousands of pixels.
    assert near(PLOT_BLUE) > 2000, near(PLOT_BLUE)
    assert near(PLOT_ORANGE) > 1000, near(PLOT_ORANGE)
    # Plots appear down the page, not only at the top (the figures after the tables load).
    lower = image[2500:]
    assert int((np.abs(lower - np.array(PLOT_BLUE)).sum(axis=2) < 40).sum()) > 200
