"""The exchange behind the IBKR gateway fake for a replayed day: each bar fills the desk's
brackets (parent and children) as the paper broker would fill the same brackets (its
matching rules, so a day traded at the fake ends as it does on paper), at the bar's time.

An intraday square-off fills through the bracket's stop child at the square-off price (the
bracket has no square-off order of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from adapters.brokers.paper.broker import PaperBroker
from devtools.venues.ibkr import IbkrGateway
from domain.broker import UpdateKind, WorkingOrder
from domain.events import BarClosed
from domain.values import Leg

LEGS = {Leg.ENTRY: Leg.ENTRY, Leg.TARGET: Leg.TARGET, Leg.STOP: Leg.STOP,
        Leg.SQUARE_OFF: Leg.STOP}


class IbkrExchange:
    """Fills the fake gateway's brackets from bars by the paper broker's rules."""

    def __init__(self, gateway: IbkrGateway, coid_of: Callable[[str], str]) -> None:
        self.gateway = gateway
        self.coid_of = coid_of  # the adapter's: desk order id -> the parent's cOID
        self._rules = PaperBroker()

    def trade(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[tuple[str, Leg]]:
        """Fill what `bar` fills of the `working` brackets; the (order id, leg) filled."""
        filled = []
        self.gateway.clock = bar.end.timestamp
        for update in self._rules.updates(bar, working):
            leg = LEGS.get(update.leg)
            if update.kind is not UpdateKind.FILLED or update.price is None or leg is None:
                continue
            self.gateway.fill(self.coid_of(update.order_id), leg, update.price)
            filled.append((update.order_id, update.leg))
        return filled

    async def settle(self) -> None:
        """Nothing follows a fill by itself here: the bracket's exits are already held."""
