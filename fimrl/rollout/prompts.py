"""Prompt formats: how a FIM task becomes model input, and how the answer comes back out.

A format is a named object with ``build(task, tokenizer) -> str``, the ``stop_sequences`` that
end its answer, and ``extract(completion, task) -> str``; the two directions live together
because they must agree (where the answer starts, whether it sits inside a code fence). The
trainer picks one by name from the settings (``prompt_format``) through
:func:`get_prompt_format`, and records the name with every group, so any reward can be traced
to the exact prompt shape that produced it.

- ``psm`` / ``spm``: fill-in-the-middle with the model's own FIM special tokens, for code models
  trained on them (Qwen2.5-Coder ``<|fim_prefix|>``..., StarCoder ``<fim_prefix>``...). The
  answer is a raw continuation that starts exactly at the hole.
- ``instruct``: a chat prompt for instruct models without FIM training (SmolLM2-Instruct,
  Qwen2.5-Instruct): the declaration with a marked hole, and a request for only the missing
  code. The assistant turn is pre-filled with an opening ```` ```lean ```` fence, so even a tiny
  model answers with code, and a closing fence stops generation as soon as the block closes.

Prompts are returned as text; :func:`encode_prompt` turns one into token ids without adding a
second BOS (chat templates already contain theirs).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from fimrl.errors import FimrlError
from fimrl.rollout.extract import (
    DEFAULT_STOP_SEQUENCES,
    FENCE,
    HoleContext,
    extract_middle,
    hole_of,
)

__all__ = [
    "FIM_STYLES",
    "PROMPT_FORMATS",
    "FimFormat",
    "FimTokens",
    "HoleContext",
    "InstructFormat",
    "MissingFimTokensError",
    "PromptFormat",
    "UnknownPromptFormatError",
    "encode_prompt",
    "fim_tokens_of",
    "get_prompt_format",
    "stop_token_ids",
    "with_fim_tokens",
    "with_header",
]


class MissingFimTokensError(FimrlError):
    """A FIM prompt format was asked of a tokenizer without FIM special tokens."""


class UnknownPromptFormatError(FimrlError):
    """``prompt_format`` names no registered format."""


@runtime_checkable
class PromptFormat(Protocol):
    """What the trainer needs of a prompt format."""

    @property
    def name(self) -> str:
        """Registry name, stored with every group."""
        ...

    @property
    def stop_sequences(self) -> tuple[str, ...]:
        """Strings that end an answer (also cut again by :meth:`extract`)."""
        ...

    def build(self, task: HoleContext, tokenizer: Any) -> str:
        """The prompt text for ``task``."""
        ...

    def extract(self, completion: str, task: HoleContext) -> str:
        """The middle proposed by ``completion``; ``""`` if none. Never raises."""
        ...


@dataclass(frozen=True)
class FimTokens:
    """One family's FIM control tokens and the tokens that end a FIM answer."""

    style: str
    prefix: str
    suffix: str
    middle: str
    ends: tuple[str, ...]


# The families we know, tried in this order. Both emit an end-of-text token after the middle.
FIM_STYLES: tuple[FimTokens, ...] = (
    FimTokens(
        style="qwen",  # Qwen2.5-Coder
        prefix="<|fim_prefix|>",
        suffix="<|fim_suffix|>",
        middle="<|fim_middle|>",
        ends=("<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>"),
    ),
    FimTokens(
        style="starcoder",  # StarCoder / StarCoder2 / SantaCoder
        prefix="<fim_prefix>",
        suffix="<fim_suffix>",
        middle="<fim_middle>",
        ends=("<|endoftext|>", "<fim_pad>", "<file_sep>"),
    ),
)


def _single_token(tokenizer: Any, token: str) -> bool:
    # convert_tokens_to_ids is a dictionary lookup (cheap per prompt); a missing token maps to
    # the unknown token or None, and the round trip rules out a lossy mapping.
    try:
        token_id = tokenizer.convert_tokens_to_ids(token)
        if not isinstance(token_id, int) or token_id < 0:
            return False
        return bool(tokenizer.convert_ids_to_tokens(token_id) == token)
    except Exception:  # any tokenizer API mismatch means "not usable as a FIM token"
        return False


