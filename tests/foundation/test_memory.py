"""release_memory gives a finished stage's freed heap back to the OS (glibc keeps it
otherwise), measured in a fresh interpreter so nothing else in the test process interferes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import gc, psutil, torch
    from fimrl.memory import release_memory
    p = psutil.Process()
    rss = lambda: p.memory_info().rss >> 20
    start = rss()
    xs = [torch.ones(20000) for _ in range(20000)]  # 80 KB each: heap, below mmap's threshold
    keep = xs[::50]  # a few survivors pin the arena's top, as a live process's objects do
    peak = rss()
    del xs
    gc.collect()
    held = rss()
    release_memory()
    print(start, peak, held, rss())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_memory_returns_freed_heap_to_the_os() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    start, peak, held, trimmed = (int(v) for v in out.split())
    assert peak - start > 1000  # ~1.5 GB of small tensors were live
    assert trimmed - start < 300, (start, peak, held, trimmed)
