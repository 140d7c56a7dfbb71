"""Which floating-point precision the warm-up trains in.

bf16 autocast halves the cost of a step where the hardware computes in bf16 natively (a GPU
with bf16, or a CPU with AVX512-BF16/AMX: measured ~2x on a 2-core EPYC), and makes it slower
where it is emulated. So ``auto`` asks the hardware rather than guessing.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["cpu_has_native_bf16", "use_bf16"]

_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Does this CPU advertise a bf16 instruction set? False where it cannot be read."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_BF16_FLAGS & set(line.split(":", 1)[-1].split()))
    return False


def use_bf16(precision: str) -> bool:
    """The ``warmup_precision`` setting (``auto``/``bf16``/``fp32``) resolved for this machine."""
    if precision == "bf16":
        return True
    if precision == "fp32":
        return False
    if precision != "auto":
        raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    return cpu_has_native_bf16()
