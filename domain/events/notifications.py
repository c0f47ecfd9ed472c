"""Notifications: what the outbox delivered to an operator's channel, or why it could not.

A delivery lives on its own stream, one per (event, channel), so a message is sent at most
once per channel however often the outbox restarts; a failure keeps the attempt number
and the reason, and the outbox tries again later.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.events.envelope import Payload, register


@register
class NotificationSent(Payload):
    """The channel accepted a message about `event_id` for `operator`."""

    event_id: UUID
    about_type: str  # the type of the event the message is about
    channel: str
    operator: str
    message_id: str  # the channel's id for the message (Telegram: chat:message_id)
    attempt: int


@register
class NotificationFailed(Payload):
    """The channel refused or could not be reached; the outbox retries after a backoff."""

    event_id: UUID
    about_type: str  # the type of the event the message is about
    channel: str
    operator: str
    attempt: int
    reason: Annotated[str, Field(max_length=500)]
    given_up: bool = False  # a permanent refusal (e.g. the chat blocked the bot): no retry
