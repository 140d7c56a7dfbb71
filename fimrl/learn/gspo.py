"""The GSPO objective (Zheng et al. 2025, "Group Sequence Policy Optimization"), decoupled.

GSPO clips a *sequence-level* importance ratio, the geometric mean of the per-token ratios:
s_i = exp(mean_t (log π_θ(y_it) − log π_old(y_it))). Token-level ratios (GRPO) let a few
noisy tokens dominate long sequences; the sequence ratio matches the sequence-level reward.
Clipping ranges are tiny (paper: ε_low = 3e-4, ε_high = 4e-4) because s_i is a mean.

Which policy is π_old matters at those ranges. The sampler's log-probs (π_behaviour) differ
from the learner's recomputation of the *same* weights by more than ε (other kernels, other
precision, vLLM), and by more again when the sample is stale, so with π_old = π_behaviour a
large share of every batch is clipped before the policy has moved. The decoupled objective
(AReaL's decoupled PPO; verl's recomputed old log-probs; TRL's vLLM importance correction)
clips against a *proximal* policy π_prox — the learner's own weights before this update — and
corrects the remaining off-policy gap with a truncated behaviour weight
w = min(C, π_prox / π_behaviour), per sequence (geometric mean, like s_i) or per token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: ``none``: π_old = π_behaviour (plain GSPO on the sampler's log-probs). ``recompute``:
#: π_old = π_prox, no behaviour weight. ``recompute+tis``: π_prox and the truncated weight.
CORRECTIONS = ("none", "recompute", "recompute+tis")


@dataclass(frozen=True)
class GSPOConfig:
    """Hyper-parameters of the loss."""

    #: Lower clip: ratios below 1 − epsilon_low stop contributing gradient when A < 0.
    epsilon_low: float = 3e-4
    #: Upper clip: ratios above 1 + epsilon_high stop contributing gradient when A > 0.
    epsilon_high: float = 4e-4
    #: Weight of the k3 KL estimate to a frozen reference; 0 disables it (the paper's choice).
    beta: float = 0.0
    #: How the sampler/learner gap is handled (:data:`CORRECTIONS`).
    correction: str = "recompute+tis"
    #: The cap C of the truncated behaviour weight.
    tis_cap: float = 2.0
    #: ``sequence``: one weight per sequence (geometric mean of the token ratios);
    #: ``token``: one per token, averaged over the sequence with the loss.
    tis_level: str = "sequence"

    def __post_init__(self) -> None:
        if self.correction not in CORRECTIONS:
            raise ValueError(f"correction {self.correction!r}: expected one of {CORRECTIONS}")
        if self.tis_level not in ("sequence", "token"):
            raise ValueError(f"tis_level {self.tis_level!r}: expected 'sequence' or 'token'")
        if not self.tis_cap > 0:
            raise ValueError("tis_cap must be > 0")


@dataclass(frozen=True)
class GSPOStats:
    loss: float
    mean_ratio: float
    clip_fraction: float
    kl: float
    #: mean_t log(π_prox / π_behaviour) of each sequence with tokens (empty when correction
    #: is ``none``: nothing was recomputed to compare with); see :func:`mismatch`.
    gaps: tuple[float, ...] = ()
    #: Share of behaviour weights (sequences, or tokens at token level) at the cap.
    capped_fraction: float = 0.0
    mean_weight: float = 1.0
    #: Sequences that entered the loss (rows with at least one completion token).
    sequences: int = 0


def _masked_mean(values: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over each row's masked positions; ``torch.where`` so that a ``-inf``/NaN in a
    padded position never reaches the sum (multiplying by 0 would make it NaN)."""
    return torch.where(mask, values, torch.zeros_like(values)).sum(-1) / lengths.clamp(min=1)


