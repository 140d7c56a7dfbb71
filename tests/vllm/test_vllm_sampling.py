"""The vLLM backend samples the behaviour policy the learner re-scores, and stops where it should.

Against the real engine (vLLM's CPU build, float32) and SmolLM2-135M-Instruct on FIM prompts:
the log-prob of every sampled token equals the learner's recomputation in transformers; with
top-p the recorded values are the truncated, renormalised distribution the token was drawn
from, and the candidate's record says so; samples end at the token where the transformers
backend's stop rule ends them.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from fimrl.rollout.generation import Sampling, StopRule, sampling_for
from fimrl.rollout.prompts import get_prompt_format

from .conftest import full_distribution, prompts_of, recompute

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

#: float32 on both sides; measured per-token mean |diff| ~5e-6, max ~3e-5.
MEAN_TOL = 1e-4
MAX_TOL = 1e-3


def _sample(engine: Any, sampling: Sampling, n: int = 4) -> tuple[list[list[int]], list[Any]]:
    prompts = prompts_of(engine.tokenizer)
    return prompts, engine.generate(prompts, n, sampling)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_behaviour_logprobs_equal_the_learners_recomputation(
    engine: Any, reference: Any, temperature: float
) -> None:
    sampling = Sampling(temperature=temperature, top_p=1.0, max_new_tokens=24, seed=11)
    assert engine.logprob_space(sampling) == "full"
    prompts, out = _sample(engine, sampling)
    diffs = []
    for prompt, samples in zip(prompts, out, strict=True):
        assert len(samples) == 4
        for s in samples:
            assert len(s.token_ids) == len(s.logprobs) > 0
            learner = recompute(reference, prompt, s.token_ids, temperature)
            diffs += (torch.tensor(s.logprobs) - learner).abs().tolist()
    assert sum(diffs) / len(diffs) < MEAN_TOL and max(diffs) < MAX_TOL, (
        f"mean {sum(diffs) / len(diffs):.2e}, max {max(diffs):.2e}"
    )


def test_top_p_logprobs_are_of_the_truncated_distribution_and_recorded_so(
    engine: Any, reference: Any
) -> None:
    top_p, t = 0.8, 0.7
    sampling = Sampling(temperature=t, top_p=top_p, max_new_tokens=16, seed=5)
    assert engine.logprob_space(sampling) == "truncated"
    assert sampling.record("vllm", engine.logprob_space(sampling))["logprobs"] == "truncated"
    prompts, out = _sample(engine, sampling, n=2)
    raised = 0
    for prompt, samples in zip(prompts, out, strict=True):
        for s in samples:
            probs = full_distribution(reference, prompt, s.token_ids, t)
            for pos, (token, recorded) in enumerate(zip(s.token_ids, s.logprobs, strict=True)):
                p = probs[pos]
                ascending = torch.sort(p).values
                # vLLM's nucleus: drop the least likely tokens whose cumulative mass <= 1 - p.
                kept = ascending[torch.cumsum(ascending, 0) > 1 - top_p].sum().item()
                full = math.log(p[token].item())
                assert recorded == pytest.approx(full - math.log(kept), abs=2e-3)
                assert recorded >= full - 1e-5  # renormalised: never below the full value
                raised += recorded > full + 1e-3
    assert raised > 0  # the nucleus really cut something: these are not the full values


def test_samples_end_where_the_transformers_backend_stops(engine: Any) -> None:
    """Stop tokens and stop strings: vLLM's own end agrees with the shared stop rule."""
    tok = engine.tokenizer
    fmt = get_prompt_format("instruct")
    base = sampling_for(_settings(), fmt, tok)
    # Two seeded batches: one where the newline token (a stop token only here) ends most
    # samples, one where strings Lean answers contain and that are not single tokens end
    # samples mid-answer.
    newline = tok.encode("\n", add_special_tokens=False)
    assert len(newline) == 1
    by_token = Sampling(
        temperature=1.0,
        max_new_tokens=40,
        stop_token_ids=(*base.stop_token_ids, *newline),
        stop_strings=base.stop_strings,
        seed=3,
    )
    by_string = Sampling(
        temperature=1.0,
        max_new_tokens=40,
        stop_token_ids=base.stop_token_ids,
        stop_strings=(*base.stop_strings, "exact h", "simp ["),
        seed=3,
    )
    ended = {"token": 0, "string": 0, "length": 0}
    for sampling in (by_token, by_string):
        rule = StopRule(sampling, tok)
        for samples in _sample(engine, sampling, n=8)[1]:
            for s in samples:
                assert s.extra["trimmed"] == 0, "vLLM ran past where the stop rule ends it"
                ids = s.token_ids
                if s.finish_reason == "length":
                    assert len(ids) == sampling.max_new_tokens and rule.first_end(ids) is None
                    ended["length"] += 1
                    continue
                assert rule.first_end(ids) == len(ids)
                assert s.text == tok.decode(ids, skip_special_tokens=False)
                if ids[-1] in sampling.stop_token_ids:
                    ended["token"] += 1
                else:
                    assert any(x in s.text[-(len(x) + 8) :] for x in sampling.stop_strings)
                    ended["string"] += 1
    assert ended["token"] > 0 and ended["string"] > 0, ended


def test_a_seeded_batch_is_reproduced_exactly(engine: Any) -> None:
    sampling = Sampling(temperature=1.0, max_new_tokens=16, seed=42)
    _, first = _sample(engine, sampling)
    _, again = _sample(engine, sampling)
    assert [[s.token_ids for s in g] for g in first] == [[s.token_ids for s in g] for g in again]
    # The second batch reads its prompts' KV from the prefix cache, so the log-probs come from
    # a differently ordered computation: equal to float32 rounding, not bit for bit.
    gaps = [
        abs(a - b)
        for g1, g2 in zip(first, again, strict=True)
        for s1, s2 in zip(g1, g2, strict=True)
        for a, b in zip(s1.logprobs, s2.logprobs, strict=True)
    ]
    assert max(gaps) < MAX_TOL and sum(gaps) / len(gaps) < MEAN_TOL
    # Each request of a batch has its own stream: the same prompt twice is sampled twice.
    prompt = prompts_of(engine.tokenizer)[0]
    twice = engine.generate([prompt, prompt], 4, sampling)
    assert [s.token_ids for s in twice[0]] != [s.token_ids for s in twice[1]]


def _settings() -> Any:
    from fimrl.config import Settings

    return Settings(prompt_format="instruct")
