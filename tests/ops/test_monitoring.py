"""The Prometheus exporter against the real test PostgreSQL and Redis, scraped over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fimrl.config import Settings
from fimrl.db.models import (
    Candidate,
    FimTask,
    Group,
    LearnerStep,
    PolicyVersion,
    Run,
    Verification,
)
from fimrl.monitoring import ExporterOptions, serve
from fimrl.services.daemon import Daemon
from fimrl.services.process import free_port, port_open
from tests.helpers import REPO, settings_env, wait_for

#: (verdict, backend, duration_s, minutes ago) of the planted verdicts.
PLANTED = [
    ("pass", "repl", 0.2, 1),
    ("pass", "repl", 0.7, 2),
    ("fail", "repl", 3.0, 3),
    ("timeout", "repl", 60.0, 4),
    ("rejected", "exact", 0.001, 1),
    ("pass", "exact", 0.002, 2),
    ("pass", "exact", 0.003, 120),  # outside a 15-minute window: counted, not in the histogram
]


def _plant(engine: Engine) -> None:
    """Two runs; groups in several states; verdicts with known durations; steps; versions."""
    now = datetime.now(UTC)
    with Session(engine) as s:
        main, other = Run(name="ops-main"), Run(name="ops-other")
        s.add_all([main, other])
        s.flush()
        task = FimTask(
            source="t.lean",
            decl_name="T.t",
            header="",
            prefix="theorem T.t : True := by\n  ",
            middle="trivial",
            suffix="\n",
            span_kind="tactic",
            split="train",
            content_hash="a" * 64,
        )
        s.add(task)
        s.flush()

        def group(run: Run, status: str, version: int, size: int) -> Group:
            g = Group(
                run_id=run.id, task_id=task.id, policy_version=version, size=size, status=status
            )
            s.add(g)
            s.flush()
            return g

        def candidate(g: Group, i: int) -> Candidate:
            c = Candidate(
                group_id=g.id,
                index=i,
                completion="trivial",
                middle="trivial",
                token_ids=[1, 2],
                behaviour_logprobs=[-0.5, -0.5],
                policy_version=g.policy_version,
            )
            s.add(c)
            s.flush()
            return c

        # ops-main: one pending group of 4 with 1 verdict (3 awaiting), 2 scored, 1 consumed.
        pending = group(main, "pending", 3, 4)
        pending_cands = [candidate(pending, i) for i in range(4)]
        for _ in range(2):
            group(main, "scored", 2, 2)
        group(main, "consumed", 1, 2)
        # ops-other: one quarantined group.
        group(other, "quarantined", 0, 2)

        verdict_group = group(main, "consumed", 2, len(PLANTED))
        cands = [pending_cands[0]] + [candidate(verdict_group, i) for i in range(len(PLANTED) - 1)]
        for c, (verdict, backend, duration, ago) in zip(cands, PLANTED, strict=True):
            s.add(
                Verification(
                    candidate_id=c.id,
                    group_id=c.group_id,
                    verdict=verdict,
                    reward=1.0 if verdict == "pass" else 0.0,
                    duration_s=duration,
                    backend=backend,
                    worker_host="w1@test",
                    created_at=now - timedelta(minutes=ago),
                )
            )
        for step in (1, 2, 7):
            s.add(
                LearnerStep(
                    run_id=main.id,
                    step=step,
                    policy_version=step - 1,
                    loss=0.25 * step,
                    reward_mean=0.1 * step,
                    pass_rate=0.05 * step,
                )
            )
        for version in (0, 1, 3):
            s.add(PolicyVersion(run_id=main.id, version=version, model="m", learner_step=version))
        s.commit()


def _scrape(port: int) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """GET /metrics and index samples: name -> sorted label items -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as resp:
        assert resp.status == 200
        body = resp.read().decode()
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def _labels(**kw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kw.items()))


@pytest.fixture
def queue(settings: Settings) -> redis.Redis:
    client = redis.Redis.from_url(settings.broker_url.get_secret_value())  # type: ignore[union-attr]
    yield client
    client.delete(settings.queue_name)
    client.close()


