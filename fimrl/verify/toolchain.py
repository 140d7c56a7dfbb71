"""Find the Lean toolchain (lean, lake, REPL), diagnose what is missing, and set it up.

The verifier never assumes a toolchain: :func:`discover` looks in the configured paths
(settings ``lean_bin``, ``lake_bin``, ``repl_bin``), then ``PATH``, then ``~/.elan/bin``,
then the workspace's lake build outputs; :func:`doctor` turns the result into a list of
problems, each with the exact command that fixes it; :func:`setup` runs those commands
(``elan toolchain install``, ``lake exe cache get`` for the Mathlib profile, ``lake
build``) and fails with a clear message when it cannot (no elan, no network).

Mathlib profile: ``lean_workspace/lakefile.toml`` requires only the REPL and the bundled
corpus; ``lean_workspace/lakefile.mathlib.toml`` adds Mathlib. Lake reads the latter with
``lake -f lakefile.mathlib.toml ...``. The profile is considered active once Mathlib has
been fetched into ``.lake/packages/mathlib``, and every lake command of the verifier then
passes ``-f lakefile.mathlib.toml`` (so ``lake env`` puts Mathlib on ``LEAN_PATH``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fimrl.config import Settings

__all__ = [
    "MATHLIB_LAKEFILE",
    "DoctorReport",
    "Problem",
    "SetupError",
    "SetupReport",
    "Toolchain",
    "discover",
    "doctor",
    "setup",
]

MATHLIB_LAKEFILE = "lakefile.mathlib.toml"
ELAN_INSTALL = (
    "curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf "
    "| sh -s -- -y --default-toolchain none"
)
_REPL_CANDIDATES = (
    ".lake/packages/REPL/.lake/build/bin/repl",
    ".lake/packages/repl/.lake/build/bin/repl",
    ".lake/build/bin/repl",
)


def _which(name: str, path_env: str | None) -> Path | None:
    found = shutil.which(name, path=path_env)
    if found:
        return Path(found)
    elan = Path.home() / ".elan" / "bin" / name
    return elan if elan.is_file() and os.access(elan, os.X_OK) else None


def _explicit(value: str | os.PathLike[str] | None) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_file():
        return path
    found = shutil.which(str(value))
    return Path(found) if found else path  # keep the configured path to report it


def _version(argv: Sequence[str], cwd: Path | None, timeout_s: float) -> tuple[str | None, str]:
    """First line of ``argv --version`` (``None`` plus the reason on failure)."""
    try:
        out = subprocess.run(
            [*argv, "--version"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=cwd if cwd is not None and cwd.is_dir() else None,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None, f"`{argv[0]} --version` did not answer within {timeout_s:g} s"
    except OSError as exc:
        return None, f"cannot run {argv[0]}: {exc}"
    text = (out.stdout or out.stderr).strip()
    if out.returncode != 0 or not text:
        return None, f"`{argv[0]} --version` failed: {(out.stderr or out.stdout).strip()[:300]}"
    return text.splitlines()[0], ""


@dataclass(frozen=True)
class Toolchain:
    """What :func:`discover` found; paths are ``None`` when not found."""

    workspace: Path
    pinned: str | None
    lean: Path | None
    lake: Path | None
    repl: Path | None
    elan: Path | None
    lean_version: str | None
    lake_version: str | None
    mathlib: bool
    notes: tuple[str, ...] = ()

    @property
    def has_lakefile(self) -> bool:
        """Whether the workspace is a lake project."""
        return (self.workspace / "lakefile.toml").is_file() or (
            self.workspace / "lakefile.lean"
        ).is_file()

    @property
    def mathlib_profile(self) -> bool:
        """Mathlib fetched and its lakefile present: lake commands use ``-f`` it."""
        return self.mathlib and (self.workspace / MATHLIB_LAKEFILE).is_file()

    @property
    def full(self) -> bool:
        """lean, lake and the REPL are all usable (what ``@pytest.mark.lean`` tests need)."""
        return (
            self.lean is not None
            and self.lean_version is not None
            and self.lake is not None
            and self.repl is not None
            and self.repl.is_file()
        )

    @property
    def pinned_version(self) -> str | None:
        """``leanprover/lean4:v4.35.0`` -> ``4.35.0``."""
        if not self.pinned:
            return None
        return self.pinned.rsplit(":", 1)[-1].removeprefix("v")

    def lake_prefix(self) -> list[str]:
        """``[lake]`` or ``[lake, "-f", "lakefile.mathlib.toml"]``."""
        if self.lake is None:
            raise FileNotFoundError("lake not found (run `fimrl lean doctor`)")
        prefix = [str(self.lake)]
        if self.mathlib_profile:
            prefix += ["-f", MATHLIB_LAKEFILE]
        return prefix

    def repl_argv(self) -> list[str]:
        """Command starting one REPL: through ``lake env`` when possible (LEAN_PATH)."""
        if self.repl is None:
            raise FileNotFoundError("REPL binary not found (run `fimrl lean setup`)")
        if self.lake is not None and self.has_lakefile:
            return [*self.lake_prefix(), "env", str(self.repl)]
        return [str(self.repl)]

    def lean_cmd(self) -> list[str]:
        """Command prefix running ``lean`` (via ``lake env`` in a lake workspace)."""
        if self.lake is not None and self.has_lakefile:
            return [*self.lake_prefix(), "env", str(self.lean) if self.lean else "lean"]
        if self.lean is None:
            raise FileNotFoundError("lean not found (run `fimrl lean doctor`)")
        return [str(self.lean)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "workspace": str(self.workspace),
            "pinned": self.pinned,
            "lean": None if self.lean is None else str(self.lean),
            "lake": None if self.lake is None else str(self.lake),
            "repl": None if self.repl is None else str(self.repl),
            "elan": None if self.elan is None else str(self.elan),
            "lean_version": self.lean_version,
            "lake_version": self.lake_version,
            "mathlib": self.mathlib,
            "mathlib_profile": self.mathlib_profile,
            "full": self.full,
        }


def _settings_value(settings: Settings | None, name: str) -> Any:
    return None if settings is None else getattr(settings, name)


def discover(
    settings: Settings | None = None,
    *,
    workspace: str | os.PathLike[str] | None = None,
    lean_bin: str | os.PathLike[str] | None = None,
    lake_bin: str | os.PathLike[str] | None = None,
    repl_bin: str | os.PathLike[str] | None = None,
    path_env: str | None = None,
    version_timeout_s: float = 20.0,
) -> Toolchain:
    """Locate the toolchain. Keyword arguments override ``settings``; ``path_env``
    overrides ``$PATH`` (tests). Running ``lean --version`` in the workspace lets elan
    select the pinned toolchain; the timeout guards against elan trying to download it."""
    if workspace is None:
        ws_setting = _settings_value(settings, "lean_workspace")
        if ws_setting is None:
            from fimrl.resources import lean_workspace_dir

            ws_setting = lean_workspace_dir()
        workspace = ws_setting
    ws = Path(workspace).expanduser().absolute()
    pin_file = ws / "lean-toolchain"
    pinned = pin_file.read_text(encoding="utf-8").strip() if pin_file.is_file() else None
    notes: list[str] = []

    lean = _explicit(lean_bin or _settings_value(settings, "lean_bin")) or _which("lean", path_env)
    lake = _explicit(lake_bin or _settings_value(settings, "lake_bin")) or _which("lake", path_env)
    elan = _which("elan", path_env)
    repl = _explicit(repl_bin or _settings_value(settings, "repl_bin"))
    if repl is None:
        for rel in _REPL_CANDIDATES:
            cand = ws / rel
            if cand.is_file():
                repl = cand
                break
    if repl is None:
        found = shutil.which("repl", path=path_env)
        repl = Path(found) if found else None

    lean_version = lake_version = None
    if lean is not None:
        lean_version, why = _version([str(lean)], ws, version_timeout_s)
        if why:
            notes.append(why)
    if lake is not None:
        lake_version, why = _version([str(lake)], ws, version_timeout_s)
        if why:
            notes.append(why)
    mathlib = (ws / ".lake" / "packages" / "mathlib").is_dir()
    return Toolchain(
        workspace=ws,
        pinned=pinned,
        lean=lean,
        lake=lake,
        repl=repl,
        elan=elan,
        lean_version=lean_version,
        lake_version=lake_version,
        mathlib=mathlib,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Problem:
    """Something missing or wrong, and the exact fix. ``required=False``: optional feature."""

    what: str
    fix: str
    required: bool = True


@dataclass(frozen=True)
class DoctorReport:
    """What was found and what is missing (see :func:`doctor`)."""

    toolchain: Toolchain
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No required problem: the ``repl`` and ``cli`` backends can run."""
        return not any(p.required for p in self.problems)

    @property
    def full(self) -> bool:
        """lean + lake + REPL present (the ``@pytest.mark.lean`` tests can run)."""
        return self.toolchain.full

    def render(self) -> str:
        """Human-readable report for ``fimrl lean doctor``."""
        tc = self.toolchain
        lines = [
            f"workspace      {tc.workspace}",
            f"pinned         {tc.pinned or '(no lean-toolchain file)'}",
            f"lean           {tc.lean or 'NOT FOUND'}  {tc.lean_version or ''}".rstrip(),
            f"lake           {tc.lake or 'NOT FOUND'}  {tc.lake_version or ''}".rstrip(),
            f"repl           {tc.repl or 'NOT FOUND'}",
            f"elan           {tc.elan or 'NOT FOUND'}",
            f"mathlib        {'present' if tc.mathlib else 'absent (optional)'}",
        ]
        lines += [f"note           {n}" for n in tc.notes]
        if not self.problems:
            lines.append("OK: the Lean toolchain is complete.")
        for p in self.problems:
            tag = "MISSING" if p.required else "optional"
            lines.append(f"[{tag}] {p.what}\n    fix: {p.fix}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "ok": self.ok,
            "full": self.full,
            "toolchain": self.toolchain.to_dict(),
            "problems": [
                {"what": p.what, "fix": p.fix, "required": p.required} for p in self.problems
            ],
        }


