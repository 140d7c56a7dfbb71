"""Which checker produced the demo's rewards, said in words nobody can misread."""

from __future__ import annotations

from fimrl.config import Settings
from fimrl.verify.factory import resolve_backend
from fimrl.verify.prelude import DESCRIPTION as PRELUDE_DESCRIPTION

__all__ = ["checker_note", "choose_backend"]


def checker_note(settings: Settings) -> str:
    if settings.verifier_backend == "exact":
        return (
            "EXACT-MATCH reference check (backend `exact`): NOT Lean verification — no "
            "Lean toolchain was used; a reward means the middle equals the reference text."
        )
    if settings.verifier_backend == "prelude":
        return (
            f"{PRELUDE_DESCRIPTION}: Lean's real elaborator and kernel (backend `prelude`) "
            "checking against fimrl's own FimCore library, not Lean's or Mathlib's."
        )
    return f"Lean 4 via the `{settings.verifier_backend}` backend (the Lean compiler's verdict)."


def choose_backend(settings: Settings) -> tuple[Settings, str]:
    """The backend the demo uses and why, said loudly, never hidden.

    The configured one when ``verifier_backend`` is set (environment or TOML), else ``auto``:
    a full toolchain's REPL, else the prelude toolchain, else `exact`.
    """
    if "verifier_backend" in settings.model_fields_set:
        name, why = resolve_backend(settings)
    else:
        name, why = resolve_backend(settings.model_copy(update={"verifier_backend": "auto"}))
    return settings.model_copy(update={"verifier_backend": name}), why
