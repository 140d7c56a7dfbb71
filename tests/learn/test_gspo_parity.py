"""Our GSPO loss equals TRL's sequence-level GRPO loss, value and gradients (π_old given:
the ``none`` correction; the decoupled corrections are in test_off_policy.py)."""

from __future__ import annotations

import copy

import pytest
import torch
from datasets import Dataset
from trl import GRPOConfig, GRPOTrainer

from fimrl.learn.advantages import group_advantages
from fimrl.learn.gspo import GSPOConfig, gspo_loss
from fimrl.learn.logprobs import completion_logprobs

from .conftest import tiny_model, tiny_tokenizer

TEMPERATURE = 0.7


def _trl_trainer(model, tmp_path, beta: float = 0.0) -> GRPOTrainer:  # type: ignore[no-untyped-def]
    args = GRPOConfig(
        output_dir=str(tmp_path),
        importance_sampling_level="sequence",
        loss_type="grpo",
        epsilon=3e-4,
        epsilon_high=4e-4,
        beta=beta,
        temperature=TEMPERATURE,
        use_cpu=True,
        bf16=False,  # float32 on both sides: parity is about the maths, not the autocast
        report_to=[],
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
    )
    return GRPOTrainer(
        model=model,
        reward_funcs=lambda completions, **kw: [0.0] * len(completions),
        args=args,
        train_dataset=Dataset.from_dict({"prompt": ["w3 w4"] * 4}),
        processing_class=tiny_tokenizer(),
    )


def assert_same_gradients(ours_loss, ours_model, trl_loss, trl_model) -> None:  # type: ignore[no-untyped-def]
    """Backpropagate both losses; every parameter's gradient must agree."""
    ours_loss.backward()
    trl_loss.backward()
    for (name, p_ours), (_, p_trl) in zip(
        ours_model.named_parameters(), trl_model.named_parameters(), strict=True
    ):
        assert p_ours.grad is not None, name
        torch.testing.assert_close(p_ours.grad, p_trl.grad, rtol=1e-4, atol=1e-7)


def _batch(seed: int = 1) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    prompt_ids = torch.randint(3, 64, (4, 5), generator=g)
    prompt_mask = torch.ones_like(prompt_ids)
    prompt_mask[0, :2] = 0  # left padding
    prompt_ids[0, :2] = 0
    completion_ids = torch.randint(3, 64, (4, 6), generator=g)
    completion_mask = torch.ones_like(completion_ids)
    completion_mask[1, 4:] = 0  # right padding
    completion_ids[1, 4:] = 0
    completion_mask[3, 2:] = 0
    completion_ids[3, 2:] = 0
    return {
        "prompt_ids": prompt_ids,
        "prompt_mask": prompt_mask,
        "completion_ids": completion_ids,
        "completion_mask": completion_mask,
    }


@pytest.mark.parametrize("drift", [0.0, 0.002, 0.5])
def test_loss_and_gradients_match_trl(tmp_path, drift: float) -> None:  # type: ignore[no-untyped-def]
    ours_model = tiny_model(seed=3).eval()
    trl_model = copy.deepcopy(ours_model)
    trainer = _trl_trainer(trl_model, tmp_path)
    batch = _batch()
    input_ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attn = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    T = batch["completion_ids"].shape[1]
    with torch.no_grad():
        current = completion_logprobs(ours_model, input_ids, attn, T, TEMPERATURE)
    # Behaviour log-probs as a slightly different policy would have produced them.
    noise = torch.randn(current.shape, generator=torch.Generator().manual_seed(7)) * drift
    behaviour = current + noise
    advantages = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]))

    inputs = dict(batch, advantages=advantages, old_per_token_logps=behaviour)
    trl_loss = trainer._compute_loss(trl_model, inputs)

    logps = completion_logprobs(ours_model, input_ids, attn, T, TEMPERATURE)
    ours_loss, stats = gspo_loss(
        logps, behaviour, batch["completion_mask"], advantages, GSPOConfig(correction="none")
    )
    torch.testing.assert_close(ours_loss, trl_loss, rtol=1e-5, atol=1e-7)
    assert_same_gradients(ours_loss, ours_model, trl_loss, trl_model)
    if drift == 0.0:
        assert stats.mean_ratio == pytest.approx(1.0, abs=1e-6)
        assert stats.clip_fraction == 0.0
    if drift == 0.5:
        assert stats.clip_fraction > 0.0


def test_unmoved_policy_gives_ratio_one(model) -> None:  # type: ignore[no-untyped-def]
    batch = _batch(seed=5)
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attn = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    with torch.no_grad():
        behaviour = completion_logprobs(model, ids, attn, 6, TEMPERATURE)
    logps = completion_logprobs(model, ids, attn, 6, TEMPERATURE)
    _, stats = gspo_loss(
        logps,
        behaviour,
        batch["completion_mask"],
        torch.tensor([1.0, -1.0, 0.5, -0.5]),
        GSPOConfig(correction="none"),
    )
    assert stats.mean_ratio == 1.0


def test_advantages_are_group_normalised() -> None:
    adv = group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]))
    assert adv.sum().abs() < 1e-6
    assert adv[0] > 0 and (adv[1:] < 0).all()
    with pytest.raises(ValueError):
        group_advantages(torch.tensor([1.0]))


def test_kl_term_matches_trl(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ours_model = tiny_model(seed=4).eval()
    # With beta > 0 TRL loads its own reference copy, so it needs the model on disk.
    ours_model.save_pretrained(tmp_path / "model")
    trainer = _trl_trainer(str(tmp_path / "model"), tmp_path / "out", beta=0.04)
    trl_model = trainer.model.eval()
    batch = _batch(seed=2)
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attn = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    with torch.no_grad():
        behaviour = completion_logprobs(ours_model, ids, attn, 6, TEMPERATURE)
        ref = completion_logprobs(tiny_model(seed=9).eval(), ids, attn, 6, TEMPERATURE)
    advantages = group_advantages(torch.tensor([0.0, 1.0, 1.0, 0.0]))
    inputs = dict(
        batch, advantages=advantages, old_per_token_logps=behaviour, ref_per_token_logps=ref
    )
    trl_loss = trainer._compute_loss(trl_model, inputs)
    logps = completion_logprobs(ours_model, ids, attn, 6, TEMPERATURE)
    ours_loss, stats = gspo_loss(
        logps,
        behaviour,
        batch["completion_mask"],
        advantages,
        GSPOConfig(beta=0.04, correction="none"),
        ref_logps=ref,
    )
    torch.testing.assert_close(ours_loss, trl_loss, rtol=1e-5, atol=1e-7)
    assert stats.kl > 0
