"""ops/systemd units: INI structure always; `systemd-analyze verify` where installed.

systemd-analyze checks that ExecStart's program exists, so each unit is verified as a copy whose
/opt/fimrl/.venv/bin/ paths point at stand-in executables in a temporary directory; everything
else (sections, keys, values, specifiers such as %i and %H) is verified as written.
"""

from __future__ import annotations

import configparser
import shutil

import pytest

from tests.ops.tools import SYSTEMD, executable, run

INSTALL_PREFIX = "/opt/fimrl/.venv/bin/"
#: unit file -> the command line its ExecStart must run.
UNITS = {
    "fimrl-worker@.service": "fimrl workers start",
    "fimrl-trainer.service": "fimrl trainer start",
    "fimrl-learner.service": "fimrl learner start",
    "fimrl-metrics.service": "fimrl metrics serve",
    "fimrl-flower.service": "celery --broker=${FIMRL_BROKER_URL} flower",
}


def _parse(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((SYSTEMD / name).read_text(), source=name)
    return parser


def test_unit_files_present() -> None:
    assert set(UNITS) <= {p.name for p in SYSTEMD.glob("*.service")}


@pytest.mark.parametrize("name", sorted(UNITS))
def test_unit_structure(name: str) -> None:
    unit = _parse(name)
    assert unit.sections() == ["Unit", "Service", "Install"]
    service = unit["Service"]
    exec_start = service["ExecStart"]
    assert exec_start.startswith(INSTALL_PREFIX), exec_start
    assert exec_start.removeprefix(INSTALL_PREFIX).startswith(UNITS[name]), exec_start
    assert service["Type"] == "simple"
    assert service["Restart"] in ("always", "on-failure")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 0
    assert service["EnvironmentFile"].lstrip("-") == "/etc/fimrl/fimrl.env"
    assert unit["Unit"]["After"] == "network-online.target"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_worker_is_a_template_with_one_celery_node_per_instance() -> None:
    service = _parse("fimrl-worker@.service")["Service"]
    assert "--hostname lean%i@%H" in service["ExecStart"]
    # Warm shutdown may take a whole check: the stop timeout covers the check time limit.
    assert int(service["TimeoutStopSec"]) >= 300


def test_systemd_analyze_verify(tmp_path) -> None:  # type: ignore[no-untyped-def]
    analyze = executable("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("fimrl", "celery"):
        stub = bin_dir / program
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    units = []
    for name in sorted(UNITS):
        text = (SYSTEMD / name).read_text().replace(INSTALL_PREFIX, f"{bin_dir}/")
        target = tmp_path / name.replace("@.service", "@1.service")  # an instance of a template
        target.write_text(text)
        units.append(str(target))
    result = run([analyze, "verify", *units])
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    # Unknown keys and unparsable values are only warnings to systemd: none may appear.
    assert not [line for line in output.splitlines() if str(tmp_path) in line], output


def test_systemd_analyze_catches_mistakes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The check above bites: a misspelt key is reported."""
    analyze = executable("systemd-analyze")
    if analyze is None or shutil.which("sh") is None:
        pytest.skip("systemd-analyze is not installed")
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nExecStart=/bin/sh -c true\nRestartt=always\n")
    result = run([analyze, "verify", str(bad)])
    assert "Restartt" in result.stdout + result.stderr
