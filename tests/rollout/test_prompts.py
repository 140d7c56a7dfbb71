"""Prompt formats: the prompts they build, and build → simulated answer → extract round trips."""

from __future__ import annotations

from typing import Any

import pytest

from fimrl.errors import FimrlError
from fimrl.rollout.prompts import (
    PROMPT_FORMATS,
    FimFormat,
    InstructFormat,
    MissingFimTokensError,
    PromptFormat,
    UnknownPromptFormatError,
    encode_prompt,
    fim_tokens_of,
    get_prompt_format,
    stop_token_ids,
    with_fim_tokens,
    with_header,
)

Task = Any  # tests/rollout/conftest.py: Task (header, prefix, middle, suffix, name, block)


# --- registry ---------------------------------------------------------------------------------


def test_registry_names_and_protocol() -> None:
    assert sorted(PROMPT_FORMATS) == ["instruct", "psm", "spm"]
    for name, fmt in PROMPT_FORMATS.items():
        assert isinstance(fmt, PromptFormat)
        assert fmt.name == name
        assert get_prompt_format(name.upper()) is fmt
        assert "<|endoftext|>" in fmt.stop_sequences


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(UnknownPromptFormatError, match=r"\['instruct', 'psm', 'spm'\]") as err:
        get_prompt_format("fim")
    assert isinstance(err.value, FimrlError)


def test_settings_default_is_a_registered_format() -> None:
    from fimrl.config import Settings

    assert get_prompt_format(Settings.model_fields["prompt_format"].default).name == "instruct"


def test_with_header() -> None:
    assert with_header("", "theorem t") == "theorem t"
    assert with_header("import A\n\n\n", "theorem t") == "import A\n\ntheorem t"


# --- FIM tokens ---------------------------------------------------------------------------------


def test_fim_tokens_detected(qwen_fim_tokenizer: Any, starcoder_fim_tokenizer: Any) -> None:
    assert fim_tokens_of(qwen_fim_tokenizer).style == "qwen"
    assert fim_tokens_of(starcoder_fim_tokenizer).style == "starcoder"


def test_with_fim_tokens_copies(smollm2_tokenizer: Any, qwen_fim_tokenizer: Any) -> None:
    assert len(qwen_fim_tokenizer) > len(smollm2_tokenizer) == 49152
    ids = qwen_fim_tokenizer("<|fim_prefix|>x<|fim_middle|>", add_special_tokens=False)
    assert len(ids["input_ids"]) == 3  # each FIM token is one token
    with pytest.raises(ValueError, match="unknown FIM style"):
        with_fim_tokens(smollm2_tokenizer, "llama")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["psm", "spm"])
def test_fim_format_without_fim_tokens_is_a_clear_error(
    name: str, smollm2_tokenizer: Any, samples: dict[str, Task]
) -> None:
    with pytest.raises(MissingFimTokensError) as err:
        get_prompt_format(name).build(samples["indented_run"], smollm2_tokenizer)
    message = str(err.value)
    assert "<|fim_prefix|>" in message and "<fim_prefix>" in message
    assert "prompt_format='instruct'" in message


def test_psm_layout(qwen_fim_tokenizer: Any, samples: dict[str, Task]) -> None:
    task = samples["indented_tactic"]
    prompt = get_prompt_format("psm").build(task, qwen_fim_tokenizer)
    assert prompt == (
        "<|fim_prefix|>" + with_header(task.header, task.prefix)
        + "<|fim_suffix|>" + task.suffix + "<|fim_middle|>"
    )  # fmt: skip
    assert task.middle not in prompt


def test_spm_layout(starcoder_fim_tokenizer: Any, samples: dict[str, Task]) -> None:
    # Bavarian et al. 2022 / StarCoder SPM: <PRE><SUF>suffix<MID>prefix, then the middle.
    task = samples["indented_tactic"]
    prompt = get_prompt_format("spm").build(task, starcoder_fim_tokenizer)
    assert prompt == (
        "<fim_prefix><fim_suffix>" + task.suffix
        + "<fim_middle>" + with_header(task.header, task.prefix)
    )  # fmt: skip
    assert prompt.index("import Mathlib") > prompt.index("<fim_middle>")


