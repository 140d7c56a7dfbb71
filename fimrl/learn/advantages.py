"""Group-normalised advantages: each candidate is judged against its own group."""

from __future__ import annotations

import torch

#: Added to the group's standard deviation; TRL's GRPOTrainer uses the same value.
ADVANTAGE_EPS = 1e-4


def group_advantages(rewards: torch.Tensor, eps: float = ADVANTAGE_EPS) -> torch.Tensor:
    """(r − mean) / (std + eps) within one group (1-D tensor of G rewards).

    The standard deviation is the sample one (Bessel-corrected), as in TRL, so advantages
    computed here and there agree on identical rewards.
    """
    if rewards.dim() != 1 or rewards.numel() < 2:
        raise ValueError("a group needs at least two rewards in a 1-D tensor")
    return (rewards - rewards.mean()) / (rewards.std() + eps)


def has_signal(rewards: torch.Tensor) -> bool:
    """False when every reward is equal: normalised advantages are all zero then."""
    return bool((rewards.max() - rewards.min()).abs() > 0)
