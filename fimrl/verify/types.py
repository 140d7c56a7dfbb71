"""Value types shared by every verifier backend.

A :class:`CheckRequest` carries everything a check needs (no database read, no global
state), so a Celery task, a benchmark and a test can all call the same function with the
same inputs. A :class:`Verdict` carries everything needed to recompute a reward later in
SQL: the status, the rule that fired, Lean's messages, the backend and the Lean version.
Both are frozen: a verdict handed out by the cache must not be mutated by its receiver.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from fimrl.config import Settings

__all__ = [
    "ALLOWED_AXIOMS",
    "STATUSES",
    "CheckRequest",
    "Limits",
    "Status",
    "Verdict",
    "reward_for",
]

Status = Literal["pass", "fail", "rejected", "timeout", "error"]
"""``pass``: Lean accepted it and every rule held. ``fail``: Lean reported an error.
``rejected``: the static guard or a verdict rule (sorry, axiom, statement) fired; ``rule``
says which. ``timeout``: wall-clock or heartbeat limit. ``error``: the checker itself could
not produce an answer (crash, garbage output, memory limit, broken header); retry it."""

STATUSES: tuple[Status, ...] = ("pass", "fail", "rejected", "timeout", "error")

#: The axioms a verified proof may depend on (Lean reference manual, "Validating a Lean
#: Proof"). Anything else, ``sorryAx`` and ``Lean.ofReduceBool`` included, is a rejection.
ALLOWED_AXIOMS: frozenset[str] = frozenset({"propext", "Classical.choice", "Quot.sound"})


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds of one check; all three are enforced by the verifier, never the text.

    ``max_heartbeats == 0`` means "no heartbeat limit" (Lean's own convention); it exists
    for tests that need a wall-clock timeout, and production keeps it positive.
    """

    timeout_s: float = 60.0
    """Wall-clock limit of the Lean command; past it the process group is killed."""
    max_heartbeats: int = 200_000
    """``maxHeartbeats`` set by the verifier on the target declaration."""
    memory_mb: int = 8192
    """Address-space limit (RLIMIT_AS) of the Lean process, in MiB."""

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.max_heartbeats < 0:
            raise ValueError("max_heartbeats must be >= 0")
        if self.memory_mb <= 0:
            raise ValueError("memory_mb must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured in :class:`fimrl.config.Settings`."""
        return cls(
            timeout_s=settings.check_timeout_s,
            max_heartbeats=settings.max_heartbeats,
            memory_mb=settings.lean_memory_mb,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (cache keys, storage)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One candidate to verify: the text is ``header + prefix + middle + suffix``.

    ``header`` holds the imports (run once per REPL, reused across checks); ``prefix`` ends
    inside the target declaration's proof, ``middle`` is the candidate, ``suffix`` the rest.
    ``target`` names the declaration that must be proved (as written in the prefix, e.g.
    ``foo`` or ``Foo.foo``); ``None`` or ``"example"`` means the last declaration of the
    prefix is an anonymous ``example``. ``limits=None`` uses the checker's defaults.
    """

    header: str
    prefix: str
    middle: str
    suffix: str
    target: str | None = None
    reference_middle: str | None = None
    limits: Limits | None = None

    @classmethod
    def for_task(
        cls, task: Any, middle: str | None = None, *, limits: Limits | None = None
    ) -> CheckRequest:
        """A request for a FIM task (a stored ``FimTask`` row or a freshly cut task: anything
        with ``header``, ``prefix``, ``middle``, ``suffix`` and ``decl_name``); ``middle``
        is the candidate, by default the task's own reference middle."""
        return cls(
            header=task.header,
            prefix=task.prefix,
            middle=task.middle if middle is None else middle,
            suffix=task.suffix,
            target=task.decl_name,
            reference_middle=task.middle,
            limits=limits,
        )

    def full_text(self) -> str:
        """The candidate file as the task defines it (before the verifier's own additions)."""
        return self.header + self.prefix + self.middle + self.suffix


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one check; every field is stored so rewards can be recomputed in SQL.

    ``messages`` are normalised Lean messages (``severity`` in information|warning|error,
    ``kind`` or ``None``, ``data``, ``pos``/``endPos`` as ``{"line", "column"}`` relative to
    the text the backend sent to Lean, see :func:`fimrl.verify.rules.assemble`).
    ``axioms`` is what ``#print axioms`` reported for the target (empty when not reached).
    ``lean_version`` is ``None`` for the ``exact`` backend and ``"standin"`` for the test
    stand-in REPL, so neither can be mistaken for Lean verification.
    """

    status: Status
    reward: float
    backend: str
    rule: str | None = None
    messages: tuple[dict[str, Any], ...] = ()
    duration_s: float = 0.0
    lean_version: str | None = None
    axioms: tuple[str, ...] = ()
    detail: str = ""
    cached: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown verdict status {self.status!r}")
        # Lists are accepted for convenience and frozen into tuples.
        if isinstance(self.messages, list):
            object.__setattr__(self, "messages", tuple(self.messages))
        if isinstance(self.axioms, list):
            object.__setattr__(self, "axioms", tuple(self.axioms))

    @property
    def passed(self) -> bool:
        """True only for ``pass``."""
        return self.status == "pass"

    def replace(self, **changes: Any) -> Verdict:
        """A copy with some fields changed (the verdict itself is immutable)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for storage (messages and axioms as lists)."""
        out = dataclasses.asdict(self)
        out["messages"] = [dict(m) for m in self.messages]
        out["axioms"] = list(self.axioms)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["messages"] = tuple(dict(m) for m in kwargs.get("messages", ()))
        kwargs["axioms"] = tuple(kwargs.get("axioms", ()))
        return cls(**kwargs)


def reward_for(status: Status) -> float:
    """Default reward: 1.0 for ``pass``, 0.0 otherwise (shaping lives outside the verifier)."""
    return 1.0 if status == "pass" else 0.0