def gspo_loss(
    logps: torch.Tensor,
    behaviour_logps: torch.Tensor,
    mask: torch.Tensor,
    advantages: torch.Tensor,
    config: GSPOConfig,
    ref_logps: torch.Tensor | None = None,
    prox_logps: torch.Tensor | None = None,
) -> tuple[torch.Tensor, GSPOStats]:
    """Loss (to minimise) averaged over sequences with completion tokens, and its statistics.

    Shapes: logps, behaviour_logps, mask, ref_logps, prox_logps (B, T); advantages (B,).
    ``mask`` is true on completion tokens. ``prox_logps``: π_prox, needed by the ``recompute``
    corrections; ``None`` there means π_prox is these weights as they are (``logps``
    detached), which is exact for the first update after a claim.
    """
    keep = mask.bool()
    lengths = keep.sum(-1)
    rows = lengths > 0

    def clean(values: torch.Tensor) -> torch.Tensor:
        # Padded positions become 0 before any arithmetic: a -inf or NaN there would turn
        # into a NaN loss (0 * inf) or a NaN gradient (exp at inf, then masked).
        return torch.where(keep, values, torch.zeros_like(values))

    logps = clean(logps)
    behaviour_logps = clean(behaviour_logps.to(logps.dtype))
    if config.correction == "none":
        old = behaviour_logps
    else:
        old = logps.detach() if prox_logps is None else clean(prox_logps.to(logps.dtype))
    seq_log_ratio = _masked_mean(logps - old, keep, lengths)
    ratio = torch.exp(seq_log_ratio)
    clipped = torch.clamp(ratio, 1 - config.epsilon_low, 1 + config.epsilon_high)
    adv = advantages.to(logps.dtype)
    per_seq = -torch.min(ratio * adv, clipped * adv)

    weight = torch.ones_like(per_seq)
    seq_gap = torch.zeros_like(per_seq)
    capped = torch.zeros_like(per_seq)
    if config.correction != "none":
        with torch.no_grad():
            gap = old.detach() - behaviour_logps
            seq_gap = _masked_mean(gap, keep, lengths)
            if config.correction == "recompute+tis":
                if config.tis_level == "sequence":
                    raw = torch.exp(seq_gap)
                    weight = torch.clamp(raw, max=config.tis_cap)
                    capped = (raw >= config.tis_cap).to(per_seq.dtype)
                else:
                    raw_t = torch.exp(gap)
                    weight = _masked_mean(torch.clamp(raw_t, max=config.tis_cap), keep, lengths)
                    capped = _masked_mean(
                        (raw_t >= config.tis_cap).to(per_seq.dtype), keep, lengths
                    )
        per_seq = per_seq * weight

    kl_value = torch.zeros((), dtype=logps.dtype)
    if config.beta != 0.0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs the reference model's log-probs")
        diff = clean(ref_logps.to(logps.dtype)) - logps
        seq_kl = _masked_mean(torch.exp(diff) - diff - 1, keep, lengths)
        per_seq = per_seq + config.beta * seq_kl
        kl_value = seq_kl[rows].mean().detach() if rows.any() else kl_value

    n = int(rows.sum())
    # Rows without a completion token carry no sequence: they are left out of the mean.
    loss = per_seq[rows].sum() / n if n else logps.sum() * 0.0
    with torch.no_grad():
        low = (ratio < 1 - config.epsilon_low) & (adv < 0)
        high = (ratio > 1 + config.epsilon_high) & (adv > 0)
        clip_fraction = float((low | high)[rows].float().mean()) if n else 0.0
        stats = GSPOStats(
            loss=float(loss.detach()),
            mean_ratio=float(ratio[rows].mean()) if n else 1.0,
            clip_fraction=clip_fraction,
            kl=float(kl_value),
            gaps=tuple(seq_gap[rows].tolist()) if config.correction != "none" else (),
            capped_fraction=float(capped[rows].mean()) if n else 0.0,
            mean_weight=float(weight[rows].mean()) if n else 1.0,
            sequences=n,
        )
    return loss, stats


def mismatch(gaps: list[float] | tuple[float, ...]) -> tuple[float | None, float | None]:
    """Mean and 95th percentile of |log(π_prox / π_behaviour)| per sequence: how far the
    sampler's log-probs are from the learner's (``None`` when nothing was compared)."""
    if not gaps:
        return None, None
    values = torch.tensor(gaps, dtype=torch.float64).abs()
    return float(values.mean()), float(torch.quantile(values, 0.95))
