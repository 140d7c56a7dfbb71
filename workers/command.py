"""The `celery worker` command line for fimrl's verifier workers.

One builder for everything that starts workers (``fimrl workers start``, the benchmarks,
the tests), so they run the same pool, queue and naming: a worker started by a test is a
worker as operators start it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def worker_argv(
    queue: str,
    *,
    concurrency: int = 1,
    autoscale: str | None = None,
    hostname: str = "w1@%h",
    loglevel: str = "INFO",
    app: str = "workers.app",
    quiet_cluster: bool = False,
) -> list[str]:
    """``python -m celery -A APP worker`` consuming ``queue`` with prefork processes.

    ``autoscale`` ("MAX,MIN") replaces ``concurrency``. ``quiet_cluster`` turns off gossip
    and mingle: a worker that talks to no other node starts faster, which tests and
    benchmarks want, while production workers keep them for remote control.
    """
    argv = [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queue]
    argv += ["-n", hostname, "--loglevel", loglevel, "-P", "prefork"]
    argv += ["--autoscale", autoscale] if autoscale else ["-c", str(concurrency)]
    extra: Sequence[str] = ("--without-gossip", "--without-mingle") if quiet_cluster else ()
    return [*argv, *extra]
