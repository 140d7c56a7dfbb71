"""Bad input: every case becomes SkipFile with a reason; nothing crashes or hangs."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from fimrl.lean.fim import build_file, build_tasks
from fimrl.lean.source import SkipFile, load_source


def write(tmp_path: Path, data: bytes, name: str = "x.lean") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_good_file_and_bom(tmp_path: Path) -> None:
    p = write(tmp_path, "\ufefftheorem a : True := by\n  trivial\n".encode())
    assert load_source(p).startswith("theorem")
    assert build_file(p, source="a.lean").tasks


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"theorem caf\xe9 : True := trivial", "not valid UTF-8"),
        (b"\x7fELF\x00\x01\x02 binary", "NUL"),
        (bytes(range(256)) * 4, "NUL"),
    ],
)
def test_bad_bytes(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(SkipFile, match=reason):
        load_source(write(tmp_path, data))


def test_too_large_is_not_read(tmp_path: Path) -> None:
    p = tmp_path / "big.lean"
    with p.open("wb") as fh:  # 50 MB sparse file: skipped by size before reading
        fh.seek(50 * 1024 * 1024 - 1)
        fh.write(b"\n")
    with pytest.raises(SkipFile, match="too large"):
        load_source(p)
    small = write(tmp_path, b"theorem a : True := trivial\n" * 100, "s.lean")
    with pytest.raises(SkipFile, match="too large"):
        load_source(small, max_bytes=1000)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="cannot stat"):
        load_source(tmp_path / "nope.lean")
    with pytest.raises(SkipFile, match="not a regular file"):
        load_source(tmp_path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("theorem a : True := by\n  trivial\n/- unterminated", "unterminated comment"),
        ('def s := "unterminated\ntheorem b : True := trivial', "unterminated string"),
        ("def c := 'x", "unterminated character"),
    ],
)
def test_unterminated(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(SkipFile, match=reason):
        build_file(write(tmp_path, text.encode()))


@pytest.mark.timeout(60)
def test_deep_nesting_does_not_crash() -> None:
    parens = "theorem a : True := by\n  exact " + "(" * 10_000 + "trivial" + ")" * 10_000 + "\n"
    build_tasks(parens, "p.lean")
    comments = "/-" * 10_000 + "-/" * 10_000 + "\ntheorem b : True := by\n  trivial\n"
    assert build_tasks(comments, "c.lean").tasks
    bys = "theorem c : True := by\n  " + "exact (by " * 5_000 + "trivial" + ")" * 5_000 + "\n"
    res = build_tasks(bys, "b.lean")
    assert res.tasks
    unbalanced = "theorem d : True := by\n  exact " + "(" * 10_000 + "\n"
    build_tasks(unbalanced, "u.lean")


def test_junk_text_never_crashes() -> None:
    import random

    rng = random.Random(0)
    alphabet = [*list("()[]{}⟨⟩·.:=|<;>by have calc with\n  -/'\"#@ theorem x"), "by", " := "]
    for _ in range(300):
        text = "theorem t : True := by\n  " + "".join(rng.choice(alphabet) for _ in range(200))
        with contextlib.suppress(SkipFile):
            build_tasks(text, "j.lean")
