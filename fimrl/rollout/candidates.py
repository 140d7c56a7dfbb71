"""Sampled completions to candidate rows: the one conversion the trainer and the evaluator share.

Both write what a backend sampled for a task as one group of candidates. Training groups and
evaluation groups must hold the same things made the same way (the cleaned completion, the
middle the prompt format extracts from it, tokens, behaviour log-probabilities, the sampling
record), so the verifier checks the same inputs and the two kinds of rows stay comparable in
SQL. Writing the group (and what to do when that fails) stays with each caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fimrl.db.rollout_store import CandidateRow
from fimrl.rollout.generation import Sample
from fimrl.rollout.prompts import HoleContext, PromptFormat

__all__ = ["candidate_rows", "clean_text"]


def clean_text(value: str) -> str:
    """``value`` with NUL replaced by U+FFFD.

    PostgreSQL text cannot hold NUL and a garbage completion may decode to one: replacing it
    keeps the candidate (it is still recorded, and the verifier rejects it) instead of the
    write failing.
    """
    return value.replace("\x00", "\ufffd")


def candidate_rows(
    fmt: PromptFormat,
    task: HoleContext,
    prompt_ids: Sequence[int],
    samples: Iterable[Sample],
    record: Mapping[str, Any],
    **sampling_extra: Any,
) -> list[CandidateRow]:
    """One :class:`CandidateRow` per sample of ``task``.

    ``record`` is the batch's sampling record (:meth:`Sampling.record`); each row's
    ``sampling`` is that record plus the sample's ``finish_reason`` and ``sampling_extra``
    (the evaluator adds the seed it sampled with).
    """
    rows = []
    for sample in samples:
        completion = clean_text(sample.text)
        rows.append(
            CandidateRow(
                completion=completion,
                middle=clean_text(fmt.extract(completion, task)),
                token_ids=list(sample.token_ids),
                behaviour_logprobs=list(sample.logprobs),
                prompt_tokens=len(prompt_ids),
                sampling=dict(record) | {"finish_reason": sample.finish_reason} | sampling_extra,
            )
        )
    return rows