def doctor(settings: Settings | None = None, **discover_kwargs: Any) -> DoctorReport:
    """Discover the toolchain and list every problem with its fix."""
    tc = discover(settings, **discover_kwargs)
    problems: list[Problem] = []
    if tc.pinned is None:
        problems.append(
            Problem(
                f"{tc.workspace}/lean-toolchain is missing",
                "restore lean_workspace/ from git (it pins leanprover/lean4:v4.35.0)",
            )
        )
    if tc.elan is None and (tc.lean is None or tc.lake is None):
        problems.append(Problem("elan (the Lean toolchain manager) is not installed", ELAN_INSTALL))
    if tc.lean is None:
        problems.append(
            Problem(
                "lean not found (settings lean_bin, PATH, ~/.elan/bin)",
                f"elan toolchain install {tc.pinned or 'leanprover/lean4:v4.35.0'}"
                " (or set FIMRL_LEAN_BIN)",
            )
        )
    elif tc.lean_version is None:
        problems.append(
            Problem(
                f"{tc.lean} does not run: {'; '.join(tc.notes) or 'no version output'}",
                f"elan toolchain install {tc.pinned or 'leanprover/lean4:v4.35.0'}",
            )
        )
    elif tc.pinned_version and tc.pinned_version not in tc.lean_version:
        problems.append(
            Problem(
                f"lean is {tc.lean_version}, the workspace pins {tc.pinned}",
                f"elan toolchain install {tc.pinned} (elan then selects it in the workspace)",
            )
        )
    if tc.lake is None:
        problems.append(
            Problem(
                "lake not found (settings lake_bin, PATH, ~/.elan/bin)",
                "install elan; lake ships with every Lean toolchain (or set FIMRL_LAKE_BIN)",
            )
        )
    if tc.repl is None or not tc.repl.is_file():
        problems.append(
            Problem(
                "the Lean REPL binary is not built "
                f"(looked for settings repl_bin, {', '.join(_REPL_CANDIDATES)}, PATH)",
                f"cd {tc.workspace} && lake build repl   (or: fimrl lean setup)",
            )
        )
    if not tc.mathlib:
        problems.append(
            Problem(
                "Mathlib is not fetched (only tasks without `import Mathlib` can be checked)",
                f"cd {tc.workspace} && lake -f {MATHLIB_LAKEFILE} exe cache get && "
                f"lake -f {MATHLIB_LAKEFILE} build   (or: fimrl lean setup --mathlib)",
                required=False,
            )
        )
    return DoctorReport(tc, tuple(problems))


