"""The broker's visibility timeout follows the check's time limit (minutes, not an hour)."""

from __future__ import annotations

from fimrl.config import Settings
from workers.config import celery_config

BROKER = "redis://127.0.0.1:6379/0"  # only named: nothing connects


def test_visibility_timeout_outlasts_a_held_message_and_no_more() -> None:
    for timeout_s, latency_s in [(60.0, 0.0), (5.0, 0.02), (600.0, 0.0)]:
        config = celery_config(
            Settings(broker_url=BROKER, check_timeout_s=timeout_s, checker_latency_s=latency_s)
        )
        hard = config["task_time_limit"]
        assert hard > config["task_soft_time_limit"] > timeout_s + latency_s
        visibility = config["broker_transport_options"]["visibility_timeout"]
        # A prefetched wait plus a whole check never reaches it: no live check handed out twice.
        assert visibility >= 2 * hard + 30
        # A dead worker's message is back within a few hard limits.
        assert visibility <= 2 * hard + 120
    default = celery_config(Settings(broker_url=BROKER))["broker_transport_options"][
        "visibility_timeout"
    ]
    assert default <= 15 * 60


def test_redis_brokers_go_through_the_restart_safe_transport() -> None:
    from kombu import Connection

    from workers.broker import Transport

    config = celery_config(Settings(broker_url=BROKER))
    connection = Connection(config["broker_url"], transport=config["broker_transport"])
    assert type(connection.transport) is Transport
    assert (connection.hostname, connection.port) == ("127.0.0.1", 6379)
    # Another broker keeps its own transport.
    other = celery_config(Settings(broker_url="memory://"))
    assert other["broker_transport"] is None
