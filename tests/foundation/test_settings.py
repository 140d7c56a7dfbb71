"""Settings precedence: constructor > env > TOML file > defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from fimrl.config import ConfigError, Settings


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No FIMRL_* from the outer environment, cwd without a fimrl.toml."""
    import os

    for key in list(os.environ):
        if key.startswith("FIMRL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(isolated_env: Path) -> None:
    s = Settings()
    assert s.group_size == 4
    assert s.verifier_backend == "exact"
    assert s.epsilon_low == 3e-4 and s.epsilon_high == 4e-4
    assert s.state_dir == isolated_env / ".fimrl"


def test_file_over_defaults_env_over_file(isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (isolated_env / "fimrl.toml").write_text("group_size = 8\ntemperature = 0.7\n")
    s = Settings()
    assert (s.group_size, s.temperature) == (8, 0.7)
    monkeypatch.setenv("FIMRL_GROUP_SIZE", "16")
    s = Settings()
    assert (s.group_size, s.temperature) == (16, 0.7)
    assert Settings(group_size=3).group_size == 3


def test_named_config_file(isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = isolated_env / "other.toml"
    path.write_text('verifier_backend = "repl"\n[span_mix]\ntactic = 1.0\n')
    monkeypatch.setenv("FIMRL_CONFIG", str(path))
    s = Settings()
    assert s.verifier_backend == "repl"
    assert s.span_mix == {"tactic": 1.0}


def test_missing_named_file_is_a_clear_error(isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FIMRL_CONFIG", str(isolated_env / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        Settings()


def test_invalid_values_rejected(isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FIMRL_GROUP_SIZE", "1")
    with pytest.raises(ValidationError):
        Settings()
    with pytest.raises(ValidationError):
        Settings(group_size=4, verifier_backend="lean-ish")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(unknown_knob=1)  # type: ignore[call-arg]


def _cli(args: list[str], cwd: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_config_show_masks_secrets_and_reports_precedence(tmp_path: Path) -> None:
    (tmp_path / "fimrl.toml").write_text("group_size = 8\nmax_staleness = 5\n")
    done = _cli(
        ["config", "show", "--json"],
        tmp_path,
        {
            "FIMRL_DATABASE_URL": "postgresql://alice:hunter2@db.example:5432/fimrl",
            "FIMRL_MAX_STALENESS": "7",
        },
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert "hunter2" not in done.stdout
    assert shown["database_url"].startswith("postgresql://alice:***@db.example")
    assert shown["group_size"] == 8
    assert shown["max_staleness"] == 7


def test_invalid_setting_is_one_message_not_a_traceback(tmp_path: Path) -> None:
    done = _cli(["config", "show"], tmp_path, {"FIMRL_GROUP_SIZE": "many"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "group_size" in done.stderr
