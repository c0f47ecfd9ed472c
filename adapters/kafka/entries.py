"""What the relay sends for each stored event: the messages, their keys and headers. No I/O.

An event goes to its domain topic and to `desk.log` with the same bytes and headers; one
this code cannot decode or route goes to `desk.log` and `desk.deadletter` instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog
from eventsourcing.persistence import Notification

from adapters.kafka.topics import (
    DEADLETTER_TOPIC,
    LOG_TOPIC,
    UnroutableEvent,
    headers_for,
    key_for,
    log_key_for,
    topic_for,
)
from domain.events import Envelope

log = structlog.get_logger("eventdesk.relay")


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Entry:
    """One log position and the messages that carry its event."""

    position: int
    correlation_id: str
    messages: tuple[Message, ...]


def entry_for(notification: Notification) -> Entry:
    """The messages for one stored event: its domain topic and `desk.log`, with the same
    bytes and headers. An event this code cannot decode or route goes to `desk.log` and
    `desk.deadletter` instead, so the log stays complete and nothing is skipped."""
    value = bytes(notification.state)
    try:
        envelope = Envelope.model_validate_json(value)
    except ValueError as exc:
        return _dead_letter(notification, value, _raw_headers(notification, value), exc)
    headers = headers_for(notification.id, envelope)
    try:
        topic, key = topic_for(envelope.type), key_for(envelope)
    except UnroutableEvent as exc:
        return _dead_letter(notification, value, headers, exc)
    return Entry(
        notification.id,
        envelope.correlation_id,
        (
            Message(topic, key, value, headers),
            Message(LOG_TOPIC, log_key_for(envelope), value, headers),
        ),
    )


def _raw_headers(notification: Notification, value: bytes) -> list[tuple[str, bytes]]:
    """The usual headers, read from the stored record and whatever of its JSON parses."""
    try:
        raw = json.loads(value)
    except ValueError:
        raw = None
    fields = raw if isinstance(raw, dict) else {}
    return [
        ("notification_id", str(notification.id).encode("ascii")),
        ("event_id", str(fields.get("event_id", "")).encode()),
        ("event_type", notification.topic.encode()),
        ("stream_id", str(notification.originator_id).encode()),
        ("stream_version", str(notification.originator_version).encode()),
        ("correlation_id", str(fields.get("correlation_id", "")).encode()),
    ]


def _dead_letter(
    notification: Notification, value: bytes, headers: list[tuple[str, bytes]], exc: Exception
) -> Entry:
    reason = f"{type(exc).__name__}: {exc}"[:1000]
    correlation_id = dict(headers)["correlation_id"].decode()
    log.error(
        "relay.dead_letter", position=notification.id, stream_id=notification.originator_id,
        event_type=notification.topic, correlation_id=correlation_id, reason=reason,
    )
    key = str(notification.originator_id).encode()
    return Entry(
        notification.id,
        correlation_id,
        (
            Message(LOG_TOPIC, key, value, headers),
            Message(DEADLETTER_TOPIC, key, value, [*headers, ("error", reason.encode())]),
        ),
    )
