"""`fimrl demo` end to end: real SmolLM2-135M, real workers, trainer and learner processes."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from fimrl.demo import checker_note

from ..helpers import REPO, settings_env, store_omega_task


def test_demo_runs_the_whole_loop_and_writes_a_report(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    env = settings_env(
        settings,
        max_new_tokens=16,
        group_size=2,
        tasks_per_batch=1,
        groups_per_step=1,
        max_inflight_groups=4,
    )
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "demo", "--steps", "1", "--timeout", "900"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # No full toolchain here: the prelude toolchain is chosen and named, prominently.
    assert "Lean 4.35.0 kernel on the FimCore prelude (not Mathlib)" in done.stdout
    reports = list((settings.state_dir / "reports").glob("demo-*/report.md"))
    assert len(reports) == 1
    report = reports[0].read_text()
    assert "backend `prelude`" in report and "| prelude | 4.35.0 prelude:FimCore@" in report
    for png in ("pass_rate_per_version.png", "verification_latency.png"):
        image = reports[0].parent / png
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 10_000
    with clean_db.connect() as conn:
        steps = conn.execute(text("SELECT count(*) FROM learner_steps")).scalar()
        versions = conn.execute(text("SELECT max(version) FROM policy_versions")).scalar()
        consumed = conn.execute(
            text("SELECT count(*) FROM groups WHERE status = 'consumed'")
        ).scalar()
        backends = {r[0] for r in conn.execute(text("SELECT DISTINCT backend FROM verifications"))}
    assert steps == 1 and versions >= 1 and consumed >= 1
    assert backends == {"prelude"}
    with clean_db.connect() as conn:
        headers = {
            r[0] for r in conn.execute(text("SELECT DISTINCT left(header, 23) FROM fim_tasks"))
        }
    assert headers == {"prelude\nimport FimCore\n"}  # tasks cut from the FimCore corpus
    # Every process was stopped.
    for name in ("trainer", "learner"):
        status = subprocess.run(
            [sys.executable, "-m", "fimrl.cli", name, "status"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode != 0, status.stdout


def test_exact_is_announced_as_not_lean(settings) -> None:  # type: ignore[no-untyped-def]
    note = checker_note(settings.model_copy(update={"verifier_backend": "exact"}))
    assert "NOT Lean verification" in note


def test_demo_refuses_tasks_the_prelude_toolchain_cannot_check(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    store_omega_task(clean_db, 1)  # a core-Lean task (no `prelude` header)
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "demo", "--steps", "1"],
        cwd=REPO,
        env=settings_env(settings, verifier_backend="prelude"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 tasks the prelude toolchain cannot check" in done.stderr
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM groups")).scalar() == 0
