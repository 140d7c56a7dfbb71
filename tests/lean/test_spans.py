"""Span candidates and sampling: the fast paths agree with the plain definitions.

``build_tasks`` samples from :func:`candidate_pools` (tuples grouped by kind) with
the draws of ``random.Random.choices``/``randrange`` written out, and skips the
generator when every candidate would be drawn anyway.  These tests pin each of
those shortcuts to the straightforward version, and pin the tasks of one file so a
future change that alters which holes are cut for a seed is noticed.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Mapping

import pytest

from fimrl.lean.declarations import Declaration, ParsedFile, parse_file
from fimrl.lean.fim import FimTask, build_tasks
from fimrl.lean.spans import (
    SPAN_KINDS,
    Span,
    _fast_invalid,
    _kind_weights,
    _randbelow,
    candidate_pools,
    candidate_spans,
    check_middle,
    select_spans,
)
from fimrl.lean.synth import generate_file
from fimrl.lean.tactics import TacticParser

ALL = {k: 1.0 for k in SPAN_KINDS}


def _decls(seed: int) -> tuple[ParsedFile, TacticParser]:
    pf = parse_file(generate_file(seed, 15))
    return pf, TacticParser(pf.toks, pf.levels)


@pytest.mark.parametrize("seed", range(10))
def test_pools_group_candidate_spans(seed: int) -> None:
    pf, parser = _decls(seed)
    for d in pf.declarations:
        pools = candidate_pools(pf, d, parser)
        spans = candidate_spans(pf, d, parser)
        assert sorted((s.kind, s.start, s.end) for s in spans) == sorted(
            (k, a, b) for k, pool in pools.items() for a, b in pool
        )
        assert all(pool == sorted(pool) and pool for pool in pools.values())
        assert len({(s.start, s.end) for s in spans}) == len(spans)  # de-duplicated


@pytest.mark.parametrize("seed", range(10))
def test_fast_validity_matches_check_middle(seed: int) -> None:
    pf, parser = _decls(seed)
    for d in pf.declarations:
        for s in candidate_spans(pf, d, parser):
            assert (_fast_invalid(pf, s.start, s.end) is None) == (
                check_middle(pf.text, s.start, s.end) is None
            )


def test_written_out_draws_match_random() -> None:
    """The sampler's kind and index draws are exactly ``choices`` and ``randrange``."""
    mix = {"tactic": 0.4, "tactic_run": 0.2, "subproof": 0.2, "calc_step": 0.1, "proof": 3}
    for seed in range(200):
        pick = random.Random(seed + 1000)
        live = {k: [(0, 1)] for k in SPAN_KINDS if pick.random() < 0.7 or k == "proof"}
        kinds, cum, total = _kind_weights(live, mix)
        a, b = random.Random(seed), random.Random(seed)
        for n in (1, 2, 3, 7, 64, 1000):
            got = kinds[bisect.bisect(cum, a.random() * total, 0, len(kinds) - 1)]
            assert got == b.choices(kinds, weights=[mix[k] for k in kinds])[0]
            assert _randbelow(a, n) == b.randrange(n)


def _select_plain(
    pf: ParsedFile,
    d: Declaration,
    cands: list[Span],
    seed: int,
    mix: Mapping[str, float],
    max_n: int,
) -> list[Span]:
    """``select_spans`` as first written: always seeded, ``choices``/``randrange``."""
    pools: dict[str, list[Span]] = {}
    for s in cands:
        if mix.get(s.kind, 0.0) > 0:
            pools.setdefault(s.kind, []).append(s)
    stmt = pf.text[d.statement[0] : d.statement[1]]
    key = f"{seed}\x00{d.name}\x00{stmt}".encode()
    rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
    chosen: list[Span] = []
    while pools and len(chosen) < max_n:
        kinds = sorted(pools)
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        pool = pools[kind]
        s = pool.pop(rng.randrange(len(pool)))
        if not pool:
            del pools[kind]
        if check_middle(pf.text, s.start, s.end) is None:
            chosen.append(s)
    return sorted(chosen, key=lambda s: (s.start, s.end, s.kind))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_n", [1, 2, 4, 50])
def test_selection_matches_plain_sampler(seed: int, max_n: int) -> None:
    pf, parser = _decls(seed)
    mix = {"tactic": 0.5, "tactic_run": 0.1, "subproof": 0.3, "proof": 0.1}
    for d in pf.declarations:
        cands = candidate_spans(pf, d, parser)
        got = select_spans(pf, d, cands, seed=seed, mix=mix, max_n=max_n)
        assert got == _select_plain(pf, d, cands, seed, mix, max_n)


def test_tasks_pinned_for_a_seed() -> None:
    """Content hashes of one file's tasks, as cut before the speed work (same seed)."""
    text = generate_file(7, 40)

    def digest(tasks: list[FimTask]) -> str:
        return hashlib.sha256("\n".join(t.content_hash for t in tasks).encode()).hexdigest()

    sampled = build_tasks(text, "a.lean", seed=3)
    assert len(sampled.tasks) == 125 and digest(sampled.tasks)[:16] == "4b4cb3db2c6e61c1"
    every = build_tasks(text, "a.lean", mix=ALL, max_per_decl=None)
    assert len(every.tasks) == 988 and digest(every.tasks)[:16] == "6f30434c9c839e4d"
