"""Kite's two checksums: the login exchange (request token -> access token) and the one
that proves a postback came from Kite. Pure functions; nothing here is ever logged."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from adapters.brokers.zerodha.parsing import loads
from domain.venue import VenueError, VenueErrorKind


def login_checksum(api_key: str, request_token: str, api_secret: str) -> str:
    """SHA-256 of api_key + request_token + api_secret, hex: `POST /session/token`'s checksum."""
    return hashlib.sha256((api_key + request_token + api_secret).encode()).hexdigest()


def postback_checksum(order_id: str, order_timestamp: str, api_secret: str) -> str:
    """SHA-256 of order_id + order_timestamp + api_secret, hex: what a genuine postback carries."""
    return hashlib.sha256((order_id + order_timestamp + api_secret).encode()).hexdigest()


def parse_postback(body: bytes, api_secret: str) -> Mapping[str, Any]:
    """A postback's order row, once its checksum proves Kite sent it; a clear refusal else."""
    try:
        row = loads(body.decode())
    except (UnicodeDecodeError, ValueError):
        raise VenueError(VenueErrorKind.REJECTED, "postback is not JSON") from None
    if not isinstance(row, dict) or not {"order_id", "order_timestamp", "checksum"} <= set(row):
        raise VenueError(VenueErrorKind.REJECTED,
                         "postback lacks order_id, order_timestamp or checksum")
    expected = postback_checksum(str(row["order_id"]), str(row["order_timestamp"]), api_secret)
    if not hmac.compare_digest(expected, str(row["checksum"])):
        raise VenueError(VenueErrorKind.REJECTED, "postback checksum does not match")
    return row
