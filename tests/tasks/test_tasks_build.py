"""`fimrl tasks build` fills the real database; bad files are skipped with reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from fimrl.ingest import BUNDLED_CORPUS, build_into_db

from ..helpers import REPO, settings_env

GOOD = """theorem good_add (a b : Nat) : a + b = b + a := by
  have h : a + b = b + a := by
    omega
  exact h
"""


def _cli(settings, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "fimrl.cli", *args],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bundled_corpus_build_fills_the_database(clean_db, settings) -> None:  # type: ignore[no-untyped-def]
    done = _cli(settings, "tasks", "build")
    assert done.returncode == 0, done.stderr
    assert "stored (new)" in done.stdout
    with clean_db.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM fim_tasks")).scalar()
        kinds = {r[0] for r in conn.execute(text("SELECT DISTINCT span_kind FROM fim_tasks"))}
        splits = {r[0] for r in conn.execute(text("SELECT DISTINCT split FROM fim_tasks"))}
        leaks = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT decl_name FROM fim_tasks GROUP BY decl_name "
                "HAVING count(DISTINCT split) > 1) x"
            )
        ).scalar()
    assert n > 500
    assert {"tactic", "tactic_run", "subproof", "proof"} <= kinds
    assert splits == {"train", "valid", "test"}
    assert leaks == 0  # no declaration contributes to two splits
    again = _cli(settings, "tasks", "build")
    assert again.returncode == 0
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fim_tasks")).scalar() == n
    shown = _cli(settings, "tasks", "show", "1")
    assert shown.returncode == 0 and "task 1" in shown.stdout
    with clean_db.connect() as conn:
        middle = conn.execute(text("SELECT middle FROM fim_tasks WHERE id = 1")).scalar()
    assert f"-->|{middle}|<--" in shown.stdout  # a pipe: the hole has visible delimiters
    as_json = json.loads(_cli(settings, "tasks", "show", "1", "--json").stdout)
    assert as_json["id"] == 1 and as_json["middle"] == middle
    stats_json = json.loads(_cli(settings, "tasks", "stats", "--json").stdout)
    assert sum(row["tasks"] for row in stats_json["tasks"]) == n
    assert stats_json["last_build"]["files"] > 0
    stats = _cli(settings, "tasks", "stats")
    assert "distinct declarations" in stats.stdout


def test_bad_files_are_skipped_and_nothing_is_lost(clean_db, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "a_good.lean").write_text(GOOD)
    (src / "latin1.lean").write_bytes("theorem caf\xe9 : True := by trivial\n".encode("latin-1"))
    (src / "binary.lean").write_bytes(b"\x00\x01\x02theorem x : True := by trivial")
    (src / "open_comment.lean").write_text("/- never closed\ntheorem t : True := by trivial\n")
    (src / "open_string.lean").write_text('def s := "never closed\n')
    with (src / "huge.lean").open("w") as fh:
        chunk = GOOD * 2000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    (src / "deep.lean").write_text(
        "theorem d : True := by\n  exact " + "(" * 10000 + "trivial" + ")" * 10000 + "\n"
    )
    first = build_into_db(clean_db, [src], settings)
    reasons = dict(first.skipped_files)
    assert set(reasons) >= {
        "src/latin1.lean",
        "src/binary.lean",
        "src/open_comment.lean",
        "src/open_string.lean",
        "src/huge.lean",
    }
    assert all(r for r in reasons.values())
    assert first.stored >= 2  # the good file's tasks
    # A second build over a tree that is now broken everywhere loses nothing stored.
    (src / "a_good.lean").write_bytes(b"\xff\xfe garbage")
    second = build_into_db(clean_db, [src], settings)
    assert second.stored == 0
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fim_tasks")).scalar() == first.stored


def test_bundled_corpus_is_where_the_cli_looks() -> None:
    assert BUNDLED_CORPUS.is_dir() and len(list(BUNDLED_CORPUS.glob("*.lean"))) >= 10


def test_missing_path_is_one_clear_message(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = _cli(settings, "tasks", "build", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "neither a .lean file nor a directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_build_warns_and_stats_shows_skips_by_reason(clean_db, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.lean").write_text(GOOD)
    (src / "open_comment.lean").write_text("/- never closed\ntheorem t : True := by trivial\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no Lean here")
    done = _cli(settings, "tasks", "build", str(src), str(empty))
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())  # rich wraps long lines
    assert "warning: skipped src/open_comment.lean: unterminated comment at line 1" in out
    assert f"warning: no .lean files under {empty}" in out
    stats = _cli(settings, "tasks", "stats")
    assert stats.returncode == 0, stats.stderr
    shown = " ".join(stats.stdout.split())
    assert "skipped by the last build (2 files)" in shown
    assert "unterminated comment" in shown
    assert "no .lean files" in shown
