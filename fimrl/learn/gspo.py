"""The GSPO objective (Zheng et al. 2025, "Group Sequence Policy Optimization").

GSPO clips a *sequence-level* importance ratio, the geometric mean of the per-token ratios:
s_i = exp(mean_t (log π_θ(y_it) − log π_behaviour(y_it))). Token-level ratios (GRPO) let a few
noisy tokens dominate long sequences; the sequence ratio matches the sequence-level reward.
Clipping ranges are tiny (paper: ε_low = 3e-4, ε_high = 4e-4) because s_i is a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class GSPOConfig:
    """Hyper-parameters of the loss."""

    #: Lower clip: ratios below 1 − epsilon_low stop contributing gradient when A < 0.
    epsilon_low: float = 3e-4
    #: Upper clip: ratios above 1 + epsilon_high stop contributing gradient when A > 0.
    epsilon_high: float = 4e-4
    #: Weight of the k3 KL estimate to a frozen reference; 0 disables it (the paper's choice).
    beta: float = 0.0


@dataclass(frozen=True)
class GSPOStats:
    loss: float
    mean_ratio: float
    clip_fraction: float
    kl: float


def gspo_loss(
    logps: torch.Tensor,
    behaviour_logps: torch.Tensor,
    mask: torch.Tensor,
    advantages: torch.Tensor,
    config: GSPOConfig,
    ref_logps: torch.Tensor | None = None,
) -> tuple[torch.Tensor, GSPOStats]:
    """Loss (to minimise) averaged over sequences, and its statistics.

    Shapes: logps, behaviour_logps, mask, ref_logps (B, T); advantages (B,). ``mask`` is 1 on
    completion tokens and 0 on padding.
    """
    mask = mask.to(logps.dtype)
    lengths = mask.sum(-1).clamp(min=1.0)
    log_ratio = (logps - behaviour_logps) * mask
    seq_log_ratio = log_ratio.sum(-1) / lengths
    ratio = torch.exp(seq_log_ratio)
    clipped = torch.clamp(ratio, 1 - config.epsilon_low, 1 + config.epsilon_high)
    adv = advantages.to(logps.dtype)
    per_seq = -torch.min(ratio * adv, clipped * adv)
    kl_value = torch.zeros((), dtype=logps.dtype)
    if config.beta != 0.0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs the reference model's log-probs")
        diff = ref_logps - logps
        per_token_kl = torch.exp(diff) - diff - 1
        seq_kl = (per_token_kl * mask).sum(-1) / lengths
        per_seq = per_seq + config.beta * seq_kl
        kl_value = seq_kl.mean().detach()
    loss = per_seq.mean()
    with torch.no_grad():
        low = (ratio < 1 - config.epsilon_low) & (adv < 0)
        high = (ratio > 1 + config.epsilon_high) & (adv > 0)
        clip_fraction = (low | high).float().mean().item()
    stats = GSPOStats(
        loss=float(loss.detach()),
        mean_ratio=float(ratio.detach().mean()),
        clip_fraction=clip_fraction,
        kl=float(kl_value),
    )
    return loss, stats
