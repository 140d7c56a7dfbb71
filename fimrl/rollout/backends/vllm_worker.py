"""Code that runs *inside* vLLM's worker processes: loading a checkpoint in place.

vLLM's documented hook for RL weight updates is ``worker_extension_cls``: a class named by its
import path, mixed into every worker (one per tensor-parallel rank), whose methods the driver
calls on all workers at once with ``LLM.collective_rpc(method_name, args=...)``. Each worker
streams the checkpoint's safetensors from disk into vLLM's own in-place reload
(``Worker.reload_weights(weights_iterator=...)``, present in the GPU and the CPU build alike:
the CPU model runner is a subclass of the GPU one). That path runs the loader's post-load
processing too: the CPU build repacks linear weights for oneDNN after loading, so a plain
``model.load_weights`` fails there (``Attempted to load weight ([576, 1536]) into parameter
([0])``). Older vLLMs without ``reload_weights`` get ``model.load_weights``, their documented
path. The checkpoint is read by each worker from the shared filesystem; no tensor crosses a
process boundary.

Tied weights need one more step. ``reload_weights`` re-processes each layer whose tensors
the checkpoint names; a tied ``lm_head`` (SmolLM2, most small models) is named by none (its
weight *is* the embedding's), so its post-load processing never re-runs. On the GPU that
processing is empty; on the CPU build it packs the weight into a oneDNN handle, which then
keeps scoring with the old embedding: after a reload every log-prob was off by up to 0.28.
So after the reload, each layer that shares its weight with another is processed again.

This module must not import vLLM at import time (the trainer imports it by name only, and the
CPU test suite imports nothing from here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fimrl.rollout.backends.checkpoint_shapes import safetensors_files

__all__ = ["EXTENSION_CLASS", "CheckpointLoaderExtension"]

#: The import path handed to ``LLM(worker_extension_cls=...)``.
EXTENSION_CLASS = "fimrl.rollout.backends.vllm_worker.CheckpointLoaderExtension"


def _safetensors_weights(directory: Path) -> Iterator[tuple[str, Any]]:
    from safetensors import safe_open

    for file in safetensors_files(directory):
        with safe_open(str(file), framework="pt", device="cpu") as handle:
            for name in handle.keys():  # noqa: SIM118 - safe_open handles are not mappings
                yield name, handle.get_tensor(name)


class CheckpointLoaderExtension:
    """Mixed into vLLM's worker class; ``self`` is the worker (``self.model_runner`` exists)."""

    model_runner: Any

    def fimrl_load_checkpoint(self, path: str) -> str:
        """Load every tensor of the checkpoint at ``path`` into this worker's model in place.

        Returns which loader did it (``reload_weights`` or ``load_weights``).
        """
        weights = _safetensors_weights(Path(path))
        model = self.model_runner.model
        reload = getattr(self, "reload_weights", None)
        if callable(reload):
            reload(weights_iterator=weights)
            _reprocess_tied_layers(model)
            return "reload_weights"
        model.load_weights(weights=weights)
        return "load_weights"


def _reprocess_tied_layers(model: Any) -> None:
    """Re-run post-load processing of every layer whose weight another layer shares."""
    holders: dict[int, list[Any]] = {}
    for module in model.modules():
        weight = module.__dict__.get("_parameters", {}).get("weight")
        if weight is not None and not weight.is_meta and weight.numel():
            holders.setdefault(id(weight), []).append(module)
    for modules in holders.values():
        if len(modules) < 2:
            continue
        for module in modules:
            method = getattr(module, "quant_method", None)
            process = getattr(method, "process_weights_after_loading", None)
            if callable(process):
                process(module)
