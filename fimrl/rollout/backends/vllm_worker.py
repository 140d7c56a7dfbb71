"""Code that runs *inside* vLLM's worker processes: loading a checkpoint in place.

vLLM's documented hook for RL weight updates is ``worker_extension_cls``: a class named by its
import path, mixed into every worker (one per tensor-parallel rank), whose methods the driver
calls on all workers at once with ``LLM.collective_rpc(method_name, args=...)``. Each worker
here streams the checkpoint's safetensors from disk into ``model.load_weights``, the same
loader vLLM uses at start-up, so it accepts Hugging Face parameter names and shards them for
its own rank. The checkpoint is read by each worker from the shared filesystem; no tensor
crosses a process boundary.

This module must not import vLLM at import time (the trainer imports it by name only, and the
CPU test suite imports nothing from here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["EXTENSION_CLASS", "CheckpointLoaderExtension"]

#: The import path handed to ``LLM(worker_extension_cls=...)``.
EXTENSION_CLASS = "fimrl.rollout.backends.vllm_worker.CheckpointLoaderExtension"


def _safetensors_weights(directory: Path) -> Iterator[tuple[str, Any]]:
    from safetensors import safe_open

    files = sorted(directory.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"no *.safetensors in checkpoint {directory}")
    for file in files:
        with safe_open(str(file), framework="pt", device="cpu") as handle:
            for name in handle.keys():  # noqa: SIM118 - safe_open handles are not mappings
                yield name, handle.get_tensor(name)


class CheckpointLoaderExtension:
    """Mixed into vLLM's worker class; ``self`` is the worker (``self.model_runner`` exists)."""

    model_runner: Any

    def fimrl_load_checkpoint(self, path: str) -> int:
        """Load every tensor of the checkpoint at ``path`` into this worker's model in place.

        Returns the number of parameters vLLM reports as loaded (0 if it reports nothing).
        """
        model = self.model_runner.model
        loaded = model.load_weights(weights=_safetensors_weights(Path(path)))
        return len(loaded) if loaded is not None else 0
