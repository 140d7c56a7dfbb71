"""The trainer loop with the real transformers backend (a tiny model) on real PostgreSQL + Redis.

No worker runs here: the Redis list of the test's private queue is inspected directly, so
"enqueued exactly once" is counted message by message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
import torch
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from fimrl.config import Settings
from fimrl.db.rollout_store import CandidateRow, write_group
from fimrl.db.run_store import ensure_run, publish_version_in
from fimrl.learn.logprobs import completion_logprobs
from fimrl.rollout.backends.transformers_backend import TransformersBackend
from fimrl.rollout.enqueue import VerifyQueue
from fimrl.rollout.models import build_tiny_model
from fimrl.rollout.relay import relay_once
from fimrl.rollout.task_sampler import TaskSampler
from fimrl.rollout.trainer import Trainer, TrainerOptions
from fimrl.services.process import free_port
from tests.helpers import queued_candidate_ids, store_omega_task, store_verdicts, wait_for

TOL = 1e-4
FAST = TrainerOptions(
    relay_every_s=3600.0, poll_s=0.05, backoff_s=0.05, backoff_max_s=0.2, task_refresh_s=0.0
)


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer=smollm2_tokenizer)


@pytest.fixture(scope="module")
def backend(tiny_dir: Path) -> TransformersBackend:
    """One loaded backend for the tests that do not reload weights."""
    return TransformersBackend(str(tiny_dir))


def make_task(engine: Engine, i: int, *, split: str = "train", prefix_lines: int = 0) -> int:
    return store_omega_task(engine, i, split=split, prefix_lines=prefix_lines)


def trainer_settings(settings: Settings, tiny_dir: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = dict(
        model=str(tiny_dir),
        group_size=3,
        tasks_per_batch=2,
        max_new_tokens=8,
        max_inflight_groups=100,
        temperature=0.9,
        run_name="trainer-test",
    )
    return settings.model_copy(update=base | kw)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def stored_logprob_error(engine: Engine, model: Any, group_ids: list[int]) -> float:
    """Largest |stored behaviour log-prob - fresh forward pass| over the groups' candidates."""
    worst = 0.0
    for g in rows(
        engine,
        "SELECT g.prompt_token_ids, c.token_ids, c.behaviour_logprobs, c.sampling "
        "FROM candidates c JOIN groups g ON g.id = c.group_id WHERE g.id = ANY(:ids)",
        ids=group_ids,
    ):
        ids = torch.tensor([list(g.prompt_token_ids) + list(g.token_ids)])
        with torch.no_grad():
            fresh = completion_logprobs(
                model, ids, torch.ones_like(ids), len(g.token_ids), g.sampling["temperature"]
            )[0]
        worst = max(worst, (fresh - torch.tensor(g.behaviour_logprobs)).abs().max().item())
    return worst


# --- the tests -------------------------------------------------------------------------------


