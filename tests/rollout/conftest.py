"""Fixtures of the rollout tests: the real SmolLM2 model converted once, and sample tasks.

Loading the tokenizer from the GGUF takes seconds, so one session-scoped copy serves every
test; tests must not change it (copy it first, e.g. with ``with_fim_tokens``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fimrl.rollout.models import SMOLLM2_NAME, load_causal_lm
from fimrl.rollout.prompts import with_fim_tokens


@dataclass(frozen=True)
class Task:
    """The fields of ``fimrl.lean.fim.FimTask`` that prompts and extraction read.

    ``block`` (samples only) is how an instruct model would write the middle as a free-standing
    block at its own columns; ``name`` labels the sample.
    """

    header: str
    prefix: str
    middle: str
    suffix: str
    name: str = ""
    block: str = ""


HEADER = "import Mathlib\nopen Nat\n"
DECL = "theorem and_swap (p q : Prop) (hp : p) (hq : q) : q ∧ p := by\n"

# One task per hole shape and span kind the builder makes (see fimrl.rollout.extract).
_SAMPLES = [
    # a tactic run, the prefix ends with the hole's indentation
    Task(
        HEADER,
        DECL + "  constructor\n  ",
        "exact hq\n  exact hp",
        "\n",
        "indented_run",
        "exact hq\nexact hp",
    ),
    # a single tactic in the middle of a proof
    Task(
        HEADER,
        DECL + "  constructor\n  ",
        "exact hq",
        "\n  exact hp\n",
        "indented_tactic",
        "exact hq",
    ),
    # a line-start hole whose middle carries its indentation and its newline
    Task(
        HEADER, DECL + "  constructor\n", "  exact hq\n", "  exact hp\n", "line_start", "exact hq"
    ),
    # the whole proof after `by` (inline hole, the answer on new lines)
    Task(
        "",
        DECL.rstrip("\n"),
        "\n  constructor\n  · exact hq\n  · exact hp",
        "\n",
        "proof_after_by",
        "constructor\n· exact hq\n· exact hp",
    ),
    # an inline term inside a tactic, the suffix closes the bracket
    Task(
        HEADER,
        "theorem id_app (p : Prop) (hp : p) : p := by\n  exact (id ",
        "hp",
        ")\n",
        "inline_term",
        "hp",
    ),
    # one bullet of three: a two-line suffix
    Task(
        HEADER,
        "theorem and3 (p q r : Prop) (hp : p) (hq : q) (hr : r) : p ∧ q ∧ r := by\n"
        "  refine ⟨?_, ?_, ?_⟩\n  ",
        "· exact hp",
        "\n  · exact hq\n  · exact hr",
        "bullet",
        "· exact hp",
    ),
    # a nested subproof (the body of a `have`), deeper than the enclosing proof
    Task(
        "",
        "theorem t (a b : Nat) (h : a = b) : b = a := by\n  have h2 : b = a := by\n    ",
        "rw [h]",
        "\n  exact h2\n",
        "subproof",
        "rw [h]",
    ),
]
SAMPLE_TASKS: dict[str, Task] = {task.name: task for task in _SAMPLES}


@pytest.fixture(scope="session")
def qwen_fim_tokenizer(smollm2_tokenizer: Any) -> Any:
    """SmolLM2's tokenizer plus Qwen2.5-Coder's FIM tokens (a stand-in for Qwen's own)."""
    return with_fim_tokens(smollm2_tokenizer, "qwen")


@pytest.fixture(scope="session")
def starcoder_fim_tokenizer(smollm2_tokenizer: Any) -> Any:
    """SmolLM2's tokenizer plus StarCoder's FIM tokens."""
    return with_fim_tokens(smollm2_tokenizer, "starcoder")


@pytest.fixture
def make_task() -> type[Task]:
    """The task class, for tests that need their own header/prefix/middle/suffix."""
    return Task


@pytest.fixture(params=sorted(SAMPLE_TASKS))
def sample_task(request: pytest.FixtureRequest) -> Task:
    """Each sample task in turn (the test is parametrised over them)."""
    return SAMPLE_TASKS[request.param]


@pytest.fixture
def samples() -> dict[str, Task]:
    """All sample tasks by name."""
    return dict(SAMPLE_TASKS)


@pytest.fixture(scope="package")
def gguf_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, float]:
    """The offline default (SmolLM2-135M-Instruct GGUF) converted into a fresh model cache:
    (cache dir, the converted model, seconds the conversion took).

    The conversion is the expensive part (~20-35 s), so the cache tests and the generation
    test share one per run of this package; the model is freed when the package ends.
    """
    cache = tmp_path_factory.mktemp("models")
    started = time.monotonic()
    model = load_causal_lm(SMOLLM2_NAME, cache_dir=cache)
    return cache, model, time.monotonic() - started
