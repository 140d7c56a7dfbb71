"""The curriculum: easy holes first, the next stage when the recent pass rate says so.

The stage is derived from verdicts of candidates tagged with the stage that sampled them
(``candidates.sampling.curriculum_stage``): :func:`stage_verdicts` stores such rows the way
the trainer writes them, and one test runs the real trainer to check that it does.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run
from fimrl.db.verdict_store import record_verdict
from fimrl.rollout.backends.transformers_backend import TransformersBackend
from fimrl.rollout.curriculum import (
    DEFAULT_CURRICULUM,
    STAGE_KEY,
    CurriculumStage,
    current_stage,
)
from fimrl.rollout.models import build_tiny_model
from fimrl.rollout.task_sampler import TaskSampler
from fimrl.rollout.trainer import Trainer

from ..helpers import store_omega_task, store_verdicts
from .test_trainer import FAST, trainer_settings

STAGES = [
    CurriculumStage(name="easy", span_kinds={"tactic": 1.0}, max_middle_lines=1, advance_at=0.5),
    CurriculumStage(name="runs", span_kinds={"tactic": 1.0, "tactic_run": 3.0}, advance_at=0.5),
    CurriculumStage(name="all", span_kinds={"tactic": 1, "tactic_run": 1, "proof": 1}),
]
WINDOW = 8


@pytest.fixture
def tasks(clean_db: Engine) -> dict[str, list[int]]:
    """Train tasks: one-line tactics, two-line tactics, tactic runs, whole proofs."""
    made: dict[str, list[int]] = {"one": [], "two": [], "run": [], "proof": []}
    i = 0
    for key, kind, middle, n in (
        ("one", "tactic", "omega", 6),
        ("two", "tactic", "simp\n    omega", 3),
        ("run", "tactic_run", "simp\n  omega", 6),
        ("proof", "proof", "omega", 6),
    ):
        for _ in range(n):
            i += 1
            made[key].append(store_omega_task(clean_db, i, span_kind=kind, middle=middle))
    return made


def stage_verdicts(
    engine: Engine, run: int, task: int, results: list[str], stage: str | None
) -> int:
    """A group of ``task`` with these verdicts, its candidates sampled in ``stage`` (None: an
    untagged group, as written before the curriculum existed)."""
    group = store_verdicts(engine, run, task, results)
    if stage is not None:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE candidates SET sampling = sampling || jsonb_build_object("
                    "CAST(:key AS text), CAST(:stage AS text)) WHERE group_id = :g"
                ),
                {"key": STAGE_KEY, "stage": stage, "g": group},
            )
    return group


def sampler(engine: Engine, run: int, seed: int = 0, **kw: Any) -> TaskSampler:
    return TaskSampler(
        engine,
        run,
        frontier_fraction=kw.pop("frontier_fraction", 0.0),
        seed=seed,
        refresh_s=0.0,
        curriculum=kw.pop("curriculum", STAGES),
        curriculum_window=WINDOW,
        **kw,
    )


def test_the_first_stage_samples_only_one_tactic_holes(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-1")
    s = sampler(clean_db, run)
    seen = {t for _ in range(50) for t in s.pick(3)}
    assert seen == set(tasks["one"])
    assert s.stage is not None and (s.stage.index, s.stage.name) == (0, "easy")


def test_it_advances_at_the_threshold_and_not_before(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-2")
    one = tasks["one"]
    stage_verdicts(clean_db, run, one[0], ["pass", "fail", "fail", "fail"], "easy")
    stage_verdicts(clean_db, run, one[1], ["pass", "pass", "fail"], "easy")
    s = sampler(clean_db, run)
    s.pick(1)
    assert s.stage is not None and s.stage.index == 0  # 7 verdicts: fewer than the window
    assert (s.stage.rate, s.stage.verdicts) == (pytest.approx(3 / 7), 7)
    stage_verdicts(clean_db, run, one[2], ["fail"], "easy")
    s.refresh(force=True)
    assert s.stage.index == 0 and s.stage.rate == pytest.approx(3 / 8)  # below 0.5
    # Verdicts of candidates no stage sampled (untagged) or another stage sampled do not count.
    stage_verdicts(clean_db, run, one[3], ["pass"] * 8, None)
    stage_verdicts(clean_db, run, tasks["run"][0], ["pass"] * 8, "runs")
    s.refresh(force=True)
    assert s.stage.index == 0 and s.stage.rate == pytest.approx(3 / 8)
    stage_verdicts(clean_db, run, one[3], ["pass", "pass"], "easy")  # last 8 of "easy": 4 pass
    s.refresh(force=True)
    assert (s.stage.index, s.stage.name, s.stage.entered_at) == (1, "runs", 0.5)
    # Stage 1 counts only its candidates' verdicts recorded after stage 0 was passed: none.
    assert (s.stage.rate, s.stage.verdicts) == (None, 0)
    assert s.stage.describe(WINDOW).startswith(
        'stage 1 "runs" (pass rate 0.50 over last 8 verdicts of stage 0'
    )
    seen = {t for _ in range(60) for t in s.pick(2)}
    assert seen == {t for key in ("one", "two", "run") for t in tasks[key]}


def test_stage_verdicts_count_only_after_and_for_their_stage(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    """Stage 1 passes on its own candidates' verdicts, never on stage 0's."""
    run = ensure_run(clean_db, "cur-2b")
    stage_verdicts(clean_db, run, tasks["one"][0], ["pass"] * 8, "easy")
    s = sampler(clean_db, run)
    s.pick(1)
    assert s.stage is not None and (s.stage.index, s.stage.verdicts) == (1, 0)
    stage_verdicts(clean_db, run, tasks["run"][0], ["pass"] * 3 + ["fail"] * 4, "runs")
    s.refresh(force=True)
    assert s.stage.index == 1  # 7 of the window
    stage_verdicts(clean_db, run, tasks["run"][1], ["pass"], "runs")  # 4 of 8 = 0.5
    s.refresh(force=True)
    assert (s.stage.index, s.stage.name, s.stage.entered_at) == (2, "all", 0.5)


def test_it_never_goes_back_not_even_after_a_restart(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-back")
    stage_verdicts(clean_db, run, tasks["one"][0], ["pass"] * 4 + ["fail"] * 4, "easy")
    s = sampler(clean_db, run)
    s.pick(1)
    assert s.stage is not None and s.stage.index == 1
    # Stage 0's recent rate falls to 0 (late verdicts of its candidates): stage 1 stays.
    stage_verdicts(clean_db, run, tasks["one"][1], ["fail"] * 8, "easy")
    s.refresh(force=True)
    assert s.stage.index == 1
    fresh = sampler(clean_db, run, seed=3)
    fresh.pick(1)
    assert fresh.stage == s.stage


def test_the_default_schedule_does_not_skip_its_middle_stage(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    """Every one-tactic hole is also a "short" task: passing stage 0 must not pass stage 1."""
    run = ensure_run(clean_db, "cur-default")
    for i in range(16):
        stage_verdicts(clean_db, run, tasks["one"][i % 6], ["pass", "fail"] * 2, "one-tactic")
    state = current_stage(clean_db, run, DEFAULT_CURRICULUM, 64)
    assert (state.index, state.name, state.entered_at) == (1, "short", 0.5)


def test_a_restart_resumes_the_stage_it_had_reached(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-3")
    stage_verdicts(clean_db, run, tasks["one"][0], ["pass"] * 4 + ["fail"] * 4, "easy")  # 0.5
    stage_verdicts(clean_db, run, tasks["run"][0], ["pass"] * 5 + ["fail"] * 3, "runs")  # 0.625
    first = sampler(clean_db, run)
    first.pick(1)
    again = sampler(clean_db, run, seed=9)
    again.pick(1)
    assert first.stage is not None and again.stage is not None
    assert first.stage == again.stage == current_stage(clean_db, run, STAGES, WINDOW)  # SQL
    assert (again.stage.index, again.stage.entered_at) == (2, 0.625)
    assert {t for _ in range(80) for t in again.pick(1)} & set(tasks["proof"])


def test_the_frontier_share_comes_from_the_stage_s_tasks_only(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-frontier")
    # On the frontier (0 < pass rate < 1): a one-line tactic and a whole proof; untagged
    # verdicts, so the stage stays the first.
    stage_verdicts(clean_db, run, tasks["one"][0], ["pass", "fail"], None)
    stage_verdicts(clean_db, run, tasks["proof"][0], ["pass", "fail"], None)
    s = sampler(clean_db, run, frontier_fraction=1.0)
    assert all(s.pick(1) == [tasks["one"][0]] for _ in range(20))
    assert set(s.pick(3)) <= set(tasks["one"]) and tasks["one"][0] in s.pick(3)


def test_the_span_kind_mix_follows_the_stage_weights(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-4")
    s = sampler(
        clean_db,
        run,
        seed=7,
        curriculum=[STAGES[1].model_copy(update={"advance_at": 0.99}), STAGES[2]],
    )
    counts = Counter(
        "run" if t in tasks["run"] else "tactic" for _ in range(2000) for t in s.pick(1)
    )
    # Weights 1 : 3 → 25 % tactics; 2000 seeded draws, a ±5-point band is > 7 standard errors.
    assert abs(counts["tactic"] / 2000 - 0.25) < 0.05


def test_no_curriculum_samples_every_kind(clean_db: Engine, tasks: dict[str, list[int]]) -> None:
    run = ensure_run(clean_db, "cur-5")
    s = sampler(clean_db, run, curriculum=[])
    seen = {t for _ in range(200) for t in s.pick(2)}
    assert seen == {t for ids in tasks.values() for t in ids} and s.stage is None


def test_a_stage_without_tasks_does_not_stall_the_trainer(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-6")
    only_calc = [CurriculumStage(name="calc", span_kinds={"calc_step": 1.0})]
    assert len(sampler(clean_db, run, curriculum=only_calc).pick(3)) == 3


def test_schedules_are_validated_and_parse_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="positive weight"):
        CurriculumStage(name="x", span_kinds={"tactic": 0.0})
    with pytest.raises(ValidationError, match="must be >= 0"):
        CurriculumStage(name="x", span_kinds={"tactic": -1.0, "proof": 2.0})
    with pytest.raises(ValidationError, match="set advance_at"):
        Settings(curriculum=[{"name": "a", "span_kinds": {"tactic": 1}}, STAGES[2].model_dump()])
    with pytest.raises(ValidationError, match="cannot advance"):
        Settings(curriculum=[STAGES[0].model_dump()])
    monkeypatch.setenv(
        "FIMRL_CURRICULUM",
        '[{"name": "a", "span_kinds": {"tactic": 1}, "advance_at": 0.2},'
        ' {"name": "b", "span_kinds": {"proof": 1}}]',
    )
    parsed = Settings()
    assert [s.name for s in parsed.curriculum] == ["a", "b"]
    assert parsed.curriculum[0].advance_at == 0.2
    monkeypatch.delenv("FIMRL_CURRICULUM")
    assert Settings().curriculum == DEFAULT_CURRICULUM


def test_a_schedule_reads_from_toml(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "fimrl.toml"
    config.write_text(
        '[[curriculum]]\nname = "one"\nspan_kinds = { tactic = 1.0 }\nmax_middle_lines = 1\n'
        'advance_at = 0.3\n[[curriculum]]\nname = "rest"\nspan_kinds = { proof = 1.0 }\n'
    )
    monkeypatch.setenv("FIMRL_CONFIG", str(config))
    stages = Settings().curriculum
    assert [(s.name, s.max_middle_lines, s.advance_at) for s in stages] == [
        ("one", 1, 0.3),
        ("rest", None, None),
    ]


@pytest.fixture(scope="module")
def tiny_backend(
    tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any
) -> TransformersBackend:
    model_dir = build_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer=smollm2_tokenizer)
    return TransformersBackend(str(model_dir))


def test_the_trainer_tags_candidates_with_its_stage_and_logs_a_change(
    clean_db: Engine,
    settings: Settings,
    tasks: dict[str, list[int]],
    tiny_backend: TransformersBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = trainer_settings(
        settings,
        Path(tiny_backend.model_name),
        curriculum=STAGES,
        curriculum_window=WINDOW,
        run_name="cur-trainer",
    )
    trainer = Trainer(s, clean_db, tiny_backend, options=FAST)
    caplog.set_level(logging.INFO, logger="fimrl.trainer")
    trainer.run(max_batches=2)  # 2 batches x 2 tasks x 3 candidates: 12 >= the window
    written = rows_of(clean_db)
    assert len(written) == 12
    assert {r.task_id for r in written} <= set(tasks["one"])
    assert {r.sampling[STAGE_KEY] for r in written} == {"easy"}
    assert 'curriculum: stage 0 "easy"' in caplog.text
    # Every candidate the trainer wrote passes: the next batch is sampled in stage 1.
    for r in written:
        record_verdict(
            clean_db,
            candidate_id=r.id,
            group_id=r.group_id,
            verdict={
                "verdict": "pass",
                "reward": 1.0,
                "duration_s": 0.0,
                "backend": "exact",
                "worker_host": "test",
            },
        )
    trainer.run(max_batches=1)
    assert 'curriculum: stage 1 "runs" (pass rate 1.00 over last 8 verdicts of stage 0' in (
        caplog.text
    )
    assert {r.sampling[STAGE_KEY] for r in rows_of(clean_db)[12:]} == {"runs"}


def rows_of(engine: Engine) -> list[Any]:
    """The run's candidates with their group's task, in order."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT c.id, c.group_id, c.sampling, g.task_id FROM candidates c "
                    "JOIN groups g ON g.id = c.group_id ORDER BY c.id"
                )
            ).all()
        )
