"""fimrl: RLVR on Lean 4 fill-in-the-middle tasks."""

__version__ = "0.1.0"
