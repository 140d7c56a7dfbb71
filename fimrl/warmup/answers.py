"""What the warm-up teaches the policy to write: the reference middle as the model answers it.

A policy prompted with the ``instruct`` format answers with a free-standing block (first line
at column 0, later lines indented relative to it), and extraction lays that block out at the
hole. A raw FIM model continues right at the hole. So the supervised target is the reference
middle in the shape the prompt format expects, and a target is used only if extraction maps it
back to the reference exactly: the warm-up then teaches precisely what the RL stage rewards,
never a formatting the verifier would see differently.
"""

from __future__ import annotations

from fimrl.rollout.extract import hole_of
from fimrl.rollout.prompts import (
    CLOSING_FENCE,
    FimFormat,
    HoleContext,
    InstructFormat,
    PromptFormat,
)

__all__ = ["answer_text", "round_trips", "target_text"]


def _shift_left(line: str, by: int) -> str:
    lead = len(line) - len(line.lstrip(" "))
    return line[min(lead, by) :]


def answer_text(task: HoleContext, middle: str) -> str:
    """``middle`` as a free-standing block: the shape an instruct answer has."""
    hole = hole_of(task)
    lines = middle.rstrip().split("\n")
    if hole.kind == "line_start":
        first = lines[0]
        by = len(first) - len(first.lstrip(" "))
        return "\n".join(_shift_left(line, by) for line in lines)
    return "\n".join([lines[0], *(_shift_left(line, hole.column) for line in lines[1:])])


def target_text(fmt: PromptFormat, task: HoleContext, middle: str) -> str:
    """The completion a policy of format ``fmt`` should produce for ``middle`` (stop included).

    ``instruct`` (with its pre-opened fence): the free-standing block, then the closing fence
    that is its stop sequence. ``psm``/``spm``: the raw middle (the tokenizer's end-of-text,
    added by the trainer, ends it).
    """
    if isinstance(fmt, InstructFormat):
        block = answer_text(task, middle)
        return block + CLOSING_FENCE if fmt.prefill else f"```lean\n{block}{CLOSING_FENCE}"
    if isinstance(fmt, FimFormat):
        return middle
    raise TypeError(f"no warm-up target for prompt format {fmt.name!r}")


def round_trips(fmt: PromptFormat, task: HoleContext, middle: str) -> bool:
    """Does extraction turn the target back into exactly ``middle`` (up to trailing blanks)?"""
    got = fmt.extract(target_text(fmt, task, middle), task)
    return got.rstrip() == middle.rstrip() and bool(got.strip())
