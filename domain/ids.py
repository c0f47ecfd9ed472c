"""Identifiers: time-ordered UUIDv7 event ids and readable, deterministic stream ids.

Pure: the caller supplies the time and the entropy, so replays and backtests can
regenerate the same ids.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def uuid7(at: datetime, entropy: bytes) -> UUID:
    """A UUIDv7 whose first 48 bits are `at` in Unix milliseconds (RFC 9562 layout)."""
    millis = ((at - _EPOCH) // _MILLISECOND) & ((1 << 48) - 1)
    rand = int.from_bytes(hashlib.blake2b(entropy, digest_size=10).digest(), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return UUID(int=value)


def short_hash(*parts: str, length: int = 10) -> str:
    """A short, stable hex digest of `parts`, for deterministic ids derived from inputs."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return digest[:length]
