"""The transformers backend: ``model.generate`` sampling with exact behaviour log-probs.

Why it is built the way it is:

- The model's own ``generation_config`` is replaced by one that only knows the special token
  ids. Checkpoints ship sampling defaults (Qwen: ``top_k=20``, ``repetition_penalty=1.05``)
  that transformers would otherwise merge into every call, silently sampling from a different
  distribution than the one the log-probs describe. Top-k is switched off explicitly (the
  library default is 50).
- Log-probs come from the *raw* logits of each step (``output_logits``), divided by the
  temperature and normalised over the full vocabulary: exactly what the learner recomputes.
  With ``top_p < 1`` the token was drawn from the truncated distribution; the candidate's
  sampling record says so, and the stored values are still those of the full one.
- Prompts are left-padded; ``generate`` derives position ids from the attention mask, so a
  padded row sees the same positions as the unpadded prompt the learner re-scores.
- Where each sample ends is recorded by a stopping criterion at the step it ends (a stop token
  or a stop string), not guessed afterwards from the tokens: the pad token is often the EOS
  token, so "first EOS" would mistake padding for a sampled token.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import GenerationConfig, StoppingCriteria, StoppingCriteriaList

from fimrl.rollout.generation import (
    GenerationInterrupted,
    LogprobSpace,
    Sample,
    Sampling,
    StopRule,
)
from fimrl.rollout.models import load_causal_lm, load_tokenizer

log = logging.getLogger(__name__)

__all__ = ["TransformersBackend"]


class _EndRecorder(StoppingCriteria):
    """Marks a row finished at its first stop token or stop string, and remembers where.

    ``generate`` calls it after every step with all rows; a finished row stays finished, so the
    first recorded length is exactly where that row's sampling ended.
    """

    def __init__(
        self,
        prompt_len: int,
        sampling: Sampling,
        tokenizer: Any,
        interrupt: threading.Event | None,
    ) -> None:
        self.prompt_len = prompt_len
        self.rule = StopRule(sampling, tokenizer)
        self.interrupt = interrupt
        self.ends: list[int | None] = []

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any
    ) -> torch.BoolTensor:
        if self.interrupt is not None and self.interrupt.is_set():
            raise GenerationInterrupted("generation interrupted: the trainer is stopping")
        rows = input_ids.shape[0]
        if not self.ends:
            self.ends = [None] * rows
        generated = input_ids.shape[1] - self.prompt_len
        start = max(self.prompt_len, input_ids.shape[1] - self.rule.window)
        tails = input_ids[:, start:].tolist()
        done = []
        for r in range(rows):
            if self.ends[r] is None and self.rule.ends_with_stop(tails[r]):
                self.ends[r] = generated
            done.append(self.ends[r] is not None)
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)  # type: ignore[return-value]


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed torch's RNG for one call without disturbing the caller's RNG stream."""
    if seed is None:
        yield
        return
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class TransformersBackend:
    """Sampling with a Hugging Face causal LM on CPU or one GPU.

    Args:
        model: a model name for :func:`fimrl.rollout.models.load_causal_lm` (HF id, local dir,
            ``smollm2-135m-instruct``).
        cache_dir: where a GGUF model is converted once (``state_dir/models``).
        device: ``cpu``/``cuda``/...; default: CUDA when available.
        dtype: default float32 on CPU, bfloat16 on GPU.
        max_batch_rows: most sequences (prompts x n) in one ``generate`` call; bounds the memory
            of the per-step logits kept for the log-probs (rows x steps x vocab floats).
        interrupt: once set, a running ``generate`` raises :class:`GenerationInterrupted`.
    """

    name = "transformers"

    def __init__(
        self,
        model: str,
        *,
        cache_dir: Path | None = None,
        device: str | None = None,
        dtype: torch.dtype | None = None,
        max_batch_rows: int = 64,
        interrupt: threading.Event | None = None,
    ) -> None:
        cuda = torch.cuda.is_available()
        self.model_name = model
        self.cache_dir = cache_dir
        self.device = torch.device(device or ("cuda" if cuda else "cpu"))
        self.dtype = dtype or (torch.bfloat16 if self.device.type == "cuda" else torch.float32)
        self.max_batch_rows = max(1, max_batch_rows)
        self.interrupt = interrupt
        self._tokenizer = load_tokenizer(model, cache_dir=cache_dir)
        self.model = self._prepare(load_causal_lm(model, self.dtype, cache_dir=cache_dir))
        self._vocab_rows = self.model.get_input_embeddings().num_embeddings

    # --- the interface -------------------------------------------------------------------
    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def context_length(self) -> int | None:
        value = getattr(self.model.config, "max_position_embeddings", None)
        return int(value) if isinstance(value, int) else None

    def logprob_space(self, sampling: Sampling) -> LogprobSpace:
        # Always the full temperature-scaled distribution (computed from the raw logits).
        return "full"

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        if n < 1:
            raise ValueError("n must be >= 1")
        if any(len(p) == 0 for p in prompts):
            raise ValueError("empty prompt")
        per_call = max(1, self.max_batch_rows // n)
        out: list[list[Sample]] = []
        with _seeded(sampling.seed):
            for start in range(0, len(prompts), per_call):
                out += self._generate_chunk(prompts[start : start + per_call], n, sampling)
        return out

    def reload(self, checkpoint_path: str) -> None:
        """Load new weights: a LoRA adapter is merged into the base, full weights replace.

        The new model is built before the old one is dropped, so a bad checkpoint leaves the
        backend serving the previous policy.
        """
        from transformers import AutoModelForCausalLM

        path = Path(checkpoint_path)
        if not path.is_dir():
            raise FileNotFoundError(f"checkpoint {path} does not exist")
        if (path / "adapter_config.json").is_file():
            from peft import PeftModel

            base = load_causal_lm(self.model_name, self.dtype, cache_dir=self.cache_dir)
            model = PeftModel.from_pretrained(base, str(path)).merge_and_unload()
        else:
            model = AutoModelForCausalLM.from_pretrained(path, dtype=self.dtype)
        rows = model.get_input_embeddings().num_embeddings
        if rows != self._vocab_rows:
            raise ValueError(
                f"checkpoint {path} has {rows} embedding rows, the loaded policy "
                f"{self._vocab_rows}: not the same tokenizer"
            )
        self.model = self._prepare(model)
        log.info("loaded policy weights from %s", path)

    def close(self) -> None:
        self.model = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # --- internals -------------------------------------------------------------------------
    def _prepare(self, model: Any) -> Any:
        tok = self._tokenizer
        model.generation_config = GenerationConfig(
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        )
        model.requires_grad_(False)
        return model.to(self.device).eval()

    def _generate_chunk(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        tok = self._tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        width = max(len(p) for p in prompts)
        input_ids = torch.full((len(prompts), width), int(pad), dtype=torch.long)
        attention = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, prompt in enumerate(prompts):
            input_ids[i, width - len(prompt) :] = torch.tensor(list(prompt), dtype=torch.long)
            attention[i, width - len(prompt) :] = 1
        recorder = _EndRecorder(width, sampling, tok, self.interrupt)
        eos = list(sampling.stop_token_ids) or [tok.eos_token_id]
        config = GenerationConfig(
            do_sample=True,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=0,
            max_new_tokens=sampling.max_new_tokens,
            num_return_sequences=n,
            eos_token_id=eos,
            pad_token_id=int(pad),
            output_logits=True,
            return_dict_in_generate=True,
            use_cache=True,
        )
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention.to(self.device),
                generation_config=config,
                stopping_criteria=StoppingCriteriaList([recorder]),
            )
            generated = out.sequences[:, width:]
            steps = generated.shape[1]
            logprobs = torch.empty(generated.shape, dtype=torch.float32)
            for t, logits in enumerate(out.logits[:steps]):
                step = torch.log_softmax(logits.float() / sampling.temperature, dim=-1)
                logprobs[:, t] = step.gather(-1, generated[:, t : t + 1]).squeeze(-1).cpu()
        generated = generated.cpu()
        samples: list[Sample] = []
        for row in range(generated.shape[0]):
            end = recorder.ends[row] if row < len(recorder.ends) else None
            length = steps if end is None else min(end, steps)
            ids = generated[row, :length].tolist()
            samples.append(
                Sample(
                    token_ids=ids,
                    logprobs=logprobs[row, :length].tolist(),
                    text=tok.decode(ids, skip_special_tokens=False),
                    finish_reason="length" if end is None else "stop",
                )
            )
        return [samples[i * n : (i + 1) * n] for i in range(len(prompts))]
