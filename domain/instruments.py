"""The instrument master: what the desk knows about each tradable symbol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Instrument:
    symbol: str
    isin: str
    name: str
    sector: str
    lot_size: int
    tick_size: Decimal
    adv_value: Decimal | None = None  # 20-session average daily traded value, rupees
