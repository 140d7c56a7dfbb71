"""The experiment report on a planted experiment: numbers computed by hand, one comparison
whose interval clearly excludes 0 and one that clearly contains it, an unfinished arm that is
reported as such, and the SQL views over the same rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from fimrl.db.queries import fetch
from fimrl.db.rollout_store import CandidateRow, write_group
from fimrl.db.run_store import ensure_run
from fimrl.db.verdict_store import record_verdict
from fimrl.errors import FimrlError
from fimrl.eval.passk import summary_to_json
from fimrl.experiment.report import (
    collect_experiment,
    compare_arms,
    measure_pass_at_k,
    write_experiment_report,
)
from fimrl.experiment.results import FIM, PROOF, point_outcomes, summarize_point
from fimrl.experiment.spec import BudgetSpec, EvaluationSpec, ExperimentSpec

from ..helpers import store_omega_task

NAME = "warmup-compare"
N = 4
KS = (1, 4)
FIM_TASKS = 12
PROOF_TASKS = 4
CHECKER = "Lean 4.35.0 (prelude toolchain) compiled every candidate; planted for this test."


@dataclass(frozen=True)
class PlantedPoint:
    """One curve point: spent budget and the passes per task index (of N samples)."""

    point: int
    fraction: float
    tokens: int
    steps: int
    seconds: float
    passes: dict[int, int] | None  # None: not evaluated


def _passes(fim: Any, proof: Any) -> dict[int, int]:
    """Task index -> passes: ``fim(i)`` for the FIM tasks, ``proof(i)`` for the proof tasks."""
    out = {i: fim(i) for i in range(FIM_TASKS)}
    out.update({i: proof(i) for i in range(FIM_TASKS, FIM_TASKS + PROOF_TASKS)})
    return out


# base and ntp have the same FIM pass@1 (0.25) on opposite halves of the tasks: their paired
# difference is +0.5 on half the tasks and -0.5 on the other half (an interval around 0).
# fim-rlvr passes every sample of every FIM task at the end: +0.75 over ntp on every task pair.
ARMS: dict[str, tuple[str, list[PlantedPoint]]] = {
    "base": (
        "evaluated",
        [PlantedPoint(0, 0.0, 0, 0, 0.0, _passes(lambda i: 2 if i % 2 == 0 else 0, lambda i: 0))],
    ),
    "ntp": (
        "evaluated",
        [
            PlantedPoint(
                1, 0.5, 500, 10, 30.0, _passes(lambda i: 2 if i % 2 == 0 else 0, lambda i: 0)
            ),
            PlantedPoint(
                2, 1.0, 1000, 20, 61.5, _passes(lambda i: 0 if i % 2 == 0 else 2, lambda i: 0)
            ),
        ],
    ),
    "fim-sft": ("training", [PlantedPoint(1, 0.5, 520, 4, 40.0, None)]),
    "fim-rlvr": (
        "evaluated",
        [
            PlantedPoint(1, 0.5, 480, 3, 100.0, _passes(lambda i: 2, lambda i: 0)),
            PlantedPoint(
                2, 1.0, 1010, 6, 210.5, _passes(lambda i: 4, lambda i: 1 if i < 14 else 0)
            ),
        ],
    ),
}


def _spec() -> ExperimentSpec:
    return ExperimentSpec(
        name=NAME,
        model="tiny-base",
        arms=("base", "ntp", "fim-sft", "fim-rlvr"),
        seed=7,
        budget=BudgetSpec(match="tokens", amount=1000, points=(0.5, 1.0)),
        evaluation=EvaluationSpec(fim_tasks=FIM_TASKS, proof_tasks=PROOF_TASKS, n=N, ks=KS),
    )


def _plant_group(engine: Engine, run_id: int, task_id: int, version: int, passes: int) -> None:
    """N candidates for one task and version, the first ``passes`` verified ``pass``."""
    group, candidates = write_group(
        engine,
        run_id=run_id,
        task_id=task_id,
        policy_version=version,
        candidates=[CandidateRow("x", "x", [1], [-0.1]) for _ in range(N)],
        purpose="eval",
    )
    for i, cid in enumerate(candidates):
        ok = i < passes
        record_verdict(
            engine,
            candidate_id=cid,
            group_id=group,
            verdict={
                "verdict": "pass" if ok else "fail",
                "reward": float(ok),
                "duration_s": 0.01,
                "backend": "exact",
                "worker_host": "planted@test",
            },
        )


def _insert(engine: Engine, sql: str, **params: Any) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text(sql + " RETURNING id"), params).scalar_one())


def plant_experiment(engine: Engine) -> dict[int, int]:
    """The experiment of :data:`ARMS` as ``fimrl experiment run`` leaves it, plus an empty
    second experiment; returns task index -> task id."""
    tasks = {
        i: store_omega_task(
            engine,
            i,
            namespace="ExpT",
            source=f"exp/t{i}.lean",
            split="test",
            span_kind=("tactic" if i % 2 == 0 else "tactic_run") if i < FIM_TASKS else "proof",
            hash_tag="x",
        )
        for i in range(FIM_TASKS + PROOF_TASKS)
    }
    detail = {
        "base_model": "tiny-base",
        "checker": CHECKER,
        "fim_task_ids": [tasks[i] for i in range(FIM_TASKS)],
        "proof_task_ids": [tasks[i] for i in range(FIM_TASKS, FIM_TASKS + PROOF_TASKS)],
    }
    exp = _insert(
        engine,
        "INSERT INTO experiments (name, spec, detail) VALUES (:n, CAST(:s AS jsonb), "
        "CAST(:d AS jsonb))",
        n=NAME,
        s=json.dumps(_spec().to_json()),
        d=json.dumps(detail),
    )
    _insert(
        engine,
        "INSERT INTO experiments (name, spec) VALUES ('older-one', CAST(:s AS jsonb))",
        s=json.dumps(_spec().model_copy(update={"name": "older-one"}).to_json()),
    )
    for position, (arm, (status, points)) in enumerate(ARMS.items()):
        evaluated = any(p.passes is not None for p in points)
        eval_run = (
            ensure_run(engine, f"{NAME}-{arm}-eval", kind="eval", config={"arm": arm})
            if evaluated
            else None
        )
        rl_run = ensure_run(engine, f"{NAME}-{arm}", kind="train") if arm == "fim-rlvr" else None
        last = points[-1]
        arm_id = _insert(
            engine,
            "INSERT INTO experiment_arms (experiment_id, arm, position, status, budget_unit, "
            "budget_target, tokens, steps, seconds, run_id, eval_run_id) VALUES (:e, :a, :p, "
            ":st, 'tokens', :target, :tok, :steps, :sec, :rl, :ev)",
            e=exp,
            a=arm,
            p=position,
            st=status,
            target=0.0 if arm == "base" else 1000.0,
            tok=last.tokens,
            steps=last.steps,
            sec=last.seconds,
            rl=rl_run,
            ev=eval_run,
        )
        for pt in points:
            summary = None
            if pt.passes is not None:
                assert eval_run is not None
                for i, c in pt.passes.items():
                    _plant_group(engine, eval_run, tasks[i], pt.point, c)
                outcomes = point_outcomes(engine, eval_run, pt.point)
                summary = json.dumps(summary_to_json(summarize_point(outcomes, KS)))
            _insert(
                engine,
                "INSERT INTO experiment_points (arm_id, point, fraction, tokens, steps, "
                "seconds, checkpoint, summary) VALUES (:a, :p, :f, :tok, :steps, :sec, :ck, "
                "CAST(:s AS jsonb))",
                a=arm_id,
                p=pt.point,
                f=pt.fraction,
                tok=pt.tokens,
                steps=pt.steps,
                sec=pt.seconds,
                ck=f"/ckpt/{arm}/{pt.point}",
                s=summary,
            )
    return tasks


def test_collect_and_verdicts(clean_db: Engine) -> None:
    plant_experiment(clean_db)
    data = collect_experiment(clean_db, NAME)
    assert [a.arm for a in data.arms] == ["base", "ntp", "fim-sft", "fim-rlvr"]
    assert data.checker == CHECKER and data.base_model == "tiny-base"
    assert data.spec.budget.match == "tokens"

    def final(arm: str, measure: str, k: int = 1) -> float:
        a = data.arm(arm)
        assert a is not None and a.final is not None
        value = measure_pass_at_k(a.final.outcomes, measure, k)
        assert value is not None
        return value.estimate

    # By hand: base passes 2 of 4 on the 6 even FIM tasks -> 6 * 0.5 / 12 = 0.25.
    assert final("base", FIM) == pytest.approx(0.25)
    assert final("base", PROOF) == pytest.approx(0.0)
    assert final("ntp", FIM) == pytest.approx(0.25)
    assert final("fim-rlvr", FIM) == pytest.approx(1.0)
    assert final("fim-rlvr", PROOF) == pytest.approx(2 * 0.25 / 4)
    assert final("fim-rlvr", PROOF, 4) == pytest.approx(0.5)  # pass@4 with c=1 of n=4 is 1
    rlvr = data.arm("fim-rlvr")
    assert rlvr is not None and rlvr.final is not None
    assert rlvr.final.point == 2 and rlvr.final.tokens == 1010 and rlvr.rl_run == f"{NAME}-fim-rlvr"
    first = measure_pass_at_k(rlvr.points[0].outcomes, FIM, 1)
    assert first is not None and first.estimate == pytest.approx(0.5)
    sft = data.arm("fim-sft")
    assert sft is not None and not sft.finished and sft.final is None
    assert [a.arm for a in data.unfinished] == ["fim-sft"]

    verdicts = {(v.a, v.b, v.measure, v.k): v for v in compare_arms(data)}
    assert not any("fim-sft" in (a, b) for a, b, _, _ in verdicts)  # unfinished: not compared
    clear = verdicts[("fim-rlvr", "ntp", FIM, 1)]
    assert clear.diff is not None and clear.diff.low > 0 and clear.paired == FIM_TASKS
    assert clear.sentence.startswith("fim-rlvr beats ntp on held-out FIM pass@1 by +0.750 [")
    assert clear.sentence.endswith(f"({FIM_TASKS} paired tasks).")
    even = verdicts[("ntp", "base", FIM, 1)]
    assert even.diff is not None and even.diff.low < -0.1 and even.diff.high > 0.1
    assert even.sentence.startswith(
        "No difference detectable at this budget between ntp and base on held-out FIM "
        "pass@1: +0.000 [−"
    )
    assert verdicts[("fim-rlvr", "base", FIM, 1)].sentence.startswith("fim-rlvr beats base")
    proof = verdicts[("fim-rlvr", "ntp", PROOF, 1)]
    assert proof.paired == PROOF_TASKS and proof.sentence.startswith("No difference detectable")
    assert {(v.measure, v.k) for v in verdicts.values()} == {
        (FIM, 1),
        (FIM, 4),
        (PROOF, 1),
        (PROOF, 4),
    }


def test_report_files(clean_db: Engine, tmp_path: Path) -> None:
    plant_experiment(clean_db)
    md_path = write_experiment_report(clean_db, NAME, tmp_path / "out")
    assert md_path == tmp_path / "out" / f"{NAME}.md"
    md = md_path.read_text()
    assert CHECKER in md and "`tiny-base`" in md
    assert "**Budget held equal:** tokens — 1,000 tokens" in md
    # The arms table: final point, FIM pass@1 and pass@4, whole-proof pass@1, spent tokens.
    rlvr_row = next(r for r in md.splitlines() if r.startswith("| fim-rlvr | evaluated | 2 "))
    assert "| 2 (100%) | 1.000 [1.000, 1.000] | 1.000 [1.000, 1.000] | 0.125 [" in rlvr_row
    assert rlvr_row.endswith("| 1,010 | 6 | 210.5 |")
    base_row = next(r for r in md.splitlines() if r.startswith("| base | evaluated | 0 "))
    assert "| 0 (0%) | 0.250 [" in base_row
    assert "| tokens (matched) | steps | seconds |" in md
    # The unfinished arm is shown, marked, and its comparisons are listed as not made.
    assert "| fim-sft | **training (unfinished)** | not evaluated |" in md
    assert "fim-sft vs base (fim-sft unfinished)" in md
    assert "Unfinished arms: fim-sft (training)" in md
    # Verdicts and the per-task table of the main comparison.
    assert "fim-rlvr beats ntp on held-out FIM pass@1 by +0.750" in md
    assert "No difference detectable at this budget between ntp and base" in md
    assert "14 of 16 shared tasks differ in per-task pass@1." in md
    assert "| fim-rlvr − ntp |" in md
    # Per span kind and the curve points (base point 0, unevaluated point marked).
    assert "| single tactic | 6 |" in md and "| whole proof | 4 |" in md
    assert "| fim-sft | 1 | 50% | 520 | 4 | 40.0 | not evaluated | not evaluated |" in md
    for name in ("fim_tokens", "fim_seconds", "proof_tokens", "proof_seconds"):
        png = tmp_path / "out" / f"{NAME}_{name}.png"
        assert png.read_bytes().startswith(b"\x89PNG"), png
        assert f"]({png.name})" in md
    html = md_path.with_suffix(".html").read_text()
    assert "<table>" in html and f'src="{NAME}_fim_tokens.png"' in html
    assert "fim-rlvr beats ntp" in html


def test_unknown_experiment_names_the_known_ones(clean_db: Engine, tmp_path: Path) -> None:
    with pytest.raises(FimrlError, match="there are none yet"):
        collect_experiment(clean_db, NAME)
    plant_experiment(clean_db)
    with pytest.raises(
        FimrlError, match=f"no experiment called 'nope'; known experiments: {NAME}, older-one"
    ):
        write_experiment_report(clean_db, "nope", tmp_path)


def test_views_show_the_stored_summaries(clean_db: Engine) -> None:
    plant_experiment(clean_db)
    with clean_db.connect() as conn:
        cols, rows = fetch(conn, "experiment_arms", experiment=NAME)
        arms = {r["arm"]: r for r in (dict(zip(cols, row, strict=True)) for row in rows)}
        pcols, prow = fetch(conn, "experiment_points", experiment=NAME)
        points = {
            (r["arm"], r["point"]): r for r in (dict(zip(pcols, p, strict=True)) for p in prow)
        }
    assert list(arms) == ["base", "ntp", "fim-sft", "fim-rlvr"]  # ordered by position
    assert arms["fim-rlvr"]["fim_pass_at_1"] == pytest.approx(1.0)
    assert arms["fim-rlvr"]["proof_pass_at_1"] == pytest.approx(0.125)
    assert arms["fim-rlvr"]["rl_run"] == f"{NAME}-fim-rlvr"
    assert arms["ntp"]["fim_pass_at_1"] == pytest.approx(0.25)
    assert arms["base"]["fim_pass_at_1"] == pytest.approx(0.25)
    assert arms["fim-sft"]["status"] == "training"
    assert arms["fim-sft"]["fim_pass_at_1"] is None and arms["fim-sft"]["eval_run"] is None
    assert arms["ntp"]["tokens"] == 1000 and arms["ntp"]["budget_unit"] == "tokens"
    assert points[("fim-rlvr", 1)]["fim_pass_at_1"] == pytest.approx(0.5)
    assert points[("fim-rlvr", 1)]["evaluated"] is True
    assert points[("fim-sft", 1)]["evaluated"] is False
    assert points[("base", 0)]["all_pass_at_1"] == pytest.approx(6 * 0.5 / 16)
    assert len(points) == 6


def test_report_of_an_experiment_not_yet_evaluated(clean_db: Engine, tmp_path: Path) -> None:
    """Just started: no verdict anywhere, yet the report says so instead of failing."""
    exp = _insert(
        clean_db,
        "INSERT INTO experiments (name, spec) VALUES (:n, CAST(:s AS jsonb))",
        n=NAME,
        s=json.dumps(_spec().to_json()),
    )
    for position, arm in enumerate(("base", "ntp")):
        _insert(
            clean_db,
            "INSERT INTO experiment_arms (experiment_id, arm, position, budget_unit, "
            "budget_target) VALUES (:e, :a, :p, 'tokens', 1000)",
            e=exp,
            a=arm,
            p=position,
        )
    md = write_experiment_report(clean_db, NAME, tmp_path).read_text()
    assert "| base | **pending (unfinished)** | not evaluated |" in md
    assert "No comparison could be made" in md
    assert "(not recorded)" in md  # no checker stored yet: said, not invented
    assert (tmp_path / f"{NAME}_fim_tokens.png").read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / f"{NAME}_proof_tokens.png").exists()
