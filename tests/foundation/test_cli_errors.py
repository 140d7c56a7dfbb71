"""The CLI's one error boundary: every known failure is one line and exit 2, command by command.

The servers are real and closed (a port nothing listens on), the configuration file is really
broken: this is what an operator with a wrong URL or a typo in fimrl.toml sees.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from fimrl.config import reset_settings_cache

REPO = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    port = _closed_port()
    env.update(
        FIMRL_STATE_DIR=str(tmp_path / "state"),
        FIMRL_DATABASE_URL=f"postgresql+psycopg://fimrl:hunter2@127.0.0.1:{port}/fimrl",
        FIMRL_BROKER_URL=f"redis://:hunter2@127.0.0.1:{port}/0",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def _fimrl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=env["FIMRL_STATE_DIR"].rsplit("/", 1)[0],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


DATABASE_COMMANDS = [
    ("tasks", "stats"),
    ("tasks", "show", "12"),
    ("tasks", "build"),
    ("report", "some-run"),
    ("eval", "compare", "base", "3"),
    ("eval", "run"),
    ("db", "upgrade"),
    ("sql", "SELECT 1"),
    ("experiment", "report", "some-experiment"),
    ("experiment", "list"),
    ("warmup", "show", "some-warmup"),
    ("eval", "list"),
    ("db", "current"),
]  # `metrics show` is an exporter: a server it cannot read is `fimrl_up 0`, not an error
BROKER_COMMANDS = [("workers", "status"), ("workers", "scale", "2")]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=" ".join)
def test_an_unreachable_database_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _fimrl(_env(tmp_path), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot reach PostgreSQL" in done.stderr and "fimrl services start" in done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", BROKER_COMMANDS, ids=" ".join)
def test_an_unreachable_broker_is_one_line_and_quick(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _fimrl(_env(tmp_path), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot reach the broker (Redis)" in done.stderr and "hunter2" not in done.stderr
    assert "fimrl services start" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_services_status_asks_the_servers(tmp_path: Path) -> None:
    done = _fimrl(_env(tmp_path), "services", "status")
    assert done.returncode == 1  # configured but not answering: not "running"
    rows = [line for line in done.stdout.splitlines() if "configured" in line]
    assert len(rows) == 2 and all(" no " in row for row in rows), done.stdout
    assert "Connection refused" in done.stdout or "connection" in done.stdout.lower()


def test_a_broken_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("group_size = [\n")
    done = _fimrl(_env(tmp_path, FIMRL_CONFIG=str(tmp_path / "bad.toml")), "tasks", "stats")
    assert done.returncode == 2
    assert "is not valid TOML" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_setting_is_one_line(tmp_path: Path) -> None:
    done = _fimrl(_env(tmp_path, FIMRL_GROUP_SIZE="many"), "tasks", "stats")
    assert done.returncode == 2
    assert "group_size" in done.stderr and "Traceback" not in done.stderr


def test_debug_shows_the_traceback_of_a_known_failure(tmp_path: Path) -> None:
    done = _fimrl(_env(tmp_path), "--debug", "tasks", "stats")
    assert done.returncode == 1 and "Traceback" in done.stderr


def _failing_app() -> typer.Typer:
    """A command with a bug fimrl does not know (what the boundary must still contain)."""
    app = typer.Typer()

    @app.command()
    def broken() -> None:
        raise ZeroDivisionError("a bug")

    return app


def test_an_unknown_failure_is_summarised_and_debug_shows_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from fimrl import cli

    monkeypatch.setenv("FIMRL_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("FIMRL_DEBUG", raising=False)
    reset_settings_cache()
    monkeypatch.setattr(cli, "app", _failing_app())
    monkeypatch.setattr(sys, "argv", ["fimrl"])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 1
    assert "unexpected ZeroDivisionError: a bug" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["fimrl", "--debug"])
    with pytest.raises(ZeroDivisionError):
        cli.main()
    monkeypatch.setenv("FIMRL_DEBUG", "1")
    reset_settings_cache()
    monkeypatch.setattr(sys, "argv", ["fimrl"])
    try:
        with pytest.raises(ZeroDivisionError):
            cli.main()
    finally:
        reset_settings_cache()


def test_workers_start_refuses_what_celery_would_die_on(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import run_fimrl, settings_env

    env = settings_env(settings)
    for args, message in (
        (["--autoscale", "bogus"], "--autoscale 'bogus': expected MAX,MIN"),
        (["--autoscale", "1,3"], "expected MAX,MIN"),
        (["-c", "2", "--autoscale", "3,1"], "-c and --autoscale conflict"),
    ):
        done = run_fimrl(env, "workers", "start", "--detach", *args, timeout=60)
        assert done.returncode == 2 and message in done.stderr, done.stderr
    # A worker that dies at start-up is an error quoting its log, and leaves no entry behind.
    done = run_fimrl(env, "workers", "start", "--detach", "--loglevel", "BOGUS", timeout=180)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "exited" in done.stderr and "BOGUS" in done.stderr and "started" not in done.stdout
    status = run_fimrl(env, "workers", "status", timeout=60)
    assert status.returncode == 0 and "dead" not in status.stdout, status.stdout


def test_workers_scale_resizes_the_pool_in_place(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import run_fimrl, settings_env
    from workers.scaling import _app, _pool_size

    env = settings_env(settings)
    assert run_fimrl(env, "workers", "scale", "2", timeout=60).returncode == 2  # none running
    started = run_fimrl(env, "workers", "start", "--detach", "-c", "1", timeout=180)
    assert started.returncode == 0, started.stderr
    try:
        node = next((settings.state_dir / "workers").glob("*.node")).read_text().strip()
        pid = started.stdout.split("pid ")[1].split()[0]
        for size in (3, 1):
            done = run_fimrl(env, "workers", "scale", str(size), timeout=120)
            assert done.returncode == 0 and f"-> {size}" in done.stdout, done.stdout + done.stderr
            app = _app(settings)
            try:
                assert _pool_size(app, node) == (size, False)
            finally:
                app.close()
        status = run_fimrl(env, "workers", "status", timeout=60)
        assert f"pid {pid} running" in status.stdout  # the same process: resized, not restarted
    finally:
        run_fimrl(env, "workers", "stop", timeout=60)


def test_eval_run_with_a_dead_broker_fails_before_loading_anything(settings, clean_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from tests.helpers import run_fimrl, settings_env

    env = settings_env(settings) | {"FIMRL_BROKER_URL": f"redis://127.0.0.1:{_closed_port()}/0"}
    done = run_fimrl(env, "eval", "run", "--base", "--limit", "2", "--n", "1", "--k", "1")
    assert done.returncode == 2 and "cannot reach the broker" in done.stderr, done.stderr
    assert "Loading weights" not in done.stderr  # failed before the model was loaded
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 0  # nothing left


def test_status_commands_speak_json(settings) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.helpers import run_fimrl, settings_env

    env = settings_env(settings)
    services = json.loads(run_fimrl(env, "services", "status", "--json", timeout=60).stdout)
    assert {s["service"] for s in services} == {"postgres", "redis"}
    assert all(s["answers"] for s in services) and all("***" in s["url"] for s in services)
    workers = json.loads(run_fimrl(env, "workers", "status", "--json", timeout=60).stdout)
    assert workers == {"workers": [], "queue": settings.queue_name, "waiting": 0}
    for daemon in ("trainer", "learner"):
        done = run_fimrl(env, daemon, "status", "--json", timeout=60)
        assert done.returncode == 1 and json.loads(done.stdout)["running"] is False
