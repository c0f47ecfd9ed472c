"""Facts from outside the desk, positioned in their source so re-feeding is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.events import Payload


@dataclass(frozen=True)
class InputFact:
    """One outside fact: it lands at `version` of `stream_id`, at desk time `occurred_at`."""

    stream_id: str
    version: int
    payload: Payload
    occurred_at: datetime
    source: str  # the adapter that produced it, recorded as the event's actor
