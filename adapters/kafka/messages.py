"""Decoding a desk message from Kafka, with the reason when it cannot be used. No I/O."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from adapters.kafka.topics import LOG_TOPIC, topic_for
from domain.events import Envelope

MAX_MESSAGE_BYTES = 1_000_000


class BadMessage(ValueError):
    """A message that must go to the dead-letter topic, with the reason."""


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace")
    return None


def decode(topic: str, value: bytes | None, headers: Iterable[tuple[str, bytes]] | None
           ) -> tuple[int, Envelope]:
    """The log position and envelope a message carries, or `BadMessage` saying why not."""
    if value is None:
        raise BadMessage("empty message (no value)")
    if len(value) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"oversized message: {len(value)} bytes > {MAX_MESSAGE_BYTES}")
    raw_position = header(headers, "notification_id")
    if raw_position is None or not raw_position.isdigit() or int(raw_position) < 1:
        raise BadMessage(f"missing or invalid notification_id header: {raw_position!r}")
    try:
        envelope = Envelope.model_validate_json(value)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise BadMessage(f"invalid envelope: {where}: {first['msg']}") from None
    except ValueError as e:
        raise BadMessage(f"undecodable envelope: {e}") from None
    if topic != LOG_TOPIC:
        try:
            expected = topic_for(envelope.type)
        except KeyError:
            raise BadMessage(f"event type {envelope.type} has no topic") from None
        if expected != topic:
            raise BadMessage(f"{envelope.type} belongs on {expected}, not {topic}")
    return int(raw_position), envelope
