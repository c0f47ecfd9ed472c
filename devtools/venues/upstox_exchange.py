"""The exchange behind the Upstox fake for a replayed day: each bar fills the desk's GTTs
as the paper broker would fill the same brackets (its matching rules, so a day traded at
the fake ends as it does on paper), at the bar's time.

An intraday square-off fills through the GTT's STOPLOSS rule at the square-off price (a
GTT has no square-off leg of its own).
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.brokers.paper.broker import PaperBroker
from adapters.brokers.upstox.journal import GttJournal
from devtools.venues.upstox import FakeUpstox
from domain.broker import UpdateKind, WorkingOrder
from domain.events import BarClosed
from domain.values import Leg

STRATEGIES = {Leg.ENTRY: "ENTRY", Leg.TARGET: "TARGET", Leg.STOP: "STOPLOSS",
              Leg.SQUARE_OFF: "STOPLOSS"}


class UpstoxExchange:
    """Fills the fake's GTTs from bars by the paper broker's rules."""

    def __init__(self, fake: FakeUpstox, journal: GttJournal) -> None:
        self.fake = fake
        self.journal = journal  # the adapter's: desk order id -> GTT id
        self._rules = PaperBroker()

    def trade(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[tuple[str, Leg]]:
        """Fill what `bar` fills of the `working` brackets; the (order id, leg) filled."""
        filled = []
        self.fake.clock = lambda: bar.end
        for update in self._rules.updates(bar, working):
            gtt = self.journal.gtt_id(update.order_id)
            if update.kind is not UpdateKind.FILLED or update.price is None or not gtt:
                continue
            self.fake.fill_rule(gtt, STRATEGIES[update.leg], update.price)
            filled.append((update.order_id, update.leg))
        return filled

    async def settle(self) -> None:
        """Nothing follows a fill by itself here: the bracket's exits are already held."""
