"""`fimrl experiment run` end to end with a tiny model: every arm trains to its budget, every
point is evaluated by real workers with the prelude Lean toolchain, a killed experiment resumes
where it stopped, and the report renders.

The real SmolLM2 run is `experiments/cpu-small.toml` (under an hour on 2 cores; README
figures); a tiny random model with SmolLM2's tokenizer keeps every stage real here (TRL
trainers, trainer and learner processes, Celery workers, Lean) in a few minutes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from fimrl.db import queries
from fimrl.rollout.models import build_tiny_model

from ..helpers import REPO, run_fimrl, settings_env, wait_for

SMALL = {
    "max_new_tokens": 12,
    "group_size": 2,
    "tasks_per_batch": 2,
    "groups_per_step": 1,
    "max_inflight_groups": 4,
    "warmup_precision": "fp32",
    "worker_concurrency": 1,
    # A random model earns nothing; stepping on signal-free groups lets the learner spend its
    # step budget (a test-only setting).
    "skip_zero_variance": False,
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("experiment-tiny"), tokenizer=smollm2_tokenizer)


def _spec(
    path: Path, name: str, model: Path, arms: list[str], budget: str, evaluation: str = ""
) -> Path:
    settings = "\n".join(f"{k} = {json.dumps(v)}" for k, v in SMALL.items())
    path.write_text(
        f'name = "{name}"\nmodel = "{model}"\narms = {arms!r}\n'.replace("'", '"')
        + f"[budget]\n{budget}\n"
        + "[supervised]\nbatch_size = 2\nmax_length = 384\n"
        + f"[evaluation]\nfim_tasks = 2\nproof_tasks = 1\nn = 2\nks = [1, 2]\n{evaluation}\n"
        + f"[settings]\n{settings}\n"
    )
    return path


def _arms(engine: Any, name: str) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        columns, rows = queries.fetch(conn, "experiment_arms", experiment=name)
    return {r[columns.index("arm")]: dict(zip(columns, r, strict=True)) for r in rows}


def _points(engine: Any, name: str) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        columns, rows = queries.fetch(conn, "experiment_points", experiment=name)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        row = dict(zip(columns, r, strict=True))
        out.setdefault(row["arm"], []).append(row)
    return out


def test_every_arm_trains_to_a_matched_step_budget_and_is_evaluated(
    clean_db: Any, settings: Any, tiny: Path, tmp_path: Path
) -> None:
    arms = ["base", "ntp", "fim-sft", "fim-rlvr", "fim-sft+rlvr"]
    spec = _spec(
        tmp_path / "e.toml", "all-arms", tiny, arms, 'match = "steps"\namount = 2\nsft_share = 0.5'
    )
    done = run_fimrl(settings_env(settings), "experiment", "run", str(spec), timeout=1500)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Lean 4.35.0 kernel on the FimCore prelude (not Mathlib)" in done.stdout

    got = _arms(clean_db, "all-arms")
    assert list(got) == arms
    assert all(a["status"] == "evaluated" and a["eval_run"] for a in got.values())
    assert got["base"]["steps"] == 0 and got["base"]["budget_target"] == 0
    for arm in arms[1:]:  # the matched unit is spent exactly; the others are recorded
        assert (got[arm]["budget_unit"], got[arm]["budget_target"]) == ("steps", 2), arm
        assert got[arm]["steps"] == 2, arm
        assert got[arm]["tokens"] > 0 and got[arm]["seconds"] > 0, arm
    assert got["fim-rlvr"]["rl_run"] and got["fim-sft+rlvr"]["rl_run"]
    assert got["ntp"]["rl_run"] is None

    points = _points(clean_db, "all-arms")
    assert [p["point"] for p in points["base"]] == [0]
    for arm in arms[1:]:
        assert [p["fraction"] for p in points[arm]] == [0.5, 1.0], arm
        assert [p["steps"] for p in points[arm]] == [1, 2], arm
        assert all(p["evaluated"] for p in points[arm]), arm
        assert all(p["fim_pass_at_1"] is not None for p in points[arm]), arm

    with clean_db.connect() as conn:
        # fim-sft+rlvr's GSPO stage starts from its SFT checkpoint: version 0 *is* point 1.
        v0 = conn.execute(
            text(
                "SELECT pv.model FROM policy_versions pv JOIN runs r ON r.id = pv.run_id "
                "WHERE r.name = :n AND pv.version = 0"
            ),
            {"n": got["fim-sft+rlvr"]["rl_run"]},
        ).scalar_one()
        assert v0 == points["fim-sft+rlvr"][0]["checkpoint"]
        # Every evaluated sample has a Lean verdict of the prelude toolchain.
        backends = conn.execute(
            text(
                "SELECT DISTINCT v.backend FROM verifications v JOIN groups g ON g.id = v.group_id "
                "JOIN runs r ON r.id = g.run_id WHERE r.name LIKE 'all-arms.%.eval'"
            )
        ).scalars()
        assert set(backends) == {"prelude"}

    report = settings.state_dir / "reports" / "experiment-all-arms" / "all-arms.md"
    body = report.read_text()
    for arm in arms:
        assert arm in body
    # What each GSPO stage learned from is stated; both took their steps within the budget.
    assert "`fim-rlvr`'s GSPO stage sampled" in body and "`fim-sft+rlvr`'s GSPO stage" in body
    assert "took no learner step" not in body
    assert report.with_suffix(".html").exists()
    # Run again: everything is done, nothing is retrained or re-evaluated.
    again = run_fimrl(settings_env(settings), "experiment", "run", str(spec), timeout=600)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert again.stdout.count("already evaluated: skipped") == len(arms)
    listed = run_fimrl(settings_env(settings), "experiment", "list", "all-arms", timeout=120)
    assert listed.returncode == 0 and "fim-sft+rlvr" in listed.stdout
    as_json = run_fimrl(settings_env(settings), "experiment", "list", "all-arms", "--json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert sorted(r["arm"] for r in rows) == sorted(arms)
    assert {r["status"] for r in rows} == {"evaluated"} and {r["experiment"] for r in rows} == {
        "all-arms"
    }


def test_a_killed_experiment_resumes_at_its_last_point(
    clean_db: Any, settings: Any, tiny: Path, tmp_path: Path
) -> None:
    spec = _spec(
        tmp_path / "r.toml",
        "resume",
        tiny,
        ["ntp"],
        'match = "steps"\namount = 60\npoints = [0.1, 1.0]',
    )
    env = settings_env(settings)
    proc = subprocess.Popen(
        [sys.executable, "-m", "fimrl.cli", "experiment", "run", str(spec)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first = wait_for(
            lambda: _points(clean_db, "resume").get("ntp"), timeout=600, what="ntp's point 1"
        )
        os.killpg(proc.pid, signal.SIGKILL)  # no chance to clean up: a crash, not a stop
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert first[0]["steps"] == 6 and _arms(clean_db, "resume")["ntp"]["status"] == "training"

    done = run_fimrl(env, "experiment", "run", str(spec), timeout=900)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "[ntp] resuming" in done.stdout
    assert "resuming ntp from point 1 (6 steps)" in done.stdout
    points = _points(clean_db, "resume")["ntp"]
    assert [(p["point"], p["steps"]) for p in points] == [(1, 6), (2, 60)]
    assert points[0]["created_at"] == first[0]["created_at"]  # kept, not redone
    arm = _arms(clean_db, "resume")["ntp"]
    assert (arm["status"], arm["steps"]) == ("evaluated", 60)
    # The resumed run went on from step 6: its trainer state holds steps 7..60 only once.
    state = Path(points[1]["checkpoint"]) / "resume" / "trainer_state.json"
    assert '"global_step": 60' in state.read_text()


def test_bad_experiment_files_are_refused_clearly(settings: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\narms = ["base", "sft"]\n[budget]\namount = 10\npoints = [0.5]\n')
    done = run_fimrl(settings_env(settings), "experiment", "run", str(bad), timeout=120)
    assert done.returncode == 2
    assert "unknown arm(s) ['sft']" in done.stderr and "end at 1.0" in done.stderr
    assert "Traceback" not in done.stderr
    missing = run_fimrl(settings_env(settings), "experiment", "run", "/no/such.toml")
    assert missing.returncode == 2 and "no experiment file" in missing.stderr


def test_arms_can_be_shared_between_hosts_and_get_the_natural_language_set(
    clean_db: Any, settings: Any, tiny: Path, tmp_path: Path
) -> None:
    env = settings_env(settings)
    missing = _spec(
        tmp_path / "m.toml", "nl-missing", tiny, ["base"], "amount = 1", 'nl = "/no/such.jsonl"'
    )
    refused = run_fimrl(env, "experiment", "run", str(missing), timeout=300)
    assert refused.returncode == 2 and "/no/such.jsonl does not exist" in refused.stderr
    problems = tmp_path / "nl.jsonl"
    problems.write_text(
        '{"question": "What is 2 + 3?", "answer": "5"}\n'
        '{"question": "What is 7 * 6?", "answer": 42}\n'
    )
    spec = _spec(
        tmp_path / "h.toml",
        "hosts",
        tiny,
        ["base", "ntp"],
        'match = "steps"\namount = 2',
        f'nl = "{problems}"',
    )
    only = run_fimrl(env, "experiment", "run", str(spec), "--arm", "base", timeout=600)
    assert only.returncode == 0, (only.stdout + only.stderr)[-3000:]
    arms = _arms(clean_db, "hosts")
    assert (arms["base"]["status"], arms["ntp"]["status"]) == ("evaluated", "pending")
    assert "not every arm is evaluated yet" in only.stdout
    with clean_db.begin() as conn:  # another host claimed ntp (and is gone)
        conn.execute(
            text("UPDATE experiment_arms SET status = 'training', host = 'gpu-7' WHERE arm = 'ntp'")
        )
    left = run_fimrl(env, "experiment", "run", str(spec), timeout=600)
    assert left.returncode == 0 and "[ntp] is training on gpu-7: skipped" in left.stdout
    assert _arms(clean_db, "hosts")["ntp"]["status"] == "training"
    taken = run_fimrl(env, "experiment", "run", str(spec), "--take-over", timeout=600)
    assert taken.returncode == 0, (taken.stdout + taken.stderr)[-3000:]
    ntp = _arms(clean_db, "hosts")["ntp"]
    assert (ntp["status"], ntp["steps"], ntp["host"]) == ("evaluated", 2, socket.gethostname())
    wrong = run_fimrl(env, "experiment", "run", str(spec), "--arm", "fim-rlvr", timeout=300)
    assert wrong.returncode == 2 and "not an arm of hosts" in wrong.stderr

    with clean_db.connect() as conn:  # `fimrl eval nl` ran on each arm's final point
        nl = dict(
            conn.execute(
                text(
                    "SELECT a.arm, a.detail -> 'nl' FROM experiment_arms a JOIN experiments e "
                    "ON e.id = a.experiment_id WHERE e.name = 'hosts'"
                )
            ).all()
        )
        kinds = conn.execute(
            text("SELECT kind FROM runs WHERE name = ANY(:n)"),
            {"n": [nl["base"]["run"], nl["ntp"]["run"]]},
        ).scalars()
        assert set(kinds) == {"eval_nl"}
    assert set(nl["ntp"]["pass_at_k"]) == {"1", "2"}
    body = (settings.state_dir / "reports" / "experiment-hosts" / "hosts.md").read_text()
    assert "Natural-language answers (final point)" in body and nl["ntp"]["run"] in body
