"""A delivery: one event's message to one operator channel, sent at most once."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events import NotificationFailed, NotificationSent
from domain.ids import NOTIFY_PREFIX


class Delivery(Aggregate):
    """Guards at-most-once sending per (event, channel) and counts the attempts."""

    stream_prefix = NOTIFY_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.sent = False
        self.attempts = 0
        self.message_id = ""  # the channel's id for the sent message
        self.given_up = False  # refused for good: not tried again

    def record_sent(self, sent: NotificationSent, cause: Cause) -> None:
        """Record the channel's acceptance (a second one for the same delivery is ignored)."""
        if not self.sent:
            self._record(sent, cause)

    def record_failed(self, failed: NotificationFailed, cause: Cause) -> None:
        """Record a failed attempt with the reason; nothing once it was sent."""
        if not self.sent:
            self._record(failed, cause)

    def _on_notification_sent(self, e: NotificationSent) -> None:
        self.sent = True
        self.attempts = e.attempt
        self.message_id = e.message_id

    def _on_notification_failed(self, e: NotificationFailed) -> None:
        self.attempts = e.attempt
        self.given_up = e.given_up
