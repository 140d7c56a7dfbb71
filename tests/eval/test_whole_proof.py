"""`fimrl tasks build --whole-proof DIR` turns a miniF2F-style directory into whole-proof tasks
that `fimrl eval run --split all --source DIR/` selects."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.eval.runner import EvalOptions, select_tasks

from ..helpers import REPO, settings_env
from .conftest import MINIF2F

TACTIC_PROOFS = {
    "mf_linear_eq": "omega",
    "mf_ineq_chain": "omega",
    "mf_double": "induction n with\n  | zero => rfl\n  | succ k ih => omega",
    "mf_and_swap": "constructor\n  · exact hq\n  · exact hp",
    "mf_consecutive_odd": "omega",
    "mf_pow_two_ten": "decide",
    "mf_list_sum": "rfl",
    "mf_mod_three": "have h' : (n + 1) % 3 = (n % 3 + 1) % 3 := by omega\n  rw [h', h]",
}


def test_whole_proof_build_of_a_minif2f_style_directory(
    clean_db: Engine, settings: Settings
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fimrl.cli", "tasks", "build", "--whole-proof", str(MINIF2F)],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "tasks: proof" in done.stdout
    assert "sorry" in done.stdout and "no tactic block" in done.stdout  # skipped, with reasons
    with clean_db.connect() as conn:
        rows = conn.execute(
            text("SELECT decl_name, span_kind, source, prefix, middle, suffix FROM fim_tasks")
        ).all()
    assert {r.decl_name: r.middle for r in rows} == TACTIC_PROOFS  # one task per theorem
    assert {r.span_kind for r in rows} == {"proof"}
    sources = {r.decl_name: r.source for r in rows}
    assert sources["mf_linear_eq"] == "minif2f/Algebra.lean"
    assert sources["mf_mod_three"] == "minif2f/NumberTheory.lean"
    files = {p.name: p.read_text() for p in MINIF2F.glob("*.lean")}
    for r in rows:
        # The whole proof is the hole: the prefix is the statement up to `by`, nothing follows.
        assert r.prefix.startswith(f"theorem {r.decl_name} ")
        assert r.prefix.rstrip().endswith(":= by")
        assert r.suffix.strip() == ""
        assert r.prefix + r.middle + r.suffix in files[sources[r.decl_name].split("/")[1]]

    # The split is a hash of the declaration; a benchmark is evaluated whole, by its source.
    picked = select_tasks(clean_db, EvalOptions(split="all", source_prefix="minif2f/"))
    assert sorted(t.decl_name for t in picked) == sorted(TACTIC_PROOFS)
    assert select_tasks(clean_db, EvalOptions(split="all", source_prefix="elsewhere/")) == []
    two = select_tasks(clean_db, EvalOptions(split="all", source_prefix="minif2f/", limit=2))
    assert len(two) == 2
    assert two == select_tasks(
        clean_db, EvalOptions(split="all", source_prefix="minif2f/", limit=2)
    )
