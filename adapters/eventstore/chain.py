"""The tamper-evident hash chain over the global event order.

Each stored event's link covers the previous link, its notification id, stream, version,
type and exact stored bytes: editing, deleting or reordering any stored event breaks every
link from that point on. With a chain key (`chain_keys.py`) a link is an HMAC-SHA256 and
reads `hmac-sha256:<key id>:<hex>`: someone who can write to the database but does not hold
the key cannot recompute the chain after an edit. Without a key a link is a plain SHA-256
(64 hex digits), which proves internal consistency only.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

GENESIS = "0" * 64
KEYED_PREFIX = "hmac-sha256:"


@dataclass(frozen=True)
class ChainKey:
    """One chain key: its public id (a fingerprint, safe to print) and its secret."""

    key_id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never print the secret
        return f"ChainKey({self.key_id!r})"


def key_id_of(secret: bytes) -> str:
    """The printable id of a chain key: a fingerprint that does not reveal it."""
    return hashlib.sha256(b"eventdesk-chain-key\x00" + secret).hexdigest()[:16]


def _linked(previous: str, notification_id: int, stream_id: str, stream_version: int,
            topic: str) -> bytes:
    return (previous.encode()
            + f"\x1e{notification_id}\x1e{stream_id}\x1e{stream_version}\x1e{topic}\x1e".encode())


def chain_hash(
    previous: str, notification_id: int, stream_id: str, stream_version: int, topic: str,
    state: bytes, key: ChainKey | None = None,
) -> str:
    """The link of one stored event: plain SHA-256 hex, or `hmac-sha256:<id>:<hex>` keyed."""
    head = _linked(previous, notification_id, stream_id, stream_version, topic)
    if key is None:
        h = hashlib.sha256(head)
        h.update(state)
        return h.hexdigest()
    mac = _keyed(key.secret).copy()  # copying the keyed state skips re-deriving it per link
    mac.update(head)
    mac.update(state)
    return f"{KEYED_PREFIX}{key.key_id}:{mac.hexdigest()}"


@lru_cache(maxsize=8)
def _keyed(secret: bytes) -> hmac.HMAC:
    return hmac.new(secret, digestmod=hashlib.sha256)


def link_key_id(link: str) -> str | None:
    """The id of the key a stored link was made with, or None for an unkeyed link."""
    if not link.startswith(KEYED_PREFIX):
        return None
    return link[len(KEYED_PREFIX):].split(":", 1)[0]
