"""One planted experiment, and the answers computed from it in plain Python.

Two runs: ``alpha`` (Lean backends on three hosts, Lean messages, guard rejections, a shaped
reward, unverified candidates) and ``beta`` (the exact backend; tasks with 8 to 40 samples,
so pass@8 and pass@32 have values, NULLs and the n - c < k case).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine

from tests.sql.plant import T0, V, add_group, add_run, add_task, many, msg

MIN = dt.timedelta(minutes=1)

UNKNOWN_ID = "lean.unknownIdentifier._namedError"


@dataclass
class PlantedGroup:
    run: str
    task: str
    version: int
    verdicts: list[V | None]
    purpose: str = "train"
    created_at: dt.datetime = T0


def groups() -> list[PlantedGroup]:
    g1 = [
        V("pass"),
        V("pass", messages=[msg("information", "Nat.add_comm : ∀ (n m : Nat), n + m = m + n")]),
        V(
            "fail",
            messages=[
                msg("error", "Unknown identifier `foo`", UNKNOWN_ID),
                msg("warning", "unused variable `h`", "linter.unusedVariables"),
            ],
        ),
        V("fail", messages=[msg("error", "unsolved goals\ncase h\n⊢ False")]),
        V("fail", reward=0.5, messages=[msg("error", "type mismatch\n  h\nhas type\n  True")]),
        V("rejected", rule="sorry", detail="`sorry` in the middle"),
        V(
            "timeout",
            messages=[msg("error", "(deterministic) timeout at `whnf`", "runtime.maxHeartbeats")],
        ),
        V("error", detail="REPL crashed"),
    ]
    g3 = [*many("pass", 5)] + [
        V(
            "fail",
            messages=[
                msg("error", "linarith failed to find a contradiction\ncase a\n⊢ False"),
                msg("error", "unknown identifier 'foo'"),
            ],
        )
        for _ in range(3)
    ]
    g4 = [
        V("pass"),
        V("rejected", rule="native_decide", detail="`native_decide` in the middle"),
        V("rejected", rule="sorry", detail="`sorry` after by"),
        V("fail", messages=[msg("error", "Unknown identifier `bar`", UNKNOWN_ID)]),
        V("fail"),
        V("fail"),
        None,  # two candidates still waiting for a verdict
        None,
    ]
    alpha = [
        PlantedGroup("alpha", "t1", 0, g1, created_at=T0),
        PlantedGroup(
            "alpha",
            "t2",
            0,
            [
                V("fail", messages=[msg("error", "unsolved goals\ncase a\n⊢ 1 = 2")])
                for _ in range(4)
            ],
            purpose="eval",
            created_at=T0 + MIN,
        ),
        PlantedGroup("alpha", "t1", 1, g3, created_at=T0 + MIN + dt.timedelta(seconds=20)),
        PlantedGroup("alpha", "t3", 1, g4, created_at=T0 + 5 * MIN),
    ]
    # Latency: spread durations, backends and hosts over alpha's verdicts.
    hosts = [("repl", "host-a"), ("repl", "host-b"), ("cli", "host-c")]
    i = 0
    for group in alpha:
        for v in group.verdicts:
            if v is not None:
                v.duration_s = round(0.05 * (i + 1) ** 1.7, 6)
                v.backend, v.host = hosts[i % 3]
                i += 1

    def exact(verdicts: list[V]) -> list[V | None]:
        for j, v in enumerate(verdicts):
            v.backend, v.host, v.duration_s = "exact", "trainer-0", 0.001 * (j + 1)
        return list(verdicts)

    beta_at = T0 + 10 * MIN
    beta: list[PlantedGroup] = []
    for version in range(5):  # t4: 40 samples, 3 passes (all from version 4)
        passes = 3 if version == 4 else 0
        beta.append(
            PlantedGroup(
                "beta",
                "t4",
                version,
                exact(many("pass", passes) + many("fail", 8 - passes)),
                created_at=beta_at,
            )
        )
    for version in range(5):  # t5: 40 samples, none passes; one rejection without a rule
        vs = many("fail", 8) if version else [V("rejected"), *many("fail", 7)]
        beta.append(PlantedGroup("beta", "t5", version, exact(vs), created_at=beta_at))
    for version in range(4):  # t6: 32 samples, 5 passes: n - c = 27 < 32, pass@32 = 1
        passes = 5 if version == 3 else 0
        beta.append(
            PlantedGroup(
                "beta",
                "t6",
                version,
                exact(many("pass", passes) + many("fail", 8 - passes)),
                created_at=beta_at,
            )
        )
    beta.append(  # t2 in beta too: 8 samples, no pass, one axiom rejection
        PlantedGroup(
            "beta",
            "t2",
            0,
            exact([V("rejected", rule="axiom"), *many("fail", 7)]),
            created_at=beta_at,
        )
    )
    return alpha + beta


def plant(engine: Engine) -> list[PlantedGroup]:
    planted = groups()
    with engine.begin() as conn:
        runs = {name: add_run(conn, name) for name in ("alpha", "beta")}
        tasks = {f"t{i}": add_task(conn, f"planted_t{i}") for i in range(1, 7)}
        for g in planted:
            add_group(
                conn,
                runs[g.run],
                tasks[g.task],
                g.version,
                g.verdicts,
                purpose=g.purpose,
                created_at=g.created_at,
            )
    return planted


def verdicts_of(planted: list[PlantedGroup]) -> list[tuple[PlantedGroup, V]]:
    return [(g, v) for g in planted for v in g.verdicts if v is not None]


def per_task(planted: list[PlantedGroup]) -> dict[tuple[str, str], tuple[int, int]]:
    """(run, task) -> (n verified, c passes)."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for g, v in verdicts_of(planted):
        out[g.run, g.task][0] += 1
        out[g.run, g.task][1] += v.verdict == "pass"
    return {k: (n, c) for k, (n, c) in out.items()}
