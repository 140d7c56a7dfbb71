"""The ``exact`` backend: exact match of the normalised middle, never Lean verification."""

from __future__ import annotations

import pytest

from fimrl.config import Settings
from fimrl.verify.cache import VerdictCache
from fimrl.verify.exact import EXACT_NOTE, ExactChecker, normalize_middle
from fimrl.verify.factory import make_checker
from fimrl.verify.types import CheckRequest


def request(middle: str, reference: str | None) -> CheckRequest:
    return CheckRequest(
        header="import Mathlib",
        prefix="theorem foo : True := by\n  ",
        middle=middle,
        suffix="\n",
        target="foo",
        reference_middle=reference,
    )


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("simp", "simp", True),
        ("simp  [foo,  bar]", "simp [foo, bar]", True),
        ("simp\n  exact h", "simp exact h", True),
        ("simp -- because\n", "simp", True),
        ("simp /- nested /- comment -/ -/ [h]", "simp [h]", True),
        ("simp[h]", "simp [h]", False),  # token adjacency is kept
        ("exact h", "exact h'", False),
        ('exact "a  -- b"', 'exact "a  -- b"', True),
        ('exact "a  -- b"', 'exact "a -- b"', False),  # strings are not normalised
    ],
)
def test_normalisation(a: str, b: str, same: bool) -> None:
    assert (normalize_middle(a) == normalize_middle(b)) is same


def test_exact_backend_verdicts() -> None:
    checker = ExactChecker(cache=VerdictCache(4))
    ok = checker.check(request("simp -- done\n", "simp"))
    assert (ok.status, ok.reward, ok.backend, ok.lean_version) == ("pass", 1.0, "exact", None)
    assert EXACT_NOTE in ok.detail and "not Lean verification" in ok.detail
    bad = checker.check(request("trivial", "simp"))
    assert (bad.status, bad.reward) == ("fail", 0.0)
    assert EXACT_NOTE in bad.detail
    again = checker.check(request("simp -- done\n", "simp"))
    assert again.cached and again.status == "pass"


def test_exact_backend_needs_a_reference_and_still_guards() -> None:
    checker = ExactChecker()
    missing = checker.check(request("simp", None))
    assert missing.status == "error" and "no reference" in missing.detail
    # the guard runs first: a forbidden middle is rejected even if it equals the reference
    guarded = checker.check(request("sorry", "sorry"))
    assert (guarded.status, guarded.rule) == ("rejected", "sorry")


def test_lone_surrogate_in_task_text_is_an_error_verdict() -> None:
    """Task text that cannot be written as UTF-8 is the task's fault: ``error``, no raise."""
    checker = ExactChecker()
    for field in ("header", "prefix", "suffix", "reference_middle"):
        values = {
            "header": "import Mathlib",
            "prefix": "theorem foo : True := by\n  ",
            "middle": "trivial",
            "suffix": "\n",
            "target": "foo",
            "reference_middle": "trivial",
        }
        values[field] = values[field] + "\ud800"
        verdict = checker.check(CheckRequest(**values))  # type: ignore[arg-type]
        assert verdict.status == "error", field
        assert f"{field} has a lone surrogate" in verdict.detail


def test_proof_search_setting_reaches_the_guard() -> None:
    refused = make_checker(settings=Settings(), backend="exact").check(request("exact?", "exact?"))
    assert (refused.status, refused.rule) == ("rejected", "proof_search")
    allowed = make_checker(settings=Settings(allow_proof_search=True), backend="exact")
    assert allowed.check(request("exact?", "exact?")).status == "pass"
