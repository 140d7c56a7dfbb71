"""The supervised FIM warm-up: targets, TRL training on a tiny model, the recorded stage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from sqlalchemy import text

from fimrl.ingest import FIMCORE_CORPUS, build_into_db
from fimrl.lean.fim import build_file
from fimrl.rollout.models import build_tiny_model, load_causal_lm, load_tokenizer
from fimrl.rollout.prompts import encode_prompt, get_prompt_format
from fimrl.warmup.answers import round_trips, target_text
from fimrl.warmup.precision import cpu_has_native_bf16, use_bf16
from fimrl.warmup.sft import (
    WARMUP_MARKER,
    WarmupConfig,
    build_examples,
    freeze_below,
    read_warmup_info,
    train_warmup,
)
from fimrl.warmup.stage import run_warmup, warmup_dir

INSTRUCT = get_prompt_format("instruct")


@dataclass(frozen=True)
class Task:
    id: int
    header: str
    prefix: str
    middle: str
    suffix: str
    span_kind: str


def corpus_tasks() -> list[Task]:
    out: list[Task] = []
    for path in sorted(FIMCORE_CORPUS.rglob("*.lean")):
        for t in build_file(path).tasks:
            out.append(Task(len(out) + 1, t.header, t.prefix, t.middle, t.suffix, t.span_kind))
    return out


@pytest.fixture(scope="module")
def tasks() -> list[Task]:
    return corpus_tasks()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("warmup-tiny"), tokenizer=smollm2_tokenizer)


def test_targets_round_trip_through_extraction_on_the_corpus(tasks: list[Task]) -> None:
    assert len(tasks) > 1000
    ok = [t for t in tasks if round_trips(INSTRUCT, t, t.middle)]
    # Nearly every reference answer, written as the model would, extracts back to itself.
    assert len(ok) / len(tasks) > 0.99
    multi = next(t for t in ok if "\n" in t.middle.strip() and t.span_kind == "tactic_run")
    block = target_text(INSTRUCT, multi, multi.middle)
    assert block.endswith("```")  # the stop sequence the sampler uses
    assert not block.startswith(" ")  # a free-standing block, not the hole's columns


def test_examples_leave_out_what_they_cannot_teach_and_say_why(
    tasks: list[Task], smollm2_tokenizer: Any
) -> None:
    blank = Task(10**6, "", "theorem t : True := by\n  ", "  ", "\n", "tactic")
    sample = [*tasks[:200], blank]
    rows, left_out = build_examples(sample, INSTRUCT, smollm2_tokenizer, max_length=300)
    assert left_out["empty_middle"] == 1
    assert left_out["too_long"] > 0
    assert len(rows) + sum(left_out.values()) == len(sample)
    for row in rows:
        assert row["prompt_tokens"] + row["completion_tokens"] <= 300
        task = next(t for t in sample if t.id == row["task_id"])
        # The prompt is exactly what the trainer sends, so SFT and RL see the same input.
        assert row["prompt_tokens"] == len(encode_prompt(INSTRUCT, task, smollm2_tokenizer))


def _completion_nll(model: Any, tokenizer: Any, rows: list[dict[str, Any]]) -> float:
    total = 0.0
    with torch.no_grad():
        for row in rows:
            p = tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
            c = tokenizer(row["completion"], add_special_tokens=False)["input_ids"]
            ids = torch.tensor([p + c])
            logits = model(ids).logits[0, len(p) - 1 : -1]
            total += torch.nn.functional.cross_entropy(logits, torch.tensor(c)).item()
    return total / len(rows)


def test_sft_trainer_teaches_the_reference_middles(
    tasks: list[Task], tiny_dir: Path, tmp_path: Path
) -> None:
    tokenizer = load_tokenizer(str(tiny_dir))
    short = [t for t in tasks if t.span_kind == "tactic" and len(t.prefix) < 400][:8]
    rows, _ = build_examples(short, INSTRUCT, tokenizer, max_length=512)
    model = load_causal_lm(str(tiny_dir), torch.float32)
    before = _completion_nll(model, tokenizer, rows)
    logs: list[dict[str, Any]] = []
    out = tmp_path / "warm"
    config = WarmupConfig(steps=12, batch_size=4, learning_rate=3e-3, max_length=512)
    result = train_warmup(
        model, tokenizer, short, INSTRUCT, out, config, base_model="tiny", on_log=logs.append
    )
    assert result.steps == 12 and result.examples == len(rows) == len(short)
    assert result.epochs == pytest.approx(12 * 4 / len(rows), abs=1e-3)
    assert logs and logs[-1]["step"] == 12 and result.losses[-1][0] == 12
    assert result.completion_tokens > 0 and result.train_tokens > result.completion_tokens
    # A complete checkpoint: loads on its own, and its record says what it was trained on.
    info = read_warmup_info(out)
    assert info is not None and info["examples"] == len(rows) and info["base_model"] == "tiny"
    assert not out.with_name(out.name + ".tmp").exists()
    trained = load_causal_lm(str(out), torch.float32)
    after = _completion_nll(trained, load_tokenizer(str(out)), rows)
    assert after < before - 0.5, (before, after)


def test_freeze_below_trains_only_the_top_layers(tiny_dir: Path) -> None:
    model = load_causal_lm(str(tiny_dir), torch.float32)
    trainable = freeze_below(model, 1)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all(n.startswith(("model.layers.1.", "model.norm")) for n in names)
    assert trainable == sum(p.numel() for _, p in model.named_parameters() if p.requires_grad)
    with pytest.raises(ValueError, match="trainable_layers"):
        freeze_below(model, 3)


def test_config_refuses_an_empty_budget() -> None:
    with pytest.raises(ValueError, match="steps"):
        WarmupConfig(steps=0).validate()
    with pytest.raises(ValueError, match="learning_rate"):
        WarmupConfig(learning_rate=0).validate()


def test_precision_follows_the_cpu_flags(tmp_path: Path) -> None:
    with_bf16 = tmp_path / "a"
    with_bf16.write_text("processor : 0\nflags : fpu sse avx512f avx512_bf16\n")
    without = tmp_path / "b"
    without.write_text("processor : 0\nflags : fpu sse avx2\n")
    assert cpu_has_native_bf16(with_bf16) and not cpu_has_native_bf16(without)
    assert not cpu_has_native_bf16(tmp_path / "missing")
    assert use_bf16("bf16") and not use_bf16("fp32")
    with pytest.raises(ValueError):
        use_bf16("fp8")


def test_the_stage_records_a_warmup_run_and_reuses_it(
    clean_db: Any, settings: Any, tiny_dir: Path
) -> None:
    settings = settings.model_copy(
        update={
            "model": str(tiny_dir),
            "verifier_backend": "prelude",
            "warmup_steps": 2,
            "warmup_batch_size": 2,
            "warmup_precision": "fp32",
        }
    )
    build_into_db(clean_db, [FIMCORE_CORPUS / "Booleans.lean"], settings)
    result, trained = run_warmup(clean_db, settings, "w1")
    assert trained and result.steps == 2
    out = warmup_dir(settings, "w1")
    assert (out / WARMUP_MARKER).is_file() and result.checkpoint == str(out)
    with clean_db.connect() as conn:
        n_train = conn.execute(text("SELECT count(*) FROM fim_tasks WHERE split='train'")).scalar()
        kind, status, config = conn.execute(
            text("SELECT kind, status, config FROM runs WHERE name = 'w1'")
        ).one()
    assert kind == "warmup" and status == "finished"
    assert config["warmup"]["tasks"] == n_train  # the train split only
    assert config["settings"]["warmup_steps"] == 2
    stamp = (out / WARMUP_MARKER).stat().st_mtime_ns
    again, trained_again = run_warmup(clean_db, settings, "w1")
    assert not trained_again and again.examples == result.examples
    assert (out / WARMUP_MARKER).stat().st_mtime_ns == stamp
    # A different budget is a different warm-up: it is trained, not silently reused.
    _, retrained = run_warmup(clean_db, settings.model_copy(update={"warmup_steps": 3}), "w1")
    assert retrained
    assert json.loads((out / WARMUP_MARKER).read_text())["steps"] == 3


def test_warmup_names_cannot_escape_the_state_dir(settings: Any) -> None:
    from fimrl.errors import FimrlError

    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(FimrlError, match="warm-up name"):
            warmup_dir(settings, bad)


def test_the_command_refuses_bad_input_with_one_line(settings: Any) -> None:
    from tests.helpers import run_fimrl, settings_env

    env = settings_env(settings)
    for args, message in (
        (["run", "--name", "../x"], "warm-up name '../x'"),
        (["run", "--steps", "0"], "--steps must be >= 1"),
        (["show", "nosuch"], "no warm-up run named 'nosuch'"),
    ):
        done = run_fimrl(env, "warmup", *args, timeout=120)
        assert done.returncode == 2 and message in done.stderr, done.stderr[-1500:]
        assert "Traceback" not in done.stderr
