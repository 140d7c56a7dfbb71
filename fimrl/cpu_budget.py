"""How much of the machine each process of a run may use: torch/BLAS threads and CPUs.

The trainer, the learner and the verify workers run at the same time; each torch process
left at its default takes one thread per core, so two of them on the same cores
oversubscribe the machine and both slow down (measured on 2 cores: the asynchronous
pipeline ran at half the speed of lock-step before budgets). A budget per role divides the
machine instead:

- ``trainer_threads`` / ``learner_threads``: torch intra-op threads (and the OpenMP/BLAS
  pools of libraries they load). ``0`` is automatic: an equal share with the other torch
  process of the run (half the usable CPUs, at least one), or every CPU of the role's own
  ``*_cpus`` set when it has one.
- ``trainer_cpus`` / ``learner_cpus`` / ``worker_cpus``: CPU affinity lists in Linux
  notation (``"0-3,6"``); empty means no pinning. A worker's Lean processes inherit it, so
  Lean can be kept off the cores that sample or learn.

Workers do not run torch; their share is their ``worker_concurrency`` (one Lean process per
pool process) and their CPU set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fimrl.errors import FimrlError

if TYPE_CHECKING:
    from fimrl.config import Settings

__all__ = [
    "ROLES",
    "BudgetError",
    "CpuBudget",
    "Role",
    "apply_budget",
    "budget_for",
    "format_cpu_list",
    "parse_cpus",
    "usable_cpus",
]

Role = Literal["trainer", "learner", "worker"]
ROLES: tuple[Role, ...] = ("trainer", "learner", "worker")

#: Variables that size the thread pools of OpenMP, MKL, OpenBLAS and the tokenizers'
#: Rust pool: set for the process's own late imports and for the children it starts.
_POOL_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class BudgetError(FimrlError):
    """A CPU list that cannot be parsed or names CPUs this machine does not have."""


@dataclass(frozen=True)
class CpuBudget:
    """One role's share: ``threads`` for torch/BLAS, ``cpus`` to pin to (``None``: all)."""

    role: Role
    threads: int
    cpus: tuple[int, ...] | None
    automatic: bool

    @property
    def where(self) -> str:
        return _format_cpus(self.cpus) if self.cpus is not None else "any CPU"

    def describe(self) -> str:
        how = " (auto)" if self.automatic else ""
        return f"{self.threads} thread(s){how}, {self.where}"


def parse_cpus(spec: str) -> tuple[int, ...] | None:
    """``"0-3,6"`` -> ``(0, 1, 2, 3, 6)``; an empty string -> ``None`` (no pinning)."""
    spec = spec.strip()
    if not spec:
        return None
    cpus: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        low, sep, high = part.partition("-")
        try:
            first, last = int(low), int(high) if sep else int(low)
        except ValueError:
            raise BudgetError(
                f"CPU list {spec!r}: {part!r} is not a CPU number or a range like 0-3"
            ) from None
        if first < 0 or last < first:
            raise BudgetError(f"CPU list {spec!r}: {part!r} is not an ascending range")
        cpus.update(range(first, last + 1))
    return tuple(sorted(cpus))


def format_cpu_list(cpus: tuple[int, ...]) -> str:
    """``(0, 1, 2, 3, 6)`` -> ``"0-3,6"``: the notation :func:`parse_cpus` reads."""
    runs: list[str] = []
    start = prev = cpus[0]
    for cpu in (*cpus[1:], None):
        if cpu is not None and cpu == prev + 1:
            prev = cpu
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if cpu is not None:
            start = prev = cpu
    return ",".join(runs)


def _format_cpus(cpus: tuple[int, ...]) -> str:
    return "CPUs " + format_cpu_list(cpus)


def usable_cpus() -> tuple[int, ...]:
    """The CPUs this process may run on (a container's or taskset's limit included)."""
    return tuple(sorted(os.sched_getaffinity(0)))


def budget_for(settings: Settings, role: Role) -> CpuBudget:
    """The budget ``role`` gets from ``settings`` on this machine."""
    cpus = parse_cpus(getattr(settings, f"{role}_cpus"))
    if cpus is not None:
        missing = sorted(set(cpus) - set(usable_cpus()))
        if missing:
            raise BudgetError(
                f"{role}_cpus names CPU(s) {','.join(map(str, missing))} that this process "
                f"cannot use (usable: {_format_cpus(usable_cpus())}); fix "
                f"FIMRL_{role.upper()}_CPUS"
            )
    configured = int(getattr(settings, f"{role}_threads", 0) or 0)
    if role == "worker":
        return CpuBudget(role, 1, cpus, automatic=configured == 0)
    if configured > 0:
        return CpuBudget(role, configured, cpus, automatic=False)
    share = len(cpus) if cpus is not None else max(1, len(usable_cpus()) // 2)
    return CpuBudget(role, share, cpus, automatic=True)


def apply_budget(budget: CpuBudget) -> None:
    """Pin this process (and the children it starts later) and size its thread pools."""
    if budget.cpus is not None:
        os.sched_setaffinity(0, budget.cpus)
    for name in _POOL_VARIABLES:
        os.environ[name] = str(budget.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # its pool ignores the budget
    if budget.role != "worker":  # workers never import torch: do not make them load it
        import torch

        torch.set_num_threads(budget.threads)
