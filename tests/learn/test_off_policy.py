"""The decoupled objective: π_prox for the clip, a truncated behaviour weight for the gap.

The sampler's log-probs are never exactly the learner's: other kernels, another precision,
a stale version. These tests plant that gap (noise on the behaviour log-probs of an
unchanged policy) and check what each ``behaviour_correction`` does with it.
"""

from __future__ import annotations

import copy
import math

import pytest
import torch
from sqlalchemy import text

from fimrl.db.run_store import ensure_run
from fimrl.learn.advantages import group_advantages
from fimrl.learn.gspo import GSPOConfig, gspo_loss, mismatch
from fimrl.learn.learner import Learner, _chunks
from fimrl.learn.logprobs import completion_logprobs

from .conftest import tiny_model, tiny_tokenizer
from .scored import make_task, on_policy_logprobs, scored_group
from .test_gspo_parity import TEMPERATURE, _batch, _trl_trainer, assert_same_gradients

ADV = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]))


def _inputs(model):  # type: ignore[no-untyped-def]
    batch = _batch()
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attn = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    return batch, ids, attn, batch["completion_ids"].shape[1]


def _sampler_gap(like: torch.Tensor, scale: float = 2e-2, seed: int = 7) -> torch.Tensor:
    """Per-token differences of the size measured between a sampler and a learner."""
    return torch.randn(like.shape, generator=torch.Generator().manual_seed(seed)) * scale


def test_an_unchanged_policy_is_never_clipped_under_recompute() -> None:
    model = tiny_model(seed=3).eval()
    batch, ids, attn, T = _inputs(model)
    with torch.no_grad():
        current = completion_logprobs(model, ids, attn, T, TEMPERATURE)
    behaviour = current + _sampler_gap(current)
    mask = batch["completion_mask"]

    results = {}
    for correction in ("none", "recompute", "recompute+tis"):
        logps = completion_logprobs(model, ids, attn, T, TEMPERATURE)
        _, st = gspo_loss(logps, behaviour, mask, ADV, GSPOConfig(correction=correction))
        results[correction] = st
    # Against the sampler's log-probs, numerical noise alone is clipped ...
    assert results["none"].clip_fraction > 0.0
    # ... against π_prox (these weights) nothing is, and the ratio is exactly one.
    for correction in ("recompute", "recompute+tis"):
        assert results[correction].clip_fraction == 0.0
        assert results[correction].mean_ratio == 1.0
        assert len(results[correction].gaps) == 4
    assert results["none"].gaps == ()
    # π_prox from its own no-grad forward (several updates per step) gives the same.
    logps = completion_logprobs(model, ids, attn, T, TEMPERATURE)
    _, st = gspo_loss(logps, behaviour, mask, ADV, GSPOConfig(), prox_logps=current)
    assert st.clip_fraction == 0.0


def test_planted_gaps_give_the_expected_weights_and_caps() -> None:
    prox = torch.full((4, 3), -1.0)
    mask = torch.ones((4, 3), dtype=torch.long)
    gap = torch.tensor([0.1, 1.0, -0.5, 0.0])  # mean log(π_prox / π_behaviour) per sequence
    behaviour = prox - gap[:, None]
    adv = torch.tensor([1.0, -1.0, 2.0, 0.5])
    logps = prox.clone().requires_grad_(True)
    config = GSPOConfig(correction="recompute+tis", tis_cap=2.0)
    loss, st = gspo_loss(logps, behaviour, mask, adv, config, prox_logps=prox)
    weights = torch.clamp(torch.exp(gap), max=2.0)  # e^1 = 2.72 hits the cap
    assert loss.item() == pytest.approx(float((-weights * adv).mean()), rel=1e-6)
    assert st.capped_fraction == 0.25
    assert st.mean_weight == pytest.approx(float(weights.mean()), rel=1e-6)
    assert list(st.gaps) == pytest.approx(gap.tolist(), abs=1e-6)
    mean, p95 = mismatch(st.gaps)
    assert mean == pytest.approx(0.4, abs=1e-6) and p95 == pytest.approx(0.925, abs=1e-3)

    # Token level: one weight per token, averaged over the sequence.
    token_gap = torch.tensor([[0.0, 0.0, 2.0]] * 4)  # one token far off in every row
    config = GSPOConfig(correction="recompute+tis", tis_cap=2.0, tis_level="token")
    loss, st = gspo_loss(logps, prox - token_gap, mask, adv, config, prox_logps=prox)
    w = (1.0 + 1.0 + 2.0) / 3  # e^2 capped at 2
    assert loss.item() == pytest.approx(float((-w * adv).mean()), rel=1e-6)
    assert st.capped_fraction == pytest.approx(1 / 3)

    # "recompute" alone weights nothing.
    loss, st = gspo_loss(logps, behaviour, mask, adv, GSPOConfig(correction="recompute"))
    assert loss.item() == pytest.approx(float(-adv.mean()), rel=1e-6)
    assert st.mean_weight == 1.0 and st.capped_fraction == 0.0


