"""The sample day traded at a remote venue: every account routed there, the venue's
exchange filling from the day's bars, the desk's orders sent by the router and its fills
coming back on the venue's update stream, reconciled at the end of the day."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from adapters.files.sample import load_instruments
from domain.broker import WorkingOrder
from domain.events import BarClosed, Recorded
from domain.values import Leg
from projections.desk import DeskView
from projections.orders import working as as_working
from streams.bootstrap import Desk, bootstrap
from streams.demo import save_live_view
from streams.feed import open_accounts, sample_day
from streams.ports import Clock, Venue
from streams.process_managers.auto_approver import DEMO_POLICY
from streams.routing.reconcile import Reconciled
from streams.routing.routes import VenueRoutes
from streams.routing.session import VenueSession

FILL_WAIT_SECONDS = 10.0


class Exchange(Protocol):
    """Where a replayed day's bars fill the venue's orders (a local fake's exchange)."""

    def trade(self, bar: BarClosed, working: Sequence[WorkingOrder]) -> list[tuple[str, Leg]]:
        """Fill what `bar` fills of the `working` brackets; the (order id, leg) filled."""
        ...

    async def settle(self) -> None:
        """Return once the venue has done what follows those fills by itself (Kite: the
        adapter arms a filled entry's exits), so the next bar finds them."""
        ...


async def run_venue_demo(store_url: str, directory: Path, operator: str, clock: Clock,
                         venue: Venue, exchange: Exchange) -> tuple[Desk, Reconciled]:
    """Run the sample day with every account at `venue`; the desk and the last
    reconciliation. Before each instant's bars reach the desk, the exchange fills from them
    and the desk records those fills, as the paper broker's fills come first in a step."""
    routes = VenueRoutes(default=venue.name)
    desk = bootstrap(store_url, load_instruments(directory / "instruments.csv"),
                     approver=DEMO_POLICY, clock=clock, routes=routes)

    def pump(_: list[Recorded]) -> None:
        desk.runtime.pump()

    session = VenueSession(desk.store, venue, desk.instruments, routes,
                           lambda: desk.runtime.view, clock, pump)
    day = sample_day(directory)
    open_accounts(desk.store, clock, desk.runtime.execute, day.accounts,
                  f"operator:{operator}", day.day)
    listening = asyncio.create_task(session.listen())
    try:
        for group in day.groups():
            bars = [f.payload for f in group if isinstance(f.payload, BarClosed)]
            for bar in bars:
                filled = exchange.trade(bar, working(desk.runtime.view, venue.name, bar.symbol))
                await recorded(desk, filled)
                await exchange.settle()
            desk.runtime.ingest(group)
            await session.router.route()
        final = await session.reconciler.reconcile()
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
    save_live_view(desk)
    return desk, final


def working(view: DeskView, venue: str, symbol: str) -> list[WorkingOrder]:
    """The desk's live brackets on `symbol` at `venue`, as the exchange needs them."""
    rows = (view.orders.by_id[i] for i in sorted(view.orders.live_by_symbol.get(symbol, ())))
    return [as_working(o) for o in rows if o.broker == venue and o.status in ("WORKING", "OPEN")]


async def recorded(desk: Desk, filled: list[tuple[str, Leg]]) -> None:
    """Wait until the venue's updates for these fills are in the desk's log."""
    deadline = asyncio.get_running_loop().time() + FILL_WAIT_SECONDS
    for order_id, leg in filled:
        wanted = ("OPEN", "CLOSED") if leg is Leg.ENTRY else ("CLOSED",)
        while desk.runtime.view.orders.by_id[order_id].status not in wanted:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the venue's fill of {order_id} {leg} never reached the log")
            await asyncio.sleep(0.01)
