"""Checkpoints: safetensors weights (or a LoRA adapter), tokenizer and optimizer state."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch


def checkpoint_dir(root: Path, run_id: int, version: int) -> Path:
    return root / f"run-{run_id}" / f"v{version:05d}"


def save_checkpoint(
    directory: Path,
    model: Any,
    tokenizer: Any,
    optimizer: torch.optim.Optimizer | None,
    scheduler: Any = None,
    step: int = 0,
) -> Path:
    """Write into a temp dir, then rename: a crash never leaves a half checkpoint behind."""
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp, safe_serialization=True)
    if tokenizer is not None:
        tokenizer.save_pretrained(tmp)
    state: dict[str, Any] = {"step": step}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    torch.save(state, tmp / "trainer_state.pt")
    if directory.exists():
        shutil.rmtree(directory)
    os.replace(tmp, directory)
    return directory


def load_trainer_state(directory: Path) -> dict[str, Any]:
    path = directory / "trainer_state.pt"
    return torch.load(path, weights_only=False) if path.exists() else {}
