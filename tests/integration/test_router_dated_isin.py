"""What the order and exit routers tell a venue an instrument is follows the instrument
master in force on the order's IST day: INFY's ISIN changes from day 1's master to day
2's; an order of day 2 goes out with the new ISIN, and routing day 1's order after the
change (a re-run of that day) still sends the ISIN it was decided with."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.files.instrument_master import parse_upstox
from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.aggregates import Account, TradeCard
from domain.broker import BrokerAck
from domain.ids import account_stream
from domain.venue import BracketRequest, CloseRequest, VenueOrder
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.instrument_master import load_file
from streams.routing.exits import ExitRouter
from streams.routing.router import OrderRouter
from streams.routing.routes import VenueRoutes
from streams.unit_of_work import UnitOfWork
from tests.unit.conftest import T0, cause, mandate, proposal

DAY_1 = T0.date()
DAY_2 = DAY_1 + timedelta(days=1)
OLD_ISIN, NEW_ISIN = "INE009A01021", "INE009A01039"


class RecordingVenue:
    """A venue that accepts every bracket and remembers what it was asked to place."""

    name = "upstox"

    def __init__(self) -> None:
        self.placed: list[BracketRequest] = []

    async def place_bracket(self, request: BracketRequest) -> BrokerAck:
        self.placed.append(request)
        return BrokerAck(True, broker_order_id=f"gtt-{request.client_order_id}")

    async def find(self, client_order_id: str) -> list[VenueOrder]:
        return []

    async def cancel(self, client_order_id: str) -> BrokerAck:
        return BrokerAck(True)

    async def close_position(self, request: CloseRequest) -> BrokerAck:
        return BrokerAck(True)

    async def orders(self) -> list[VenueOrder]:
        return []


def infy_master(isin: str, day: date) -> bytes:
    """Upstox's instruments JSON listing INFY under `isin`."""
    return json.dumps(
        [
            {
                "segment": "NSE_EQ",
                "exchange": "NSE",
                "name": "INFOSYS LIMITED",
                "trading_symbol": "INFY",
                "instrument_key": f"NSE_EQ|{isin}",
                "exchange_token": "1594",
                "isin": isin,
                "instrument_type": "EQ",
                "lot_size": 1,
                "tick_size": 5.0,
                "freeze_quantity": 100000.0,
                "security_type": "NORMAL",
            }
        ]
    ).encode()


def approve_on(desk: Desk, card_id: str, day_offset: int) -> None:
    """A card to buy 10 INFY proposed and approved by an operator `day_offset` days after
    T0; the desk's Execution places its order at the venue's route."""
    at = T0 + timedelta(days=day_offset)
    uow = UnitOfWork(desk.store, wall_clock)
    card = uow.fresh(TradeCard, card_id)
    card.propose(
        proposal(
            card_id=card_id,
            signal_id=f"sig-{card_id}",
            symbol="INFY",
            quantity=10,
            expires_at=at + timedelta(minutes=30),
        ),
        cause(at),
    )
    card.approve("operator:asha", at, (), cause(at))
    desk.runtime.execute(uow)


def test_route_when_the_master_changed_the_isin_between_days_then_each_order_carries_its_days_isin(
    tmp_path: Path,
) -> None:
    desk = bootstrap(
        f"sqlite:///{tmp_path / 'desk.db'}",
        load_instruments(SAMPLE_DIR / "instruments.csv"),
        routes=VenueRoutes(default="upstox"),
    )
    for isin, day in ((OLD_ISIN, DAY_1), (NEW_ISIN, DAY_2)):  # both before anything routes
        load_file(
            desk.store, desk.runtime, parse_upstox(infy_master(isin, day), day), day, "operator:t"
        )
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(cash_buffer_pct=Decimal("0")), "test", cause())
    account.deposit(Decimal("100000.00"), "neft-1", cause())
    desk.store.commit(account)
    approve_on(desk, "card-1", 0)
    approve_on(desk, "card-2", 1)
    venue = RecordingVenue()

    routed = asyncio.run(OrderRouter(desk.store, venue, desk.instruments, wall_clock).route())

    assert routed == 2
    sent = {r.client_order_id: r.isin for r in venue.placed}
    assert sent == {"order-1": OLD_ISIN, "order-2": NEW_ISIN}
    assert desk.instruments["INFY"].isin == OLD_ISIN  # the start-up file names the old one
    desk.store.close()


def test_exit_router_when_the_master_changed_the_isin_then_a_close_names_the_isin_of_its_day(
    tmp_path: Path,
) -> None:
    desk = bootstrap(
        f"sqlite:///{tmp_path / 'desk.db'}", load_instruments(SAMPLE_DIR / "instruments.csv")
    )
    for isin, day in ((OLD_ISIN, DAY_1), (NEW_ISIN, DAY_2)):
        load_file(
            desk.store, desk.runtime, parse_upstox(infy_master(isin, day), day), day, "operator:t"
        )
    exits = ExitRouter(desk.store, RecordingVenue(), desk.instruments, wall_clock)

    on_day_1 = exits.isin("INFY", T0 + timedelta(hours=5))
    on_day_2 = exits.isin("INFY", T0 + timedelta(days=1, hours=5))
    unlisted = exits.isin("NOSUCH", T0)

    assert (on_day_1, on_day_2, unlisted) == (OLD_ISIN, NEW_ISIN, "")
    assert exits.isin("TCS", T0) == desk.instruments["TCS"].isin  # never logged: the file's
    desk.store.close()
