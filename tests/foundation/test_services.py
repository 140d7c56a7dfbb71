"""Embedded PostgreSQL and Redis: start, found by another process, idempotent, stop."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from fimrl.config import Settings
from fimrl.services.manager import service_states, start_services, stop_services
from fimrl.services.postgres import EmbeddedPostgres, ServiceError
from fimrl.services.registry import NotConfigured, database_url, read_registry


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A state dir outside pytest's basetemp: pytest re-closes that to 0700 at every session
    start, which would lock the embedded server's user out of a cluster a concurrent run
    started there."""
    path = Path(tempfile.mkdtemp(prefix="fimrl-test-state-"))
    yield path
    stop_services(Settings(state_dir=path))
    shutil.rmtree(path, ignore_errors=True)


def _env_without_fimrl() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}


@pytest.fixture(scope="module")
def embedded():  # type: ignore[no-untyped-def]
    state = Path(tempfile.mkdtemp(prefix="fimrl-test-embedded-"))
    settings = Settings(state_dir=state)
    urls = start_services(settings)
    yield settings, urls
    stop_services(settings)
    shutil.rmtree(state, ignore_errors=True)


def test_start_gives_real_servers(embedded) -> None:  # type: ignore[no-untyped-def]
    settings, urls = embedded
    with psycopg.connect(urls.database_url.replace("+psycopg", "")) as conn:
        assert conn.execute("select current_database()").fetchone() == ("fimrl",)
    client = redis.Redis.from_url(urls.broker_url)
    assert client.ping()
    assert read_registry(settings.state_dir).database_url == urls.database_url


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only: the server then runs as another user")
def test_parents_of_the_state_dir_become_passable_not_readable(embedded) -> None:  # type: ignore[no-untyped-def]
    """mkdtemp made the state dir 0700; the server user may pass through it, not list it."""
    import stat

    settings, _urls = embedded
    mode = stat.S_IMODE(settings.state_dir.stat().st_mode)
    assert mode & 0o001 and not mode & 0o006, oct(mode)


def test_start_twice_is_harmless(embedded) -> None:  # type: ignore[no-untyped-def]
    settings, urls = embedded
    pids = [s.pid for s in service_states(settings)]
    again = start_services(settings)
    assert again == urls
    assert [s.pid for s in service_states(settings)] == pids


def test_second_process_finds_the_servers(embedded) -> None:  # type: ignore[no-untyped-def]
    settings, _urls = embedded
    env = _env_without_fimrl() | {"FIMRL_STATE_DIR": str(settings.state_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    probe = (
        "from fimrl.config import get_settings;"
        "from fimrl.db.session import get_engine;"
        "from sqlalchemy import text;"
        "e = get_engine(get_settings());"
        "print(e.connect().execute(text('select count(*) from fim_tasks')).scalar())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_status_and_stop_in_a_fresh_state_dir(state_dir: Path) -> None:
    tmp_path = state_dir
    env = _env_without_fimrl() | {"FIMRL_STATE_DIR": str(tmp_path / "s")}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "fimrl.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("services", "status").returncode == 1  # nothing running yet
    assert cli("services", "start").returncode == 0
    status = cli("services", "status")
    assert status.returncode == 0 and status.stdout.count("yes") == 2
    stop = cli("services", "stop")
    assert "redis" in stop.stdout and "postgres" in stop.stdout
    assert cli("services", "status").returncode == 1
    # Data survives a stop: a restart finds the same cluster on the same port.
    url_before = json.loads((tmp_path / "s" / "services.json").read_text())["database_url"]
    assert cli("services", "start").returncode == 0
    url_after = json.loads((tmp_path / "s" / "services.json").read_text())["database_url"]
    assert url_before == url_after
    assert cli("services", "stop").returncode == 0


def test_stale_pid_file_is_detected(state_dir: Path) -> None:
    tmp_path = state_dir
    settings = Settings(state_dir=tmp_path)
    start_services(settings)
    stop_services(settings)
    # A crash leaves pid files naming dead processes behind.
    (tmp_path / "redis" / "redis.pid").write_text("999999\n")
    (tmp_path / "postgres" / "data" / "postmaster.pid").write_text("999999\n/x\n")
    assert not any(s.running for s in service_states(settings))
    urls = start_services(settings)
    assert all(s.running for s in service_states(settings))
    assert redis.Redis.from_url(urls.broker_url).ping()
    stop_services(settings)


def test_corrupt_registry_is_reported_and_kept(tmp_path: Path) -> None:
    (tmp_path / "services.json").write_text("{not json")
    with pytest.raises(NotConfigured, match=r"services\.json"):
        database_url(Settings(state_dir=tmp_path))
    assert (tmp_path / "services.json").read_text() == "{not json"


def test_half_made_data_dir_is_refused_not_deleted(state_dir: Path) -> None:
    tmp_path = state_dir
    data = tmp_path / "pg" / "data"
    data.mkdir(parents=True)
    (data / "precious.txt").write_text("keep me")
    with pytest.raises(ServiceError, match="not a PostgreSQL data directory"):
        EmbeddedPostgres(tmp_path / "pg").start()
    assert (data / "precious.txt").read_text() == "keep me"


def test_no_services_is_one_clear_message(tmp_path: Path) -> None:
    env = _env_without_fimrl() | {"FIMRL_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "db", "current"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "fimrl services start" in done.stderr
    assert "Traceback" not in done.stderr


def test_configured_urls_win(tmp_path: Path, services) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        state_dir=tmp_path, database_url=services.server_url, broker_url=services.broker_url
    )
    urls = start_services(settings)
    assert urls.database_url == services.server_url
    assert not (tmp_path / "postgres").exists() and not (tmp_path / "redis").exists()


def test_embedded_servers_refuse_logins_without_their_passwords(embedded) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, item 3: another local user on this machine gets nothing without the secrets."""
    import stat

    from sqlalchemy.engine import make_url

    settings, urls = embedded
    db = make_url(urls.database_url)
    for role in ("postgres", "fimrl_reader", "fimrl_writer"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(host="127.0.0.1", port=db.port, user=role, dbname="fimrl")
    broker = make_url(urls.broker_url)
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=broker.port).ping()
    # The secrets live in owner-only files, never on a command line.
    registry = settings.state_dir / "services.json"
    secrets = [
        registry,
        *settings.state_dir.rglob("*.password"),
        *settings.state_dir.rglob("password"),
    ]
    assert len(secrets) >= 5
    for path in secrets:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    redis_pid = next(s.pid for s in service_states(settings) if s.name == "redis")
    assert broker.password not in " ".join(psutil.Process(redis_pid).cmdline())
    assert read_registry(settings.state_dir).sql_reader_url


def test_a_cluster_that_trusted_local_users_gets_passwords(state_dir: Path) -> None:
    pg = EmbeddedPostgres(state_dir / "postgres")
    url = pg.start()
    pg.stop()
    hba = pg.hba_file.read_text()
    pg.hba_file.write_text(hba.replace("scram-sha-256", "trust"))  # as an older fimrl made it
    assert pg.start() == url
    port = pg.port()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="fimrl")
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert " trust" not in pg.hba_file.read_text().replace("# ", "")
    pg.stop()
