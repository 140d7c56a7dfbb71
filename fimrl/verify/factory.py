"""Build the configured checker: ``make_checker(settings) -> Checker``.

The backend comes from ``settings.verifier_backend`` (``repl``, ``cli``, ``prelude``,
``exact``, or ``auto``: see :func:`resolve_backend`);
limits, pool size, recycling thresholds and the cache size come from the same settings, so
every process that verifies (worker, benchmark, demo) behaves the same. Keyword overrides
win over settings, which is how tests point the ``repl`` backend at the stand-in REPL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fimrl.verify.base import Checker
from fimrl.verify.cache import VerdictCache
from fimrl.verify.cli_checker import CliChecker
from fimrl.verify.exact import ExactChecker
from fimrl.verify.prelude import PreludeUnavailable, ensure_prelude, locate_library
from fimrl.verify.prelude_checker import PreludeChecker
from fimrl.verify.procutil import checker_user
from fimrl.verify.repl_checker import ReplChecker
from fimrl.verify.toolchain import discover
from fimrl.verify.types import Limits

if TYPE_CHECKING:
    from fimrl.config import Settings

__all__ = ["ToolchainMissing", "make_checker", "resolve_backend"]


class ToolchainMissing(RuntimeError):
    """The configured backend cannot run here: a Lean component was not found, or the user
    checks must run as is unusable."""


def _lean_user(settings: Settings) -> str | None:
    try:
        return checker_user(settings.checker_user)
    except ValueError as exc:
        raise ToolchainMissing(str(exc)) from exc


def resolve_backend(settings: Settings) -> tuple[str, str]:
    """The backend ``settings`` means, and a line saying why when it was chosen (``auto``).

    ``auto``: the REPL pool with a full toolchain; else the prelude toolchain (real Lean on
    the FimCore library); else, on a machine where neither can run, ``exact`` (NOT Lean).
    """
    name = settings.verifier_backend
    if name != "auto":
        return name, ""
    if discover(settings).full:
        return "repl", "a full Lean toolchain was found: the REPL pool checks candidates"
    try:
        locate_library()
    except PreludeUnavailable as exc:
        return "exact", f"no Lean can run here ({exc}); falling back to `exact`, NOT Lean"
    return "prelude", "no full Lean toolchain: the prelude toolchain (Lean 4.35.0 on FimCore)"


def make_checker(
    settings: Settings | None = None,
    *,
    backend: str | None = None,
    repl_argv: Sequence[str] | None = None,
    lean_cmd: Sequence[str] | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    lean_version: str | None = None,
    cache: VerdictCache | None = None,
    **overrides: Any,
) -> Checker:
    """A ready :class:`Checker` for ``settings`` (default: :func:`fimrl.config.get_settings`).

    ``backend`` overrides ``settings.verifier_backend``. For ``repl``, ``repl_argv``
    replaces the discovered ``[lake, "env", repl]`` command; for ``cli``, ``lean_cmd``
    replaces ``[lake, "env", "lean"]``/``[lean]``. Other keywords go to the backend's
    constructor (e.g. ``acquire_timeout_s``, ``header_timeout_s``, ``threads``).
    Raises :class:`ToolchainMissing` with the doctor's fix when a component is missing.
    """
    if settings is None:
        from fimrl.config import get_settings

        settings = get_settings()
    name = backend or resolve_backend(settings)[0]
    limits = overrides.pop("default_limits", None) or Limits.from_settings(settings)
    if cache is None and settings.verdict_cache_size > 0:
        cache = VerdictCache(settings.verdict_cache_size)
    common: dict[str, Any] = {
        "default_limits": limits,
        "max_candidate_bytes": overrides.pop("max_candidate_bytes", settings.max_candidate_bytes),
        "cache": cache,
        "allow_proof_search": overrides.pop("allow_proof_search", settings.allow_proof_search),
    }
    if name == "exact":
        return ExactChecker(**common, **overrides)
    workdir = Path(cwd) if cwd is not None else settings.lean_workspace
    if name == "repl":
        if repl_argv is None:
            tc = discover(settings)
            try:
                repl_argv = tc.repl_argv()
            except FileNotFoundError as exc:
                raise ToolchainMissing(
                    f"repl backend: {exc}. Run `fimrl lean doctor` for the fix."
                ) from exc
            lean_version = lean_version or tc.lean_version
        params: dict[str, Any] = {
            "pool_size": settings.repl_pool_size,
            "max_uses": settings.repl_max_uses,
            "max_rss_mb": float(settings.repl_max_rss_mb),
        }
        params.update(overrides)
        return ReplChecker(
            list(repl_argv), cwd=workdir, env=env, lean_version=lean_version, **common, **params
        )
    if name == "cli":
        if lean_cmd is None:
            tc = discover(settings)
            try:
                lean_cmd = tc.lean_cmd()
            except FileNotFoundError as exc:
                raise ToolchainMissing(
                    f"cli backend: {exc}. Run `fimrl lean doctor` for the fix."
                ) from exc
            lean_version = lean_version or tc.lean_version
        return CliChecker(
            list(lean_cmd),
            cwd=workdir,
            env=env,
            lean_version=lean_version,
            user=_lean_user(settings),
            **common,
            **overrides,
        )
    if name == "prelude":
        try:
            toolchain = ensure_prelude(settings)
        except PreludeUnavailable as exc:
            raise ToolchainMissing(f"prelude backend: {exc}") from exc
        # A Lean user other than this process's reads the toolchain: PreludeChecker opens
        # it for that user before each check.
        return PreludeChecker(toolchain, env=env, user=_lean_user(settings), **common, **overrides)
    raise ValueError(
        f"unknown verifier backend {name!r} (expected auto, repl, cli, prelude or exact)"
    )