def fim_tokens_of(tokenizer: Any) -> FimTokens:
    """The FIM tokens of ``tokenizer`` (the first style whose three tokens it has).

    Raises:
        MissingFimTokensError: the tokenizer has none of the known styles. Prompting with FIM
            tokens a model never saw is meaningless, so there is no silent fallback.
    """
    for style in FIM_STYLES:
        if all(_single_token(tokenizer, t) for t in (style.prefix, style.suffix, style.middle)):
            return style
    name = getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__
    looked = "; ".join(f"{s.style}: {s.prefix} {s.suffix} {s.middle}" for s in FIM_STYLES)
    raise MissingFimTokensError(
        f"the tokenizer of {name!r} has no fill-in-the-middle special tokens (looked for {looked})."
        " Use prompt_format='instruct' (FIMRL_PROMPT_FORMAT=instruct) for this model, or a "
        "FIM-trained code model such as Qwen/Qwen2.5-Coder-0.5B for 'psm'/'spm'."
    )


def with_fim_tokens(tokenizer: Any, style: Literal["qwen", "starcoder"] = "qwen") -> Any:
    """A copy of ``tokenizer`` with one FIM style's tokens added as special tokens.

    For tests and tiny models only: the embeddings of added tokens are untrained.
    """
    tokens = next((s for s in FIM_STYLES if s.style == style), None)
    if tokens is None:
        raise ValueError(f"unknown FIM style {style!r}; known: {[s.style for s in FIM_STYLES]}")
    out = copy.deepcopy(tokenizer)
    wanted = [tokens.prefix, tokens.suffix, tokens.middle, *tokens.ends]
    missing = [t for t in dict.fromkeys(wanted) if not _single_token(out, t)]
    if missing:
        out.add_tokens(missing, special_tokens=True)
    return out


def with_header(header: str, code: str) -> str:
    """The header (imports, ``open``...) then a blank line then ``code``; just ``code`` if none."""
    if not header.strip():
        return code
    return header.rstrip("\n") + "\n\n" + code


@dataclass(frozen=True)
class FimFormat:
    """PSM or SPM fill-in-the-middle with the tokenizer's own FIM tokens.

    PSM: ``<PRE> header+prefix <SUF> suffix <MID>`` then the model writes the middle.
    SPM: ``<PRE> <SUF> suffix <MID> header+prefix`` then the middle, the SPM variant of
    Bavarian et al. 2022 ("Efficient Training of Language Models to Fill in the Middle", §3)
    that StarCoder and Code Llama train on: the prefix sits right before the middle, so the
    answer is an ordinary continuation of the prefix.
    """

    order: Literal["psm", "spm"]
    stop_sequences: tuple[str, ...] = DEFAULT_STOP_SEQUENCES

    @property
    def name(self) -> str:
        return self.order

    def build(self, task: HoleContext, tokenizer: Any) -> str:
        """The prompt text; raises :class:`MissingFimTokensError` without FIM tokens."""
        t = fim_tokens_of(tokenizer)
        before = with_header(str(task.header), str(task.prefix))
        if self.order == "psm":
            return f"{t.prefix}{before}{t.suffix}{task.suffix}{t.middle}"
        return f"{t.prefix}{t.suffix}{task.suffix}{t.middle}{before}"

    def extract(self, completion: str, task: HoleContext) -> str:
        """A raw continuation from the hole: positioned, and a fence can only close it."""
        return extract_middle(
            completion,
            task,
            positioned=True,
            inside_fence=True,
            stop_sequences=self.stop_sequences,
        )


SYSTEM_PROMPT = (
    "You are an expert in the Lean 4 theorem prover. You complete Lean 4 proofs. "
    "You answer with Lean code only."
)

CLOSING_FENCE = "\n" + FENCE

USER_TEMPLATE = (
    "Fill in the hole marked {marker} in this Lean 4 code.\n"
    "Reply with only the Lean code that replaces {marker} (usually one or more tactic lines), "
    "in a ```lean code block. Do not repeat the rest of the code and do not explain.\n\n"
    "```lean\n{code}\n```"
)


