"""Operator exits reach the venue, through the port on every broker: a desk whose account
trades at each local fake (Upstox, Kite, IBKR) cancels a working bracket and closes an open
position there, a retried close never sells twice, a venue that fails keeps the exit for the
next pass, and a kill switch does not stop any of it."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.brokers.upstox import UpstoxVenue
from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.aggregates import Account, Order, TradeCard
from domain.events import CashReleased, ExitRefused, Payload, PositionClosed
from domain.ids import account_stream
from domain.values import Leg, Side
from domain.venue import BracketRequest, CloseRequest, VenueOrder, VenueOrderStatus
from streams import commands
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.routing.exits import ExitRouter
from streams.routing.router import OrderRouter
from streams.routing.routes import VenueRoutes
from streams.routing.updates import VenueUpdates
from streams.unit_of_work import UnitOfWork
from tests.integration.test_order_router import until
from tests.unit.conftest import T0, cause, mandate, proposal
from tests.venues import Harness
from tests.venues.upstox import open_fake as open_upstox

D = Decimal
ORDER = "order-1"
VENUES = ("upstox", "zerodha", "ibkr")


@pytest.fixture(params=VENUES)
def venue_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Desked:
    """acc-1 trading at a venue's fake: its desk, routers and update recorder."""

    desk: Desk
    h: Harness
    router: OrderRouter
    exits: ExitRouter
    updates: VenueUpdates

    def pump(self, _: object = None) -> None:
        self.desk.runtime.pump()

    def order(self) -> Order:
        return self.desk.store.load(Order, ORDER)

    def events(self, kind: type[Payload]) -> list[Payload]:
        return [r.event.payload for r in self.desk.store.read_all()
                if isinstance(r.event.payload, kind)]

    def run(self, command: commands.Command) -> None:
        uow = UnitOfWork(self.desk.store, wall_clock)
        commands.handle(command, uow, self.desk.runtime.view, self.desk.book)
        self.desk.runtime.execute(uow)

    async def sales(self) -> list[VenueOrder]:
        return [o for o in await self.h.venue.find(ORDER) if o.leg is Leg.OPERATOR]

    async def listen(self) -> asyncio.Task[None]:
        async def consume() -> None:
            async for update in self.h.venue.updates():
                self.updates.record(update)
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)  # the stream is connected before the venue acts
        return task


def exit_command(kind: type[commands.Command], **fields: object) -> commands.Command:
    return kind(actor="operator:asha", at=T0, correlation_id="operator-exit-1",
                reason="operator wants out", **fields)


@asynccontextmanager
async def desked(venue_name: str, tmp_path: Path) -> AsyncIterator[Desked]:
    module = importlib.import_module(f"tests.venues.{venue_name}")
    opener: Callable[[Path], AbstractAsyncContextManager[Harness]] = module.open_venue
    async with opener(tmp_path) as h:
        desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}",
                         load_instruments(SAMPLE_DIR / "instruments.csv"),
                         routes=VenueRoutes(default=h.venue.name))
        account = Account(account_stream("acc-1"))
        account.open("Asha Rao", cause())
        account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
        account.deposit(D("100000.00"), "neft-1", cause())
        desk.store.commit(account)
        d = Desked(desk, h, OrderRouter(desk.store, h.venue, desk.instruments, wall_clock),
                   ExitRouter(desk.store, h.venue, desk.instruments, wall_clock),
                   VenueUpdates(desk.store, h.venue.name, wall_clock))
        d.router.notify = d.exits.notify = d.updates.notify = d.pump
        uow = UnitOfWork(desk.store, wall_clock)
        card = uow.fresh(TradeCard, "card-1")
        card.propose(proposal(), cause())
        card.approve("operator:asha", T0, (), cause())
        desk.runtime.execute(uow)
        try:
            yield d
        finally:
            await h.venue.close()
            desk.store.close()


def run(venue_name: str, tmp_path: Path, body: Callable[[Desked], Awaitable[None]]) -> None:
    async def main() -> None:
        async with desked(venue_name, tmp_path) as d:
            await asyncio.wait_for(body(d), 40)
    asyncio.run(main())


async def opened(d: Desked) -> asyncio.Task[None]:
    """The bracket routed and its entry filled at the venue at 500.00, heard by the desk."""
    listening = await d.listen()
    assert await d.router.route() == 1
    d.h.fake.fill(ORDER, Leg.ENTRY, D("500.00"))
    await until(lambda: d.desk.runtime.view.orders.by_id[ORDER].status == "OPEN")
    return listening


