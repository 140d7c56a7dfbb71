"""Middle extraction: what models really write, back to the reference middle; never raises."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fimrl.rollout.extract import (
    DEFAULT_HOLE_MARKERS,
    DEFAULT_STOP_SEQUENCES,
    _extract,
    cut_at_stops,
    drop_prose,
    extract_middle,
    hole_of,
    strip_fences,
)

Task = Any  # tests/rollout/conftest.py: Task (header, prefix, middle, suffix, name, block)


def block(task: Task, indent: int = 0) -> str:
    """The middle as an instruct model writes it: a free-standing block at its own columns."""
    return "\n".join(" " * indent + line for line in task.block.split("\n"))


def instruct(completion: str, task: Task, *, prefilled: bool = False) -> str:
    return extract_middle(completion, task, positioned=False, inside_fence=prefilled)


def fim(completion: str, task: Task) -> str:
    return extract_middle(completion, task, positioned=True, inside_fence=True)


def whole(task: Task) -> str:
    return task.header + "\n" + task.prefix + task.middle + task.suffix


# --- instruct-style answers ------------------------------------------------------------------

INSTRUCT_VARIANTS = {
    "fenced": lambda t: f"```lean\n{block(t)}\n```",
    "fenced_lean4_with_prose": lambda t: (
        f"Here is the missing part:\n\n```lean4\n{block(t)}\n```\n\n"
        "This proof works because each goal is closed by an assumption."
    ),
    "fence_indented_4": lambda t: f"```lean\n{block(t, 4)}\n```",
    "unclosed_fence_cut_by_token_limit": lambda t: f"```lean\n{block(t)}\n",
    "bare_with_trailing_prose": lambda t: f"{block(t)}\n\nThis works.",
    "bare_after_leading_prose": lambda t: f"The missing tactics are:\n{block(t)}",
    "echo_whole_declaration": lambda t: f"```lean\n{whole(t)}```",
    "echo_indented_by_4": lambda t: (
        "```lean\n"
        + "\n".join("  " + x if x else x for x in (t.prefix + t.middle + t.suffix).split("\n"))
        + "\n```"
    ),
    "with_end_token": lambda t: f"```lean\n{block(t)}\n```<|im_end|>\nuser: more",
    "crlf": lambda t: f"```lean\r\n{block(t)}\r\n```\r\n",
}


@pytest.mark.parametrize("variant", sorted(INSTRUCT_VARIANTS))
def test_instruct_answers_round_trip(sample_task: Task, variant: str) -> None:
    completion = INSTRUCT_VARIANTS[variant](sample_task)
    assert instruct(completion, sample_task) == sample_task.middle


@pytest.mark.parametrize(
    "completion",
    [
        "{b}\n```",  # the model closed the pre-opened fence (stop string kept)
        "{b}\n",  # the backend dropped the stop string
        "{b}\n```\nThis proof works because of `constructor`.",
        "```lean\n{b}\n```",  # it opened a second fence anyway
    ],
)
def test_prefilled_instruct_answers_round_trip(sample_task: Task, completion: str) -> None:
    text = completion.format(b=block(sample_task))
    assert instruct(text, sample_task, prefilled=True) == sample_task.middle


# --- FIM continuations -------------------------------------------------------------------------

FIM_VARIANTS = {
    "exact": lambda t: t.middle,
    "end_token": lambda t: t.middle + "<|endoftext|>",
    "fim_pad": lambda t: t.middle + "<|fim_pad|><|fim_pad|>",
    "runs_on_past_the_suffix": lambda t: t.middle + t.suffix + "\n\ntheorem next : True := trivial",
    "trailing_spaces": lambda t: "\n".join(x + "  " for x in t.middle.split("\n")),
}


@pytest.mark.parametrize("variant", sorted(FIM_VARIANTS))
def test_fim_continuations_round_trip(sample_task: Task, variant: str) -> None:
    assert fim(FIM_VARIANTS[variant](sample_task), sample_task) == sample_task.middle


def test_fim_echo_of_a_multi_line_suffix_is_cut(samples: dict[str, Task]) -> None:
    task = samples["bullet"]
    assert fim(task.middle + task.suffix + "<|endoftext|>", task) == task.middle
    # cut short by the token limit in the middle of the echo
    assert fim(task.middle + task.suffix[:-4], task) == task.middle
    # a repetition loop of the suffix
    assert fim(task.middle + task.suffix * 3, task) == task.middle


def test_fim_echo_of_a_single_line_suffix_is_kept_unless_the_model_ran_on(
    samples: dict[str, Task], make_task: Any
) -> None:
    # `X` + `exact hp` is ambiguous (proofs repeat lines: `· rfl` twice), so a lone echoed line
    # stays unless the model went on past the declaration.
    task = samples["indented_tactic"]
    assert fim(task.middle + task.suffix, task) == task.middle + task.suffix.rstrip()
    assert fim(task.middle + task.suffix + "\nend Foo", task) == task.middle
    twin = make_task("", "theorem t : a ∧ a := by\n  constructor\n  ", "· rfl", "\n  · rfl")
    assert fim("· rfl", twin) == "· rfl"
    assert fim("· rfl\n  · rfl\n\ntheorem u : True := trivial", twin) == "· rfl"


def test_fim_extraction_is_idempotent_on_references(sample_task: Task) -> None:
    once = fim(sample_task.middle, sample_task)
    assert fim(once, sample_task) == once == sample_task.middle


def test_symmetric_bullets_when_the_model_ran_on(make_task: Any) -> None:
    # The answer ends with lines equal to the suffix (two identical bullets). When the model
    # rewrote the declaration or ran past it, its text ends with the echo: the answer survives.
    bullet = (
        "· intro h\n    cases h with\n    | inl h => exact Or.inr h\n    | inr h => exact Or.inl h"
    )
    prefix = "theorem t (p q : Prop) : p ∨ q ↔ q ∨ p := by\n  constructor\n  "
    task = make_task("", prefix, bullet, "\n  " + bullet)
    assert instruct(f"```lean\n{prefix}{bullet}\n  {bullet}\n```", task) == bullet
    assert fim(f"{bullet}\n  {bullet}\n\ntheorem u : True := trivial", task) == bullet
    # Known limit: the bare answer is indistinguishable from an echo of the suffix.
    assert fim(bullet, task) == ""


# --- indentation ------------------------------------------------------------------------------


def test_block_keeps_relative_indentation(make_task: Any) -> None:
    task = make_task("", "theorem t : p ∧ q := by\n  constructor\n  ", "", "\n  all_goals simp\n")
    completion = "```lean\ncases h with\n| inl a =>\n  simp\n| inr b => simp\n```"
    assert instruct(completion, task) == "cases h with\n  | inl a =>\n    simp\n  | inr b => simp"


def test_line_start_keeps_a_plausible_model_column(make_task: Any) -> None:
    # After a `have ... := by` block ends, both columns 2 (outer) and 4 (inner) are plausible:
    # the model's choice decides; an implausible column (6) snaps to the default.
    prefix = "theorem t : a = a := by\n  have h : b = b := by\n    rfl\n"
    task = make_task("", prefix, "", "")
    assert hole_of(task).candidates == frozenset({2, 4})
    assert instruct("```lean\n  rfl\n```", task) == "  rfl"
    assert instruct("```lean\n    simp\n```", task) == "    simp"
    assert instruct("```lean\n      rfl\n```", task) == "    rfl"


def test_line_start_default_follows_an_opening_line(make_task: Any) -> None:
    task = make_task("", "theorem t : True := by\n", "", "")
    assert hole_of(task).default_column == 2
    assert instruct("trivial", task) == "  trivial"


def test_inline_hole_gets_a_separating_space_only_when_needed(make_task: Any) -> None:
    no_space = make_task("", "theorem t (h : p) : p := by\n  exact", "", "\n")
    assert instruct("h", no_space) == " h"
    assert fim(" h", no_space) == " h"
    spaced = make_task("", "theorem t (h : p) : p := by\n  exact ", "", "\n")
    assert instruct("h", spaced) == "h"
    assert fim("h", spaced) == "h"


def test_tabs_and_control_characters_are_normalised(samples: dict[str, Task]) -> None:
    task = samples["indented_run"]
    assert fim("exact hq\n\texact hp\x00", task) == task.middle


# --- echoes that must NOT be cut ---------------------------------------------------------------


def test_single_line_answer_equal_to_next_suffix_line_is_kept(make_task: Any) -> None:
    # `simp` before a suffix that also starts with `simp`: a real answer, not an echo.
    task = make_task("", "theorem t : a := by\n  ", "simp", "\n  simp\n")
    assert fim("simp", task) == "simp"
    assert instruct("```lean\nsimp\n```", task) == "simp"


def test_answer_starting_like_the_last_prefix_line_is_kept(make_task: Any) -> None:
    task = make_task("", "theorem t : a := by\n  intro x\n  ", "intro y", "\n")
    assert instruct("intro x\nintro y", task) == "intro x\n  intro y"


def test_bracket_tail_is_trimmed_only_when_unbalanced(samples: dict[str, Task]) -> None:
    task = samples["inline_term"]
    assert fim("hp)", task) == "hp"
    assert fim("(f hp)", task) == "(f hp)"


# --- garbage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completion",
    [
        "",
        "   \n\n  ",
        "```\n```",
        "```lean\n```",
        "<|endoftext|>exact hp",
        "<HOLE>",
        "I cannot help with that request, sorry about it.",
        "### Explanation",
    ],
)
def test_garbage_gives_empty(completion: str, samples: dict[str, Task]) -> None:
    task = samples["indented_run"]
    assert instruct(completion, task) == ""
    assert fim(completion, task) == ""


# --- the pieces --------------------------------------------------------------------------------


def test_cut_at_stops_takes_the_earliest() -> None:
    assert cut_at_stops("a<|im_end|>b<|endoftext|>", DEFAULT_STOP_SEQUENCES) == "a"
    assert cut_at_stops("abc", ("", "x")) == "abc"


def test_strip_fences() -> None:
    assert strip_fences("x\n```lean\ny\n```\nz", inside_fence=False) == "y\n"
    assert strip_fences("x\n```\nz", inside_fence=True) == "x\n"
    assert strip_fences("```\n```\n```lean\ny\n```", inside_fence=False) == "y\n"
    assert strip_fences("```simp```", inside_fence=False) == "simp"
    assert strip_fences("```lean\nsimp", inside_fence=False) == "simp"


def test_drop_prose_keeps_comments_and_lean_lines() -> None:
    lines = [
        "Sure! Here is the proof:",
        "/- The proof uses the commutativity",
        "   This line is inside a comment and stays. -/",
        "rw [Nat.add_comm] -- This is a comment",
        "Nat.le_of_lt h",
        "This is an explanation that ends the code.",
        "simp",
    ]
    assert drop_prose(lines) == lines[1:5]


def test_markers_default() -> None:
    assert "<HOLE>" in DEFAULT_HOLE_MARKERS


# --- never raises, deterministic ---------------------------------------------------------------

_PIECES = [
    "```",
    "```lean\n",
    "\n",
    "\r\n",
    "\r",
    "  ",
    "\t",
    "    ",
    "exact h",
    "simp",
    "by",
    ":= by",
    "theorem t : p := by",
    "<|endoftext|>",
    "<|im_end|>",
    "<|fim_middle|>",
    "<HOLE>",
    "(",
    ")",
    "⟨",
    "⟩",
    "·",
    "/-",
    "-/",
    "--",
    "This proof works because it does.",
    "Here is",
    "é",
    "∀ x, x = x",
    "\x00",
    "\ud800",
    "`",
    "#",
    "**",
    "end",
]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))


def test_fuzz_never_raises_and_is_deterministic(make_task: Any) -> None:
    rng = random.Random(20240601)
    for _ in range(3000):
        task = make_task(_random_text(rng), _random_text(rng), "", _random_text(rng))
        completion = _random_text(rng)
        for positioned in (False, True):
            for inside in (False, True):
                kwargs: dict[str, Any] = dict(
                    positioned=positioned,
                    inside_fence=inside,
                    stop_sequences=DEFAULT_STOP_SEQUENCES,
                    hole_markers=DEFAULT_HOLE_MARKERS,
                )
                out = _extract(completion, task, **kwargs)  # raises if anything is wrong
                assert isinstance(out, str)
                assert out == _extract(completion, task, **kwargs)
                assert out == out.rstrip() or out.endswith("\n")


def test_fuzz_with_hypothesis(make_task: Any) -> None:
    import hypothesis

    st = hypothesis.strategies

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(st.text(), st.text(), st.text(), st.text(), st.booleans(), st.booleans())
    def check(
        completion: str, header: str, prefix: str, suffix: str, positioned: bool, inside: bool
    ) -> None:
        task = make_task(header, prefix, "", suffix)
        out = _extract(
            completion,
            task,
            positioned=positioned,
            inside_fence=inside,
            stop_sequences=DEFAULT_STOP_SEQUENCES,
            hole_markers=DEFAULT_HOLE_MARKERS,
        )
        assert isinstance(out, str)

    check()


def test_extract_middle_swallows_internal_errors(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        header = ""
        suffix = ""

        @property
        def prefix(self) -> str:
            raise RuntimeError("boom")

    assert extract_middle("simp", Broken(), positioned=True, inside_fence=True) == ""
    assert "extraction failed" in caplog.text
