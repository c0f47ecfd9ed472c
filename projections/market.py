"""Market: the last closed bar per symbol, as the desk knows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.events import BarClosed, Payload


@dataclass(frozen=True)
class LastBar:
    start: datetime
    end: datetime
    close: Decimal
    volume: int


def apply_market(last_bars: dict[str, LastBar], payload: Payload) -> None:
    """Fold one event into the last-bar view."""
    if isinstance(payload, BarClosed):
        last_bars[payload.symbol] = LastBar(
            payload.start, payload.end, payload.close, payload.volume
        )
