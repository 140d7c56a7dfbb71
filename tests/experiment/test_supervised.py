"""The supervised arms: budget-driven training with curve points and resume, and their data."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from safetensors.torch import load_file
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fimrl.db.models import FimTask
from fimrl.experiment.budget import Budget, PointReached, Spent
from fimrl.experiment.ntp_data import fim_rows, ntp_rows, ntp_texts
from fimrl.experiment.supervised import (
    POINT_MARKER,
    RESUME_DIR,
    SupervisedConfig,
    train_supervised,
)
from fimrl.rollout.models import build_tiny_model, load_causal_lm, load_tokenizer
from fimrl.rollout.prompts import get_prompt_format
from fimrl.warmup.stage import WarmupTaskRow

INSTRUCT = get_prompt_format("instruct")
FAST = SupervisedConfig(batch_size=2, learning_rate=3e-3, warmup_steps=1, log_every=1)


def _theorem(i: int) -> str:
    return f"theorem t{i} (n : Nat) : n + {i} = {i} + n := by\n  omega\n"


TEXTS = [{"text": _theorem(i)} for i in range(8)]


def _tasks() -> list[WarmupTaskRow]:
    """Train-split tasks as the warm-up reads them from the database."""
    return [
        WarmupTaskRow(
            SimpleNamespace(
                id=i,
                header="",
                prefix=_theorem(i).removesuffix("omega\n"),
                middle="omega" if i % 2 else "simp [Nat.add_comm]",
                suffix="\n",
                span_kind="tactic",
            )
        )
        for i in range(1, 5)
    ]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("supervised-tiny"), tokenizer=smollm2_tokenizer)


@pytest.fixture
def fresh(tiny_dir: Path) -> tuple[Any, Any]:
    """The starting model (the same random weights every time) and its tokenizer."""
    return load_causal_lm(str(tiny_dir), torch.float32), load_tokenizer(str(tiny_dir))


def _weights(point: Path | str) -> dict[str, torch.Tensor]:
    return load_file(str(Path(point) / "model.safetensors"))


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _loss_tokens_of_text(tokenizer: Any, text: str) -> int:
    # TRL appends the EOS; every token but the first is predicted from what precedes it.
    return len(tokenizer(text + tokenizer.eos_token)["input_ids"]) - 1


def test_steps_budget_stops_exactly_and_keeps_each_point(
    fresh: tuple[Any, Any], tmp_path: Path
) -> None:
    model, tokenizer = fresh
    points: list[PointReached] = []
    logs: list[dict[str, Any]] = []
    budget = Budget("steps", 5, (0.4, 1.0))
    spent = train_supervised(
        model,
        tokenizer,
        TEXTS,
        tmp_path,
        budget,
        FAST,
        first_point=3,
        on_point=points.append,
        on_log=logs.append,
    )
    assert spent.steps == 5 and [e["step"] for e in logs] == [1, 2, 3, 4, 5]
    assert [p.point for p in points] == [3, 4] and [p.fraction for p in points] == [0.4, 1.0]
    assert [p.spent.steps for p in points] == [2, 5] and points[-1].spent == spent
    per_row = {_loss_tokens_of_text(tokenizer, r["text"]) for r in TEXTS}
    assert len(per_row) == 1  # every row costs the same, so every 2-row step does too
    assert [p.spent.tokens for p in points] == [2 * 2 * min(per_row), 5 * 2 * min(per_row)]
    assert points[0].spent.seconds < spent.seconds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["point-3", "point-4"]  # no scratch
    for p in points:
        path = Path(p.checkpoint)
        assert path == tmp_path / f"point-{p.point}"
        marker = json.loads((path / POINT_MARKER).read_text())
        assert marker["point"] == p.point and marker["spent"]["steps"] == p.spent.steps
        state = json.loads((path / RESUME_DIR / "trainer_state.json").read_text())
        assert state["global_step"] == p.spent.steps
        assert (path / RESUME_DIR / "optimizer.pt").is_file()
        assert load_causal_lm(str(path), torch.float32).config.num_hidden_layers == 2
    assert not _same(_weights(points[0].checkpoint), _weights(points[1].checkpoint))
    # The last point is the model as training left it.
    last = _weights(points[1].checkpoint)
    assert _same(last, {k: v for k, v in model.state_dict().items() if k in last})


def test_tokens_budget_counts_only_completion_tokens_of_fim_rows(
    fresh: tuple[Any, Any], tmp_path: Path
) -> None:
    model, tokenizer = fresh
    rows, left_out = fim_rows(_tasks(), INSTRUCT, tokenizer, 512)
    assert left_out == {} and all(set(r) == {"prompt", "completion"} for r in rows)
    completion = full = 0
    for r in rows:
        prompt = tokenizer(r["prompt"])["input_ids"]
        whole = tokenizer(r["prompt"] + r["completion"] + tokenizer.eos_token)["input_ids"]
        assert whole[: len(prompt)] == prompt
        completion += len(whole) - len(prompt)
        full += len(whole) - 1
    # One batch is every row, so each step spends exactly `completion` tokens.
    config = SupervisedConfig(batch_size=len(rows), warmup_steps=1)
    points: list[PointReached] = []
    budget = Budget("tokens", 2.5 * completion, (0.2, 0.4, 1.0))
    spent = train_supervised(
        model, tokenizer, rows, tmp_path, budget, config, on_point=points.append
    )
    assert full > 5 * completion  # the prompts are long: counting them would be far off
    assert spent.steps == 3 and spent.tokens == 3 * completion  # step 3 is the first >= 2.5x
    # Step 1 reaches 0.2 and 0.4 of the budget at once: both are kept and reported.
    assert [(p.point, p.spent.steps, p.spent.tokens) for p in points] == [
        (1, 1, completion),
        (2, 1, completion),
        (3, 3, 3 * completion),
    ]
    assert _same(_weights(points[0].checkpoint), _weights(points[1].checkpoint))
    assert (Path(points[0].checkpoint) / RESUME_DIR / "scheduler.pt").is_file()


def test_tokens_budget_counts_every_token_of_text_rows(
    fresh: tuple[Any, Any], tmp_path: Path
) -> None:
    model, tokenizer = fresh
    rows = TEXTS[:3]
    per_step = sum(_loss_tokens_of_text(tokenizer, r["text"]) for r in rows)
    config = SupervisedConfig(batch_size=len(rows), warmup_steps=1)
    spent = train_supervised(
        model, tokenizer, rows, tmp_path, Budget("tokens", 1.5 * per_step), config
    )
    assert spent.steps == 2 and spent.tokens == 2 * per_step


def test_seconds_budget_stops_at_the_first_step_past_it(
    fresh: tuple[Any, Any], tmp_path: Path
) -> None:
    model, tokenizer = fresh
    logs: list[dict[str, Any]] = []
    points: list[PointReached] = []
    budget = Budget("seconds", 2.0, (0.5, 1.0))
    spent = train_supervised(
        model, tokenizer, TEXTS, tmp_path, budget, FAST, on_point=points.append, on_log=logs.append
    )
    assert spent.seconds >= 2.0 and spent.steps >= 2
    seconds = [e["spent"]["seconds"] for e in logs]
    assert seconds == sorted(seconds) and seconds[-1] == spent.seconds
    assert seconds[-2] < 2.0  # it stopped at the first step that reached the budget
    assert [p.point for p in points] == [1, 2] and points[0].spent.seconds >= 1.0
    assert logs[-1]["unit"] == "seconds" and logs[-1]["budget"] == 2.0


def test_seconds_leave_out_the_time_points_take(fresh: tuple[Any, Any], tmp_path: Path) -> None:
    model, tokenizer = fresh
    points: list[PointReached] = []

    def slow_report(point: PointReached) -> None:  # stands in for a slow disk or database
        points.append(point)
        time.sleep(0.4)

    started = time.monotonic()
    spent = train_supervised(
        model,
        tokenizer,
        TEXTS,
        tmp_path,
        Budget("steps", 4, (0.25, 0.5, 0.75, 1.0)),
        FAST,
        on_point=slow_report,
    )
    wall = time.monotonic() - started
    assert len(points) == 4 and spent.seconds > 0
    assert spent.seconds < wall - 4 * 0.4


def test_resume_continues_from_the_point_exactly(
    tiny_dir: Path, fresh: tuple[Any, Any], tmp_path: Path
) -> None:
    model, tokenizer = fresh
    budget = Budget("steps", 6, (0.5, 1.0))
    whole: list[PointReached] = []
    spent = train_supervised(
        model, tokenizer, TEXTS, tmp_path / "whole", budget, FAST, on_point=whole.append
    )
    # An interrupted arm: point 1 (step 3, mid-epoch: 4 batches an epoch) was its last report.
    again = load_causal_lm(str(tiny_dir), torch.float32)
    logs: list[dict[str, Any]] = []
    later: list[PointReached] = []
    resumed = train_supervised(
        again,
        tokenizer,
        TEXTS,
        tmp_path / "resumed",
        budget,
        FAST,
        resume=whole[0],
        on_point=later.append,
        on_log=logs.append,
    )
    assert [e["step"] for e in logs] == [4, 5, 6]  # no step 0 again
    assert [p.point for p in later] == [2]
    assert resumed.steps == spent.steps == 6 and resumed.tokens == spent.tokens
    assert resumed.seconds > whole[0].spent.seconds
    # Weights, optimizer, schedule and data position all came back: the same final model as
    # the uninterrupted run, which a restart from the starting weights could not give.
    final = _weights(later[0].checkpoint)
    assert _same(final, _weights(whole[1].checkpoint))
    assert not _same(final, _weights(whole[0].checkpoint))
    assert not _same(final, _weights(tiny_dir))
    # Resuming after the last point trains nothing.
    done = train_supervised(
        again, tokenizer, TEXTS, tmp_path / "done", budget, FAST, resume=later[0]
    )
    assert done == later[0].spent and not (tmp_path / "done").exists()


def test_resume_refuses_a_point_of_another_budget(fresh: tuple[Any, Any], tmp_path: Path) -> None:
    model, tokenizer = fresh
    budget = Budget("steps", 6, (0.5, 1.0))
    stranger = PointReached(1, 0.25, Spent(steps=3), str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="different budget"):
        train_supervised(model, tokenizer, TEXTS, tmp_path, budget, FAST, resume=stranger)
    missing = PointReached(1, 0.5, Spent(steps=3), str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="cannot resume"):
        train_supervised(model, tokenizer, TEXTS, tmp_path, budget, FAST, resume=missing)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no training rows"),
        ([{"text": "a"}, {"prompt": "p", "completion": "c"}], "mix"),
        ([{"prompt": "p"}], "keys"),
        ([{"text": "a", "task_id": 3}], "keys"),
        ([{"text": 3}], "strings"),
    ],
)
def test_rows_of_no_single_kind_are_refused(
    rows: list[dict[str, Any]], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=message):
        train_supervised(None, None, rows, tmp_path, Budget("steps", 1), SupervisedConfig())
    assert not any(tmp_path.iterdir())


def _plant(engine: Engine, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    with Session(engine) as session:
        for n, (source, name, prefix, middle, suffix, split) in enumerate(rows):
            session.add(
                FimTask(
                    source=source,
                    decl_name=name,
                    header="import FimCore\n",
                    prefix=prefix,
                    middle=middle,
                    suffix=suffix,
                    span_kind="tactic",
                    split=split,
                    content_hash=f"{n:064x}",
                )
            )
        session.commit()


def test_ntp_texts_are_the_train_declarations_once_each(clean_db: Engine) -> None:
    a_head, b_head = "theorem a (n : Nat) : n = n := by\n", "theorem b : 1 = 1 := by\n"
    a, b = a_head + "  skip\n  rfl\n", b_head + "  rfl\n"
    _plant(
        clean_db,
        [
            ("z.lean", "b", b_head, "  rfl", "\n", "train"),
            ("y.lean", "a", a_head, "  skip", "\n  rfl\n", "train"),
            ("y.lean", "a", a_head + "  skip\n", "  rfl", "\n", "train"),  # same declaration
            ("y.lean", "c", "theorem c : True := by\n", "  trivial", "\n", "test"),
            ("x.lean", "b", "theorem b : 2 = 2 := by\n", "  rfl", "\n", "train"),
        ],
    )
    assert ntp_texts(clean_db) == ["theorem b : 2 = 2 := by\n  rfl\n", a, b]


def test_ntp_rows_cut_long_texts_into_chunks_that_fit(smollm2_tokenizer: Any) -> None:
    tok = smollm2_tokenizer
    long_proof = "theorem big : True := by\n" + "".join(
        f"  have h{k} : {k} + {k} = {2 * k} := by norm_num\n" for k in range(40)
    )
    long_line = "-- " + " ".join(f"word{k}" for k in range(200)) + "\n"
    short = _theorem(1)
    rows, counts = ntp_rows([short, long_proof, "  \n", long_line], tok, 48)
    assert counts["texts"] == 4 and counts["empty"] == 1 and counts["split"] == 2
    assert counts["rows"] == len(rows) > 4
    sizes = [len(tok(r["text"])["input_ids"]) + 1 for r in rows]
    assert max(sizes) <= 48 and counts["tokens"] == sum(sizes)
    texts = [r["text"] for r in rows]
    assert texts[0] == short
    # Nothing is lost or reordered; the proof is cut only between its lines.
    proof_chunks = texts[1 : 1 + next(i for i, t in enumerate(texts[1:]) if t.startswith("--"))]
    assert "".join(proof_chunks) == long_proof and all(c.endswith("\n") for c in proof_chunks)
    assert "".join(texts[1 + len(proof_chunks) :]) == long_line
    with pytest.raises(ValueError, match="max_length"):
        ntp_rows([short], tok, 4)
