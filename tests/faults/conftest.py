"""Fixtures of the fault tests: a tiny model (built once) and a private rig per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .rig import FaultRig


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer Llama with SmolLM2's tokenizer: loads and samples in milliseconds."""
    from fimrl.rollout.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("faults-tiny"), hidden_size=32)


@pytest.fixture
def make_rig(tiny_model_dir: Path) -> Iterator[Callable[..., FaultRig]]:
    """``make_rig(**knobs)``: own PostgreSQL + Redis + settings; everything removed after."""
    rigs: list[FaultRig] = []

    def make(**knobs: Any) -> FaultRig:
        rig = FaultRig(tiny_model_dir, **knobs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
