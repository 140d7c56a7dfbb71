"""`fimrl sql` as an attacker on the same machine would use it (issue 16, item 1).

It connects as ``fimrl_reader`` / ``fimrl_writer``: the server's programs, files and other
sessions are out of reach, DDL is refused, and a connection that is a superuser is refused
unless ``--allow-superuser``. Each probe checks that the attack failed and that fimrl's data
is untouched.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from fimrl.config import Settings
from tests.helpers import run_fimrl, settings_env, wait_for
from tests.sql.scenario import plant

from .test_cli import fimrl_sql, task_count


@pytest.fixture
def planted(clean_db: Engine) -> Engine:
    plant(clean_db)
    return clean_db


def _refused(out, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr + out.stdout
    for needle in needles:
        assert needle in out.stderr, out.stderr


def test_server_programs_and_files_are_out_of_reach(
    settings: Settings, planted: Engine, tmp_path: Path
) -> None:
    victim = tmp_path / "x"
    before = task_count(planted)
    for write in (False, True):
        extra = ["--write"] if write else []
        _refused(
            fimrl_sql(settings, f"COPY (SELECT 1) TO PROGRAM 'id > {victim}'", *extra),
            "permission denied",
        )
        _refused(fimrl_sql(settings, "SELECT pg_read_file('/etc/passwd')", *extra), "denied")
        _refused(fimrl_sql(settings, f"COPY fim_tasks TO '{victim}'", *extra), "denied")
        _refused(fimrl_sql(settings, "SET ROLE postgres", *extra))
        _refused(fimrl_sql(settings, "SET SESSION AUTHORIZATION postgres", *extra), "denied")
    assert not victim.exists()
    assert task_count(planted) == before


def test_other_sessions_cannot_be_cancelled(settings: Settings, planted: Engine) -> None:
    url = planted.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as busy:
        pid = busy.info.backend_pid
        finished: list[BaseException | None] = []

        def sleep() -> None:
            try:
                busy.execute("SELECT pg_sleep(60)")
                finished.append(None)
            except psycopg.Error as exc:
                finished.append(exc)

        sleeper = threading.Thread(target=sleep)
        sleeper.start()
        try:

            def state() -> str | None:
                with planted.connect() as conn:
                    return conn.execute(
                        text("SELECT state FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                    ).scalar()

            wait_for(lambda: state() == "active", 30, "the owner's session to be busy")
            for fn in ("pg_cancel_backend", "pg_terminate_backend"):
                _refused(fimrl_sql(settings, f"SELECT {fn}({pid})"), "permission denied")
            assert state() == "active" and not finished  # the probe did not touch it
        finally:
            busy.cancel_safe()
            sleeper.join(30)


def test_the_writer_writes_data_but_not_schema(settings: Settings, planted: Engine) -> None:
    before = task_count(planted)
    for statement in (
        "DROP TABLE fim_tasks",
        "CREATE TABLE mine (i int)",
        "ALTER TABLE fim_tasks ADD COLUMN x int",
        "UPDATE alembic_version SET version_num = 'x'",
        "TRUNCATE fim_tasks",
        "GRANT fimrl_writer TO fimrl_reader",
        "ALTER ROLE fimrl_writer SUPERUSER",
    ):
        _refused(fimrl_sql(settings, statement, "--write"))
    assert task_count(planted) == before
    with planted.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() != "x"
    done = fimrl_sql(settings, "UPDATE fim_tasks SET split = split", "--write")
    assert done.returncode == 0 and f"UPDATE {before}" in done.stdout, done.stderr


def test_a_superuser_connection_is_refused_unless_allowed(
    settings: Settings, planted: Engine
) -> None:
    owner = settings.database_url.get_secret_value()  # type: ignore[union-attr]
    env = settings_env(settings) | {"FIMRL_SQL_READER_URL": owner}
    refused = run_fimrl(env, "sql", "SELECT current_user", timeout=120)
    _refused(refused, "superuser", "--allow-superuser")
    allowed = run_fimrl(
        settings_env(settings),
        "sql",
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        "--allow-superuser",
        "--csv",
        timeout=120,
    )
    assert allowed.returncode == 0, allowed.stderr
    reader = fimrl_sql(
        settings,
        "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user",
        "--csv",
    )
    assert reader.returncode == 0 and "fimrl_reader,false" in reader.stdout, reader.stderr


def test_sql_roles_prints_the_administrators_sql(settings: Settings) -> None:
    out = run_fimrl(settings_env(settings), "db", "sql-roles", timeout=120)
    assert out.returncode == 0
    assert "CREATE ROLE fimrl_reader LOGIN NOSUPERUSER" in out.stdout
    assert "GRANT SELECT ON ALL TABLES IN SCHEMA public" in out.stdout
