"""Migration 0002: views, function and statistics appear on upgrade and go on downgrade."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from fimrl.db import migrate, queries

VIEWS = {q.view for q in queries.QUERIES}
#: The views of migration 0002 (0004 adds the experiment views).
VIEWS_0002 = {v for v in VIEWS if not v.startswith("v_experiment_")}


def _objects(engine) -> tuple[set[str], set[str], set[str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        views = set(inspect(conn).get_view_names())
        functions = set(
            conn.execute(text("SELECT proname FROM pg_proc WHERE proname = 'pass_at_k'")).scalars()
        )
        stats = set(
            conn.execute(
                text("SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE 'st_%'")
            ).scalars()
        )
    return views, functions, stats


def test_session_database_has_the_views(engine) -> None:  # type: ignore[no-untyped-def]
    views, functions, _ = _objects(engine)
    assert views >= VIEWS
    assert functions == {"pass_at_k"}
    assert migrate.is_current(engine)


def test_upgrade_downgrade_0002(fresh_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(fresh_database())
    try:
        migrate.upgrade(engine, "0001")
        assert _objects(engine) == (set(), set(), set())
        migrate.upgrade(engine, "0002")
        views, functions, stats = _objects(engine)
        assert views == VIEWS_0002
        assert functions == {"pass_at_k"}
        assert stats
        with engine.connect() as conn:  # every view answers on an empty schema
            for view in VIEWS_0002:
                assert conn.execute(text(f"SELECT * FROM {view}")).all() == []
        migrate.downgrade(engine, "0001")
        assert _objects(engine) == (set(), set(), set())
        assert "verifications" in inspect(engine).get_table_names()  # 0001 untouched
        migrate.upgrade(engine)
        assert _objects(engine)[0] == VIEWS
        with engine.connect() as conn:
            for view in VIEWS:
                assert conn.execute(text(f"SELECT * FROM {view}")).all() == []
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_views_are_documented_in_the_database(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        comments = dict(
            conn.execute(
                text(
                    "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
                    "WHERE c.relkind = 'v' AND c.relname LIKE 'v\\_%'"
                )
            ).all()
        )
    for view in VIEWS:
        assert comments.get(view), view
