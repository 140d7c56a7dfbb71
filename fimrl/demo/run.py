"""`fimrl demo`: the whole asynchronous loop on one machine, as separate processes.

Services, schema and tasks first; then verifier workers, the trainer and the learner start
as their own processes (exactly as an operator would start them), the demo watches the
database until the learner has taken the configured number of steps, stops everything with
SIGTERM and writes a report. It states which checker produced the rewards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from sqlalchemy import Engine, text

from fimrl.config import REPO_ROOT, Settings
from fimrl.db import migrate
from fimrl.db.run_store import ensure_run, finish_run
from fimrl.db.session import get_engine
from fimrl.demo_report import write_report
from fimrl.errors import FimrlError
from fimrl.ingest import build_into_db, default_corpus
from fimrl.services.manager import start_services
from fimrl.verify.factory import resolve_backend
from fimrl.verify.prelude import DESCRIPTION as PRELUDE_DESCRIPTION
from fimrl.verify.prelude import PreludeUnavailable, ensure_prelude

console = Console()


@dataclass
class Progress:
    groups: int
    candidates: int
    verified: int
    steps: int
    version: int
    reward: float | None
    pass_rate: float | None


def checker_note(settings: Settings) -> str:
    if settings.verifier_backend == "exact":
        return (
            "EXACT-MATCH reference check (backend `exact`): NOT Lean verification — no "
            "Lean toolchain was used; a reward means the middle equals the reference text."
        )
    if settings.verifier_backend == "prelude":
        return (
            f"{PRELUDE_DESCRIPTION}: Lean's real elaborator and kernel (backend `prelude`) "
            "checking against fimrl's own FimCore library, not Lean's or Mathlib's."
        )
    return f"Lean 4 via the `{settings.verifier_backend}` backend (the Lean compiler's verdict)."


def choose_backend(settings: Settings) -> tuple[Settings, str]:
    """The backend the demo uses and why: the configured one when ``FIMRL_VERIFIER_BACKEND``
    is set, else ``auto`` (a full toolchain's REPL, else the prelude toolchain, else
    `exact`), said loudly, never hidden."""
    if "FIMRL_VERIFIER_BACKEND" in os.environ:
        name, why = resolve_backend(settings)
    else:
        name, why = resolve_backend(settings.model_copy(update={"verifier_backend": "auto"}))
    return settings.model_copy(update={"verifier_backend": name}), why


def _progress(engine: Engine, run_id: int) -> Progress:
    with engine.connect() as conn:
        g, c, v = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM groups WHERE run_id = :r),"
                " (SELECT count(*) FROM candidates c JOIN groups g ON g.id = c.group_id "
                "  WHERE g.run_id = :r),"
                " (SELECT count(*) FROM verifications v JOIN groups g ON g.id = v.group_id "
                "  WHERE g.run_id = :r)"
            ),
            {"r": run_id},
        ).one()
        last = conn.execute(
            text(
                "SELECT step, reward_mean, pass_rate FROM learner_steps WHERE run_id = :r "
                "ORDER BY step DESC LIMIT 1"
            ),
            {"r": run_id},
        ).first()
        version = conn.execute(
            text("SELECT coalesce(max(version), 0) FROM policy_versions WHERE run_id = :r"),
            {"r": run_id},
        ).scalar_one()
    return Progress(
        g,
        c,
        v,
        last.step if last else 0,
        int(version),
        last.reward_mean if last else None,
        last.pass_rate if last else None,
    )


def _table(p: Progress, target: int, elapsed: float, note: str) -> Table:
    t = Table(title=f"fimrl demo — {elapsed:.0f}s", caption=note)
    for col in (
        "groups generated",
        "candidates",
        "verified",
        "learner step",
        "policy version",
        "reward (last step)",
        "pass rate (last step)",
    ):
        t.add_column(col, justify="right")
    t.add_row(
        str(p.groups),
        str(p.candidates),
        str(p.verified),
        f"{p.steps}/{target}",
        str(p.version),
        "-" if p.reward is None else f"{p.reward:.3f}",
        "-" if p.pass_rate is None else f"{p.pass_rate:.3f}",
    )
    return t


def _fimrl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_demo(settings: Settings, *, steps: int, timeout_s: float) -> Path:
    settings, why = choose_backend(settings)
    note = checker_note(settings)
    style = "bold yellow" if settings.verifier_backend == "exact" else "bold green"
    if why:
        console.print(why)
    console.print(f"[{style}]Rewards: {note}[/]")
    if settings.verifier_backend == "prelude":
        try:  # once here, before two worker processes would wait on each other's build
            ensure_prelude(settings, progress=console.print)
        except PreludeUnavailable as exc:
            raise FimrlError(f"the prelude Lean toolchain cannot be built: {exc}") from None
    corpus = default_corpus(settings.verifier_backend)
    urls = start_services(settings)
    console.print(f"services: postgres + redis ({urls.broker_url})")
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        have, prelude_tasks = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE header LIKE 'prelude%') FROM fim_tasks")
        ).one()
    if not have:
        summary = build_into_db(engine, [corpus], settings)
        console.print(f"tasks: {summary.stored} from {summary.files} files of {corpus.name}")
    elif settings.verifier_backend == "prelude" and prelude_tasks < have:
        raise FimrlError(
            f"the database holds {have - prelude_tasks} tasks the prelude toolchain cannot "
            "check (their header is not `prelude`): run the demo with a fresh state dir "
            "(FIMRL_STATE_DIR), or set FIMRL_VERIFIER_BACKEND to a backend that can"
        )
    run_name = f"demo-{time.strftime('%Y%m%d-%H%M%S')}"
    run_id = ensure_run(engine, run_name, kind="demo", config=settings.display())
    env = os.environ | {
        "FIMRL_STATE_DIR": str(settings.state_dir),
        "FIMRL_RUN_NAME": run_name,
        "FIMRL_VERIFIER_BACKEND": settings.verifier_backend,
        "PYTHONPATH": str(REPO_ROOT),
    }
    # With a 135M model almost every group scores all-zero; the demo still steps on them
    # (zero advantages) so the version hand-off is exercised, unless configured otherwise.
    env.setdefault("FIMRL_SKIP_ZERO_VARIANCE", "false")
    started: list[str] = []
    try:
        for name, args in (
            (
                "workers",
                ("workers", "start", "--detach", "-c", "2", "--hostname", f"demo-{os.getpid()}@%h"),
            ),
            ("trainer", ("trainer", "start", "--detach")),
            ("learner", ("learner", "start", "--detach", "--max-steps", str(steps))),
        ):
            done = _fimrl(env, *args)
            if done.returncode != 0:
                raise FimrlError(
                    f"could not start the {name}: {(done.stderr or done.stdout).strip()[-1500:]}"
                )
            started.append(name)
            console.print(f"started {name}")
        t0 = time.monotonic()
        with Live(console=console, refresh_per_second=2) as live:
            while True:
                p = _progress(engine, run_id)
                live.update(_table(p, steps, time.monotonic() - t0, note))
                if p.steps >= steps:
                    break
                if time.monotonic() - t0 > timeout_s:
                    console.print(f"[red]timed out after {timeout_s:.0f}s[/]")
                    break
                for name in ("learner", "trainer"):
                    if _fimrl(env, name, "status").returncode != 0:
                        if _progress(engine, run_id).steps >= steps:
                            break  # the learner finished its steps and exited meanwhile
                        log = settings.state_dir / name / f"{name}.log"
                        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                        raise FimrlError(f"the {name} stopped early; end of {log}:\n{tail}")
                time.sleep(2.0)
    finally:
        for name in reversed(started):
            _fimrl(env, name, "stop")
            console.print(f"stopped {name}")
        finish_run(engine, run_id)
    report = write_report(engine, run_id, run_name, settings.state_dir / "reports" / run_name, note)
    console.print(f"[bold]report:[/] {report}")
    console.print(f"[{style}]Rewards: {note}[/]")
    return report