def test_fim_prompt_tokens_and_stops(qwen_fim_tokenizer: Any, samples: dict[str, Task]) -> None:
    fmt = get_prompt_format("psm")
    ids = encode_prompt(fmt, samples["subproof"], qwen_fim_tokenizer)
    vocab = qwen_fim_tokenizer.get_added_vocab()
    assert ids[0] == vocab["<|fim_prefix|>"] and ids[-1] == vocab["<|fim_middle|>"]
    stops = stop_token_ids(fmt, qwen_fim_tokenizer)
    assert qwen_fim_tokenizer.eos_token_id in stops
    assert vocab["<|fim_pad|>"] in stops and vocab["<|endoftext|>"] in stops
    assert vocab["<|fim_middle|>"] in stops  # a second FIM turn never belongs to the answer


# --- instruct ------------------------------------------------------------------------------------


def test_instruct_prompt_with_smollm2_chat_template(
    smollm2_tokenizer: Any, samples: dict[str, Task]
) -> None:
    task = samples["indented_tactic"]
    fmt = get_prompt_format("instruct")
    prompt = fmt.build(task, smollm2_tokenizer)
    assert prompt.startswith("<|im_start|>system\nYou are an expert in the Lean 4")
    assert prompt.endswith("<|im_end|>\n<|im_start|>assistant\n```lean\n")
    assert "  constructor\n  <HOLE>\n  exact hp\n```" in prompt
    assert "import Mathlib\nopen Nat\n\ntheorem and_swap" in prompt
    assert task.middle not in prompt
    ids = encode_prompt(fmt, task, smollm2_tokenizer)
    assert ids[0] == smollm2_tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert ids.count(ids[0]) == 3  # system, user, assistant: no extra BOS
    stops = stop_token_ids(fmt, smollm2_tokenizer)
    assert smollm2_tokenizer.convert_tokens_to_ids("<|im_end|>") in stops
    assert "\n```" in fmt.stop_sequences


def test_instruct_marks_a_line_start_hole_at_the_likely_column(
    smollm2_tokenizer: Any, samples: dict[str, Task]
) -> None:
    code = InstructFormat().code_with_hole(samples["line_start"])
    assert code.endswith("  constructor\n  <HOLE>\n  exact hp")


def test_instruct_without_prefill_and_without_template(
    smollm2_tokenizer: Any, samples: dict[str, Task]
) -> None:
    class Plain:
        chat_template = None

    task = samples["subproof"]
    fmt = InstructFormat(prefill=False, marker="/- FILL -/")
    prompt = fmt.build(task, Plain())
    assert prompt.startswith(fmt.system) and "have h2 : b = a := by\n    /- FILL -/" in prompt
    assert not prompt.rstrip().endswith("```lean")
    assert "\n```" not in fmt.stop_sequences
    assert fmt.build(task, smollm2_tokenizer).endswith("<|im_start|>assistant\n")


def test_instruct_falls_back_when_the_template_rejects_a_system_role(
    samples: dict[str, Task],
) -> None:
    class NoSystem:
        chat_template = "{{ raise_exception('System role not supported') }}"

        def apply_chat_template(self, messages: list[dict[str, str]], **_: Any) -> str:
            if messages[0]["role"] == "system":
                raise ValueError("System role not supported")
            return "<user>" + messages[0]["content"] + "<assistant>"

    prompt = InstructFormat().build(samples["subproof"], NoSystem())
    assert prompt.startswith("<user>You are an expert") and prompt.endswith("```lean\n")


# --- round trips: build, answer like a model, extract ------------------------------------------


def _block(task: Task, indent: int = 0) -> str:
    return "\n".join(" " * indent + line for line in task.block.split("\n"))


INSTRUCT_ANSWERS = {
    # with the pre-opened fence the answer is code, closed by ``` (kept or not by the backend)
    "closes_fence": lambda t: _block(t) + "\n```",
    "closes_fence_then_prose": lambda t: _block(t) + "\n```\nThis proof works because it does.",
    "stop_string_removed": lambda t: _block(t) + "\n",
    "indented_by_4": lambda t: _block(t, 4) + "\n```",
    "opens_own_fence": lambda t: "```lean\n" + _block(t) + "\n```",
    "rewrites_declaration": lambda t: "```lean\n" + t.prefix + t.middle + t.suffix + "\n```",
    "end_of_turn": lambda t: _block(t) + "<|im_end|>",
}


@pytest.mark.parametrize("answer", sorted(INSTRUCT_ANSWERS))
def test_instruct_round_trip(sample_task: Task, answer: str, smollm2_tokenizer: Any) -> None:
    fmt = get_prompt_format("instruct")
    prompt = fmt.build(sample_task, smollm2_tokenizer)
    completion = INSTRUCT_ANSWERS[answer](sample_task)
    assert fmt.extract(completion, sample_task) == sample_task.middle
    assert sample_task.middle.strip() not in prompt.split("```lean")[1]  # the hole is hidden


