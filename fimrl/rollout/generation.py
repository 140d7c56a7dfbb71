"""Generation backends: one interface, so the trainer never knows which engine samples.

The trainer hands a backend token-id prompts and asks for ``n`` samples each; it gets back, per
sample, exactly what the learner later needs to re-score it: the sampled token ids (the stop
token included when one was sampled, padding never) and the behaviour log-probability of each
of those tokens, ``log softmax(logits / temperature)[token]`` over the full vocabulary, the same
quantity :func:`fimrl.learn.logprobs.completion_logprobs` computes. With that, a policy that has
not moved gives an importance ratio of exactly 1.

Backends (``generation_backend`` setting):

- ``transformers`` (:mod:`fimrl.rollout.backends.transformers_backend`): CPU or one GPU,
  ``model.generate`` with left padding; log-probs from the raw logits of each step.
- ``vllm`` (:mod:`fimrl.rollout.backends.vllm_backend`): the offline vLLM engine, tensor
  parallel; imported only when selected, so a CPU install never needs vLLM.

Both reload a new policy checkpoint in place (:meth:`GenerationBackend.reload`), so following
the learner never restarts the trainer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from fimrl.errors import FimrlError

if TYPE_CHECKING:
    from fimrl.config import Settings
    from fimrl.rollout.prompts import PromptFormat

__all__ = [
    "FinishReason",
    "GenerationBackend",
    "GenerationInterrupted",
    "LogprobSpace",
    "Sample",
    "Sampling",
    "StopRule",
    "make_backend",
    "sampling_for",
]

FinishReason = Literal["stop", "length"]

#: What the behaviour log-probs are the log-probabilities *of*:
#: ``full``: log softmax(logits / temperature) over the whole vocabulary (what the learner
#: computes); ``truncated``: the top-p renormalised distribution the token was actually drawn
#: from (only the vLLM backend with top_p < 1 and temperature != 1 returns these).
LogprobSpace = Literal["full", "truncated"]


class GenerationInterrupted(FimrlError):
    """Generation was stopped part-way (the trainer is shutting down); nothing is returned."""


@dataclass(frozen=True)
class Sampling:
    """How to sample: the complete behaviour policy besides the weights.

    Attributes:
        temperature: logits are divided by it before softmax (and before top-p).
        top_p: nucleus sampling; 1.0 disables it. Top-k is always off, so with ``top_p == 1``
            the sampling distribution is exactly the one the log-probs describe.
        max_new_tokens: generation stops after this many tokens (finish reason ``length``).
        stop_token_ids: tokens that end a sample; the stop token is kept in ``token_ids``.
        stop_strings: decoded text that ends a sample (multi-token stops such as a closing
            code fence); the token that completes the string is kept.
        seed: seeds the sampler for this call when set (reproducible batches).
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 64
    stop_token_ids: tuple[int, ...] = ()
    stop_strings: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ValueError("temperature must be > 0 (greedy decoding has no behaviour log-probs)")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")

    def record(self, backend: str, space: LogprobSpace) -> dict[str, Any]:
        """The ``candidates.sampling`` JSON: enough to re-score and to audit the sample.

        The learner reads ``temperature``; ``top_p``/``top_k`` say how the sampler truncated,
        ``logprobs`` which distribution the stored behaviour log-probs belong to.
        """
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": 0,
            "max_new_tokens": self.max_new_tokens,
            "backend": backend,
            "logprobs": space,
        }


