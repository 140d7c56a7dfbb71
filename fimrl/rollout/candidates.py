"""Sampled completions to candidate rows: the one conversion the trainer and the evaluator share.

Both write what a backend sampled for a task as one group of candidates. Training groups and
evaluation groups must hold the same things made the same way (the cleaned completion, the
middle the prompt format extracts from it, tokens, behaviour log-probabilities, the sampling
record), so the verifier checks the same inputs and the two kinds of rows stay comparable in
SQL. Writing the group (and what to do when that fails) stays with each caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fimrl.db.rollout_store import CandidateRow
from fimrl.rollout.generation import Sample
from fimrl.rollout.prompts import HoleContext, PromptFormat

__all__ = ["candidate_rows", "clean_text"]


#: What PostgreSQL text cannot hold: NUL, and UTF-16 surrogates (a lone one cannot be
#: encoded as UTF-8 at all; a decoder may yield them from broken bytes).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with what PostgreSQL cannot store (NUL, surrogates) replaced by U+FFFD.

    A garbage completion may decode to either, and the group write would then fail (NUL: a
    refused value; a lone surrogate: the driver cannot even encode it). Replacing keeps the
    candidate: it is still recorded, and the verifier's guard rejects a middle with U+FFFD
    (rule ``encoding``), so the model is told no instead of the trainer losing the batch.
    """
    return _UNSTORABLE.sub("\ufffd", value)


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
