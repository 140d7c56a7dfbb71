"""What the vLLM backend decides without vLLM: engine arguments, checkpoint fit, the stop rule.

The engine itself runs in tests/vllm (vLLM's CPU build, `make test-vllm`); these are the
choices it is built from, tested where vLLM is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

from fimrl.config import Settings
from fimrl.cpu_budget import CpuBudget
from fimrl.rollout.backends.checkpoint_shapes import CheckpointMismatchError, check_same_shapes
from fimrl.rollout.backends.vllm_engine import CPU_KV_CACHE_GIB, engine_choice
from fimrl.rollout.generation import Sampling, StopRule

GIB = 1024**3


def _budget(threads: int, cpus: tuple[int, ...] | None) -> CpuBudget:
    return CpuBudget("trainer", threads, cpus, automatic=False)


def test_the_cpu_build_gets_float32_eager_a_sized_kv_cache_and_bound_threads() -> None:
    choice = engine_choice(Settings(), on_cpu=True, budget=_budget(2, (0, 1)))
    assert choice.kwargs["dtype"] == "float32" and choice.kwargs["enforce_eager"] is True
    assert choice.kwargs["kv_cache_memory_bytes"] == int(CPU_KV_CACHE_GIB * GIB)
    assert "gpu_memory_utilization" not in choice.kwargs
    assert choice.environ == {"VLLM_CPU_OMP_THREADS_BIND": "0-1"}
    assert "CPU build" in choice.describe() and "float32" in choice.describe()


def test_an_unpinned_budget_binds_as_many_cpus_as_it_has_threads() -> None:
    choice = engine_choice(Settings(), on_cpu=True, budget=_budget(1, None))
    bind = choice.environ["VLLM_CPU_OMP_THREADS_BIND"]
    assert bind.isdigit()  # one CPU, not the whole machine


def test_settings_override_the_platform_defaults() -> None:
    settings = Settings(vllm_dtype="bfloat16", vllm_enforce_eager=False, vllm_kv_cache_gib=0.5)
    cpu = engine_choice(settings, on_cpu=True, budget=_budget(1, (3,)))
    assert cpu.kwargs["dtype"] == "bfloat16" and cpu.kwargs["enforce_eager"] is False
    assert cpu.kwargs["kv_cache_memory_bytes"] == GIB // 2
    assert cpu.environ["VLLM_CPU_OMP_THREADS_BIND"] == "3"


def test_a_gpu_keeps_the_models_dtype_compiles_and_takes_a_memory_share() -> None:
    gpu = engine_choice(
        Settings(tensor_parallel_size=2, vllm_gpu_memory_utilization=0.6),
        on_cpu=False,
        budget=_budget(1, None),
    )
    assert gpu.kwargs == {
        "tensor_parallel_size": 2,
        "dtype": "auto",
        "enforce_eager": False,
        "gpu_memory_utilization": 0.6,
    }
    assert gpu.environ == {}


def _checkpoint(path: Path, tensors: dict[str, torch.Tensor]) -> Path:
    path.mkdir(parents=True)
    save_file(tensors, path / "model.safetensors")
    return path


BASE = {"embed.weight": torch.zeros(8, 4), "layer.weight": torch.zeros(4, 4)}


def test_a_checkpoint_of_the_same_tensors_fits(tmp_path: Path) -> None:
    served = _checkpoint(tmp_path / "served", BASE)
    new = _checkpoint(tmp_path / "new", {k: v + 1 for k, v in BASE.items()})
    assert check_same_shapes(new, served) == 2
    tied = _checkpoint(tmp_path / "tied", BASE | {"lm_head.weight": torch.zeros(8, 4)})
    assert check_same_shapes(tied, served) == 3  # a stored tied head is not a mismatch


@pytest.mark.parametrize(
    ("tensors", "message"),
    [
        ({"embed.weight": torch.zeros(8, 4)}, "missing 1 .*layer.weight"),
        (BASE | {"extra.weight": torch.zeros(1)}, "1 the model does not have .*extra.weight"),
        (BASE | {"layer.weight": torch.zeros(4, 5)}, r"layer.weight has shape \[4, 5\]"),
    ],
)
def test_a_checkpoint_that_does_not_fit_is_named(
    tmp_path: Path, tensors: dict[str, torch.Tensor], message: str
) -> None:
    served = _checkpoint(tmp_path / "served", BASE)
    new = _checkpoint(tmp_path / "new", tensors)
    with pytest.raises(CheckpointMismatchError, match=message):
        check_same_shapes(new, served)


def test_unreadable_and_empty_checkpoints_are_named(tmp_path: Path) -> None:
    served = _checkpoint(tmp_path / "served", BASE)
    broken = _checkpoint(tmp_path / "broken", BASE)
    shard = broken / "model.safetensors"
    shard.write_bytes(shard.read_bytes()[:40])
    with pytest.raises(CheckpointMismatchError, match="cannot read"):
        check_same_shapes(broken, served)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointMismatchError, match=r"no \*\.safetensors"):
        check_same_shapes(tmp_path / "empty", served)


def test_the_stop_rule_ends_at_the_first_stop_token_or_completed_string(
    smollm2_tokenizer: Any,
) -> None:
    tok = smollm2_tokenizer
    eos = int(tok.eos_token_id)
    words = tok.encode(" exact hq\n  exact hp", add_special_tokens=False)
    rule = StopRule(Sampling(stop_token_ids=(eos,), stop_strings=("hq\n",)), tok)
    end = rule.first_end(words)
    assert end is not None and end < len(words)
    assert "hq\n" in tok.decode(words[:end]) and "hq\n" not in tok.decode(words[: end - 1])
    assert rule.first_end([*words[:2], eos, *words[2:]]) == 3
    assert StopRule(Sampling(stop_token_ids=(eos,)), tok).first_end(words) is None
