"""The data of the supervised arms: Lean text for next-token training, FIM rows for SFT.

The ntp arm trains on the same declarations the FIM arms draw their holes from (the train
split), as plain text, so the comparison is between objectives on one body of Lean rather than
between data sets. A text is a declaration's own source (``prefix + middle + suffix`` of any of
its tasks is the declaration byte for byte, see :mod:`fimrl.lean.fim`); the task header (the
file's imports and earlier declarations) is left out: it repeats for every declaration of a
file and would weight long files' preambles many times over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, text

from fimrl.rollout.prompts import PromptFormat
from fimrl.warmup.sft import WarmupTask, build_examples

__all__ = ["fim_rows", "ntp_rows", "ntp_texts"]


def ntp_texts(engine: Engine) -> list[str]:
    """The source text of every train-split declaration, once per (source, declaration name).

    A declaration cut into several holes has several tasks; any of them gives the same text,
    and the lowest id is taken so the choice does not depend on the database's row order.
    Texts come ordered by source and name, so the same database always gives the same list.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT ON (source, decl_name) prefix, middle, suffix FROM fim_tasks "
                "WHERE split = 'train' ORDER BY source, decl_name, id"
            )
        ).all()
    return [r.prefix + r.middle + r.suffix for r in rows]


def _n_tokens(tokenizer: Any, piece: str) -> int:
    # As TRL tokenizes a text row (special tokens included), plus the EOS it appends.
    return len(tokenizer(piece)["input_ids"]) + 1


def _split_line(line: str, tokenizer: Any, max_length: int) -> list[str]:
    """Cut one over-long line into pieces that fit, each as long as a binary search allows.

    Cutting characters rather than decoding token slices keeps ``"".join(pieces) == line``
    exact (byte-level tokens can split a character).
    """
    pieces: list[str] = []
    rest = line
    while rest:
        if _n_tokens(tokenizer, rest) <= max_length:
            pieces.append(rest)
            break
        lo, hi = 1, len(rest)  # the longest prefix that fits lies in [lo, hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _n_tokens(tokenizer, rest[:mid]) <= max_length:
                lo = mid
            else:
                hi = mid
        pieces.append(rest[:lo])
        rest = rest[lo:]
    return pieces


def _chunks(source: str, tokenizer: Any, max_length: int) -> list[str]:
    """Consecutive pieces of ``source`` that each fit ``max_length`` tokens, cut between lines
    where a line fits and inside a line only where it does not; they join back to ``source``."""
    units: list[str] = []
    for line in source.splitlines(keepends=True):
        if _n_tokens(tokenizer, line) <= max_length:
            units.append(line)
        else:
            units.extend(_split_line(line, tokenizer, max_length))
    chunks: list[str] = []
    current = ""
    for unit in units:
        # Tokens do not add exactly across a line break, so the joined piece is measured.
        if current and _n_tokens(tokenizer, current + unit) > max_length:
            chunks.append(current)
            current = unit
        else:
            current += unit
    if current:
        chunks.append(current)
    return chunks


def ntp_rows(
    texts: Sequence[str], tokenizer: Any, max_length: int
) -> tuple[list[dict[str, str]], dict[str, int]]:
    """``{"text": ...}`` rows of at most ``max_length`` tokens (EOS included), and counts.

    A longer text is cut into consecutive chunks rather than truncated (its end would never be
    trained on) or dropped (long proofs would vanish from the arm). Blank texts are skipped.
    Counts: ``texts`` read, ``rows`` made, ``split`` (texts that became several rows),
    ``empty`` (blank texts skipped) and ``tokens`` (of all rows, EOS included: what one pass
    over the rows feeds the model).
    """
    if max_length < 8:
        # Room for the EOS and any single character (up to 4 byte-level tokens) is needed.
        raise ValueError(f"max_length must be at least 8 tokens, not {max_length}")
    rows: list[dict[str, str]] = []
    counts = {"texts": len(texts), "rows": 0, "split": 0, "empty": 0, "tokens": 0}
    for source in texts:
        if not source.strip():
            counts["empty"] += 1
            continue
        if _n_tokens(tokenizer, source) <= max_length:
            pieces = [source]
        else:
            pieces = _chunks(source, tokenizer, max_length)
            counts["split"] += 1
        for piece in pieces:
            rows.append({"text": piece})
            counts["tokens"] += _n_tokens(tokenizer, piece)
    counts["rows"] = len(rows)
    return rows, counts


def fim_rows(
    tasks: Sequence[WarmupTask], fmt: PromptFormat, tokenizer: Any, max_length: int
) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The warm-up's prompt-completion examples of ``tasks``, reduced to what the trainer reads,
    and why the others were left out (reason -> count).

    The fim-sft arm and the warm-up must teach the same thing from the same prompt, so this is
    :func:`fimrl.warmup.sft.build_examples` itself, not a second recipe.
    """
    examples, left_out = build_examples(tasks, fmt, tokenizer, max_length)
    rows = [{"prompt": e["prompt"], "completion": e["completion"]} for e in examples]
    return rows, dict(left_out)