FIM_ANSWERS = {
    "then_end_of_text": lambda t: t.middle + "<|endoftext|>",
    "then_pad": lambda t: t.middle + "<|fim_pad|>",
    "runs_on": lambda t: t.middle + t.suffix + "\n\ntheorem next : True := trivial",
    "trailing_spaces": lambda t: t.middle + "   \n",
}


@pytest.mark.parametrize("answer", sorted(FIM_ANSWERS))
@pytest.mark.parametrize("fmt_name", ["psm", "spm"])
def test_fim_round_trip(
    sample_task: Task, fmt_name: str, answer: str, qwen_fim_tokenizer: Any
) -> None:
    fmt = get_prompt_format(fmt_name)
    assert isinstance(fmt, FimFormat)
    prompt = fmt.build(sample_task, qwen_fim_tokenizer)
    assert prompt.endswith(sample_task.prefix if fmt_name == "spm" else "<|fim_middle|>")
    completion = FIM_ANSWERS[answer](sample_task)
    assert fmt.extract(completion, sample_task) == sample_task.middle


def test_round_trip_on_real_fim_tasks(smollm2_tokenizer: Any, qwen_fim_tokenizer: Any) -> None:
    """Tasks cut by fimrl.lean (the real FimTask) survive every format's round trip."""
    from fimrl.lean.fim import build_tasks

    source = (
        "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p := by\n"
        "  constructor\n"
        "  · exact hq\n"
        "  · exact hp\n\n"
        "theorem add_comm' (a b : Nat) : a + b = b + a := by\n"
        "  have h : a + b = b + a := by\n"
        "    omega\n"
        "  exact h\n\n"
        "theorem le_chain (a b c : Nat) (h1 : a ≤ b) (h2 : b ≤ c) : a ≤ c := by\n"
        "  calc a ≤ b := h1\n"
        "    _ ≤ c := h2\n"
    )
    tasks = build_tasks(source, "Sample.lean", max_per_decl=None).tasks
    assert len(tasks) >= 6
    instruct = get_prompt_format("instruct")
    for task in tasks:
        column = len(task.prefix) - task.prefix.rfind("\n") - 1
        first, *rest = task.middle.split("\n")
        block = "\n".join([first, *(line[column:] for line in rest)])
        assert instruct.build(task, smollm2_tokenizer).endswith("```lean\n")
        assert instruct.extract(block + "\n```", task) == task.middle, task
        for name in ("psm", "spm"):
            fmt = get_prompt_format(name)
            fmt.build(task, qwen_fim_tokenizer)
            assert fmt.extract(task.middle + "<|endoftext|>", task) == task.middle, task


def test_bundled_corpus_round_trips() -> None:
    """Every task of the bundled corpus survives the round trips, except the one known ambiguity
    (the middle ends with a copy of a multi-line suffix: see extract._drop_suffix_echo)."""
    from fimrl.config import Settings
    from fimrl.lean.fim import build_tasks
    from fimrl.rollout.extract import hole_of

    files = sorted((Settings().lean_workspace / "FimCorpus").glob("*.lean"))
    assert files, "the bundled corpus is missing"
    instruct, psm = get_prompt_format("instruct"), get_prompt_format("psm")
    checked, failures = 0, []
    for path in files:
        for task in build_tasks(path.read_text(), str(path)).tasks:
            hole = hole_of(task)
            first, *rest = task.middle.split("\n")
            block = "\n".join([first, *(line[hole.column :] for line in rest)])
            answers = [
                (psm, task.middle + "<|endoftext|>"),
                (psm, task.middle + task.suffix + "\n\ntheorem next : True := trivial"),
                (instruct, block + "\n```"),
                (instruct, "```lean\n" + task.header + task.prefix + task.middle + task.suffix),
            ]
            for fmt, completion in answers:
                checked += 1
                if fmt.extract(completion, task) != task.middle:
                    failures.append(task)
    suffix_copy = [
        t
        for t in failures
        if len(hole_of(t).suffix_lines) >= 2
        and t.middle.split("\n")[-1].strip() == hole_of(t).suffix_lines[-1]
    ]
    assert checked > 1000
    assert failures == suffix_copy
    assert len(failures) <= checked // 100
