"""A generic signed webhook: each message POSTed as JSON to one URL, signed so the receiver
knows it came from the desk and is fresh.

    X-Desk-Timestamp: <unix seconds>
    X-Desk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body bytes>" under the secret>

(the same scheme the desk's own signed ingest webhook checks, `api.signing`). Bodies:
`{"kind": "message", "chat", "text", "card_id", "nonce"}` and, once a card is decided,
`{"kind": "edit", "message_id", "text", "nonce"}`. The nonce is fresh on every attempt, so
a retry within the same second is not taken for a replay by a receiver that refuses
signatures it has seen (as the desk's own does). A receiver answers 2xx (optionally `{"id": …}`
naming the message); anything else is a failure the outbox retries with backoff, except
refusals that asking again cannot change (400, 404, 410, 413, 422).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from domain.notify import DeliveryError, Message

CHANNEL = "webhook"
TIMESTAMP_HEADER = "X-Desk-Timestamp"
SIGNATURE_HEADER = "X-Desk-Signature"
PERMANENT = frozenset({400, 404, 410, 413, 422})


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `X-Desk-Signature` value of `body` sent at `timestamp`."""
    return "sha256=" + hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _retry_after(header: str | None) -> float:
    try:
        return max(0.0, float(header or 0))
    except ValueError:  # an HTTP date: back off by the outbox's own rule
        return 0.0


class WebhookNotifier:
    """POSTs signed JSON to `url`; `now` gives the Unix time each request is signed at."""

    channel = CHANNEL

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout_seconds: float = 10.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._secret = secret
        self._now = now
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"WebhookNotifier({self.url}, <secret hidden>)"

    async def post(self, document: dict[str, Any]) -> Any:
        """POST one signed document; the receiver's JSON answer (or None)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        attempt = {**document, "nonce": secrets.token_hex(8)}
        body = json.dumps(attempt, separators=(",", ":"), ensure_ascii=False).encode()
        stamp = int(self._now())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: signature(self._secret, stamp, body),
        }
        try:
            async with self._session.post(self.url, data=body, headers=headers) as response:
                if not 200 <= response.status < 300:
                    raise DeliveryError(
                        f"webhook http {response.status}",
                        _retry_after(response.headers.get("Retry-After")),
                        permanent=response.status in PERMANENT,
                    )
                try:
                    return await response.json(content_type=None)
                except ValueError:
                    return None
        except TimeoutError:
            raise DeliveryError("webhook: timed out") from None
        except aiohttp.ClientError as e:
            raise DeliveryError(f"webhook: {type(e).__name__}") from None

    async def send(self, chat: str, message: Message) -> str:
        """Deliver `message` (addressed to `chat`); the receiver's id for it, else the
        body's digest."""
        document = {
            "kind": "message",
            "chat": chat,
            "text": message.text,
            "card_id": message.card_id or None,
        }
        answer = await self.post(document)
        if isinstance(answer, dict) and answer.get("id"):
            return str(answer["id"])[:200]
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        return f"{chat}:{digest[:16]}"

    async def edit(self, message_id: str, text: str) -> None:
        """Tell the receiver what a sent message now says (a decided card)."""
        await self.post({"kind": "edit", "message_id": message_id, "text": text})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