class SetupError(RuntimeError):
    """A setup step failed; the message names the step, its output and the likely fix."""


@dataclass
class SetupReport:
    """The commands :func:`setup` ran, with their exit codes."""

    steps: list[tuple[list[str], int]] = field(default_factory=list)
    doctor: DoctorReport | None = None


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def setup(
    settings: Settings | None = None,
    *,
    mathlib: bool = False,
    runner: Runner | None = None,
    timeout_s: float = 7200.0,
    env: Mapping[str, str] | None = None,
    **discover_kwargs: Any,
) -> SetupReport:
    """Install the pinned toolchain and build the workspace (needs internet access).

    Steps: ``elan toolchain install <pinned>``; with ``mathlib``: ``lake -f
    lakefile.mathlib.toml exe cache get`` (downloads Mathlib's prebuilt oleans instead of
    compiling them for hours); ``lake build`` (corpus) and ``lake build repl``. Raises
    :class:`SetupError` at the first failing step with its output and a hint.
    """
    run = runner or subprocess.run
    tc = discover(settings, **discover_kwargs)
    if tc.pinned is None:
        raise SetupError(f"{tc.workspace}/lean-toolchain is missing: cannot know what to install")
    elan = tc.elan
    if elan is None:
        raise SetupError(
            "elan (the Lean toolchain manager) is not installed, so the pinned toolchain "
            f"{tc.pinned} cannot be installed.\nInstall elan first:\n  {ELAN_INSTALL}\n"
            "then re-run `fimrl lean setup`. Machines without internet access cannot set up "
            "Lean; use the `prelude` backend there (real Lean 4.35.0 on the FimCore "
            "library: `fimrl lean setup --prelude`), or `exact` (NOT Lean verification)."
        )
    lake = tc.lake or elan.with_name("lake")
    lake_cmd = [str(lake)] + (["-f", MATHLIB_LAKEFILE] if mathlib else [])
    steps: list[list[str]] = [[str(elan), "toolchain", "install", tc.pinned]]
    if mathlib:
        steps.append([*lake_cmd, "exe", "cache", "get"])
    steps.append([*lake_cmd, "build"])
    steps.append([*lake_cmd, "build", "repl"])
    report = SetupReport()
    for argv in steps:
        try:
            out = run(
                argv,
                cwd=str(tc.workspace),
                capture_output=True,
                text=True,
                timeout=timeout_s,
                env=None if env is None else dict(env),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SetupError(f"`{' '.join(argv)}` could not run: {exc}") from exc
        report.steps.append((argv, out.returncode))
        if out.returncode != 0:
            tail = ((out.stderr or "") + (out.stdout or "")).strip()[-1500:]
            raise SetupError(
                f"setup step failed: `{' '.join(argv)}` (exit {out.returncode}) in "
                f"{tc.workspace}\n{tail}\nThis step downloads from github.com / "
                "releases.lean-lang.org: check network access, then re-run `fimrl lean setup`."
            )
    report.doctor = doctor(settings, **discover_kwargs)
    return report