def test_a_batch_is_written_and_enqueued_exactly_once(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    train = [make_task(clean_db, i) for i in range(4)]
    valid = make_task(clean_db, 99, split="valid")
    s = trainer_settings(settings, tiny_dir)
    trainer = Trainer(s, clean_db, backend, options=FAST)
    reports = trainer.run(max_batches=2)

    assert [(r.groups, r.candidates) for r in reports] == [(2, 6), (2, 6)]
    groups = rows(
        clean_db,
        "SELECT id, task_id, policy_version, size, status, prompt_format, "
        "cardinality(prompt_token_ids) AS prompt_len FROM groups ORDER BY id",
    )
    assert len(groups) == 4
    assert {g.task_id for g in groups} <= set(train) and valid not in {g.task_id for g in groups}
    assert all(
        g.size == 3 and g.status == "pending" and g.prompt_format == "instruct" for g in groups
    )
    assert all(g.policy_version == 0 and g.prompt_len > 0 for g in groups)

    cands = rows(
        clean_db,
        "SELECT id, group_id, index, token_ids, behaviour_logprobs, sampling, prompt_tokens, "
        "enqueue_count, enqueued_at, policy_version FROM candidates ORDER BY id",
    )
    assert len(cands) == 12
    for c in cands:
        assert len(c.token_ids) == len(c.behaviour_logprobs) > 0
        assert c.enqueue_count == 1 and c.enqueued_at is not None
        assert c.sampling["temperature"] == 0.9 and c.sampling["backend"] == "transformers"
        assert c.sampling["logprobs"] == "full"
        assert c.sampling["finish_reason"] in ("stop", "length")
    assert sorted((c.group_id, c.index) for c in cands) == sorted(
        (g.id, i) for g in groups for i in range(3)
    )

    # Exactly one verify message per candidate, carrying what a worker needs.
    assert sorted(queued_candidate_ids(s)) == [c.id for c in cands]
    assert VerifyQueue(s).depth() == 12
    assert relay_once(clean_db, s, trainer.run_id).reenqueued == 0  # nothing due: all enqueued

    # Behaviour log-probs as stored match a fresh forward pass of the policy.
    assert stored_logprob_error(clean_db, backend.model, [g.id for g in groups]) < TOL

    status = trainer.daemon.read_status()
    assert status["state"] == "stopped" and status["groups_written"] == 4
    assert status["candidates_written"] == 12 and status["candidates_per_s"] > 0
    assert status["groups_in_flight"] == 2  # counted before the second batch
    assert status["policy_version"] == 0 and status["staleness"] == 0


def test_the_relay_reenqueues_a_message_deleted_from_redis(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    make_task(clean_db, 1)
    s = trainer_settings(settings, tiny_dir, tasks_per_batch=1, lease_s=0.5)
    options = TrainerOptions(relay_every_s=0.0, poll_s=0.05, task_refresh_s=0.0)
    trainer = Trainer(s, clean_db, backend, options=options)
    first = trainer.step()
    assert first is not None and first.candidates == 3
    ids = [r.id for r in rows(clean_db, "SELECT id FROM candidates ORDER BY id")]
    queue = VerifyQueue(s)
    with queue.app.connection_for_write() as conn:  # Redis loses the messages
        conn.default_channel.client.delete(s.queue_name)
    assert queue.depth() == 0
    # The trainer's own relay, run inside its loop, re-sends them once the lease expired.
    wait_for(
        lambda: trainer.step() and set(ids) <= set(queued_candidate_ids(s)),
        30,
        "the relay to re-enqueue the lost messages",
    )
    assert sorted(queued_candidate_ids(s)).count(ids[0]) == 1
    counts = {
        r.id: r.enqueue_count for r in rows(clean_db, "SELECT id, enqueue_count FROM candidates")
    }
    assert all(counts[i] == 2 for i in ids)
    assert trainer.metrics["relay_reenqueued"] >= 3


def test_a_new_policy_version_is_loaded_before_the_next_batch(
    clean_db: Engine,
    settings: Settings,
    tiny_dir: Path,
    tmp_path: Path,
    smollm2_tokenizer: Any,
) -> None:
    for i in range(3):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir, tasks_per_batch=1, max_staleness=0)
    own = TransformersBackend(str(tiny_dir))  # this test reloads weights: its own backend
    trainer = Trainer(s, clean_db, own, options=FAST)
    before = trainer.step()
    assert before is not None and before.policy_version == 0

    v1 = build_tiny_model(tmp_path / "v1", tokenizer=smollm2_tokenizer, seed=5)
    with clean_db.begin() as conn:
        publish_version_in(
            conn, run_id=trainer.run_id, version=1, step=1, model=s.model, checkpoint_path=str(v1)
        )
    after = trainer.step()
    assert after is not None and after.policy_version == 1 and trainer.version == 1
    tags = rows(clean_db, "SELECT id, policy_version FROM groups ORDER BY id")
    assert [t.policy_version for t in tags] == [0, 1]
    assert {
        r.policy_version
        for r in rows(
            clean_db, "SELECT policy_version FROM candidates WHERE group_id = :g", g=tags[1].id
        )
    } == {1}
    # The new group's log-probs are those of the v1 weights, not of the base model.
    from transformers import AutoModelForCausalLM

    new_model = AutoModelForCausalLM.from_pretrained(v1)
    base_model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    assert stored_logprob_error(clean_db, new_model, [tags[1].id]) < TOL
    assert stored_logprob_error(clean_db, base_model, [tags[1].id]) > 100 * TOL
    assert trainer.status()["reloads"] == 1

    # A version whose checkpoint cannot be loaded: beyond max_staleness nothing is produced.
    with clean_db.begin() as conn:
        publish_version_in(
            conn,
            run_id=trainer.run_id,
            version=2,
            step=2,
            model=s.model,
            checkpoint_path=str(tmp_path / "missing"),
        )
    assert trainer.step() is None
    status = trainer.daemon.read_status()
    assert status["state"].startswith("waiting: policy too stale")
    assert status["staleness"] == 1 and status["reload_failures"] == 1
    assert len(rows(clean_db, "SELECT id FROM groups")) == 2
    # Within the allowed staleness it keeps producing with the weights it has.
    trainer.settings = s.model_copy(update={"max_staleness": 1})
    report = trainer.step()
    assert report is not None and report.policy_version == 1


def test_a_too_long_prompt_is_skipped_with_a_reason(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    short = make_task(clean_db, 1)
    long = make_task(clean_db, 2, prefix_lines=40)
    s = trainer_settings(settings, tiny_dir, max_prompt_tokens=400)
    trainer = Trainer(s, clean_db, backend, options=FAST)
    report = trainer.step()
    assert report is not None
    ((task_id, reason),) = report.skipped
    assert task_id == long
    assert reason.startswith("prompt_too_long: ") and "> 400" in reason
    assert [r.task_id for r in rows(clean_db, "SELECT task_id FROM groups")] == [short]
    again = trainer.step()  # the skipped task is not picked again
    assert again is not None and not again.skipped and again.groups == 1
    status = trainer.daemon.read_status()
    assert status["skipped"] == {"prompt_too_long": 1}
    assert status["skipped_tasks"][0]["task_id"] == long


def test_backpressure_caps_pending_groups(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    for i in range(4):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir, group_size=2, max_inflight_groups=3)
    trainer = Trainer(s, clean_db, backend, options=FAST)
    assert trainer.step().groups == 2  # type: ignore[union-attr]
    assert trainer.step() is None  # one slot left: a batch waits for room for all of it
    assert trainer.daemon.read_status()["state"] == "waiting: backpressure"
    assert len(rows(clean_db, "SELECT id FROM groups")) == 2
    with clean_db.begin() as conn:  # the verifiers score one group: room for a whole batch
        conn.execute(text("UPDATE groups SET status = 'scored' WHERE id = 1"))
    assert trainer.step().groups == 2  # type: ignore[union-attr]
    assert trainer.step() is None


def test_a_backpressure_wait_ends_when_a_group_is_scored(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    """Room in flight wakes the trainer at once (group events), not after ``poll_s``."""
    for i in range(3):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir, group_size=2, max_inflight_groups=2)
    trainer = Trainer(s, clean_db, backend, options=dataclasses.replace(FAST, poll_s=600.0))
    assert trainer.step().groups == 2  # type: ignore[union-attr]
    waited: list[object] = []
    thread = threading.Thread(target=lambda: waited.append(trainer.step()))
    thread.start()
    try:
        wait_for(
            lambda: trainer.daemon.read_status().get("state") == "waiting: backpressure",
            60,
            "the trainer to wait for room",
        )
        with clean_db.begin() as conn:  # a worker scores one group
            conn.execute(text("UPDATE groups SET status = 'scored' WHERE id = 1"))
        thread.join(120)  # a bound; polling alone would look again after ten minutes
    finally:
        trainer.stop()
        thread.join(30)
    assert waited == [None]
    assert trainer.events is not None and trainer.events.events == 1


def test_task_sampler_prefers_tasks_with_mixed_results(clean_db: Engine) -> None:
    run = ensure_run(clean_db, "sampler")
    tasks = [make_task(clean_db, i) for i in range(5)]
    valid = make_task(clean_db, 50, split="valid")
    mixed, solved, failed = tasks[:3]
    for task, verdicts in (
        (mixed, ["pass", "fail"]),
        (solved, ["pass", "pass"]),
        (failed, ["fail", "fail"]),
    ):
        store_verdicts(clean_db, run, task, verdicts)
    only_frontier = TaskSampler(clean_db, run, frontier_fraction=1.0, seed=1)
    assert only_frontier.pass_rates() == {mixed: 0.5, solved: 1.0, failed: 0.0}
    assert all(only_frontier.pick(1) == [mixed] for _ in range(20))
    half = TaskSampler(clean_db, run, frontier_fraction=0.5, seed=2)
    for _ in range(20):
        picked = half.pick(2)
        assert picked[0] == mixed and picked[1] in tasks[1:] and len(set(picked)) == 2
    uniform = TaskSampler(clean_db, run, frontier_fraction=0.0, seed=3)
    seen = {t for _ in range(100) for t in uniform.pick(1)}
    assert seen == set(tasks) and valid not in seen
    uniform.exclude(tasks[4], "prompt_too_long: test")
    assert all(tasks[4] not in uniform.pick(5) for _ in range(20))
    fresh_run = TaskSampler(clean_db, ensure_run(clean_db, "other"), frontier_fraction=1.0)
    assert len(fresh_run.pick(3)) == 3  # no verdicts yet in that run: uniform


# --- outages ---------------------------------------------------------------------------------


class TcpProxy:
    """A TCP forwarder in front of a real server: stopping it is an outage, starting a recovery."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            self._close(self._listener)
            self._listener = None
        with self._lock:
            for conn in self._conns:
                self._close(conn)
            self._conns.clear()

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            self._bridge(client, upstream)

    def _bridge(self, client: socket.socket, upstream: socket.socket) -> None:
        """Start moving bytes both ways between a client and its upstream connection."""
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def db_proxy(database_url: str) -> Iterator[tuple[TcpProxy, str]]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    proxy.stop()


class OutageAfterGenerate(TransformersBackend):
    """The real backend; a hook runs once right after a generation (to start an outage)."""

    hook: Any = None

    def generate(self, prompts, n, sampling):  # type: ignore[no-untyped-def]
        out = super().generate(prompts, n, sampling)
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return out


def test_a_database_outage_after_generation_keeps_the_batch(
    clean_db: Engine,
    settings: Settings,
    tiny_dir: Path,
    db_proxy: tuple[TcpProxy, str],
) -> None:
    from fimrl.db.session import engine_for

    proxy, proxied_url = db_proxy
    for i in range(3):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir)
    engine = engine_for(proxied_url)
    own = OutageAfterGenerate(str(tiny_dir))
    trainer = Trainer(s, engine, own, options=FAST)
    try:
        own.hook = proxy.stop  # PostgreSQL becomes unreachable while the batch is generated
        with pytest.raises(sqlalchemy.exc.OperationalError):
            trainer.step()
        assert len(trainer.pending) == 2 and all(g.group_id is None for g in trainer.pending)
        kept = [g.rows[0].token_ids for g in trainer.pending]

        done: list[Any] = []
        runner = threading.Thread(target=lambda: done.append(trainer.run(max_batches=1)))
        runner.start()
        wait_for(lambda: trainer.metrics["outages"] >= 2, 30, "the trainer to retry")
        assert runner.is_alive() and trainer.status()["state"] == "waiting: outage"
        proxy.start()  # PostgreSQL is back
        runner.join(60)
        # The one batch asked for is the kept one, finished: no second batch is generated.
        assert not runner.is_alive() and done and len(done[0]) == 1
        assert done[0][0].groups == 2 and done[0][0].batch == 1 and trainer.batches == 1
    finally:
        trainer.stop()
        engine.dispose()

    groups = rows(clean_db, "SELECT id FROM groups ORDER BY id")
    assert len(groups) == 2  # the kept batch, written once; nothing lost, nothing twice
    first = rows(
        clean_db,
        "SELECT c.token_ids FROM candidates c WHERE c.index = 0 AND c.group_id = ANY(:g) "
        "ORDER BY c.group_id",
        g=[g.id for g in groups[:2]],
    )
    assert [list(r.token_ids) for r in first] == kept
    counts = [r.enqueue_count for r in rows(clean_db, "SELECT enqueue_count FROM candidates")]
    assert counts == [1] * 6
    assert len(queued_candidate_ids(s)) == 6


def test_a_broker_outage_after_commit_enqueues_once_when_back(
    clean_db: Engine, settings: Settings, tiny_dir: Path, backend: TransformersBackend
) -> None:
    broker = make_url(settings.broker_url.get_secret_value())  # type: ignore[union-attr]
    proxy = TcpProxy(broker.host or "127.0.0.1", broker.port or 6379)
    proxy.start()
    make_task(clean_db, 1)
    direct = trainer_settings(settings, tiny_dir, tasks_per_batch=1)
    via_proxy = broker.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    proxied = direct.model_copy(update={"broker_url": SecretStr(via_proxy)})
    trainer = Trainer(proxied, clean_db, backend, options=FAST)
    try:
        assert trainer.step() is not None  # warm: the producer is connected through the proxy
        proxy.stop()
        with pytest.raises(Exception) as outage:
            trainer.step()
        assert isinstance(outage.value, trainer_transient())
        # Committed, not enqueued: the group stays pending in memory with its ids.
        assert len(trainer.pending) == 1 and trainer.pending[0].group_id is not None
        assert not trainer.pending[0].sent
        proxy.start()
        report = trainer.step()  # finishes the held batch instead of generating another
        assert report is not None and report.batch == 2 and report.groups == 1
        assert not trainer.pending and trainer.batches == 2
    finally:
        proxy.stop()
    assert len(rows(clean_db, "SELECT id FROM groups")) == 2
    counts = [r.enqueue_count for r in rows(clean_db, "SELECT enqueue_count FROM candidates")]
    assert counts == [1] * 6
    assert sorted(queued_candidate_ids(direct)) == sorted(
        r.id for r in rows(clean_db, "SELECT id FROM candidates")
    )


def trainer_transient() -> tuple[type[BaseException], ...]:
    from fimrl.rollout.trainer import TRANSIENT_ERRORS

    return TRANSIENT_ERRORS


class ReplyCuttingProxy(TcpProxy):
    """A proxy that, once armed, lets the next ``COMMIT`` through, waits for the server's
    reply (so the transaction is known to be committed) and drops the connection instead of
    delivering it: the client only sees a lost connection.

    The reply swallowed is the one on the COMMIT's own connection: the commit also sends a
    NOTIFY to the trainer's LISTEN connection (through this proxy too), which may arrive
    first on a loaded machine.
    """

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.armed = threading.Event()
        self.cut = threading.Event()
        self.swallowed = b""  # the first bytes of the reply dropped: b"C" for CommandComplete

    def _bridge(self, client: socket.socket, upstream: socket.socket) -> None:
        swallow = threading.Event()  # this connection's next reply is the COMMIT's
        for target, args in (
            (self._requests, (client, upstream, swallow)),
            (self._replies, (upstream, client, swallow)),
        ):
            threading.Thread(target=target, args=args, daemon=True).start()

    def _requests(
        self, client: socket.socket, upstream: socket.socket, swallow: threading.Event
    ) -> None:
        try:
            while data := client.recv(65536):
                # The client waits for each reply before it sends again, so the next reply
                # to arrive on this connection after a forwarded COMMIT is the COMMIT's.
                if self.armed.is_set() and b"COMMIT" in data:
                    self.armed.clear()
                    swallow.set()
                upstream.sendall(data)
        except OSError:
            pass

    def _replies(
        self, upstream: socket.socket, client: socket.socket, swallow: threading.Event
    ) -> None:
        try:
            while data := upstream.recv(65536):
                if swallow.is_set():
                    self.swallowed = data[:1]
                    self.cut.set()
                    for sock in (upstream, client):
                        self._close(sock)
                    return
                client.sendall(data)
        except OSError:
            pass


def test_a_commit_whose_reply_is_lost_is_not_written_twice(
    clean_db: Engine, settings: Settings, tiny_dir: Path, database_url: str
) -> None:
    from fimrl.db.session import engine_for

    url = make_url(database_url)
    proxy = ReplyCuttingProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    for i in range(2):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir)
    engine = engine_for(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    own = OutageAfterGenerate(str(tiny_dir))
    trainer = Trainer(s, engine, own, options=FAST)
    try:
        own.hook = proxy.armed.set  # the batch's COMMIT loses its reply
        with pytest.raises(trainer_transient()) as lost:
            trainer.step()
        assert proxy.cut.is_set() and proxy.swallowed == b"C", (lost.value, proxy.swallowed)
        kept = list(trainer.pending)
        assert len(kept) == 2
        assert all(g.group_id is None for g in kept)  # the trainer cannot know it was stored
        stored = {g.write_key: g.id for g in rows(clean_db, "SELECT id, write_key FROM groups")}
        assert set(stored) == {g.write_key for g in kept}  # ... but it was

        report = trainer.step()  # retries the kept batch with the same keys
        assert report is not None and report.groups == 2 and not trainer.pending
    finally:
        trainer.stop()
        engine.dispose()
        proxy.stop()

    # The kept batch, once: its groups found again, not rewritten.
    groups = rows(clean_db, "SELECT id, write_key FROM groups ORDER BY id")
    assert {g.write_key: g.id for g in groups} == stored
    assert sorted(report.group_ids) == sorted(stored.values())
    cands = rows(clean_db, "SELECT id, enqueue_count FROM candidates ORDER BY id")
    assert len(cands) == 6 and [c.enqueue_count for c in cands] == [1] * 6
    assert sorted(queued_candidate_ids(s)) == [c.id for c in cands]


def test_write_group_with_the_same_key_returns_the_stored_group(clean_db: Engine) -> None:
    import uuid

    task = make_task(clean_db, 7)
    run_id = ensure_run(clean_db, "keyed", kind="train")
    rows_ = [CandidateRow("c", "m", [1, 2], [-0.1, -0.2]) for _ in range(3)]
    key = uuid.uuid4()
    first = write_group(
        clean_db, run_id=run_id, task_id=task, policy_version=0, candidates=rows_, write_key=key
    )
    again = write_group(
        clean_db, run_id=run_id, task_id=task, policy_version=0, candidates=rows_, write_key=key
    )
    assert again == first and len(first[1]) == 3
    other = write_group(clean_db, run_id=run_id, task_id=task, policy_version=0, candidates=rows_)
    assert other[0] != first[0]
    assert len(rows(clean_db, "SELECT id FROM groups")) == 2
    assert len(rows(clean_db, "SELECT id FROM candidates")) == 6


def test_write_groups_stores_a_batch_in_order_and_a_retry_finds_it(clean_db: Engine) -> None:
    import uuid

    from fimrl.db.rollout_store import GroupWrite, write_groups

    tasks = [make_task(clean_db, i) for i in (3, 4, 5)]
    run_id = ensure_run(clean_db, "batched", kind="train")

    def group(task: int, n: int) -> GroupWrite:
        cands = [CandidateRow(f"c{task}.{i}", "m", [task, i], [-0.5, -0.25]) for i in range(n)]
        return GroupWrite(run_id, task, 2, cands, [9, 9], "instruct", write_key=uuid.uuid4())

    batch = [group(t, n) for t, n in zip(tasks, (2, 3, 1), strict=True)]
    stored = write_groups(clean_db, batch)
    for g, (group_id, ids) in zip(batch, stored, strict=True):
        found = rows(
            clean_db,
            "SELECT c.id, c.completion, c.policy_version, g.task_id, g.size, g.write_key "
            "FROM candidates c JOIN groups g ON g.id = c.group_id WHERE g.id = :g "
            "ORDER BY c.index",
            g=group_id,
        )
        assert [r.id for r in found] == ids
        assert [r.completion for r in found] == [c.completion for c in g.candidates]
        assert {(r.task_id, r.size, r.write_key, r.policy_version) for r in found} == {
            (g.task_id, len(g.candidates), g.write_key, 2)
        }
    # A retry of the whole batch after a lost reply, with one group new: nothing twice.
    extra = group(tasks[0], 2)
    assert write_groups(clean_db, [*batch, extra])[:3] == stored
    assert len(rows(clean_db, "SELECT id FROM groups")) == 4
    assert len(rows(clean_db, "SELECT id FROM candidates")) == 8


class OneUnstorableGroup(TransformersBackend):
    """The real backend; the second prompt's first sample gets a token id PostgreSQL's
    ``integer`` cannot hold, so storing that group raises a ``DataError``."""

    def generate(self, prompts, n, sampling):  # type: ignore[no-untyped-def]
        out = super().generate(prompts, n, sampling)
        out[1][0].token_ids[0] = 2**40
        return out


def test_a_group_postgresql_refuses_is_dropped_alone(
    clean_db: Engine, settings: Settings, tiny_dir: Path
) -> None:
    for i in range(3):
        make_task(clean_db, i)
    s = trainer_settings(settings, tiny_dir, tasks_per_batch=3)
    trainer = Trainer(s, clean_db, OneUnstorableGroup(str(tiny_dir)), options=FAST)
    report = trainer.step()
    assert report is not None and report.groups == 2 and not trainer.pending
    assert "refused" in trainer.metrics["last_error"]
    groups = rows(clean_db, "SELECT id FROM groups ORDER BY id")
    assert sorted(report.group_ids) == [g.id for g in groups]
    cands = rows(clean_db, "SELECT id, enqueue_count FROM candidates ORDER BY id")
    assert len(cands) == 6 and [c.enqueue_count for c in cands] == [1] * 6
    assert sorted(queued_candidate_ids(s)) == [c.id for c in cands]


def test_text_postgresql_cannot_store_is_kept_and_rejected_by_name(clean_db: Engine) -> None:
    """A sample decoding to a lone surrogate or a NUL used to end the trainer (the group
    write raised); its candidate is now stored with U+FFFD in their place, the group write
    succeeds, and the guard refuses that middle with the rule ``encoding``."""
    from fimrl.lean.guard import guard
    from fimrl.rollout.candidates import candidate_rows
    from fimrl.rollout.generation import Sample
    from fimrl.rollout.prompts import get_prompt_format

    task_id = make_task(clean_db, 9)
    with clean_db.connect() as conn:
        task = conn.execute(
            text("SELECT header, prefix, suffix FROM fim_tasks WHERE id = :t"), {"t": task_id}
        ).one()
    samples = [
        Sample([1, 2], [-0.1, -0.2], "om\ud800ega", "stop"),
        Sample([3], [-0.3], "om\x00ega", "stop"),
        Sample([4], [-0.4], "omega", "stop"),
    ]
    rows_ = candidate_rows(get_prompt_format("instruct"), task, [7, 8], samples, {})
    run_id = ensure_run(clean_db, "unstorable", kind="train")
    _group, ids = write_group(
        clean_db, run_id=run_id, task_id=task_id, policy_version=0, candidates=rows_
    )
    stored = rows(clean_db, "SELECT middle FROM candidates ORDER BY index")
    assert len(ids) == 3 and all("\ufffd" in r.middle for r in stored[:2])
    assert [guard(r.middle, max_bytes=1000).rule for r in stored] == ["encoding", "encoding", None]
