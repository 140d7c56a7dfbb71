"""The curriculum: easy holes first, the next stage when the recent pass rate says so."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run
from fimrl.rollout.curriculum import DEFAULT_CURRICULUM, CurriculumStage, current_stage
from fimrl.rollout.task_sampler import TaskSampler

from ..helpers import store_omega_task, store_verdicts

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


def sampler(engine: Engine, run: int, seed: int = 0, **kw: Any) -> TaskSampler:
    return TaskSampler(
        engine,
        run,
        frontier_fraction=0.0,
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


def test_it_advances_at_the_threshold_never_before_and_never_back(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-2")
    one = tasks["one"]
    store_verdicts(clean_db, run, one[0], ["pass", "fail", "fail", "fail"])
    store_verdicts(clean_db, run, one[1], ["pass", "pass", "fail"])
    s = sampler(clean_db, run)
    s.pick(1)
    assert s.stage is not None and s.stage.index == 0  # 7 verdicts: fewer than the window
    store_verdicts(clean_db, run, one[2], ["fail"])
    s.refresh(force=True)
    assert s.stage.index == 0 and s.stage.rate == pytest.approx(3 / 8)  # below 0.5
    # A two-line tactic is not a stage-0 task: its verdicts do not count for stage 0.
    store_verdicts(clean_db, run, tasks["two"][0], ["fail"] * 8)
    s.refresh(force=True)
    assert s.stage.index == 0
    store_verdicts(clean_db, run, one[3], ["pass", "pass"])  # last 8 of stage 0: 4 pass = 0.5
    s.refresh(force=True)
    assert (s.stage.index, s.stage.name) == (1, "runs")
    # Stage 1's own recent rate (2 of its last 8) keeps it there.
    assert s.stage.rate == pytest.approx(2 / 8)
    kinds = Counter("run" if t in tasks["run"] else "tactic" for _ in range(60) for t in s.pick(1))
    assert set(kinds) <= {"run", "tactic"} and not any(t in tasks["proof"] for t in s.pick(20))
    # Stage 0 falls below its threshold again: the sampler does not go back.
    store_verdicts(clean_db, run, one[4], ["fail"] * 8)
    s.refresh(force=True)
    assert s.stage.index >= 1
    # A restarted trainer (a fresh sampler) recomputes the stage from SQL alone.
    fresh = sampler(clean_db, run)
    fresh.pick(1)
    assert fresh.stage is not None and fresh.stage.index == 0  # stage 0's recent rate is 0


def test_a_restart_resumes_the_stage_it_had_reached(
    clean_db: Engine, tasks: dict[str, list[int]]
) -> None:
    run = ensure_run(clean_db, "cur-3")
    store_verdicts(clean_db, run, tasks["one"][0], ["pass"] * 4 + ["fail"] * 4)  # stage 0: 0.5
    store_verdicts(clean_db, run, tasks["run"][0], ["pass"] * 5 + ["fail"] * 3)  # stage 1: 0.625
    first = sampler(clean_db, run)
    first.pick(1)
    again = sampler(clean_db, run, seed=9)
    again.pick(1)
    assert first.stage is not None and again.stage is not None
    assert first.stage.index == again.stage.index == 2
    assert current_stage(clean_db, run, STAGES, WINDOW).index == 2  # what both read: SQL
    assert {t for _ in range(80) for t in again.pick(1)} & set(tasks["proof"])


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
