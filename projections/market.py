"""Market: the last closed bar per symbol, as the desk knows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import BarClosed, Envelope

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass(frozen=True)
class LastBar:
    start: datetime
    end: datetime
    close: Decimal
    volume: int


def apply_market(view: DeskView, event: Envelope) -> None:
    """Fold one event into the last-bar view."""
    last_bars, payload = view.market, event.payload
    if isinstance(payload, BarClosed):
        last_bars[payload.symbol] = LastBar(
            payload.start, payload.end, payload.close, payload.volume
        )