def test_cancel_when_the_entry_works_at_the_venue_then_it_is_cancelled_there_and_the_cash_released(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        assert await d.router.route() == 1
        d.run(exit_command(commands.TripKillSwitch, scope="acc-1"))  # exits still go
        d.run(exit_command(commands.CancelOrder, order_id=ORDER))

        assert await d.exits.route() == 1

        assert d.desk.runtime.view.orders.by_id[ORDER].status == "CANCELLED"
        assert not [o for o in await d.h.venue.find(ORDER) if not o.status.final]
        assert d.events(CashReleased)
        assert await d.exits.route() == 0

    run(venue_name, tmp_path, body)


def test_close_when_the_position_is_open_then_the_venue_sells_once_and_the_fill_closes_it(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        listening = await opened(d)
        d.run(exit_command(commands.TripKillSwitch, scope="acc-1"))
        d.run(exit_command(commands.ClosePosition, account_id="acc-1", symbol="TCS"))

        assert await d.exits.route() == 1
        d.h.fake.fill(ORDER, Leg.OPERATOR, D("505.00"))
        await until(lambda: d.desk.runtime.view.orders.by_id[ORDER].status == "CLOSED")
        listening.cancel()

        closed = d.events(PositionClosed)
        assert len(closed) == 1 and isinstance(closed[0], PositionClosed)
        assert closed[0].exit_leg is Leg.OPERATOR and closed[0].exit_price == D("505.00")
        sales = await d.sales()
        assert len(sales) == 1 and sales[0].status is VenueOrderStatus.FILLED
        held = {p.symbol: p.quantity for p in await d.h.venue.positions()}
        assert held.get("TCS", 0) == 0
        assert [p.quantity for p in d.desk.runtime.view.positions.of("acc-1")] == [0]

    run(venue_name, tmp_path, body)


def test_close_when_the_router_crashed_after_selling_then_a_restart_sells_no_more(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        listening = await opened(d)
        d.run(exit_command(commands.ClosePosition, account_id="acc-1", symbol="TCS"))
        # The sale reached the venue, but the router died before logging its position.
        await d.h.venue.close_position(CloseRequest(
            client_order_id=ORDER, symbol="TCS", isin="", quantity=100, intraday=False,
            reference_price=D("500.00")))

        restarted = ExitRouter(d.desk.store, d.h.venue, d.desk.instruments, wall_clock,
                               d.pump)
        assert await restarted.route() == 1
        listening.cancel()

        assert len(await d.sales()) == 1
        assert not d.events(ExitRefused)

    run(venue_name, tmp_path, body)


def test_close_when_the_venue_fails_then_the_exit_waits_and_the_next_pass_sells_once(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        listening = await opened(d)
        d.run(exit_command(commands.ClosePosition, account_id="acc-1", symbol="TCS"))
        d.h.fake.fail_next(503, times=5)

        assert await d.exits.route() == 0
        assert d.exits.last_error
        for _ in range(5):
            if await d.exits.route():
                break
        listening.cancel()

        assert not d.exits.last_error
        assert len(await d.sales()) == 1
        assert d.order().exit_requested is not None  # until the sale fills

    run(venue_name, tmp_path, body)


def test_cancel_when_the_entry_already_filled_at_the_venue_then_the_exit_is_refused_with_why(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        assert await d.router.route() == 1
        d.run(exit_command(commands.CancelOrder, order_id=ORDER))
        d.h.fake.fill(ORDER, Leg.ENTRY, D("500.00"))  # before the desk heard of the fill

        assert await d.exits.route() == 1

        refused = d.events(ExitRefused)
        assert len(refused) == 1 and isinstance(refused[0], ExitRefused)
        assert "filled" in refused[0].reason and d.h.venue.name in refused[0].reason
        found = await d.h.venue.find(ORDER)
        assert [o.status for o in found if o.leg is Leg.ENTRY] == [VenueOrderStatus.FILLED]
        assert not [o for o in found if o.status is VenueOrderStatus.CANCELLED]

    run(venue_name, tmp_path, body)


def test_flatten_when_one_entry_works_and_one_position_is_open_then_the_venue_does_both(
    venue_name: str, tmp_path: Path
) -> None:
    async def body(d: Desked) -> None:
        listening = await opened(d)
        uow = UnitOfWork(d.desk.store, wall_clock)
        card = uow.fresh(TradeCard, "card-2")
        card.propose(proposal(card_id="card-2", signal_id="sig-2", symbol="INFY",
                              quantity=10), cause())
        card.approve("operator:asha", T0, (), cause())
        d.desk.runtime.execute(uow)
        assert await d.router.route() == 1
        d.run(exit_command(commands.FlattenAccount, account_id="acc-1"))

        assert await d.exits.route() == 2
        d.h.fake.fill(ORDER, Leg.OPERATOR, D("495.00"))
        await until(lambda: d.desk.runtime.view.orders.by_id[ORDER].status == "CLOSED")
        listening.cancel()

        assert d.desk.runtime.view.orders.by_id["order-2"].status == "CANCELLED"
        assert not [o for o in await d.h.venue.find("order-2") if not o.status.final]
        assert len(await d.sales()) == 1

    run(venue_name, tmp_path, body)


def test_close_when_upstox_restarts_with_a_hashed_tag_then_the_sale_still_names_the_bracket(
    tmp_path: Path,
) -> None:
    long_id = "order-sip-aggressive-buyback-BAJAJ-AUTO-20261120"  # over Upstox's 40-char tag

    async def main() -> None:
        async with open_upstox(tmp_path) as (fake, venue):
            await venue.place_bracket(BracketRequest(
                client_order_id=long_id, symbol="TCS", isin="", quantity=30,
                stop=D("490.00"), target=D("530.00"), intraday=False,
                reference_price=D("500.00")))
            fake.fill_rule(venue.journal.gtt_id(long_id), "ENTRY", D("500.00"))
            await venue.close_position(CloseRequest(
                client_order_id=long_id, symbol="TCS", isin="", quantity=30, intraday=False,
                reference_price=D("500.00")))
            restarted = UpstoxVenue(venue.config)  # a new process, the same state dir
            try:
                sales = [o for o in await restarted.orders() if o.side is Side.SELL
                         and o.leg is Leg.OPERATOR]
            finally:
                await restarted.close()

        assert [o.client_order_id for o in sales] == [long_id]

    asyncio.run(main())
