"""Headers: the scope-tree construction equals a plain replay of the header rule.

``ParsedFile.header_for`` builds headers from a per-file scope tree (linear work per
file instead of a replay over all earlier commands per declaration).  The replay
below is the rule written the obvious way; random files full of nested, closed,
re-opened and unbalanced scopes must give identical headers for every declaration.
"""

from __future__ import annotations

import random
import time

import pytest

from fimrl.lean.declarations import ParsedFile, parse_file

from .conftest import fixture


def replay_header(pf: ParsedFile, target: int, needed: set[int]) -> str:
    """The header rule as a replay over every command before ``target``."""
    kinds = pf._scope_kind
    out: list[int] = []
    stack: list[tuple[int, bool]] = []
    for c in range(target):
        k = kinds[c]
        if k == "open_scope":
            stack.append((len(out), False))
            out.append(c)
        elif k == "end":
            if stack:
                pos, has = stack.pop()
                if has:
                    out.append(c)
                    if stack:
                        stack[-1] = (stack[-1][0], True)
                else:
                    del out[pos:]
            else:
                out.append(c)
        elif k in ("context", "always") or (k == "optional" and c in needed):
            out.append(c)
            if k != "context" and stack:
                stack[-1] = (stack[-1][0], True)
    text = pf.text
    pieces = [text[: pf.header_end].rstrip()] if pf.header_end else []
    pieces.extend(text[pf.commands[c].start : pf.commands[c].end] for c in out)
    header = "\n\n".join(p for p in pieces if p)
    return header + "\n\n" if header else ""


def random_file(seed: int, n: int = 60) -> str:
    """Lean-shaped commands with scopes, context, instances and dependencies."""
    r = random.Random(seed)
    lines = ["import Std"] if r.random() < 0.7 else []
    names: list[str] = []
    depth = 0
    for i in range(n):
        x = r.random()
        if x < 0.12:
            lines.append(r.choice(["namespace N", "namespace M.K", "section", "section S"]))
            depth += 1
        elif x < 0.24:
            lines.append("end")
            depth = max(depth - 1, 0)
        elif x < 0.32:
            lines.append(r.choice(["open Nat", "variable (n : Nat)", "universe u", "open A in"]))
        elif x < 0.37:
            lines.append(f"instance i{i} : Inhabited Nat := ⟨{i}⟩")
        elif x < 0.41:
            lines.append(r.choice(["#eval 1", "example : True := trivial", "set_option x 1"]))
        elif x < 0.44:
            lines.append(f"mutual\ntheorem m{i} : True := trivial\nend")
        else:
            uses = " ".join(r.sample(names, min(len(names), r.randint(0, 3))))
            attr = "@[simp] " if r.random() < 0.1 else ""
            kw = r.choice(["theorem", "lemma", "def"])
            lines.append(f"{attr}{kw} t{i} : True := by\n  exact {uses or 'trivial'}")
            names.append(f"t{i}")
    if r.random() < 0.3:
        lines.extend(["end"] * r.randint(0, depth + 2))
    return "\n".join(lines) + "\n"


def check_file(text: str) -> None:
    pf = parse_file(text)
    for d in pf.declarations:
        needed = set(pf.header_dependencies(d))
        assert pf.header_for(d) == replay_header(pf, d.command_index, needed), d.name


@pytest.mark.parametrize("seed", range(60))
def test_header_equals_replay(seed: int) -> None:
    check_file(random_file(seed))


def test_header_equals_replay_on_fixture() -> None:
    check_file(fixture("scopes.lean"))


def test_header_cost_does_not_grow_with_earlier_commands() -> None:
    """Many closed scopes and unused theorems before the declarations: no replay.

    A replay would touch every earlier command for each of the 3000 declarations
    (about 40 million steps, seconds of CPU); the scope tree's work per header
    stays small (tens of milliseconds for all of them).
    """
    blocks = [f"section\nopen Nat\ntheorem u{i} : True := trivial\nend" for i in range(3000)]
    decls = [f"theorem d{i} : True := by\n  exact u{i}" for i in range(3000)]
    pf = parse_file("\n".join(blocks + decls) + "\n")
    t = time.process_time()
    headers = [pf.header_for(d) for d in pf.declarations[3000:]]
    assert time.process_time() - t < 1.0
    assert headers[5].count("section") == 1 and "theorem u5 " in headers[5]


def test_deeply_nested_scopes_need_no_recursion() -> None:
    depth = 3000  # well past the interpreter's recursion limit
    text = "section\n" * depth + "theorem a : True := trivial\n" + "end\n" * depth
    pf = parse_file(text + "theorem b : True := by exact a\n")
    header = pf.header_for(pf.declarations[-1])
    assert header.count("section") == depth and "theorem a" in header
    check_file(text + "theorem c : True := by exact a\n")


def test_header_keeps_what_kept_commands_use() -> None:
    """An instance and an attribute command are always kept, so the helpers they name must
    be kept too, though the target itself never mentions them."""
    text = (
        "namespace C\n"
        "def code : Nat → Nat := fun n => n\n"
        "theorem code_inj (a b : Nat) (h : code a = code b) : a = b := h\n"
        "theorem unrelated : True := trivial\n"
        "instance : Inhabited Nat := ⟨code 0⟩\n"
        "theorem simp_me (n : Nat) : code n = n := rfl\n"
        "attribute [simp] simp_me\n"
        "theorem target (n : Nat) : n = n := by\n  rfl\n"
        "end C\n"
    )
    pf = parse_file(text)
    decl = next(d for d in pf.declarations if d.name.endswith("target"))
    header = pf.header_for(decl)
    assert "def code" in header
    assert "theorem simp_me" in header
    assert "unrelated" not in header
    assert "code_inj" not in header
    assert pf.header_for(decl) == header  # a second, out-of-order call gives the same
    first = next(d for d in pf.declarations if d.name.endswith("code_inj"))
    assert "simp_me" not in pf.header_for(first)
    assert pf.header_for(decl) == header
