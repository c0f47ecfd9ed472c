"""The exchange behind the Kite fake for a replayed day: each bar fills the desk's entries
and fires their exits GTTs as the paper broker would fill the same brackets (its matching
rules, so a day traded at the fake ends as it does on paper), at the bar's time.

Kite has no bracket: the adapter arms the two-leg GTT once it sees the entry filled, so
`settle` waits for every filled entry's GTT before the next bar can fire it. An intraday
square-off fires the GTT's stop leg at the square-off price.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from adapters.brokers.paper.broker import PaperBroker
from devtools.venues.zerodha import KiteFake
from domain.broker import UpdateKind, WorkingOrder
from domain.events import BarClosed
from domain.values import Leg

LEGS = {Leg.ENTRY: Leg.ENTRY, Leg.TARGET: Leg.TARGET, Leg.STOP: Leg.STOP,
        Leg.SQUARE_OFF: Leg.STOP}
ARMING_SECONDS = 10.0


class KiteExchange:
    """Fills the Kite fake's entries and GTTs from bars by the paper broker's rules."""

    def __init__(self, fake: KiteFake) -> None:
        self.fake = fake
        self._rules = PaperBroker()

    def trade(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[tuple[str, Leg]]:
        """Fill what `bar` fills of the `working` brackets; the (order id, leg) filled."""
        filled = []
        self.fake.clock = lambda: bar.end
        for update in self._rules.updates(bar, working):
            leg = LEGS.get(update.leg)
            if update.kind is not UpdateKind.FILLED or update.price is None or leg is None:
                continue
            self.fake.fill(update.order_id, leg, update.price)
            filled.append((update.order_id, update.leg))
        return filled

    async def settle(self) -> None:
        """Wait until every filled entry has its exits GTT at the fake."""
        deadline = asyncio.get_running_loop().time() + ARMING_SECONDS
        while self._unarmed():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"exits never armed for tags {sorted(self._unarmed())}")
            await asyncio.sleep(0.01)

    def _unarmed(self) -> set[str]:
        armed = {tag for tags in self.fake.gtt_tags.values() for tag in tags}
        return {str(o["tag"]) for o in self.fake.orders.values()
                if o["tag"] and o["transaction_type"] == "BUY" and o["status"] == "COMPLETE"
                and str(o["tag"]) not in armed}