@dataclass(frozen=True)
class InstructFormat:
    """A chat prompt that shows the declaration with a marked hole and asks for the missing code.

    Attributes:
        marker: the hole marker shown in the code (also removed from answers that repeat it).
        prefill: end the prompt with an opening ```` ```lean ```` fence inside the assistant turn,
            so the answer starts as code and the closing fence (a stop sequence) ends it.
        system: the system message (merged into the user message for templates without a
            system role).
    """

    marker: str = "<HOLE>"
    prefill: bool = True
    system: str = SYSTEM_PROMPT
    name: str = field(default="instruct")

    @property
    def stop_sequences(self) -> tuple[str, ...]:
        # With the fence pre-opened, a closing fence ends the answer. "\n```", not "```": a
        # model that opens a fence of its own anyway starts with "```lean" and must not be
        # stopped by it.
        return (*DEFAULT_STOP_SEQUENCES, CLOSING_FENCE) if self.prefill else DEFAULT_STOP_SEQUENCES

    def code_with_hole(self, task: HoleContext) -> str:
        """The Lean code shown to the model: header, prefix, marker, suffix.

        At a line-start hole the marker is indented to the likely column and, when the suffix
        starts with a full line, followed by a newline, so the shown code reads naturally.
        """
        hole = hole_of(task)
        marker = self.marker
        if hole.kind == "line_start":
            marker = " " * hole.default_column + marker + ("\n" if hole.full_line_suffix else "")
        code = f"{task.prefix}{marker}{task.suffix}"
        return with_header(str(task.header), code).rstrip()

    def messages(self, task: HoleContext) -> list[dict[str, str]]:
        """The chat messages (system, user) for ``task``."""
        user = USER_TEMPLATE.format(marker=self.marker, code=self.code_with_hole(task))
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def build(self, task: HoleContext, tokenizer: Any) -> str:
        """The chat template applied with a generation prompt; plain text without a template."""
        messages = self.messages(task)
        if getattr(tokenizer, "chat_template", None):
            try:
                text = tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=True
                )
            except Exception:  # e.g. templates that reject a system role (jinja raise_exception)
                merged = [{"role": "user", "content": f"{self.system}\n\n{messages[1]['content']}"}]
                text = tokenizer.apply_chat_template(
                    merged, tokenize=False, add_generation_prompt=True
                )
            text = str(text)
        else:
            text = f"{self.system}\n\n{messages[1]['content']}\n\n"
        return text + "```lean\n" if self.prefill else text

    def extract(self, completion: str, task: HoleContext) -> str:
        """A free-standing block (its own indentation), possibly fenced, possibly with prose."""
        return extract_middle(
            completion,
            task,
            positioned=False,
            inside_fence=self.prefill,
            stop_sequences=self.stop_sequences,
            hole_markers=(self.marker,),
        )


PROMPT_FORMATS: dict[str, PromptFormat] = {
    "psm": FimFormat("psm"),
    "spm": FimFormat("spm"),
    "instruct": InstructFormat(),
}


def get_prompt_format(name: str) -> PromptFormat:
    """The registered format called ``name`` (case-insensitive)."""
    key = name.strip().lower()
    try:
        return PROMPT_FORMATS[key]
    except KeyError:
        raise UnknownPromptFormatError(
            f"unknown prompt format {name!r}; choose one of {sorted(PROMPT_FORMATS)} "
            "(setting prompt_format / FIMRL_PROMPT_FORMAT)"
        ) from None


def encode_prompt(fmt: PromptFormat, task: HoleContext, tokenizer: Any) -> list[int]:
    """Token ids of ``fmt``'s prompt, special tokens parsed from the text and none added."""
    return list(tokenizer(fmt.build(task, tokenizer), add_special_tokens=False)["input_ids"])


def stop_strings(fmt: PromptFormat, tokenizer: Any) -> tuple[str, ...]:
    """The stop sequences :func:`stop_token_ids` cannot give as ids: matched on decoded text."""
    return tuple(s for s in fmt.stop_sequences if not _single_token(tokenizer, s))


def stop_token_ids(fmt: PromptFormat, tokenizer: Any, extra: Sequence[str] = ()) -> list[int]:
    """Ids of the stop sequences that are single tokens of ``tokenizer``, plus its EOS.

    Backends that stop on decoded text skip special tokens, so special stops must also be given
    as ids (vLLM ``stop_token_ids``, transformers ``eos_token_id``).
    """
    ids: list[int] = []
    eos = getattr(tokenizer, "eos_token_id", None)
    if isinstance(eos, int):
        ids.append(eos)
    for text in (*fmt.stop_sequences, *extra):
        if _single_token(tokenizer, text):
            token_id = tokenizer.convert_tokens_to_ids(text)
            if token_id not in ids:
                ids.append(token_id)
    return ids