@pytest.mark.parametrize("level", ["token", "sequence"])
def test_truncated_weights_match_trl(tmp_path, level: str) -> None:  # type: ignore[no-untyped-def]
    """TRL's vLLM importance correction multiplies the loss by the truncated weight; with the
    same π_old and the same weight, value and gradients agree."""
    ours_model = tiny_model(seed=3).eval()
    trl_model = copy.deepcopy(ours_model)
    trainer = _trl_trainer(trl_model, tmp_path)
    trainer.use_vllm = True  # what enables the correction in TRL's loss
    trainer.vllm_importance_sampling_correction = True
    batch, ids, attn, T = _inputs(ours_model)
    mask = batch["completion_mask"]
    with torch.no_grad():
        prox = completion_logprobs(ours_model, ids, attn, T, TEMPERATURE)
    prox = prox + _sampler_gap(prox, 1e-3, seed=2)  # a moved policy: ratios off one
    behaviour = prox + _sampler_gap(prox, 0.5)
    cap = 1.5
    gap = torch.where(mask.bool(), prox - behaviour, torch.zeros_like(prox))
    if level == "token":
        weight = torch.clamp(torch.exp(gap), max=cap)
    else:
        seq = gap.sum(-1) / mask.sum(-1)
        weight = torch.clamp(torch.exp(seq), max=cap)[:, None]
    inputs = dict(batch, advantages=ADV, old_per_token_logps=prox, importance_sampling_ratio=weight)
    trl_loss = trainer._compute_loss(trl_model, inputs)

    logps = completion_logprobs(ours_model, ids, attn, T, TEMPERATURE)
    config = GSPOConfig(correction="recompute+tis", tis_cap=cap, tis_level=level)
    ours_loss, st = gspo_loss(logps, behaviour, mask, ADV, config, prox_logps=prox)
    torch.testing.assert_close(ours_loss, trl_loss, rtol=1e-5, atol=1e-7)
    assert st.capped_fraction > 0.0  # the cap was exercised
    assert_same_gradients(ours_loss, ours_model, trl_loss, trl_model)


@pytest.mark.parametrize("correction", ["none", "recompute", "recompute+tis"])
def test_padding_never_makes_the_loss_nan_and_empty_rows_are_left_out(correction: str) -> None:
    torch.manual_seed(0)
    base = torch.randn(3, 4).clamp(max=-0.1).requires_grad_(True)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]])
    behaviour = base.detach() + 0.01
    adv = torch.tensor([1.0, -1.0, 5.0])
    # What padding may hold: -inf log-probs, NaN behaviour log-probs.
    logps = torch.where(mask.bool(), base, torch.full_like(base, -math.inf))
    dirty_behaviour = torch.where(mask.bool(), behaviour, torch.full_like(behaviour, math.nan))
    config = GSPOConfig(correction=correction, beta=0.1)
    ref = torch.where(mask.bool(), behaviour, torch.full_like(behaviour, -math.inf))
    loss, st = gspo_loss(logps, dirty_behaviour, mask, adv, config, ref)
    loss.backward()
    assert torch.isfinite(loss) and base.grad is not None and torch.isfinite(base.grad).all()
    assert st.sequences == 2
    # The empty third row is not in the mean: the first two rows alone give the same loss.
    two, _ = gspo_loss(logps[:2], dirty_behaviour[:2], mask[:2], adv[:2], config, ref[:2])
    assert loss.item() == pytest.approx(two.item(), rel=1e-6)
    # A batch of empty rows is a zero loss that still backpropagates.
    logps = torch.where(mask.bool(), base, torch.full_like(base, -math.inf))
    empty, st = gspo_loss(logps, dirty_behaviour, torch.zeros_like(mask), adv, config, ref)
    assert empty.item() == 0.0 and st.sequences == 0
    empty.backward()


