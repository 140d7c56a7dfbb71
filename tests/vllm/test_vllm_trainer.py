"""The trainer daemon end to end with ``generation_backend = "vllm"`` on vLLM's CPU build.

Real processes started as operators start them (`fimrl workers|trainer|learner start
--detach`), a private PostgreSQL and Redis (the fault tests' rig), a tiny random Llama that
vLLM serves: the trainer samples every group with vLLM, the workers score them, the learner
steps and publishes full checkpoints, and the trainer loads each newer one into the running
engine (no restart), so later groups are sampled by later policy versions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..faults.rig import FaultRig

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

BATCHES = 6


@pytest.fixture(scope="module")
def vllm_tiny(vllm: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer Llama with SmolLM2's tokenizer; head size 64, which vLLM's CPU
    attention kernels support."""
    from fimrl.rollout.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("vllm-tiny"), hidden_size=128, num_heads=2)


def test_the_trainer_samples_with_vllm_and_follows_the_learner(vllm_tiny: Path) -> None:
    rig = FaultRig(
        vllm_tiny,
        generation_backend="vllm",
        checker_latency_s=0.2,
        max_new_tokens=8,
        checkpoint_every=1,
    )
    try:
        rig.add_tasks(4)
        rig.start_worker("w1", concurrency=1)
        rig.start_learner()
        rig.start_trainer(max_batches=BATCHES)

        def drained() -> bool:
            if rig.trainer_pid() is not None or rig.unverified_ids():
                return False
            return rig.count("SELECT count(*) FROM groups WHERE status <> 'consumed'") == 0

        rig.wait(drained, 420, "the vLLM trainer to finish and the learner to consume it all")
        stop = rig.cli("learner", "stop")
        assert stop.returncode == 0, stop.stderr
        counts = rig.counts()
        assert counts.groups == BATCHES and counts.unverified == 0, counts.line()
        assert counts.duplicate_verdicts == 0 and counts.broken_groups == 0, counts.line()
        assert counts.learner_steps >= 2 and counts.trained_twice == 0, counts.line()

        backends = rig.scalar("SELECT json_agg(DISTINCT sampling->>'backend') FROM candidates")
        assert backends == ["vllm"]
        versions = rig.scalar("SELECT count(DISTINCT policy_version) FROM groups")
        assert versions >= 2, "no group was sampled by a policy version the learner published"
        log = rig.trainer_log()
        assert "vLLM on the CPU build" in log and "float32" in log
        status = json.loads(rig.cli("trainer", "status", "--json").stdout)
        metrics = status.get("metrics", status)
        assert metrics.get("reloads", 0) >= 1 and not metrics.get("reload_failures"), status
    finally:
        rig.close()
