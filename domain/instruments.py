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


# Market indices whose bars the desk takes without their being instruments it trades: a
# funding plan's drawdown tranche watches one ("tranche of 2 lakh if Nifty falls 10%"), and
# the intake writes its name upper-cased without spaces.
REFERENCE_INDICES = frozenset({
    "NIFTY", "NIFTY50", "BANKNIFTY", "NIFTYBANK", "FINNIFTY", "MIDCPNIFTY", "NIFTYNEXT50",
    "NIFTYIT", "NIFTYMIDCAP100", "NIFTY500", "SENSEX", "BANKEX", "INDIAVIX",
})
