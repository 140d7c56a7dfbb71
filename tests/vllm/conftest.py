"""Fixtures of the vLLM tests: the real engine (vLLM's CPU build), SmolLM2, real FIM prompts.

These tests run in the environment of ``make setup-vllm`` (``make test-vllm``); elsewhere vLLM
is not installed and they skip, unless ``--require-vllm`` says it must be there. One engine
serves a whole module where it can (an eager start on 2 cores takes ~20 s).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fimrl.config import Settings
from fimrl.cpu_budget import CpuBudget, usable_cpus
from fimrl.rollout.backends.vllm_engine import EngineChoice, engine_choice


@dataclass(frozen=True)
class Hole:
    """What a prompt format reads of a FIM task."""

    header: str
    prefix: str
    middle: str
    suffix: str


HOLES = [
    Hole(
        "",
        "theorem add_zero' (n : Nat) : n + 0 = n := by\n  ",
        "simp",
        "\n",
    ),
    Hole(
        "",
        "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p := by\n  constructor\n  ",
        "exact hq",
        "\n  exact hp\n",
    ),
    Hole(
        "",
        "theorem le_succ' (n : Nat) : n ≤ n + 1 := by\n",
        "  omega\n",
        "",
    ),
]


def _need_vllm(config: pytest.Config) -> Any:
    try:
        import vllm
    except ImportError as exc:
        if config.getoption("--require-vllm"):
            pytest.fail(f"--require-vllm, but vLLM cannot be imported: {exc}")
        pytest.skip(f"vLLM is not installed here ({exc}); `make test-vllm` runs these")
    return vllm


@pytest.fixture(scope="session")
def vllm(pytestconfig: pytest.Config) -> Any:
    return _need_vllm(pytestconfig)


@pytest.fixture(scope="session")
def smollm2_dir(vllm: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2-135M-Instruct as a safetensors directory (converted from the bundled GGUF)."""
    from fimrl.rollout.models import SMOLLM2_NAME, local_model_dir

    return local_model_dir(SMOLLM2_NAME, cache_dir=tmp_path_factory.mktemp("models"))


def cpu_choice(settings: Settings | None = None) -> EngineChoice:
    """The engine arguments of the CPU build, every usable CPU bound (tests run alone)."""
    cpus = usable_cpus()
    budget = CpuBudget("trainer", len(cpus), cpus, automatic=False)
    return engine_choice(settings or Settings(), on_cpu=True, budget=budget)


def make_engine(model_dir: Path, **kwargs: Any) -> Any:
    from fimrl.rollout.backends.vllm_backend import VLLMBackend

    return VLLMBackend(str(model_dir), choice=cpu_choice(), seed=0, **kwargs)


@pytest.fixture(scope="session")
def engine(smollm2_dir: Path) -> Iterator[Any]:
    """SmolLM2 in the CPU engine, full weights, processed log-probs (temperature != 1 ok)."""
    backend = make_engine(smollm2_dir, temperature=0.7)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def reference(smollm2_dir: Path) -> Any:
    """The same weights in transformers, float32: what the learner re-scores with."""
    import torch

    from fimrl.rollout.models import load_causal_lm

    return load_causal_lm(str(smollm2_dir), torch.float32).eval()


def prompts_of(tokenizer: Any, holes: Sequence[Hole] = HOLES) -> list[list[int]]:
    from fimrl.rollout.prompts import encode_prompt, get_prompt_format

    fmt = get_prompt_format("instruct")
    return [encode_prompt(fmt, hole, tokenizer) for hole in holes]


def recompute(model: Any, prompt: Sequence[int], ids: Sequence[int], temperature: float) -> Any:
    """``log softmax(logits / T)`` of every token of ``ids`` after ``prompt`` (the learner's)."""
    import torch

    from fimrl.learn.logprobs import completion_logprobs

    tokens = torch.tensor([[*prompt, *ids]], dtype=torch.long)
    with torch.inference_mode():
        return completion_logprobs(
            model, tokens, torch.ones_like(tokens), len(ids), temperature=temperature
        )[0]


def full_distribution(model: Any, prompt: Sequence[int], ids: Sequence[int], t: float) -> Any:
    """Per position of ``ids``: probabilities of softmax(logits / T) over the vocabulary."""
    import torch

    tokens = torch.tensor([[*prompt, *ids]], dtype=torch.long)
    with torch.inference_mode():
        logits = model(input_ids=tokens, use_cache=False).logits[0, -len(ids) - 1 : -1].float()
    return torch.softmax(logits / t, dim=-1)
