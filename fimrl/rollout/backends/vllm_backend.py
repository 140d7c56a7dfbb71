"""The vLLM backend: the offline ``vllm.LLM`` engine, ``n`` samples per prompt, tensor parallel.

Written to vLLM's documented offline API (>= 0.10.2, the V1 engine) and NOT exercised by the
test suite: CI has no GPU and does not install the ``gpu`` extra. What it relies on:

- ``LLM(model=dir, tensor_parallel_size=..., seed=..., logprobs_mode=...,
  worker_extension_cls=...)``; prompts as ``TokensPrompt(prompt_token_ids=...)`` so vLLM
  samples after exactly the tokens the learner will re-score.
- ``SamplingParams(n=, temperature=, top_p=, max_tokens=, logprobs=1, stop=, stop_token_ids=)``:
  each position's log-prob mapping then holds the most likely token and, always, the sampled
  one (``logprobs=0``, "sampled token only", returned nothing in some older releases, so the
  one extra entry is the safe choice). ``CompletionOutput.token_ids`` holds every sampled
  token, the stop token included; ``.logprobs`` one ``{token_id: Logprob}`` per token.
- Which log-probs: vLLM V1 returns by default ``raw_logprobs``, the softmax of the logits
  *before* temperature, which is not the behaviour policy. The engine is therefore built with
  ``logprobs_mode="processed_logprobs"``: log softmax of the logits after temperature (and
  after top-p masking). With ``top_p == 1`` that is exactly ``log softmax(logits / T)``, what
  the learner computes. With ``top_p < 1`` it is the truncated, renormalised distribution the
  token was drawn from; the candidate's sampling record says ``"logprobs": "truncated"``. When
  the settings ask for ``temperature == 1`` with ``top_p < 1``, ``raw_logprobs`` is used instead
  (then raw is exactly the full temperature-1 distribution).
- Weight reload in place: ``worker_extension_cls`` adds
  :meth:`~fimrl.rollout.backends.vllm_worker.CheckpointLoaderExtension.fimrl_load_checkpoint`
  to every worker; :meth:`VLLMBackend.reload` calls it on all tensor-parallel ranks through
  ``LLM.collective_rpc`` (each rank reads the safetensors and ``model.load_weights`` shards
  them), then ``LLM.reset_prefix_cache()`` drops KV blocks computed with the old weights. The
  engine, its KV cache and CUDA graphs stay up. A LoRA policy (``use_lora``) is instead
  hot-swapped: the engine is built with ``enable_lora=True`` and each checkpoint becomes a new
  ``LoRARequest`` passed to ``generate``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fimrl.errors import FimrlError
from fimrl.rollout.backends.vllm_worker import EXTENSION_CLASS
from fimrl.rollout.generation import FinishReason, LogprobSpace, Sample, Sampling
from fimrl.rollout.models import load_tokenizer, local_model_dir

log = logging.getLogger(__name__)

__all__ = ["VLLMBackend", "VLLMUnavailableError"]

VLLM_PIP = "pip install -e '.[gpu]'"
# LoRA rank of the learner's adapters (fimrl.learn.learner._wrap_lora uses r=16).
MAX_LORA_RANK = 16


class VLLMUnavailableError(FimrlError):
    """vLLM was selected but cannot be imported or is too old."""


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise VLLMUnavailableError(
            f"generation_backend='vllm' needs vLLM ({exc}); install the gpu extra with "
            f"`{VLLM_PIP}` on a CUDA machine, or set FIMRL_GENERATION_BACKEND=transformers"
        ) from exc
    return vllm


def _sampled_logprob(entry: Any, token: int) -> float:
    """The sampled token's log-prob from one position's ``{token_id: Logprob}`` mapping."""
    value = entry[token]
    return float(getattr(value, "logprob", value))


class VLLMBackend:
    """Sampling with vLLM's offline engine.

    Args:
        model: a model name for :func:`fimrl.rollout.models.local_model_dir` (a GGUF default
            is converted to a safetensors directory in ``cache_dir`` first: vLLM reads that).
        tensor_parallel_size: GPUs the engine shards the model over.
        seed: the engine's sampling seed.
        temperature, top_p: the settings' sampling values, used only to choose the engine's
            ``logprobs_mode`` (fixed per engine; see the module docstring).
        enable_lora: serve LoRA adapters (policy checkpoints are adapters).
        gpu_memory_utilization: share of GPU memory vLLM may take (weights + KV cache).
        engine_kwargs: passed on to ``vllm.LLM`` (``max_model_len``, ``enforce_eager``...).
    """

    name = "vllm"

    def __init__(
        self,
        model: str,
        *,
        cache_dir: Path | None = None,
        tensor_parallel_size: int = 1,
        seed: int = 0,
        temperature: float = 1.0,
        top_p: float = 1.0,
        enable_lora: bool = False,
        gpu_memory_utilization: float = 0.85,
        **engine_kwargs: Any,
    ) -> None:
        vllm = _import_vllm()
        self.model_dir = str(local_model_dir(model, cache_dir=cache_dir))
        self._tokenizer = load_tokenizer(model, cache_dir=cache_dir)
        self.logprobs_mode = (
            "raw_logprobs" if temperature == 1.0 and top_p < 1.0 else "processed_logprobs"
        )
        self.enable_lora = enable_lora
        kwargs: dict[str, Any] = {
            "model": self.model_dir,
            "tokenizer": self.model_dir,
            "tensor_parallel_size": tensor_parallel_size,
            "seed": seed,
            "gpu_memory_utilization": gpu_memory_utilization,
            "logprobs_mode": self.logprobs_mode,
            "worker_extension_cls": EXTENSION_CLASS,
        }
        if enable_lora:
            kwargs |= {"enable_lora": True, "max_lora_rank": MAX_LORA_RANK}
        kwargs |= engine_kwargs
        try:
            self.llm = vllm.LLM(**kwargs)
        except TypeError as exc:  # an engine argument this vLLM does not know
            raise VLLMUnavailableError(
                f"this vLLM ({getattr(vllm, '__version__', '?')}) rejected an engine argument "
                f"({exc}); fimrl needs vLLM >= 0.10.2 (logprobs_mode, worker_extension_cls)"
            ) from exc
        self._lora: Any = None
        self._lora_id = 0

    # --- the interface -------------------------------------------------------------------
    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def context_length(self) -> int | None:
        try:
            return int(self.llm.llm_engine.model_config.max_model_len)
        except AttributeError:
            return None

    def logprob_space(self, sampling: Sampling) -> LogprobSpace:
        if self.logprobs_mode == "raw_logprobs":
            if sampling.temperature != 1.0:
                raise ValueError(
                    "this engine returns raw (temperature-1) log-probs; it was built for "
                    "temperature 1 and cannot score samples drawn at another temperature"
                )
            return "full"
        return "full" if sampling.top_p >= 1.0 else "truncated"

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        self.logprob_space(sampling)  # refuse a temperature this engine cannot score
        params = SamplingParams(
            n=n,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_new_tokens,
            logprobs=1,
            stop=list(sampling.stop_strings) or None,
            stop_token_ids=list(sampling.stop_token_ids) or None,
            seed=sampling.seed,
            skip_special_tokens=False,
        )
        requests = [TokensPrompt(prompt_token_ids=list(p)) for p in prompts]
        outputs = self.llm.generate(requests, params, use_tqdm=False, lora_request=self._lora)
        results: list[list[Sample]] = []
        for request in outputs:  # vLLM returns outputs in prompt order
            samples = []
            for completion in request.outputs:
                ids = [int(t) for t in completion.token_ids]
                entries = completion.logprobs or []
                if len(entries) != len(ids):
                    raise RuntimeError(
                        f"vLLM returned {len(entries)} log-prob entries for {len(ids)} tokens"
                    )
                reason: FinishReason = "length" if completion.finish_reason == "length" else "stop"
                logprobs = [_sampled_logprob(e, t) for e, t in zip(entries, ids, strict=True)]
                samples.append(
                    Sample(
                        token_ids=ids,
                        logprobs=logprobs,
                        text=completion.text,
                        finish_reason=reason,
                        extra={"stop_reason": completion.stop_reason},
                    )
                )
            results.append(samples)
        return results

    def reload(self, checkpoint_path: str) -> None:
        path = Path(checkpoint_path)
        if not path.is_dir():
            raise FileNotFoundError(f"checkpoint {path} does not exist")
        if (path / "adapter_config.json").is_file():
            if not self.enable_lora:
                raise ValueError(
                    f"checkpoint {path} is a LoRA adapter but the engine was built without "
                    "LoRA (set use_lora / FIMRL_USE_LORA=true)"
                )
            from vllm.lora.request import LoRARequest

            self._lora_id += 1
            self._lora = LoRARequest(f"policy-{self._lora_id}", self._lora_id, str(path))
        else:
            self.llm.collective_rpc("fimrl_load_checkpoint", args=(str(path),))
            self.llm.reset_prefix_cache()
        log.info("vLLM policy weights now from %s", path)

    def close(self) -> None:
        # Dropping the LLM shuts its engine core and worker processes down.
        self.llm = None
