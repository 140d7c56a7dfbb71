"""A Prometheus exporter for fimrl: queue, groups, verdicts, latency, learner and trainer.

``fimrl metrics serve --port 9108`` serves ``/metrics``. Nothing is counted in memory: every
scrape reads the facts where they live, so the exporter can run anywhere that reaches the
database and the broker, be restarted at will, and several replicas agree.

* Redis: the length of the verify list (``LLEN <queue_name>``): what KEDA scales on.
* PostgreSQL (one read-only transaction per scrape, statements capped by
  ``statement_timeout``): groups per run and status, candidates still waiting for a verdict,
  verdicts per verdict and backend, a histogram of check latency over the last
  ``window_minutes``, the learner's latest step and the published policy version, the newest
  group the trainer wrote.
* The trainer's and learner's status files under ``<state_dir>`` when this exporter shares
  that directory with them (same host, or the same volume): their state and, for the trainer,
  its throughput. Absent files simply yield no such series.

A component that does not answer gives ``fimrl_up{component=...} 0`` and its series are
left out of that scrape; the scrape itself never fails.

The latency histogram is a *window*, not a cumulative counter: read it directly, e.g.
``histogram_quantile(0.95, sum by (le) (fimrl_verification_latency_seconds_bucket))``,
without ``rate()``. ``fimrl_verifications_total`` is cumulative (verdict rows are never
deleted), so ``rate()`` applies to it.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, text

from fimrl.config import Settings
from fimrl.db.models import GROUP_STATUSES
from fimrl.db.session import normalise_url
from fimrl.errors import FimrlError

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client.registry import CollectorRegistry

log = logging.getLogger("fimrl.monitoring")

__all__ = [
    "DEFAULT_LATENCY_BUCKETS",
    "DEFAULT_PORT",
    "ExporterOptions",
    "FimrlCollector",
    "MonitoringUnavailable",
    "make_registry",
    "scrape_once",
    "serve",
]

DEFAULT_PORT = 9108
#: Upper bounds (seconds) of the check-latency histogram: cached `exact` checks take
#: milliseconds, a core-Lean REPL check tenths of a second, a Mathlib check seconds to minutes.
DEFAULT_LATENCY_BUCKETS: tuple[float, ...] = (
    0.01,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
)


class MonitoringUnavailable(FimrlError):
    """The exporter cannot run (missing package, port taken)."""


@dataclass(frozen=True)
class ExporterOptions:
    """What the exporter reads and how long it may take.

    Attributes:
        window_minutes: the latency histogram covers verdicts created this recently.
        buckets: upper bounds of the latency histogram in seconds (``+Inf`` is added).
        statement_timeout_ms: PostgreSQL ``statement_timeout`` of the scrape's queries, so a
            slow database makes a scrape report ``fimrl_up{component="postgres"} 0`` instead
            of hanging past Prometheus' scrape timeout.
        connect_timeout_s: connection timeout for PostgreSQL and Redis.
        read_status_files: read the trainer's/learner's status files in the state dir.
    """

    window_minutes: float = 15.0
    buckets: Sequence[float] = field(default=DEFAULT_LATENCY_BUCKETS)
    statement_timeout_ms: int = 5000
    connect_timeout_s: float = 3.0
    read_status_files: bool = True

    def __post_init__(self) -> None:
        if self.window_minutes <= 0:
            raise ValueError("window_minutes must be positive")
        bounds = list(self.buckets)
        if not bounds or bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("buckets must be strictly increasing and non-empty")
        if any(not math.isfinite(b) or b <= 0 for b in bounds):
            raise ValueError("buckets must be positive and finite (+Inf is implied)")


def _prometheus() -> Any:
    try:
        import prometheus_client
        import prometheus_client.core  # the *MetricFamily classes
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MonitoringUnavailable(
            "the Prometheus exporter needs the prometheus-client package: "
            "pip install prometheus-client"
        ) from exc
    return prometheus_client


class FimrlCollector:
    """A prometheus_client collector that reads PostgreSQL, Redis and status files per scrape.

    Args:
        settings: where the database, broker, queue and state dir are.
        options: window, buckets and timeouts.
        database_url: overrides the settings' (or registry's) database URL.
        broker_url: overrides the settings' (or registry's) broker URL.
    """

    def __init__(
        self,
        settings: Settings,
        options: ExporterOptions | None = None,
        *,
        database_url: str | None = None,
        broker_url: str | None = None,
    ) -> None:
        from fimrl.services import registry

        self.settings = settings
        self.options = options or ExporterOptions()
        db_url = database_url or registry.database_url(settings)
        self._broker_url = broker_url or registry.broker_url(settings)
        self.engine: Engine = create_engine(
            normalise_url(db_url),
            pool_pre_ping=True,
            pool_size=2,
            max_overflow=2,
            pool_recycle=1800,
            connect_args={
                "connect_timeout": max(1, int(self.options.connect_timeout_s)),
                "options": f"-c statement_timeout={int(self.options.statement_timeout_ms)}",
                "application_name": "fimrl-metrics",
            },
        )
        self._redis: Any = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()
        if self._redis is not None:
            self._redis.close()

    # --- the collector protocol -----------------------------------------------------------

    def describe(self) -> list[Any]:
        """No up-front description: families depend on what the database holds."""
        return []

    def collect(self) -> Iterator[Any]:
        core = _prometheus().core
        started = time.perf_counter()
        up = core.GaugeMetricFamily(
            "fimrl_up",
            "Whether the exporter could read the component (1) or not (0).",
            labels=["component"],
        )
        families: list[Any] = []
        for component, reader in (("redis", self._redis_families), ("postgres", self._db_families)):
            try:
                families.extend(reader(core))
                up.add_metric([component], 1.0)
            except Exception as exc:  # a scrape reports a down component, it never fails
                log.warning("scrape: %s unavailable: %s", component, _first_line(exc))
                up.add_metric([component], 0.0)
        if self.options.read_status_files:
            families.extend(self._status_families(core))
        yield up
        yield from families
        duration = core.GaugeMetricFamily(
            "fimrl_scrape_duration_seconds", "Time this scrape spent reading fimrl's state."
        )
        duration.add_metric([], time.perf_counter() - started)
        yield duration

    # --- Redis ----------------------------------------------------------------------------

    def _redis_client(self) -> Any:
        with self._lock:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(
                    self._broker_url,
                    socket_timeout=self.options.connect_timeout_s,
                    socket_connect_timeout=self.options.connect_timeout_s,
                )
            return self._redis

    def _redis_families(self, core: Any) -> list[Any]:
        queue = self.settings.queue_name
        depth = int(self._redis_client().llen(queue))
        g = core.GaugeMetricFamily(
            "fimrl_queue_depth",
            "Verify messages waiting in the broker (Redis LLEN of the Celery queue).",
            labels=["queue"],
        )
        g.add_metric([queue], float(depth))
        return [g]

    # --- PostgreSQL -----------------------------------------------------------------------

    def _db_families(self, core: Any) -> list[Any]:
        with self.engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            groups = conn.execute(
                text(
                    "SELECT r.name, g.status, count(*), max(g.policy_version), "
                    "extract(epoch FROM max(g.created_at)) "
                    "FROM groups g JOIN runs r ON r.id = g.run_id GROUP BY r.name, g.status"
                )
            ).all()
            awaiting = conn.execute(
                text(
                    # A group's size is its candidate count (written together), so only
                    # the verdicts of pending groups are counted (indexed, few groups).
                    "SELECT r.name, sum(g.size - (SELECT count(*) FROM verifications v "
                    "WHERE v.group_id = g.id)) FROM groups g JOIN runs r ON r.id = g.run_id "
                    "WHERE g.status = 'pending' GROUP BY r.name"
                )
            ).all()
            verdicts = conn.execute(
                text(
                    "SELECT verdict, backend, count(*) FROM verifications GROUP BY verdict, backend"
                )
            ).all()
            latency = self._latency_rows(conn)
            steps = conn.execute(
                text(
                    "SELECT DISTINCT ON (s.run_id) r.name, s.step, s.policy_version, s.loss, "
                    "s.reward_mean, s.pass_rate, extract(epoch FROM s.created_at) "
                    "FROM learner_steps s JOIN runs r ON r.id = s.run_id "
                    "ORDER BY s.run_id, s.step DESC"
                )
            ).all()
            versions = conn.execute(
                text(
                    "SELECT r.name, max(p.version), extract(epoch FROM max(p.created_at)) "
                    "FROM policy_versions p JOIN runs r ON r.id = p.run_id GROUP BY r.name"
                )
            ).all()
            conn.rollback()
        return [
            *self._group_families(core, groups, awaiting),
            self._verdict_family(core, verdicts),
            *self._latency_families(core, latency),
            *self._learner_families(core, steps, versions),
        ]

    def _group_families(
        self, core: Any, groups: Sequence[Any], awaiting: Sequence[Any]
    ) -> list[Any]:
        by_status = core.GaugeMetricFamily(
            "fimrl_groups",
            "Groups per run and status (pending, scored, claimed, consumed, dropped, quarantined).",
            labels=["run", "status"],
        )
        counts: dict[str, dict[str, int]] = {}
        newest_version: dict[str, int] = {}
        newest_at: dict[str, float] = {}
        for run, status, n, version, created in groups:
            counts.setdefault(run, {})[status] = int(n)
            if version is not None:
                newest_version[run] = max(newest_version.get(run, version), int(version))
            if created is not None:
                newest_at[run] = max(newest_at.get(run, 0.0), float(created))
        for run in sorted(counts):
            for status in (*GROUP_STATUSES, *sorted(set(counts[run]) - set(GROUP_STATUSES))):
                by_status.add_metric([run, status], float(counts[run].get(status, 0)))
        waiting = core.GaugeMetricFamily(
            "fimrl_candidates_awaiting_verdict",
            "Candidates of pending groups that have no verdict yet (queued or being checked).",
            labels=["run"],
        )
        awaiting_by_run = {run: int(n) for run, n in awaiting}
        for run in sorted(counts):
            waiting.add_metric([run], float(awaiting_by_run.get(run, 0)))
        trainer_version = core.GaugeMetricFamily(
            "fimrl_trainer_policy_version",
            "Newest policy version the trainer generated a group with.",
            labels=["run"],
        )
        for run, version in sorted(newest_version.items()):
            trainer_version.add_metric([run], float(version))
        last_group = core.GaugeMetricFamily(
            "fimrl_trainer_last_group_timestamp_seconds",
            "Unix time of the newest group the trainer wrote (trainer liveness across hosts).",
            labels=["run"],
        )
        for run, at in sorted(newest_at.items()):
            last_group.add_metric([run], at)
        return [by_status, waiting, trainer_version, last_group]

    def _verdict_family(self, core: Any, verdicts: Sequence[Any]) -> Any:
        family = core.CounterMetricFamily(
            "fimrl_verifications",
            "Verdicts recorded, per verdict and checker backend (exact is NOT Lean).",
            labels=["verdict", "backend"],
        )
        for verdict, backend, n in sorted(verdicts, key=lambda r: (r[0], r[1])):
            family.add_metric([verdict, backend], float(n))
        return family

    def _latency_rows(self, conn: Any) -> Sequence[Any]:
        bounds = list(self.options.buckets)
        buckets = ", ".join(
            f"count(*) FILTER (WHERE duration_s <= :b{i})" for i in range(len(bounds))
        )
        params: dict[str, float] = {f"b{i}": float(b) for i, b in enumerate(bounds)}
        params["window_s"] = float(self.options.window_minutes) * 60.0
        return conn.execute(
            text(
                f"SELECT backend, count(*), coalesce(sum(duration_s), 0), {buckets} "
                "FROM verifications "
                "WHERE created_at >= now() - make_interval(secs => :window_s) "
                "GROUP BY backend ORDER BY backend"
            ),
            params,
        ).all()

    def _latency_families(self, core: Any, rows: Sequence[Any]) -> list[Any]:
        bounds = list(self.options.buckets)
        hist = core.HistogramMetricFamily(
            "fimrl_verification_latency_seconds",
            f"Check duration of the verdicts of the last {self.options.window_minutes:g} "
            "minutes, per backend (a sliding window: use without rate()).",
            labels=["backend"],
        )
        for backend, count, total, *cumulative in rows:
            buckets = [(_le(b), float(n)) for b, n in zip(bounds, cumulative, strict=True)]
            buckets.append(("+Inf", float(count)))
            hist.add_metric([backend], buckets, float(total))
        window = core.GaugeMetricFamily(
            "fimrl_verification_latency_window_seconds",
            "Length of the window fimrl_verification_latency_seconds covers.",
        )
        window.add_metric([], float(self.options.window_minutes) * 60.0)
        return [hist, window]

    def _learner_families(
        self, core: Any, steps: Sequence[Any], versions: Sequence[Any]
    ) -> list[Any]:
        step = core.GaugeMetricFamily(
            "fimrl_learner_step", "Latest GSPO step recorded in learner_steps.", labels=["run"]
        )
        step_version = core.GaugeMetricFamily(
            "fimrl_learner_policy_version",
            "Policy version the latest learner step trained.",
            labels=["run"],
        )
        step_at = core.GaugeMetricFamily(
            "fimrl_learner_last_step_timestamp_seconds",
            "Unix time of the latest learner step.",
            labels=["run"],
        )
        reward = core.GaugeMetricFamily(
            "fimrl_learner_reward_mean", "Mean reward of the latest step's groups.", labels=["run"]
        )
        pass_rate = core.GaugeMetricFamily(
            "fimrl_learner_pass_rate", "Pass rate of the latest step's groups.", labels=["run"]
        )
        loss = core.GaugeMetricFamily(
            "fimrl_learner_loss", "GSPO loss of the latest step.", labels=["run"]
        )
        for run, n, version, loss_v, reward_v, pass_v, at in steps:
            step.add_metric([run], float(n))
            step_version.add_metric([run], float(version))
            if at is not None:
                step_at.add_metric([run], float(at))
            for family, value in ((loss, loss_v), (reward, reward_v), (pass_rate, pass_v)):
                if value is not None:
                    family.add_metric([run], float(value))
        published = core.GaugeMetricFamily(
            "fimrl_policy_version",
            "Newest published policy version (policy_versions; 0 is the base model).",
            labels=["run"],
        )
        published_at = core.GaugeMetricFamily(
            "fimrl_policy_version_timestamp_seconds",
            "Unix time the newest policy version was published.",
            labels=["run"],
        )
        for run, version, at in versions:
            published.add_metric([run], float(version))
            if at is not None:
                published_at.add_metric([run], float(at))
        return [step, step_version, step_at, reward, pass_rate, loss, published, published_at]

    # --- status files ---------------------------------------------------------------------

    def _status_families(self, core: Any) -> list[Any]:
        families: list[Any] = []
        for name, numeric in (
            (
                "trainer",
                {
                    "policy_version": "Policy version the trainer samples with.",
                    "staleness": "Versions the trainer's policy lags the newest one.",
                    "groups_in_flight": "Groups written but not yet consumed or dropped.",
                    "candidates_per_s": "Candidates generated per second (recent batches).",
                    "groups_written": "Groups written since the trainer started.",
                    "batches": "Batches produced since the trainer started.",
                },
            ),
            ("learner", {"step": "Learner step (status file).", "version": "Policy version."}),
        ):
            status = _read_status(self.settings.state_dir / name / "status.json")
            if not status:
                continue
            info = core.GaugeMetricFamily(
                f"fimrl_{name}_status",
                f"The {name}'s last reported state (1 on the current state), from "
                f"<state_dir>/{name}/status.json on this exporter's filesystem.",
                labels=["run", "state"],
            )
            # The state's kind only ("waiting: 1/2 scored groups ..." -> "waiting"): a label
            # value must come from a small set, the detail is in the status file.
            state = str(status.get("state", "")).split(":", 1)[0]
            info.add_metric([str(status.get("run", "")), state], 1.0)
            families.append(info)
            updated = status.get("updated")
            if isinstance(updated, int | float):
                ts = core.GaugeMetricFamily(
                    f"fimrl_{name}_status_timestamp_seconds",
                    f"Unix time the {name} last wrote its status file.",
                    labels=["run"],
                )
                ts.add_metric([str(status.get("run", ""))], float(updated))
                families.append(ts)
            for key, help_text in numeric.items():
                value = status.get(key)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                metric = key.replace("_per_s", "_per_second")
                g = core.GaugeMetricFamily(
                    f"fimrl_{name}_status_{metric}", help_text, labels=["run"]
                )
                g.add_metric([str(status.get("run", ""))], float(value))
                families.append(g)
        return families


def _read_status(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _le(bound: float) -> str:
    from prometheus_client.utils import floatToGoString

    return str(floatToGoString(bound))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def make_registry(
    settings: Settings,
    options: ExporterOptions | None = None,
    **collector_kwargs: Any,
) -> tuple[CollectorRegistry, FimrlCollector]:
    """A registry holding only fimrl's collector (plus the exporter's own process metrics)."""
    prometheus = _prometheus()
    reg = prometheus.CollectorRegistry(auto_describe=False)
    collector = FimrlCollector(settings, options, **collector_kwargs)
    reg.register(collector)
    prometheus.ProcessCollector(registry=reg)
    return reg, collector


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    options: ExporterOptions | None = None,
    **collector_kwargs: Any,
) -> tuple[WSGIServer, threading.Thread, FimrlCollector]:
    """Serve ``/metrics`` on host:port in a background thread; returns the server to stop.

    Stop with ``server.shutdown(); server.server_close(); collector.close()``.
    """
    prometheus = _prometheus()
    reg, collector = make_registry(settings, options, **collector_kwargs)
    try:
        server, thread = prometheus.start_http_server(port, addr=host, registry=reg)
    except OSError as exc:
        collector.close()
        raise MonitoringUnavailable(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port."
        ) from exc
    return server, thread, collector


def scrape_once(settings: Settings, options: ExporterOptions | None = None) -> str:
    """The exposition text one scrape would return (for `fimrl metrics show`)."""
    prometheus = _prometheus()
    reg, collector = make_registry(settings, options)
    try:
        return str(prometheus.generate_latest(reg).decode())
    finally:
        collector.close()
