"""Whether a full-weight checkpoint fits the model an engine serves, read from headers only.

An engine that reloads weights in place (vLLM) has no second copy of the model to fall back
on: a checkpoint that fails half-way through loading leaves it serving a mix of two policies.
So before any weight is touched, the checkpoint's tensor names and shapes are compared with
those of the model the engine was started from. Only the safetensors headers are read (a few
KB), never the tensors.
"""

from __future__ import annotations

from pathlib import Path

from fimrl.errors import FimrlError

__all__ = ["CheckpointMismatchError", "check_same_shapes", "safetensors_files", "tensor_shapes"]

#: Tied input/output embeddings: one side may store the output projection, the other not.
_TIED_OPTIONAL = frozenset({"lm_head.weight"})


class CheckpointMismatchError(FimrlError, ValueError):
    """The checkpoint cannot be the served model's weights (unreadable, names, shapes)."""


def safetensors_files(directory: Path) -> list[Path]:
    """The checkpoint's ``*.safetensors`` files in name order; an error if it has none."""
    files = sorted(Path(directory).glob("*.safetensors"))
    if not files:
        raise CheckpointMismatchError(f"no *.safetensors in checkpoint {directory}")
    return files


def tensor_shapes(directory: Path) -> dict[str, tuple[int, ...]]:
    """``name -> shape`` of every tensor in the ``*.safetensors`` files of ``directory``."""
    from safetensors import safe_open

    shapes: dict[str, tuple[int, ...]] = {}
    for file in safetensors_files(directory):
        try:
            with safe_open(str(file), framework="pt", device="cpu") as handle:
                for name in handle.keys():  # noqa: SIM118 - safe_open handles are not mappings
                    shapes[name] = tuple(handle.get_slice(name).get_shape())
        except Exception as exc:  # a truncated or foreign file: safetensors' own error types
            raise CheckpointMismatchError(f"cannot read {file}: {exc}") from exc
    return shapes


def check_same_shapes(checkpoint: Path, served: Path) -> int:
    """Raise :class:`CheckpointMismatchError` unless ``checkpoint`` fits ``served``.

    Returns the number of tensors the checkpoint holds.
    """
    new, old = tensor_shapes(checkpoint), tensor_shapes(served)
    missing = sorted(set(old) - set(new) - _TIED_OPTIONAL)
    unknown = sorted(set(new) - set(old) - _TIED_OPTIONAL)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} (e.g. {missing[0]})")
        if unknown:
            parts.append(f"{len(unknown)} the model does not have (e.g. {unknown[0]})")
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} is not this model's weights: {'; '.join(parts)}"
        )
    for name in sorted(set(new) & set(old)):
        if new[name] != old[name]:
            raise CheckpointMismatchError(
                f"checkpoint {checkpoint}: {name} has shape {list(new[name])}, the served "
                f"model {list(old[name])}"
            )
    return len(new)
