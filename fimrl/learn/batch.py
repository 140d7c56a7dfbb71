"""From claimed groups to training tensors, with bad data quarantined rather than trained on."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from fimrl.db.claim_store import ScoredGroup
from fimrl.learn.advantages import group_advantages, has_signal


@dataclass
class GroupTensors:
    """One group as a padded batch: prompt left-padded, completion right-padded."""

    group_id: int
    policy_version: int
    input_ids: torch.Tensor  # (G, P + T)
    attention_mask: torch.Tensor  # (G, P + T)
    completion_mask: torch.Tensor  # (G, T)
    behaviour_logprobs: torch.Tensor  # (G, T)
    advantages: torch.Tensor  # (G,)
    rewards: torch.Tensor  # (G,)
    temperature: float

    @property
    def completion_len(self) -> int:
        return int(self.completion_mask.shape[1])

    @property
    def tokens(self) -> int:
        return int(self.completion_mask.sum())


def quarantine_reason(group: ScoredGroup, vocab_size: int) -> str | None:
    """Why a group must not be trained on, or None when it is sound."""
    if len(group.candidates) != group.size:
        return f"has {len(group.candidates)} candidates, expected {group.size}"
    if not group.prompt_token_ids:
        return "no prompt tokens stored"
    if any(not 0 <= t < vocab_size for t in group.prompt_token_ids):
        return "prompt token id outside the vocabulary"
    for c in group.candidates:
        if c.reward is None or c.verdict is None:
            return f"candidate {c.candidate_id} has no verification"
        if not math.isfinite(c.reward):
            return f"candidate {c.candidate_id} has a non-finite reward"
        if not c.token_ids:
            return f"candidate {c.candidate_id} has an empty completion (no tokens)"
        if len(c.token_ids) != len(c.behaviour_logprobs):
            return (
                f"candidate {c.candidate_id}: {len(c.token_ids)} tokens but "
                f"{len(c.behaviour_logprobs)} log-probs"
            )
        if any(not math.isfinite(x) or x > 1e-6 for x in c.behaviour_logprobs):
            return f"candidate {c.candidate_id} has NaN, infinite or positive log-probs"
        if any(not 0 <= t < vocab_size for t in c.token_ids):
            return f"candidate {c.candidate_id} has token ids outside the vocabulary"
    return None


def rewards_of(group: ScoredGroup) -> torch.Tensor:
    return torch.tensor([float(c.reward or 0.0) for c in group.candidates], dtype=torch.float32)


def group_has_signal(group: ScoredGroup) -> bool:
    return has_signal(rewards_of(group))


def to_tensors(group: ScoredGroup, pad_id: int) -> GroupTensors:
    """Pad one sound group into tensors (call quarantine_reason first)."""
    prompt = torch.tensor(group.prompt_token_ids, dtype=torch.long)
    T = max(len(c.token_ids) for c in group.candidates)
    G = len(group.candidates)
    completion = torch.full((G, T), pad_id, dtype=torch.long)
    cmask = torch.zeros((G, T), dtype=torch.long)
    behaviour = torch.zeros((G, T), dtype=torch.float32)
    for i, c in enumerate(group.candidates):
        n = len(c.token_ids)
        completion[i, :n] = torch.tensor(c.token_ids, dtype=torch.long)
        cmask[i, :n] = 1
        behaviour[i, :n] = torch.tensor(c.behaviour_logprobs, dtype=torch.float32)
    input_ids = torch.cat([prompt.unsqueeze(0).expand(G, -1), completion], dim=1)
    attention = torch.cat([torch.ones((G, len(prompt)), dtype=torch.long), cmask], dim=1)
    rewards = rewards_of(group)
    return GroupTensors(
        group_id=group.group_id,
        policy_version=group.policy_version,
        input_ids=input_ids,
        attention_mask=attention,
        completion_mask=cmask,
        behaviour_logprobs=behaviour,
        advantages=group_advantages(rewards),
        rewards=rewards,
        temperature=group.temperature,
    )
