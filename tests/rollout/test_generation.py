"""Generation backends: the transformers backend on a tiny real model (and the real SmolLM2).

What the learner relies on is checked directly: the stored tokens are exactly the sampled ones
(stop token in, padding out) and each behaviour log-prob equals a fresh forward pass of the
same model over the unpadded prompt + completion (``completion_logprobs``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from fimrl.config import Settings
from fimrl.learn.logprobs import completion_logprobs
from fimrl.rollout.backends.transformers_backend import TransformersBackend
from fimrl.rollout.generation import (
    GenerationBackend,
    Sample,
    Sampling,
    make_backend,
    sampling_for,
)
from fimrl.rollout.models import SMOLLM2_NAME, build_tiny_model
from fimrl.rollout.prompts import encode_prompt, get_prompt_format

TOL = 1e-4


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer=smollm2_tokenizer)


@pytest.fixture(scope="module")
def backend(tiny_dir: Path) -> TransformersBackend:
    return TransformersBackend(str(tiny_dir))


@pytest.fixture(scope="module")
def prompts(backend: TransformersBackend, samples: dict[str, Any]) -> list[list[int]]:
    """Two instruct prompts of different lengths (so one row is left-padded)."""
    fmt = get_prompt_format("instruct")
    out = [encode_prompt(fmt, samples[name], backend.tokenizer) for name in ("bullet", "subproof")]
    assert len(out[0]) != len(out[1])
    return out


@dataclass(frozen=True)
class Task:
    """A hole context (header, prefix, suffix), what prompts and extraction read."""

    header: str
    prefix: str
    suffix: str


SAMPLE_TASKS = {
    "bullet": Task(
        "open Nat\n",
        "theorem and3 (p q r : Prop) (hp : p) (hq : q) (hr : r) : p ∧ q ∧ r := by\n"
        "  refine ⟨?_, ?_, ?_⟩\n  ",
        "\n  · exact hq\n  · exact hr",
    ),
    "subproof": Task(
        "",
        "theorem t (a b : Nat) (h : a = b) : b = a := by\n  have h2 : b = a := by\n    ",
        "\n  exact h2\n",
    ),
}


@pytest.fixture(scope="module")
def samples() -> dict[str, Task]:
    return dict(SAMPLE_TASKS)


def fresh_logprobs(model: Any, prompt: list[int], sample: Sample, temperature: float) -> Any:
    ids = torch.tensor([prompt + sample.token_ids])
    with torch.no_grad():
        return completion_logprobs(
            model, ids, torch.ones_like(ids), len(sample.token_ids), temperature
        )[0]


def max_logprob_error(model: Any, prompts: list[list[int]], out: list[list[Sample]], t: float):  # type: ignore[no-untyped-def]
    worst = 0.0
    for prompt, group in zip(prompts, out, strict=True):
        for sample in group:
            assert len(sample.logprobs) == len(sample.token_ids) > 0
            ref = fresh_logprobs(model, prompt, sample, t)
            worst = max(worst, (ref - torch.tensor(sample.logprobs)).abs().max().item())
    return worst


def test_backend_satisfies_the_interface(backend: TransformersBackend) -> None:
    assert isinstance(backend, GenerationBackend)
    assert backend.name == "transformers"
    assert backend.context_length == 4096


@pytest.mark.parametrize(("temperature", "top_p"), [(1.0, 1.0), (0.7, 0.9)])
def test_logprobs_match_a_fresh_forward_pass(
    backend: TransformersBackend, prompts: list[list[int]], temperature: float, top_p: float
) -> None:
    sampling = Sampling(temperature=temperature, top_p=top_p, max_new_tokens=12, seed=3)
    out = backend.generate(prompts, 3, sampling)
    assert [len(g) for g in out] == [3, 3]
    # Padded batch with KV cache vs one unpadded forward pass: same numbers within float noise,
    # for the full temperature-scaled distribution even when top-p truncated the sampling.
    assert max_logprob_error(backend.model, prompts, out, temperature) < TOL
    assert backend.logprob_space(sampling) == "full"


def test_stop_tokens_end_samples_and_padding_is_never_returned(
    backend: TransformersBackend, prompts: list[list[int]]
) -> None:
    # Half the vocabulary stops (the pad/EOS id 2 among them): rows end at different steps, so
    # finished rows are padded while others continue.
    stops = tuple(range(0, len(backend.tokenizer), 2))
    sampling = Sampling(max_new_tokens=10, stop_token_ids=stops, seed=11)
    out = backend.generate(prompts, 4, sampling)
    stop_set = set(stops)
    lengths = set()
    for group in out:
        for s in group:
            lengths.add(len(s.token_ids))
            assert all(t not in stop_set for t in s.token_ids[:-1])  # nothing after a stop
            if s.finish_reason == "stop":
                assert s.token_ids[-1] in stop_set  # the stop token is kept
            else:
                assert len(s.token_ids) == 10 and s.token_ids[-1] not in stop_set
    assert len(lengths) > 1
    assert max_logprob_error(backend.model, prompts, out, 1.0) < TOL


def test_stop_strings_end_samples_where_the_string_completes(
    backend: TransformersBackend, prompts: list[list[int]]
) -> None:
    sampling = Sampling(max_new_tokens=16, stop_strings=("e",), seed=5)
    out = backend.generate(prompts, 3, sampling)
    decode = backend.tokenizer.decode
    stopped = 0
    for group in out:
        for s in group:
            if s.finish_reason == "stop":
                stopped += 1
                assert "e" in decode(s.token_ids)
                assert "e" not in decode(s.token_ids[:-1])
                assert "e" in s.text
            else:
                assert "e" not in s.text and len(s.token_ids) == 16
    assert stopped > 0


def test_same_seed_same_samples(backend: TransformersBackend, prompts: list[list[int]]) -> None:
    sampling = Sampling(max_new_tokens=6, seed=42)
    first = backend.generate(prompts, 2, sampling)
    again = backend.generate(prompts, 2, sampling)
    assert [[s.token_ids for s in g] for g in first] == [[s.token_ids for s in g] for g in again]


def test_chunked_calls_keep_prompt_order(tiny_dir: Path, prompts: list[list[int]]) -> None:
    small = TransformersBackend(str(tiny_dir), max_batch_rows=2)  # one prompt per call
    out = small.generate(prompts, 2, Sampling(max_new_tokens=5, seed=1))
    assert [len(g) for g in out] == [2, 2]
    assert max_logprob_error(small.model, prompts, out, 1.0) < TOL


def test_reload_swaps_weights_and_refuses_another_vocabulary(
    tiny_dir: Path, tmp_path: Path, prompts: list[list[int]], smollm2_tokenizer: Any
) -> None:
    be = TransformersBackend(str(tiny_dir))
    other = build_tiny_model(tmp_path / "v1", tokenizer=smollm2_tokenizer, seed=9)
    sampling = Sampling(max_new_tokens=6, seed=2)
    before = be.generate(prompts[:1], 1, sampling)[0][0]
    be.reload(str(other))
    after = be.generate(prompts[:1], 1, sampling)[0][0]
    from transformers import AutoModelForCausalLM

    fresh = AutoModelForCausalLM.from_pretrained(other)
    ref = fresh_logprobs(fresh, prompts[0], after, 1.0)
    assert (ref - torch.tensor(after.logprobs)).abs().max().item() < TOL
    assert before.logprobs != after.logprobs

    from fimrl.rollout.prompts import with_fim_tokens

    wider = build_tiny_model(tmp_path / "wider", tokenizer=with_fim_tokens(smollm2_tokenizer))
    with pytest.raises(ValueError, match="embedding rows"):
        be.reload(str(wider))
    with pytest.raises(FileNotFoundError):
        be.reload(str(tmp_path / "missing"))
    assert be.generate(prompts[:1], 1, sampling)[0][0].logprobs == after.logprobs  # still v1


def test_sampling_for_splits_stop_tokens_and_strings(backend: TransformersBackend) -> None:
    settings = Settings(temperature=0.8, top_p=0.95, max_new_tokens=33)
    sampling = sampling_for(settings, get_prompt_format("instruct"), backend.tokenizer, seed=4)
    tok = backend.tokenizer
    assert tok.eos_token_id in sampling.stop_token_ids
    assert tok.convert_tokens_to_ids("<|im_end|>") in sampling.stop_token_ids
    assert "\n```" in sampling.stop_strings  # the closing fence is several tokens here
    assert "<|im_end|>" not in sampling.stop_strings  # a single token: matched by id
    assert (sampling.temperature, sampling.top_p, sampling.max_new_tokens) == (0.8, 0.95, 33)
    record = sampling.record("transformers", "full")
    assert record["temperature"] == 0.8 and record["top_k"] == 0 and record["logprobs"] == "full"


def test_bad_sampling_values_are_refused() -> None:
    with pytest.raises(ValueError, match="temperature"):
        Sampling(temperature=0.0)
    with pytest.raises(ValueError, match="top_p"):
        Sampling(top_p=0.0)


def test_vllm_is_imported_only_when_selected(tmp_path: Path) -> None:
    import subprocess

    # Importing the interface and the transformers backend never imports vLLM.
    code = (
        "import sys, fimrl.rollout.generation, fimrl.rollout.backends.transformers_backend, "
        "fimrl.rollout.trainer; assert 'vllm' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    try:
        import vllm  # noqa: F401
    except ImportError:
        from fimrl.rollout.backends.vllm_backend import VLLMUnavailableError

        settings = Settings(generation_backend="vllm", state_dir=tmp_path)
        with pytest.raises(VLLMUnavailableError, match=r"pip install -e '\.\[gpu\]'"):
            make_backend(settings)


def test_default_model_generates(gguf_cache: tuple[Path, Any, float]) -> None:
    """The offline default (SmolLM2-135M-Instruct GGUF) samples a real instruct answer.

    It loads from the model cache the rollout package's ``gguf_cache`` fixture converted once
    (the cache ``fimrl demo`` and the benchmark keep under ``<state dir>/models``).
    """
    cache, _model, _convert_s = gguf_cache
    settings = Settings(state_dir=cache.parent, max_new_tokens=16, temperature=0.7)
    backend = TransformersBackend(SMOLLM2_NAME, cache_dir=cache)
    fmt = get_prompt_format(settings.prompt_format)
    task = SAMPLE_TASKS["subproof"]
    prompt = encode_prompt(fmt, task, backend.tokenizer)
    sampling = sampling_for(settings, fmt, backend.tokenizer, seed=0)
    (group,) = backend.generate([prompt], 2, sampling)
    for s in group:
        assert 0 < len(s.token_ids) <= 16 and s.text.strip()
        fmt.extract(s.text, task)  # never raises
    assert max_logprob_error(backend.model, [prompt], [group], 0.7) < TOL
