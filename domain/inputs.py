"""Facts from outside the desk, positioned in their source so re-feeding is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.events import Payload

# Rupees a share: far above any listed NSE equity; a price above it is a feed error.
MAX_SHARE_PRICE = Decimal("10000000")
# What a symbol looks like (NSE trading symbols, as `domain.values.Symbol` takes them).
SYMBOL_PATTERN = r"^[A-Z0-9][A-Z0-9&\-]{0,19}$"


@dataclass(frozen=True)
class InputFact:
    """One outside fact: it lands at `version` of `stream_id`, at desk time `occurred_at`."""

    stream_id: str
    version: int
    payload: Payload
    occurred_at: datetime
    source: str  # the adapter that produced it, recorded as the event's actor
