"""A scored signal: a write-once stream holding its one decision."""

from __future__ import annotations

from domain.aggregates.base import Aggregate, Cause
from domain.events import Envelope, Payload


class Signal(Aggregate):
    """A signal's one decision: scored or filtered."""

    def decide(self, payload: Payload, cause: Cause) -> Envelope | None:
        """Record the decision once; None when the signal was already decided."""
        if self.exists:
            return None
        return self._record(payload, cause)
