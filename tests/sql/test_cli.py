"""`fimrl sql` as a user runs it: a real process against the test PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db import queries
from tests.helpers import REPO, settings_env
from tests.sql.scenario import plant


def fimrl_sql(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "sql", *args],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def task_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM fim_tasks")).scalar_one()


@pytest.fixture
def planted(clean_db: Engine) -> Engine:
    plant(clean_db)
    return clean_db


def test_list_names_every_query(settings) -> None:  # type: ignore[no-untyped-def]
    out = fimrl_sql(settings, "list")
    assert out.returncode == 0, out.stderr
    for name in queries.names():
        assert name in out.stdout
    listed = json.loads(fimrl_sql(settings, "list", "--json").stdout)
    assert [q["name"] for q in listed] == queries.names()


def test_named_query_table_csv_json(settings, planted) -> None:  # type: ignore[no-untyped-def]
    table = fimrl_sql(settings, "pass_rate_per_version", "--run", "alpha")
    assert table.returncode == 0, table.stderr
    assert "pass_rate_per_version (run alpha)" in table.stdout
    assert "0.2500" in table.stdout and "beta" not in table.stdout

    as_json = fimrl_sql(settings, "pass-rate-per-version", "--run", "alpha", "--json")
    data = json.loads(as_json.stdout)
    assert [(r["policy_version"], r["purpose"], r["passes"]) for r in data] == [
        (0, "eval", 0),
        (0, "train", 2),
        (1, "train", 6),
    ]
    assert data[1]["pass_rate"] == 0.25

    as_csv = fimrl_sql(settings, "rejections_per_rule", "--csv", "--limit", "1")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows == [
        {
            "run": "alpha",
            "rule": "sorry",
            "rejections": "2",
            "share": repr(2 / 3),
            "example_detail": "`sorry` after by",
            "last_at": rows[0]["last_at"],
        }
    ]


def test_a_run_that_does_not_exist_is_named_not_an_empty_table(settings, planted) -> None:  # type: ignore[no-untyped-def]
    done = fimrl_sql(settings, "pass_rate_per_version", "--run", "no-such-run")
    assert done.returncode == 2
    assert "no run named 'no-such-run'" in done.stderr and "alpha" in done.stderr


def test_free_sql_and_limit(settings, planted) -> None:  # type: ignore[no-untyped-def]
    out = fimrl_sql(settings, "SELECT name FROM runs ORDER BY name", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"name": "alpha"}, {"name": "beta"}]
    many = fimrl_sql(settings, "SELECT id FROM candidates ORDER BY id", "--limit", "3")
    assert many.returncode == 0, many.stderr
    assert "3 rows; more not shown" in many.stdout


def test_invalid_sql_prints_the_database_error(settings, planted) -> None:  # type: ignore[no-untyped-def]
    out = fimrl_sql(settings, "SELEC * FROM runs")
    assert out.returncode == 2
    assert 'syntax error at or near "SELEC"' in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    missing = fimrl_sql(settings, "SELECT * FROM no_such_table")
    assert missing.returncode == 2
    assert 'relation "no_such_table" does not exist' in missing.stderr
    assert "Traceback" not in missing.stderr + missing.stdout
    unknown = fimrl_sql(settings, "no_such_query")
    assert unknown.returncode == 2 and "fimrl sql list" in unknown.stderr


def test_writes_are_refused_by_the_database_without_write(settings, planted) -> None:  # type: ignore[no-untyped-def]
    before = task_count(planted)
    assert before > 0
    for statement in (
        "DELETE FROM fim_tasks",
        # Ending the read-only transaction from inside does not help: one statement only,
        # and the transaction's mode is fixed before it runs.
        "COMMIT; DELETE FROM fim_tasks",
        "SET TRANSACTION READ WRITE",
        "WITH gone AS (DELETE FROM fim_tasks RETURNING id) SELECT count(*) FROM gone",
    ):
        out = fimrl_sql(settings, statement)
        assert out.returncode == 2, (statement, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr + out.stdout
        assert task_count(planted) == before, statement
    refused = fimrl_sql(settings, "DELETE FROM fim_tasks")
    assert "cannot execute DELETE in a read-only transaction" in refused.stderr
    assert "--write" in refused.stderr


def test_write_flag_runs_the_write(settings, planted) -> None:  # type: ignore[no-untyped-def]
    out = fimrl_sql(settings, "DELETE FROM fim_tasks", "--write")
    assert out.returncode == 0, out.stderr
    assert "DELETE 6" in out.stdout
    assert task_count(planted) == 0


def test_statement_timeout(settings, planted) -> None:  # type: ignore[no-untyped-def]
    out = fimrl_sql(settings, "SELECT pg_sleep(5)", "--timeout", "0.5")
    assert out.returncode == 2
    assert "canceling statement due to statement timeout" in out.stderr
    assert "Traceback" not in out.stderr


def test_named_query_on_a_schema_without_the_views(settings, fresh_database) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from fimrl.db import migrate

    url = fresh_database()
    engine = create_engine(url)
    migrate.upgrade(engine, "0001")
    engine.dispose()
    env = settings_env(settings)
    env["FIMRL_DATABASE_URL"] = url
    if settings.sql_reader_url is not None:  # the reader role, on the fresh database
        reader = make_url(settings.sql_reader_url.get_secret_value())
        env["FIMRL_SQL_READER_URL"] = reader.set(database=make_url(url).database).render_as_string(
            hide_password=False
        )
    out = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "sql", "throughput_per_minute"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert 'relation "v_throughput_per_minute" does not exist' in out.stderr
    assert "fimrl db upgrade" in out.stderr
    assert "Traceback" not in out.stderr
