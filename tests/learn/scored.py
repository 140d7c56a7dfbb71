"""Scored groups written through the real stores (trainer and worker paths)."""

from __future__ import annotations

import torch
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fimrl.db.models import FimTask
from fimrl.db.rollout_store import CandidateRow, write_group
from fimrl.db.verdict_store import record_verdict
from fimrl.learn.logprobs import completion_logprobs


def make_task(engine: Engine, i: int) -> int:
    with Session(engine) as session:
        task = FimTask(
            source="t.lean",
            decl_name=f"t{i}",
            decl_kind="theorem",
            header="",
            prefix="theorem t : True := by\n  ",
            middle="trivial",
            suffix="\n",
            span_kind="tactic",
            split="train",
            content_hash=f"{i:064x}",
        )
        session.add(task)
        session.commit()
        return task.id


def on_policy_logprobs(
    model, prompt: list[int], completion: list[int], temperature: float
) -> list[float]:  # type: ignore[no-untyped-def]
    ids = torch.tensor([prompt + completion])
    with torch.no_grad():
        lp = completion_logprobs(model, ids, torch.ones_like(ids), len(completion), temperature)
    return lp[0].tolist()


def scored_group(
    engine: Engine,
    run_id: int,
    task_id: int,
    prompt: list[int],
    completions: list[list[int]],
    rewards: list[float],
    *,
    model=None,  # type: ignore[no-untyped-def]
    version: int = 0,
    temperature: float = 1.0,
    logprobs: list[list[float]] | None = None,
    verdicts: list[str] | None = None,
) -> int:
    """Write a group, its candidates and their verdicts; the group ends `scored`."""
    if logprobs is None:
        logprobs = [on_policy_logprobs(model, prompt, c, temperature) for c in completions]
    group_id, cand_ids = unscored_group(
        engine,
        run_id,
        task_id,
        prompt,
        completions,
        logprobs=logprobs,
        version=version,
        temperature=temperature,
    )
    for i, (cid, r) in enumerate(zip(cand_ids, rewards, strict=True)):
        verdict = verdicts[i] if verdicts else ("pass" if r > 0 else "fail")
        record_verdict(
            engine,
            candidate_id=cid,
            group_id=group_id,
            verdict={
                "verdict": verdict,
                "reward": r,
                "duration_s": 0.01,
                "backend": "exact",
                "worker_host": "test",
            },
        )
    return group_id


def unscored_group(
    engine: Engine,
    run_id: int,
    task_id: int,
    prompt: list[int],
    completions: list[list[int]],
    *,
    logprobs: list[list[float]],
    middles: list[str] | None = None,
    version: int = 0,
    temperature: float = 1.0,
) -> tuple[int, list[int]]:
    """Write a group and its candidates as the trainer does, with no verdicts yet."""
    rows = [
        CandidateRow(
            completion=" ".join(map(str, c)),
            middle=middles[i] if middles else "",
            token_ids=c,
            behaviour_logprobs=lp,
            sampling={"temperature": temperature},
        )
        for i, (c, lp) in enumerate(zip(completions, logprobs, strict=True))
    ]
    return write_group(
        engine,
        run_id=run_id,
        task_id=task_id,
        policy_version=version,
        candidates=rows,
        prompt_token_ids=prompt,
    )
