"""`fimrl demo` end to end with a tiny model: warm-up, RL processes, stop rule, eval, report.

The real SmolLM2 run is `make demo` itself (~30 minutes, README figures); here a tiny random
model with SmolLM2's tokenizer keeps every stage real (TRL warm-up, trainer, learner, Celery
workers, prelude Lean, evaluation) while the whole demo takes a couple of minutes.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fimrl.demo import checker_note
from fimrl.rollout.models import build_tiny_model

from ..helpers import run_fimrl, settings_env, store_omega_task

SMALL = {
    "max_new_tokens": 12,
    "group_size": 2,
    "tasks_per_batch": 2,
    "groups_per_step": 1,
    "max_inflight_groups": 4,
    "warmup_steps": 2,
    "warmup_batch_size": 2,
    "warmup_max_length": 384,
    "warmup_precision": "fp32",
    "worker_concurrency": 1,
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("demo-tiny"), tokenizer=smollm2_tokenizer)


def _demo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_fimrl(env, "demo", "--eval-tasks", "3", "--eval-n", "2", *args, timeout=1200)


def _unverified(conn: Any, run_id: int) -> int:
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM candidates c JOIN groups g ON g.id = c.group_id "
                "LEFT JOIN verifications v ON v.candidate_id = c.id "
                "WHERE g.run_id = :r AND v.candidate_id IS NULL"
            ),
            {"r": run_id},
        ).scalar_one()
    )


def _stopped(env: dict[str, str]) -> None:
    for name in ("trainer", "learner"):
        status = run_fimrl(env, name, "status", timeout=60)
        assert status.returncode != 0, status.stdout


def test_demo_stops_at_its_step_budget_with_every_version_verified(
    clean_db: Any, settings: Any, tiny: Path
) -> None:
    # A random model earns nothing; stepping on signal-free groups (a test-only setting) lets
    # the learner reach its step budget so the step stop rule is what ends the RL phase.
    env = settings_env(settings, model=str(tiny), skip_zero_variance="false", **SMALL)
    done = _demo(env, "--steps", "2", "--minutes", "15")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Lean 4.35.0 kernel on the FimCore prelude (not Mathlib)" in done.stdout
    assert "RL phase ends after 2 learner steps" in done.stdout
    # One line per learner step, with the figures the issue names.
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("step ")]
    assert [ln.split()[1] for ln in lines] == ["1/2", "2/2"]
    assert all(re.search(r"version \d+ .*pass rate .*clip .*staleness", ln) for ln in lines)
    assert "warm-up step 2/2" in done.stdout
    # In a pipe every line is whole: the output ends with the rewards line and a newline.
    assert done.stdout.endswith("\n")
    assert done.stdout.splitlines()[-1].startswith("Rewards: ")
    with clean_db.connect() as conn:
        run_id, config = conn.execute(text("SELECT id, config FROM runs WHERE kind = 'demo'")).one()
        warm = conn.execute(text("SELECT name, config FROM runs WHERE kind = 'warmup'")).one()
        v0 = conn.execute(
            text("SELECT model FROM policy_versions WHERE run_id = :r AND version = 0"),
            {"r": run_id},
        ).scalar_one()
        steps = conn.execute(
            text("SELECT count(*) FROM learner_steps WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
        last = conn.execute(
            text("SELECT max(version) FROM policy_versions WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
        sampled = {
            r[0]
            for r in conn.execute(
                text("SELECT DISTINCT policy_version FROM groups WHERE run_id = :r"),
                {"r": run_id},
            )
        }
        evals = {
            r.name: r.config
            for r in conn.execute(text("SELECT name, config FROM runs WHERE kind = 'eval'"))
        }
        assert _unverified(conn, run_id) == 0  # the drain: every sampled version has verdicts
    # Version 0 of the RL run is the warm-up checkpoint, recorded as such.
    assert v0 == warm.config["warmup"]["checkpoint"] and config["warmup_run"] == warm.name
    assert config["base_model"] == str(tiny) and config["model"] == v0
    assert steps == 2 and last == 2 and sampled <= {0, 1, 2}
    # Held-out evaluation: the base model on its own, warm-up (v0) and final (v2) of the run.
    base = next(c for n, c in evals.items() if n.startswith("demo-eval-base-"))
    rl = evals[f"{config['run_name']}-eval"]
    assert [v["model"] for v in base["versions"]] == [str(tiny)]
    assert [(v["label"], v["version"]) for v in rl["versions"]] == [("warm-up", 0), ("v2", 2)]
    assert base["task_ids"] == rl["task_ids"] and base["split"] == "test"
    report = Path(re.search(r"report: (\S+report\.md)", done.stdout).group(1))  # type: ignore[union-attr]
    md = report.read_text()
    for heading in (
        "Held-out FIM pass@k: base → warm-up → RL",
        "Warm-up (policy version 0)",
        "Training: pass rate and reward per policy version",
        "Learner steps",
        "Verification",
    ):
        assert heading in md
    assert "| prelude | 4.35.0 prelude:FimCore@" in md
    assert "Every candidate of every policy version that sampled has its verdict" in md
    assert "| final (v2) |" in md and "final (v2) − warm-up" in md
    assert report.with_suffix(".html").read_text().startswith("<!doctype html>")
    for png in (
        "held_out.png",
        "held_out_span_kinds.png",
        "pass_rate_per_version.png",
        "learner_steps.png",
        "verification_latency.png",
        "warmup_loss.png",
    ):
        assert (report.parent / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    _stopped(env)


def test_demo_stops_at_its_time_budget_and_counts_skipped_groups(
    clean_db: Any, settings: Any, tiny: Path
) -> None:
    # Defaults: groups without signal are skipped, so a model that earns nothing never steps
    # and the time budget ends the RL phase.
    env = settings_env(settings, model=str(tiny), **SMALL)
    done = _demo(env, "--no-warmup", "--steps", "5", "--minutes", "0.75")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "RL phase ends after 0.75 minutes" in done.stdout, done.stdout + done.stderr[-3000:]
    with clean_db.connect() as conn:
        run_id = conn.execute(text("SELECT id FROM runs WHERE kind = 'demo'")).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM runs WHERE kind = 'warmup'")).scalar() == 0
        skipped = conn.execute(
            text(
                "SELECT count(*) FROM groups WHERE run_id = :r AND status = 'dropped' "
                "AND reason LIKE 'no signal%'"
            ),
            {"r": run_id},
        ).scalar_one()
        assert _unverified(conn, run_id) == 0
    assert skipped > 0
    report = Path(re.search(r"report: (\S+report\.md)", done.stdout).group(1))  # type: ignore[union-attr]
    md = report.read_text()
    assert "No warm-up: RL started from the base model." in md
    assert "No RL step was taken" in md
    assert "| dropped | no signal |" in md
    _stopped(env)


def test_exact_is_announced_as_not_lean(settings: Any) -> None:
    note = checker_note(settings.model_copy(update={"verifier_backend": "exact"}))
    assert "NOT Lean verification" in note


def test_demo_refuses_tasks_the_prelude_toolchain_cannot_check(
    clean_db: Any, settings: Any
) -> None:
    store_omega_task(clean_db, 1)  # a core-Lean task (no `prelude` header)
    done = run_fimrl(settings_env(settings, verifier_backend="prelude"), "demo", "--steps", "1")
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 tasks the prelude toolchain cannot check" in done.stderr
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM groups")).scalar() == 0


def test_demo_refuses_a_bad_budget(settings: Any) -> None:
    for args, message in ((["--minutes", "0"], "--minutes"), (["--eval-n", "0"], "n >= every k")):
        done = run_fimrl(settings_env(settings), "demo", *args, timeout=120)
        assert done.returncode == 2 and message in done.stderr, done.stderr[-2000:]
