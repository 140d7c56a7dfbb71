"""Names that become paths cannot leave the state dir (issue 16, probe "run names become paths")."""

from __future__ import annotations

from pathlib import Path

import pytest

from fimrl.config import Settings
from fimrl.errors import FimrlError
from fimrl.safe_paths import safe_name, state_path

from ..helpers import run_fimrl, settings_env

ATTACKS = ["../../../../tmp/x", "a/b", "..", ".", "", "/etc", "x\x00y", "-rf", "a" * 200, "é"]


@pytest.mark.parametrize("name", ["faults", "fim-sft+rlvr", "run.1", "Eval_2"])
def test_ordinary_names_pass(name: str, tmp_path: Path) -> None:
    assert safe_name(name, "run name") == name
    assert state_path(tmp_path, "reports", name) == (tmp_path / "reports" / name).resolve()


@pytest.mark.parametrize("name", ATTACKS)
def test_names_that_could_escape_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(FimrlError, match="cannot name a file"):
        state_path(tmp_path, "reports", name, what="run name")


def test_a_symlink_out_of_the_state_dir_is_refused(tmp_path: Path) -> None:
    state, outside = tmp_path / "state", tmp_path / "outside"
    (state / "reports").mkdir(parents=True)
    outside.mkdir()
    (state / "reports" / "innocent").symlink_to(outside)
    with pytest.raises(FimrlError, match="outside the state dir"):
        state_path(state, "reports", "innocent")


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "../../../../{victim}"],
        ["eval", "plot", "../../../../{victim}"],
        ["experiment", "report", "../../../../{victim}"],
    ],
)
def test_cli_refuses_a_run_name_that_leads_outside(
    argv: list[str], settings: Settings, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    args = [a.format(victim=str(victim).lstrip("/")) for a in argv]
    done = run_fimrl(settings_env(settings), *args, timeout=120)
    assert done.returncode != 0
    assert "cannot name a file" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not victim.exists() and not list(tmp_path.glob("victim*"))
