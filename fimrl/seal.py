"""Sealed verify messages: workers trust only what fimrl itself sent.

Workers check what a Redis message says (the candidate's middle, the task's reference) and
store the verdict it earns. Anyone who can write to Redis could otherwise forge a message
whose middle equals its reference and get ``pass`` stored for a candidate whose stored middle
is garbage, or forge a retry that carries a ready-made ``pass`` verdict. So every message is
sealed with an HMAC-SHA256 over its canonical JSON, keyed by a secret shared by the processes
that send and check (``message_key``; unset, a random key kept in the state dir, mode 0600,
which every process on one host shares). A worker drops a message whose seal does not match
(logged), and re-seals the state it carries into a retry.

An HMAC costs microseconds per message; reading each candidate back from PostgreSQL instead
would cost a database round trip on the hottest path (see ``bench_verify``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fimrl.config import Settings
from fimrl.errors import FimrlError

__all__ = ["SEAL", "ForgedMessage", "message_key", "seal", "unseal"]

#: The message field that carries the seal.
SEAL = "seal"
KEY_FILE = "message.key"


class ForgedMessage(ValueError):
    """A verify message without a valid seal: not sent by a process that holds the key."""


def _key_file(state_dir: Path) -> bytes:
    """The state dir's key, created once (atomically: concurrent first users agree)."""
    path = Path(state_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # fails if another process made it first: theirs wins
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise FimrlError(f"{path} holds no usable message key; delete it to make a new one")
    return key.encode()


def message_key(settings: Settings) -> bytes:
    """The configured key, else the state dir's."""
    if settings.message_key is not None:
        return settings.message_key.get_secret_value().encode()
    return _key_file(settings.state_dir)


def _digest(key: bytes, message: Mapping[str, Any]) -> str:
    body = {k: v for k, v in message.items() if k != SEAL}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def seal(key: bytes, message: Mapping[str, Any]) -> dict[str, Any]:
    """``message`` with its seal."""
    return {**message, SEAL: _digest(key, message)}


def unseal(key: bytes, message: Any) -> dict[str, Any]:
    """The message without its seal, if the seal matches; :class:`ForgedMessage` if not."""
    if not isinstance(message, Mapping):
        raise ForgedMessage(f"not a mapping: {type(message).__name__}")
    given = message.get(SEAL)
    if not isinstance(given, str):
        raise ForgedMessage("no seal")
    try:
        expected = _digest(key, message)
    except (TypeError, ValueError) as exc:
        raise ForgedMessage(f"unsealable content: {exc}") from exc
    if not hmac.compare_digest(given, expected):
        raise ForgedMessage("seal does not match (forged, altered, or sent with another key)")
    return {k: v for k, v in message.items() if k != SEAL}
