"""Per-token log-probabilities of completion tokens under a causal LM.

One function serves the sampler's behaviour log-probs check, the learner's π_θ and the
reference model, so all three divide the logits by the same sampling temperature: a policy
that has not moved then gives an importance ratio of exactly 1.
"""

from __future__ import annotations

import torch
from torch import nn


def completion_logprobs(
    model: nn.Module,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    completion_len: int,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Log-probs (B, completion_len) of the last ``completion_len`` tokens of input_ids.

    ``input_ids`` is prompt (left-padded) followed by completion (right-padded); the logits at
    position t predict token t+1.
    """
    out = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
    logits = out.logits[:, -completion_len - 1 : -1, :].float()
    logits = logits / temperature
    targets = input_ids[:, -completion_len:]
    logps = torch.log_softmax(logits, dim=-1)
    return torch.gather(logps, -1, targets.unsqueeze(-1)).squeeze(-1)
