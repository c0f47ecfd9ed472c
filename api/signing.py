"""Signed webhook bodies: HMAC-SHA256 over the timestamp and the body, within a window.

A sender sets `X-Desk-Timestamp` (Unix seconds) and `X-Desk-Signature: sha256=<hex>`, the
hex HMAC-SHA256 of `<timestamp>.<body bytes>` under the shared key. A timestamp outside the
replay window, or a signature already used inside it, is refused, so a captured request
cannot be sent again. The key comes from `$DESK_INGEST_KEY` or from the owner-only file
named by `$DESK_INGEST_KEY_FILE`; it is never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path

TIMESTAMP_HEADER = "X-Desk-Timestamp"
SIGNATURE_HEADER = "X-Desk-Signature"
KEY_ENV = "DESK_INGEST_KEY"
KEY_FILE_ENV = "DESK_INGEST_KEY_FILE"
REPLAY_WINDOW_S = 300
MIN_KEY_BYTES = 32
_PREFIX = "sha256="


class SigningConfigError(ValueError):
    """The ingest key cannot be used (the message never contains the key)."""


class SignatureRefused(Exception):
    """A signed request that does not verify; the message says why, without secrets."""


def sign(key: bytes, timestamp: int, body: bytes) -> str:
    """The `X-Desk-Signature` value for `body` sent at `timestamp`."""
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256)
    return _PREFIX + mac.hexdigest()


def load_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """The ingest key from the environment or its owner-only file; None when neither is set."""
    env = os.environ if env is None else env
    text = env.get(KEY_ENV, "")
    if not text and env.get(KEY_FILE_ENV):
        path = Path(env[KEY_FILE_ENV])
        try:
            mode = path.stat().st_mode
        except OSError as e:
            raise SigningConfigError(f"{KEY_FILE_ENV}: cannot read {path}: "
                                     f"{e.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningConfigError(
                f"{KEY_FILE_ENV}: {path} is readable by others; chmod 600 it")
        text = path.read_text()
    key = text.strip().encode()
    if not key:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise SigningConfigError(f"the ingest key is shorter than {MIN_KEY_BYTES} bytes")
    return key


class SignatureCheck:
    """Verifies signed bodies against one key; remembers signatures used in the window."""

    def __init__(self, key: bytes, window_s: int = REPLAY_WINDOW_S,
                 now: Callable[[], float] = time.time) -> None:
        self._key = key
        self._window = window_s
        self._now = now
        self._used: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"SignatureCheck(window_s={self._window})"

    def verify(self, timestamp: str, signature: str, body: bytes) -> None:
        """Return when the body verifies and is fresh; `SignatureRefused` saying why."""
        try:
            sent = int(timestamp)
        except ValueError:
            raise SignatureRefused(f"{TIMESTAMP_HEADER} is not Unix seconds") from None
        now = self._now()
        if abs(now - sent) > self._window:
            raise SignatureRefused(
                f"{TIMESTAMP_HEADER} is {int(now - sent)} s from the desk's clock; the "
                f"window is ±{self._window} s")
        if not hmac.compare_digest(sign(self._key, sent, body), signature.strip()):
            raise SignatureRefused("signature does not match the body and timestamp")
        self._used = {s: t for s, t in self._used.items() if now - t <= self._window}
        if signature in self._used:
            raise SignatureRefused("this signed request was already received (replay)")
        self._used[signature] = float(sent)