def test_exporter_reports_planted_rows(clean_db: Engine, settings: Settings, queue) -> None:  # type: ignore[no-untyped-def]
    _plant(clean_db)
    queue.rpush(settings.queue_name, *[f"msg{i}" for i in range(5)])
    Daemon(settings.state_dir, "trainer").write_status(
        {"state": "generating", "run": "ops-main", "policy_version": 3, "candidates_per_s": 1.5}
    )
    port = free_port()
    server, thread, collector = serve(
        settings, host="127.0.0.1", port=port, options=ExporterOptions(window_minutes=15)
    )
    try:
        m = _scrape(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        collector.close()

    assert m["fimrl_up"] == {_labels(component="redis"): 1.0, _labels(component="postgres"): 1.0}
    assert m["fimrl_queue_depth"] == {_labels(queue=settings.queue_name): 5.0}

    groups = m["fimrl_groups"]
    assert groups[_labels(run="ops-main", status="pending")] == 1
    assert groups[_labels(run="ops-main", status="scored")] == 2
    assert groups[_labels(run="ops-main", status="consumed")] == 2
    assert groups[_labels(run="ops-main", status="claimed")] == 0  # every status is present
    assert groups[_labels(run="ops-other", status="quarantined")] == 1
    assert m["fimrl_candidates_awaiting_verdict"][_labels(run="ops-main")] == 3
    assert m["fimrl_trainer_policy_version"][_labels(run="ops-main")] == 3

    verdicts = m["fimrl_verifications_total"]
    assert verdicts == {
        _labels(verdict="pass", backend="repl"): 2,
        _labels(verdict="fail", backend="repl"): 1,
        _labels(verdict="timeout", backend="repl"): 1,
        _labels(verdict="rejected", backend="exact"): 1,
        _labels(verdict="pass", backend="exact"): 2,
    }

    # Latency window: 4 repl verdicts (0.2, 0.7, 3.0, 60.0 s); 2 of the 3 exact ones.
    count = m["fimrl_verification_latency_seconds_count"]
    assert count[_labels(backend="repl")] == 4
    assert count[_labels(backend="exact")] == 2
    total = m["fimrl_verification_latency_seconds_sum"][_labels(backend="repl")]
    assert total == pytest.approx(63.9)
    buckets = m["fimrl_verification_latency_seconds_bucket"]
    assert buckets[_labels(backend="repl", le="0.25")] == 1
    assert buckets[_labels(backend="repl", le="1.0")] == 2
    assert buckets[_labels(backend="repl", le="5.0")] == 3
    assert buckets[_labels(backend="repl", le="30.0")] == 3
    assert buckets[_labels(backend="repl", le="60.0")] == 4
    assert buckets[_labels(backend="repl", le="+Inf")] == 4
    assert buckets[_labels(backend="exact", le="0.01")] == 2

    assert m["fimrl_learner_step"] == {_labels(run="ops-main"): 7}
    assert m["fimrl_learner_policy_version"] == {_labels(run="ops-main"): 6}
    assert m["fimrl_learner_reward_mean"][_labels(run="ops-main")] == pytest.approx(0.7)
    assert m["fimrl_policy_version"] == {_labels(run="ops-main"): 3}

    assert m["fimrl_trainer_status"] == {_labels(run="ops-main", state="generating"): 1}
    assert m["fimrl_trainer_status_candidates_per_second"][_labels(run="ops-main")] == 1.5
    assert "fimrl_learner_status" not in m  # no learner status file: no series


def test_down_broker_is_reported_not_fatal(clean_db: Engine, settings: Settings) -> None:
    _plant(clean_db)
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    port = free_port()
    server, thread, collector = serve(
        settings,
        port=port,
        options=ExporterOptions(connect_timeout_s=1),
        broker_url=dead,
    )
    try:
        m = _scrape(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        collector.close()
    assert m["fimrl_up"][_labels(component="redis")] == 0
    assert m["fimrl_up"][_labels(component="postgres")] == 1
    assert "fimrl_queue_depth" not in m
    assert m["fimrl_groups"][_labels(run="ops-main", status="scored")] == 2


def test_cli_serves_until_sigterm(clean_db: Engine, settings: Settings, queue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`fimrl metrics serve` as a real process: scrape it, then SIGTERM ends it with 0."""
    _plant(clean_db)
    queue.rpush(settings.queue_name, "m1", "m2")
    port = free_port()
    log = (tmp_path / "metrics.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fimrl.cli", "metrics", "serve", "--port", str(port)],
        cwd=REPO,
        env=settings_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: proc.poll() is not None or port_open("127.0.0.1", port),
            60,
            "the exporter to listen",
        )
        assert proc.poll() is None, (tmp_path / "metrics.log").read_text()
        m = _scrape(port)
        assert m["fimrl_queue_depth"] == {_labels(queue=settings.queue_name): 2.0}
        assert m["fimrl_groups"][_labels(run="ops-main", status="pending")] == 1
        assert "process_resident_memory_bytes" in m
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
