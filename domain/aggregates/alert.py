"""Alerts and expiry warnings on the write side: the stream is what stops flapping.

An `Alert` stream alternates fired, cleared, fired...: a second firing while one is open
is not recorded, nor a clearing with nothing open, whoever evaluates and however often
the evaluator restarts. An `ExpiryWarning` is recorded at most once per card.
"""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events import AlertCleared, AlertFired, CardExpiring
from domain.ids import ALERT_PREFIX, EXPIRY_WARNING_PREFIX


class Alert(Aggregate):
    """One rule's alert for one subject: open (fired, not yet cleared) or not."""

    stream_prefix = ALERT_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.firing = False

    def fire(self, fired: AlertFired, cause: Cause) -> bool:
        """Record the firing unless one is already open; True when recorded."""
        if self.firing:
            return False
        self._record(fired, cause)
        return True

    def clear(self, cleared: AlertCleared, cause: Cause) -> bool:
        """Record the clearing of the open firing; True when recorded."""
        if not self.firing:
            return False
        self._record(cleared, cause)
        return True

    def _on_alert_fired(self, e: AlertFired) -> None:
        self.firing = True

    def _on_alert_cleared(self, e: AlertCleared) -> None:
        self.firing = False


class ExpiryWarning(Aggregate):
    """The one warning that a card is about to expire."""

    stream_prefix = EXPIRY_WARNING_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.warned = False

    def warn(self, warning: CardExpiring, cause: Cause) -> bool:
        """Record the warning unless it was given; True when recorded."""
        if self.warned:
            return False
        self._record(warning, cause)
        return True

    def _on_card_expiring(self, e: CardExpiring) -> None:
        self.warned = True