def test_chunks_split_the_groups_into_updates() -> None:
    assert [list(c) for c in _chunks(5, 2)] == [[0, 1, 2], [3, 4]]
    assert [list(c) for c in _chunks(2, 4)] == [[0], [1]]
    assert [list(c) for c in _chunks(3, 1)] == [[0, 1, 2]]


@pytest.mark.parametrize(("updates", "lora"), [(1, False), (2, False), (2, True)])
def test_the_learner_records_the_mismatch_per_step(  # type: ignore[no-untyped-def]
    clean_db, settings, tmp_path, updates: int, lora: bool
) -> None:
    run = ensure_run(clean_db, f"mismatch-{updates}-{lora}")
    model = tiny_model(seed=11)
    if lora:  # the learner wraps a model it loads itself
        model.save_pretrained(tmp_path / "base")
        tiny_tokenizer().save_pretrained(tmp_path / "base")
    learner = Learner(
        settings.model_copy(
            update=dict(
                learning_rate=5e-3,
                groups_per_step=2,
                updates_per_step=updates,
                checkpoint_every=1,
                tis_cap=1.05,
                use_lora=lora,
                model=str(tmp_path / "base") if lora else settings.model,
            )
        ),
        clean_db,
        run,
        model=None if lora else model,
        tokenizer=tiny_tokenizer(),
        poll_s=0.05,
    )
    policy = learner.accelerator.unwrap_model(learner.model)
    before = {k: v.detach().clone() for k, v in policy.named_parameters()}
    prompt, completions = [5, 6, 7], [[10, 11, 12], [20, 21], [30, 31, 32, 33], [40]]
    for i in range(2):
        exact = [on_policy_logprobs(policy, prompt, c, 1.0) for c in completions]
        # The sampler's log-probs: the learner's, shifted by 0.1 per token on one candidate.
        planted = [[x - (0.1 if j == 0 else 0.0) for x in lp] for j, lp in enumerate(exact)]
        scored_group(
            clean_db,
            run,
            make_task(clean_db, i),
            prompt,
            completions,
            [1.0, 0.0, 0.0, 0.0],
            logprobs=planted,
        )
    report = learner.train_step()
    assert report is not None and report.groups_used == 2
    assert report.clip_fraction == 0.0 if updates == 1 else report.clip_fraction is not None
    with clean_db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT clip_fraction, mismatch_mean, mismatch_p95, tis_capped_fraction, extra "
                "FROM learner_steps WHERE run_id = :r"
            ),
            {"r": run},
        ).one()
    # 2 of 8 sequences are 0.1 off: mean |gap| 0.025; e^0.1 = 1.105 hits the 1.05 cap.
    assert row.mismatch_mean == pytest.approx(0.025, abs=1e-4)
    assert row.mismatch_p95 == pytest.approx(0.1, abs=1e-3)
    assert row.tis_capped_fraction == pytest.approx(0.25)
    assert row.extra["behaviour_correction"] == "recompute+tis"
    assert row.extra["updates"] == updates
    moved = {k for k, v in policy.named_parameters() if not torch.equal(v, before[k])}
    if lora:  # each update moves the adapter only; the base weights stay as loaded
        assert moved and all("lora_" in k for k in moved)
    else:
        assert moved
