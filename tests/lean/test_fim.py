"""FIM tasks: the invariants over fixtures, the bundled corpus and generated files."""

from __future__ import annotations

import pytest

from fimrl.lean.fim import build_file, build_tasks
from fimrl.lean.source import SkipFile
from fimrl.lean.spans import SPAN_KINDS
from fimrl.lean.synth import generate_file

from .conftest import CORPUS, FIXTURES, check_tasks, fixture

ALL = {k: 1.0 for k in SPAN_KINDS}


@pytest.mark.parametrize("name", ["tactics.lean", "scopes.lean"])
def test_invariants_on_fixtures(name: str) -> None:
    text = fixture(name)
    res = build_tasks(text, name, mix=ALL, max_per_decl=None)
    assert res.tasks
    check_tasks(text, res.tasks)


def test_every_span_kind_occurs_in_fixture() -> None:
    res = build_tasks(fixture("tactics.lean"), "t", mix=ALL, max_per_decl=None)
    assert all(res.counts[k] > 0 for k in SPAN_KINDS), res.counts
    assert res.declarations == 24 and res.skipped == {"no tactic block": 1}


def test_invariants_on_bundled_corpus() -> None:
    files = sorted(CORPUS.glob("**/*.lean")) if CORPUS.is_dir() else []
    assert files, f"no bundled corpus at {CORPUS}"
    total = 0
    for path in files:
        try:
            res = build_file(path, mix=ALL, max_per_decl=None)
        except SkipFile as exc:
            pytest.fail(f"{path}: {exc.reason}")
        check_tasks(path.read_text(encoding="utf-8"), res.tasks)
        total += len(res.tasks)
    assert total > 0


@pytest.mark.parametrize("seed", range(40))
def test_invariants_on_generated_files(seed: int) -> None:
    text = generate_file(seed, 25)
    res = build_tasks(text, f"gen{seed}.lean", mix=ALL, max_per_decl=None)
    assert res.tasks
    check_tasks(text, res.tasks)


def test_reproducible_and_mix_respected() -> None:
    text = generate_file(7, 40)
    a = build_tasks(text, "a.lean", seed=3)
    b = build_tasks(text, "a.lean", seed=3)
    assert a.tasks == b.tasks
    c = build_tasks(text, "a.lean", seed=4)
    assert [t.content_hash for t in a.tasks] != [t.content_hash for t in c.tasks]
    only = build_tasks(text, "a.lean", mix={"calc_step": 1.0}, max_per_decl=2)
    assert only.tasks and {t.span_kind for t in only.tasks} == {"calc_step"}
    per_decl: dict[str, int] = {}
    for t in a.tasks:
        per_decl[t.decl_name] = per_decl.get(t.decl_name, 0) + 1
    assert max(per_decl.values()) <= 4
    with pytest.raises(ValueError):
        build_tasks(text, "a.lean", mix={"bogus": 1.0})


def test_choice_per_declaration_independent_of_rest_of_file() -> None:
    text = fixture("tactics.lean")
    full = build_tasks(text, "x", seed=1)
    cut = text[text.index("theorem t_match") :]
    part = build_tasks(cut, "x", seed=1)
    pick = [tuple(t)[4:9] for t in full.tasks if t.decl_name == "t_match"]
    pick2 = [tuple(t)[4:9] for t in part.tasks if t.decl_name == "t_match"]
    assert pick == pick2 and pick


def test_sorry_declarations_skipped() -> None:
    text = "theorem a : True := by\n  sorry\ntheorem b : True := by\n  trivial\n"
    res = build_tasks(text, "s.lean")
    assert {t.decl_name for t in res.tasks} == {"b"}
    assert res.skipped == {"sorry": 1}


def test_task_fields() -> None:
    res = build_tasks(fixture("scopes.lean"), "Alpha/Scopes.lean", max_per_decl=1, seed=0)
    t = res.tasks[0]
    assert t.source == "Alpha/Scopes.lean" and t.split in ("train", "valid", "test")
    assert t.text == t.prefix + t.middle + t.suffix
    assert set(t.to_dict()) >= {"header", "prefix", "middle", "suffix", "content_hash"}
    assert len(t.content_hash) == 64


def test_build_tasks_rejects_bad_text() -> None:
    with pytest.raises(SkipFile, match="unterminated comment at line 2"):
        build_tasks("theorem a : True := trivial\n/- open", "bad.lean")
    with pytest.raises(SkipFile, match="NUL"):
        build_tasks("theorem\x00", "bad.lean")


def test_fixture_dir_exists() -> None:
    assert (FIXTURES / "tactics.lean").is_file()


def test_set_image_notation_builds() -> None:
    """Library notation such as ``f '' s`` (set image) scans and yields whole-tactic holes."""
    text = (
        "theorem image_mono (f : α → β) {s t : Set α} (h : s ⊆ t) : f '' s ⊆ f '' t := by\n"
        "  intro y hy\n"
        "  obtain ⟨x, hx, rfl⟩ := hy\n"
        "  exact ⟨x, h hx, rfl⟩\n"
    )
    result = build_tasks(text, "img.lean", mix=ALL, max_per_decl=None)
    assert result.tasks and not result.skipped
    check_tasks(text, result.tasks)
    assert {t.middle for t in result.tasks} >= {"intro y hy", "exact ⟨x, h hx, rfl⟩"}


def test_selection_is_the_holes_of_the_built_tasks() -> None:
    """``select_file`` (what the scan benchmark's target times) picks exactly the tasks' holes."""
    from fimrl.lean.declarations import parse_file
    from fimrl.lean.fim import select_file

    text = generate_file(11)
    sel = select_file(parse_file(text), seed=5)
    built = build_tasks(text, "gen.lean", seed=5)
    holes = [(d.name, text[a:b], kind) for d, spans in sel.picks for a, b, kind in spans]
    assert holes == [(t.decl_name, t.middle, t.span_kind) for t in built.tasks]
    assert (sel.declarations, sel.skipped) == (built.declarations, built.skipped)
