"""Following the learner without restarting the engine: full checkpoints, LoRA, bad checkpoints.

A full checkpoint is loaded in place through vLLM's own reload (the engine object and its
processes stay); what it then samples is scored by the new weights. A LoRA checkpoint is served
through a ``LoRARequest`` and matches peft's merged model. A bad checkpoint is refused and the
previous policy keeps serving, token for token.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from fimrl.rollout.backends.checkpoint_shapes import CheckpointMismatchError
from fimrl.rollout.generation import Sampling

from .conftest import make_engine, prompts_of, recompute

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

SAMPLING = Sampling(temperature=1.0, max_new_tokens=16, seed=7)


def _draw(engine: Any) -> list[list[tuple[list[int], list[float]]]]:
    out = engine.generate(prompts_of(engine.tokenizer), 2, SAMPLING)
    return [[(s.token_ids, s.logprobs) for s in group] for group in out]


def _same(a: Any, b: Any) -> bool:
    """The same tokens, and log-probs equal to float32 rounding (a draw that reads its prompts
    from the prefix cache computes them in another order)."""
    return all(
        ids1 == ids2 and max((abs(x - y) for x, y in zip(lp1, lp2, strict=True)), default=0) < 1e-3
        for g1, g2 in zip(a, b, strict=True)
        for (ids1, lp1), (ids2, lp2) in zip(g1, g2, strict=True)
    )


def _max_gap(engine: Any, model: Any) -> float:
    """Largest |sampled log-prob - ``model``'s recomputation| over one seeded batch."""
    prompts = prompts_of(engine.tokenizer)
    worst = 0.0
    for prompt, group in zip(prompts, engine.generate(prompts, 2, SAMPLING), strict=True):
        for s in group:
            learner = recompute(model, prompt, s.token_ids, SAMPLING.temperature)
            worst = max(worst, (torch.tensor(s.logprobs) - learner).abs().max().item())
    return worst


@pytest.fixture(scope="module")
def perturbed(reference: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A learner-style full checkpoint: every weight moved, saved with save_pretrained."""
    model = copy.deepcopy(reference)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=generator) * p.abs().mean())
    path = tmp_path_factory.mktemp("ckpt") / "v1"
    model.save_pretrained(path)
    return model, path


def test_a_full_checkpoint_changes_the_policy_in_place_and_back(
    engine: Any, reference: Any, smollm2_dir: Path, perturbed: tuple[Any, Path]
) -> None:
    model, path = perturbed
    llm = engine.llm
    before = _draw(engine)
    engine.reload(str(path))
    assert engine.llm is llm and engine.loader == "reload_weights"
    after = _draw(engine)
    assert not _same(after, before)
    assert _max_gap(engine, model) < 1e-3  # scored by the new weights, not the old
    engine.reload(str(smollm2_dir))
    assert _same(_draw(engine), before)  # float32: the base policy again, token for token


def _bad_checkpoints(root: Path, good: Path) -> dict[str, Path]:
    made: dict[str, Path] = {}
    wrong_shape = root / "wrong-shape"
    wrong_shape.mkdir()
    from safetensors.torch import save_file

    save_file({"model.embed_tokens.weight": torch.zeros(3, 3)}, wrong_shape / "model.safetensors")
    made["wrong-shape"] = wrong_shape
    truncated = root / "truncated"
    shutil.copytree(good, truncated)
    shard = next(truncated.glob("*.safetensors"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    made["truncated"] = truncated
    empty = root / "empty"
    empty.mkdir()
    made["no-weights"] = empty
    return made


def test_a_bad_checkpoint_leaves_the_previous_policy_serving(
    engine: Any, perturbed: tuple[Any, Path], tmp_path: Path
) -> None:
    _, good = perturbed
    before = _draw(engine)
    for name, path in _bad_checkpoints(tmp_path, good).items():
        with pytest.raises(CheckpointMismatchError):
            engine.reload(str(path))
        assert _same(_draw(engine), before), f"{name} changed the served policy"
    with pytest.raises(FileNotFoundError):
        engine.reload(str(tmp_path / "never-written"))
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    with pytest.raises(ValueError, match="without LoRA"):
        engine.reload(str(adapter))
    assert _same(_draw(engine), before)


def _adapter(reference: Any, path: Path, seed: int) -> Any:
    """A random LoRA adapter (B != 0, so it moves the policy) and peft's merged model of it."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(
        r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    peft_model = get_peft_model(copy.deepcopy(reference), config)
    peft_model.save_pretrained(path)
    return peft_model.merge_and_unload().eval()


def test_a_lora_checkpoint_is_served_through_a_lora_request(
    smollm2_dir: Path, reference: Any, tmp_path: Path
) -> None:
    first = _adapter(reference, tmp_path / "a1", seed=1)
    second = _adapter(reference, tmp_path / "a2", seed=2)
    engine = make_engine(smollm2_dir, enable_lora=True)
    try:
        base = _draw(engine)
        engine.reload(str(tmp_path / "a1"))
        assert not _same(_draw(engine), base)
        assert _max_gap(engine, first) < 1e-3
        engine.reload(str(tmp_path / "a2"))
        assert _max_gap(engine, second) < 1e-3  # the newer adapter replaced the older
        serving = _draw(engine)

        broken = tmp_path / "broken"
        shutil.copytree(tmp_path / "a2", broken)
        config = json.loads((broken / "adapter_config.json").read_text())
        config["r"] = 64  # above the engine's max_lora_rank
        (broken / "adapter_config.json").write_text(json.dumps(config))
        with pytest.raises(CheckpointMismatchError, match="max_lora_rank"):
            engine.reload(str(broken))
        assert _same(_draw(engine), serving)
    finally:
        engine.close()
