"""The tamper-evident hash chain over the global event order.

Each stored event's hash covers the previous event's hash, its notification id, stream,
version, type and exact stored bytes: editing, deleting or reordering any stored event
breaks every hash from that point on.
"""

from __future__ import annotations

import hashlib

GENESIS = "0" * 64


def chain_hash(
    previous: str, notification_id: int, stream_id: str, stream_version: int, topic: str,
    state: bytes,
) -> str:
    """The chained SHA-256 of one stored event, as hex."""
    h = hashlib.sha256()
    h.update(previous.encode())
    h.update(f"\x1e{notification_id}\x1e{stream_id}\x1e{stream_version}\x1e{topic}\x1e".encode())
    h.update(state)
    return h.hexdigest()
