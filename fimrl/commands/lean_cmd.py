"""`fimrl lean doctor|setup`: what of the Lean toolchain is found, and installing it.

Wiring only: :func:`fimrl.verify.doctor` finds and diagnoses, :func:`fimrl.verify.setup`
installs. ``doctor`` exits 1 when the configured verifier backend cannot run (``exact``
needs no toolchain, ``cli`` needs a working ``lean``, ``repl`` the REPL binary and
``lean``); ``setup`` fails with one message naming the failed step and its fix.
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


def backend_blocker(backend: str, report: object) -> str | None:
    """Why the configured ``backend`` cannot run with this toolchain (``None``: it can)."""
    tc = report.toolchain  # type: ignore[attr-defined]
    if backend == "exact":
        return None
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
    blocker = backend_blocker(backend, report)
    if as_json:
        data = report.to_dict() | {"backend": backend, "backend_ok": blocker is None}
        if blocker:
            data["backend_problem"] = blocker
        typer.echo(json.dumps(data, indent=2))
    else:
        console.print(report.render())
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


@app.command("setup")
def setup_cmd(
    mathlib: bool = typer.Option(
        False, "--mathlib", help="Also fetch Mathlib's prebuilt cache (several GB)."
    ),
) -> None:
    """Install the pinned toolchain with elan and build the workspace (needs internet)."""
    from fimrl.verify import SetupError, setup

    settings = load_settings()
    try:
        report = setup(settings, mathlib=mathlib)
    except SetupError as exc:
        raise LeanSetupFailed(f"lean setup failed: {exc}") from None
    for argv, code in report.steps:
        console.print(f"ok (exit {code}): {' '.join(argv)}")
    if report.doctor is not None:
        console.print(report.doctor.render())
