"""The Upstox instrument master (the daily gzipped JSON), as the desk needs it: a symbol's
`instrument_key` (`NSE_EQ|<ISIN>`), its tick and lot, and back from a key to a symbol."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

EQUITY_SEGMENT = "NSE_EQ"
# The JSON master gives `tick_size` in paise (the deprecated CSV gave rupees, e.g. 0.05).
TICK_UNIT = Decimal("0.01")


@dataclass(frozen=True)
class Instrument:
    """One NSE equity as Upstox lists it."""

    symbol: str  # the exchange trading symbol, the desk's symbol
    isin: str
    instrument_key: str
    tick_size: Decimal  # rupees
    lot_size: int


class InstrumentTable:
    """NSE equities by symbol, ISIN and instrument key."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._by_symbol = {i.symbol: i for i in instruments}
        self._by_key = {i.instrument_key: i for i in self._by_symbol.values()}
        self._by_isin = {i.isin: i for i in self._by_symbol.values()}

    def __len__(self) -> int:
        return len(self._by_symbol)

    def lookup(self, symbol: str, isin: str = "") -> Instrument | None:
        """The instrument for a desk symbol, else for its ISIN (a renamed symbol)."""
        return self._by_symbol.get(symbol) or self._by_isin.get(isin)

    def by_key(self, instrument_key: str) -> Instrument | None:
        """The instrument Upstox names by this key."""
        return self._by_key.get(instrument_key)

    def symbol_of(self, instrument_key: str, trading_symbol: str = "") -> str:
        """The desk symbol for an Upstox key; the venue's own symbol when it is unknown."""
        known = self._by_key.get(instrument_key)
        if known is not None:
            return known.symbol
        return trading_symbol.removesuffix("-EQ") or instrument_key


def parse_instruments(rows: Iterable[Mapping[str, Any]]) -> InstrumentTable:
    """The NSE equity rows of an instruments JSON; other segments are left out."""
    found = []
    for row in rows:
        if row.get("segment") != EQUITY_SEGMENT or not row.get("instrument_key"):
            continue
        found.append(Instrument(
            symbol=str(row["trading_symbol"]),
            isin=str(row.get("isin") or ""),
            instrument_key=str(row["instrument_key"]),
            tick_size=Decimal(str(row.get("tick_size") or 5)) * TICK_UNIT,
            lot_size=int(row.get("lot_size") or 1),
        ))
    return InstrumentTable(found)


def parse_instruments_file(payload: bytes) -> InstrumentTable:
    """The table from the downloaded file, gzipped or not."""
    raw = gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload
    rows = json.loads(raw)
    if not isinstance(rows, list):
        raise ValueError("the instruments file is not a JSON list")
    return parse_instruments(rows)


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """`price` on the instrument's tick grid (nearest tick, halves up)."""
    ticks = (price / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (ticks * tick).quantize(TICK_UNIT)
