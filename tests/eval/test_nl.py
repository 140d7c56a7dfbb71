"""`fimrl eval nl`: the final-answer scorer on planted answers, and the evaluation end to end.

A tiny random model scores ~0 on real problems, so the scorer is tested on planted solutions:
directly, and through :func:`run_nl_eval` with a backend that returns planted text (the
generation edge replaced; extraction, scoring, pass@k and storage are the real code).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run
from fimrl.errors import FimrlError
from fimrl.eval.nl import (
    answers_equivalent,
    extract_final_answer,
    lean_figures,
    load_problems,
    normalise_answer,
    run_nl_eval,
)
from fimrl.eval.runner import VersionSpec
from fimrl.rollout.generation import LogprobSpace, Sample, Sampling

from ..helpers import REPO, settings_env
from .conftest import make_task, make_train_run, plant_group


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("We add them. So the answer is \\boxed{\\frac{3}{4}}.", "\\frac{3}{4}"),
        ("first \\boxed{1} then corrected: \\boxed{2}", "2"),
        ("nested \\boxed{\\sqrt{\\frac{1}{2}}} done", "\\sqrt{\\frac{1}{2}}"),
        ("Thus x = 7.\nFinal answer: 42.\n", "42"),
        ("final answer is $-3$", "-3"),
        ("So the answer is 12 apples", "12 apples"),
        ("the values are 12 and then 13", "13"),  # last number as the fallback
        ("no numbers here at all", None),
    ],
)
def test_extract_final_answer(completion: str, expected: str | None) -> None:
    assert extract_final_answer(completion) == expected


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        ("42", "42"),
        ("\\frac{1}{2}", "0.5"),
        ("\\dfrac12", "1/2"),
        ("1/2", "0.50"),
        ("1,000", "1000"),
        ("50\\%", "50"),
        ("30^\\circ", "30"),
        ("x = 3", "3"),
        ("\\text{(B)}", "B"),
        ("2\\sqrt{2}", "\\sqrt{8}"),
        ("\\frac{\\sqrt{2}}{2}", "1/\\sqrt{2}"),
        ("\\frac{\\pi}{2}", "pi/2"),
        ("x^2+2x+1", "(x+1)^2"),
        ("3, 2", "2, 3"),  # a set of solutions, in any order
        ("1e3", "1000"),
        ("$12$", "12"),
    ],
)
def test_equivalent_answers(predicted: str, reference: str) -> None:
    assert answers_equivalent(predicted, reference)


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        (None, "3"),
        ("", "3"),
        ("7", "8"),
        ("0.5001", "0.5"),
        ("(1, 2)", "(2, 1)"),  # an ordered pair: order matters
        ("1, 2", "1, 2, 3"),
        ("x^2", "2x"),
        ("9^9^9", "1"),  # refused, not evaluated (would not finish)
        ("10^{100000}", "1"),
        ("banana", "3"),
    ],
)
def test_different_answers(predicted: str | None, reference: str) -> None:
    started = time.monotonic()
    assert not answers_equivalent(predicted, reference)
    assert time.monotonic() - started < 5


def test_normalise_answer() -> None:
    assert normalise_answer("$\\left( 1, 2 \\right)$.") == "( 1, 2 )"
    assert normalise_answer("\\text{\\textbf{yes}}") == "yes"


def test_load_problems(tmp_path: Path) -> None:
    good = tmp_path / "p.jsonl"
    good.write_text(
        '{"question": "1+1?", "answer": 2}\n\n{"id": "q2", "question": "?", "answer": "x"}\n'
    )
    problems = load_problems(good)
    assert [(p.id, p.answer) for p in problems] == [("1", "2"), ("q2", "x")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "a", "answer": 1}\n{"question": "b"}\n')
    with pytest.raises(FimrlError, match=r"bad\.jsonl:2"):
        load_problems(bad)
    bad.write_text("not json\n")
    with pytest.raises(FimrlError, match=r"bad\.jsonl:1: not JSON"):
        load_problems(bad)


class PlantedBackend:
    """A generation backend that returns planted solutions: problem i gets ``texts[i]``."""

    name = "planted"

    def __init__(self, tokenizer: Any, texts: Sequence[Sequence[str]]) -> None:
        self._tokenizer = tokenizer
        self.texts = texts
        self.closed = False

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def context_length(self) -> int | None:
        return None

    def logprob_space(self, sampling: Sampling) -> LogprobSpace:
        return "full"

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, sampling: Sampling
    ) -> list[list[Sample]]:
        assert len(prompts) == len(self.texts) and all(prompts)
        return [
            [Sample([1], [-0.1], self.texts[i][j % len(self.texts[i])], "stop") for j in range(n)]
            for i in range(len(prompts))
        ]

    def reload(self, checkpoint_path: str) -> None:
        raise AssertionError("the base model needs no checkpoint")

    def close(self) -> None:
        self.closed = True


def test_nl_eval_scores_planted_solutions_next_to_lean_figures(
    clean_db: Engine, settings: Settings, tmp_path: Path, smollm2_tokenizer: Any
) -> None:
    problems_file = tmp_path / "problems.jsonl"
    problems_file.write_text(
        "\n".join(
            json.dumps(p)
            for p in (
                {"question": "What is 1/4 + 1/2?", "answer": "3/4"},
                {"question": "How many primes are below 10?", "answer": 4},
                {"question": "Half of one?", "answer": "\\frac{1}{2}"},
            )
        )
    )
    problems = load_problems(problems_file)
    planted = [
        ["... so \\boxed{\\frac{3}{4}}", "Final answer: 0.75", "\\boxed{1}", "I give up"],
        ["The primes are 2, 3, 5, 7, 9 so \\boxed{5}"],
        ["\\boxed{0.5}", "Final answer: 1/2", "the answer is \\dfrac12", "\\boxed{\\frac{2}{4}}"],
    ]
    backend = PlantedBackend(smollm2_tokenizer, planted)
    run_id = make_train_run(clean_db, "nl-src", "planted-model", {})
    report = run_nl_eval(
        settings,
        clean_db,
        problems,
        [VersionSpec("base", 0, 0, "planted-model", None)],
        source_run="nl-src",
        source_file=str(problems_file),
        n=4,
        ks=(1, 4),
        backend_factory=lambda model: backend,
    )
    assert backend.closed
    (result,) = report.results
    assert [p["c"] for p in result.per_problem] == [2, 0, 4]
    assert result.per_problem[0]["answers"] == ["\\frac{3}{4}", "0.75", "1", None]
    assert result.pass_at_k[1].estimate == pytest.approx((0.5 + 0 + 1) / 3)
    assert result.pass_at_k[4].estimate == pytest.approx(2 / 3)
    with clean_db.connect() as conn:
        row = conn.execute(
            text("SELECT kind, status, config FROM runs WHERE id = :r"), {"r": report.run_id}
        ).one()
    assert row.kind == "eval_nl" and row.status == "finished"
    assert row.config["source_run"] == "nl-src"
    stored = row.config["results"]["0"]
    assert stored["pass_at_k"]["1"]["estimate"] == pytest.approx(0.5)
    assert stored["per_problem"][2]["correct"] == [True, True, True, True]

    # The Lean figures of the same version sit beside them.
    assert lean_figures(clean_db, "nl-src", 0, (1, 4)) is None
    eval_run = ensure_run(
        clean_db, "eval-nl-src", kind="eval", config={"source_run": "nl-src", "split": "test"}
    )
    for i in range(4):
        task = make_task(clean_db, 300 + i)
        plant_group(clean_db, run_id=eval_run, task_id=task, version=0, n=4, passes=i)
    source, figures = lean_figures(clean_db, "nl-src", 0, (1, 4)) or ("", {})
    assert source == "eval-nl-src"
    assert figures[1].estimate == pytest.approx((0 + 1 + 2 + 3) / 16)
    assert run_id > 0


def test_nl_cli_with_a_tiny_model(
    clean_db: Engine, settings: Settings, tmp_path: Path, tiny_dirs: list[Path]
) -> None:
    make_train_run(clean_db, "nl-cli", str(tiny_dirs[0]), {})
    eval_run = ensure_run(
        clean_db, "eval-nl-cli", kind="eval", config={"source_run": "nl-cli", "split": "test"}
    )
    for i in range(2):
        task = make_task(clean_db, 400 + i)
        plant_group(clean_db, run_id=eval_run, task_id=task, version=0, n=2, passes=1)
    problems_file = tmp_path / "p.jsonl"
    problems_file.write_text('{"question": "What is 2+2?", "answer": 4}\n')
    done = subprocess.run(
        [
            sys.executable, "-m", "fimrl.cli", "eval", "nl", str(problems_file), "--base",
            "--run", "nl-cli", "--k", "1,2", "--max-new-tokens", "8",
        ],
        cwd=REPO,
        env=settings_env(settings, model=str(tiny_dirs[0])) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "NL pass@1" in done.stdout and "Lean pass@1" in done.stdout
    assert "eval-nl-cli" in done.stdout  # where the Lean figures came from
    assert "0.500 [0.500, 0.500]" in done.stdout  # Lean pass@1 of the planted evaluation
