"""Hand memory a finished stage freed back to the operating system.

A supervised stage on CPU peaks at several GB (activations of a full batch through every
layer, fp32 logits over the vocabulary). Once its model and trainer are gone, glibc keeps
most of those pages in its arenas, so a long process (``fimrl experiment run``) would hold
its largest peak for hours while the RL arms' trainer and learner processes need the room.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys


def release_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages (a no-op elsewhere)."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name)
    trim = getattr(libc, "malloc_trim", None)  # glibc only (musl has none)
    if trim is not None:
        trim(0)