class StopRule:
    """Where a sample ends: at its first stop token, or at the token that completes a stop string.

    One rule for every backend, so a sample ends at the same token whichever engine drew it.
    A stop string is looked for in the decoded tail of the generated tokens only (never the
    prompt), wide enough for the longest stop string plus slack for a partial UTF-8 sequence
    at the window's start (each token decodes to at least one character).
    """

    def __init__(self, sampling: Sampling, tokenizer: Any) -> None:
        self.stop_ids = frozenset(sampling.stop_token_ids)
        self.stop_strings = sampling.stop_strings
        self.window = max((len(s) for s in self.stop_strings), default=0) + 2
        self.tokenizer = tokenizer

    def ends_with_stop(self, generated: Sequence[int]) -> bool:
        """Whether the newest token of ``generated`` (generated tokens only) ends the sample."""
        if not generated:
            return False
        if generated[-1] in self.stop_ids:
            return True
        if not self.stop_strings:
            return False
        tail = self.tokenizer.decode(list(generated[-self.window :]), skip_special_tokens=False)
        return any(s in tail for s in self.stop_strings)

    def first_end(self, generated: Sequence[int]) -> int | None:
        """The length of ``generated`` up to and including its first stopping token, if any."""
        for end in range(1, len(generated) + 1):
            if self.ends_with_stop(generated[:end]):
                return end
        return None


@dataclass
class Sample:
    """One sampled completion.

    Attributes:
        token_ids: the sampled tokens, the terminating stop token included, padding excluded.
        logprobs: one behaviour log-probability per token of ``token_ids``.
        text: the decoded completion (special tokens kept, so a stop token shows).
        finish_reason: ``stop`` (a stop token or string) or ``length`` (max_new_tokens).
    """

    token_ids: list[int]
    logprobs: list[float]
    text: str
    finish_reason: FinishReason
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class GenerationBackend(Protocol):
    """What the trainer needs of a generation engine."""

    @property
    def name(self) -> str:
        """``transformers`` or ``vllm``; recorded with every candidate."""
        ...

    @property
    def tokenizer(self) -> Any:
        """The policy's tokenizer (prompts are encoded with it)."""
        ...

    @property
    def context_length(self) -> int | None:
        """Longest prompt + completion the model accepts; ``None`` if unknown."""
        ...

    def logprob_space(self, sampling: Sampling) -> LogprobSpace:
        """Which distribution :meth:`generate` returns log-probs of, for ``sampling``."""
        ...

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        """``n`` samples for each prompt (token ids), in prompt order."""
        ...

    def reload(self, checkpoint_path: str) -> None:
        """Load a published policy checkpoint (full weights or a LoRA adapter) in place."""
        ...

    def close(self) -> None:
        """Release the engine (GPU memory, worker processes)."""
        ...


def sampling_for(
    settings: Settings, fmt: PromptFormat, tokenizer: Any, *, seed: int | None = None
) -> Sampling:
    """The sampling parameters the settings and prompt format call for.

    Stop sequences that are single tokens of the tokenizer become stop token ids (exact and
    cheap); the others stay strings, matched on decoded text.
    """
    from fimrl.rollout.prompts import stop_strings, stop_token_ids

    # Called once per batch: both look stops up one by one (never the whole vocabulary, which
    # costs ~55 ms per call for a 49k-token tokenizer).
    ids = stop_token_ids(fmt, tokenizer)
    strings = stop_strings(fmt, tokenizer)
    return Sampling(
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_new_tokens=settings.max_new_tokens,
        stop_token_ids=tuple(ids),
        stop_strings=strings,
        seed=seed,
    )


def make_backend(
    settings: Settings, *, interrupt: threading.Event | None = None
) -> GenerationBackend:
    """The backend named by ``generation_backend``, loaded with the ``model`` setting.

    ``interrupt``: an event that, once set, makes a running ``generate`` give up
    (:class:`GenerationInterrupted`) so a stopping daemon does not wait for a whole batch
    (transformers only: vLLM's offline engine finishes the call).
    """
    cache_dir = settings.state_dir / "models"
    if settings.generation_backend == "vllm":
        from fimrl.rollout.backends.vllm_backend import VLLMBackend

        return VLLMBackend.from_settings(settings)
    from fimrl.rollout.backends.transformers_backend import TransformersBackend

    return TransformersBackend(settings.model, cache_dir=cache_dir, interrupt=interrupt)
