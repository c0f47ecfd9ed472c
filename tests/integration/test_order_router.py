"""Orders routed to the local Upstox fake from the desk's log: the router finds before it
places, the venue's updates become order events, and a venue fill moves cash and positions
as a paper fill does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from adapters.brokers.upstox import UpstoxVenue
from adapters.files.sample import SAMPLE_DIR, load_instruments
from devtools.venues.upstox import FakeUpstox
from domain.aggregates import Account, Order, TradeCard
from domain.aggregates.order import OrderStatus
from domain.events import (
    CashDeployed,
    CashReleased,
    CashReturned,
    OrderAccepted,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    Payload,
    PositionClosed,
)
from domain.ids import account_stream
from domain.values import Leg
from domain.venue import VenueOrder, VenueOrderStatus, VenueTrade, VenueUpdate
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.routing.router import OrderRouter
from streams.routing.routes import VenueRoutes
from streams.routing.updates import VenueUpdates
from streams.unit_of_work import UnitOfWork
from tests.unit.conftest import T0, cause, mandate, proposal
from tests.venues.upstox import UpstoxControls, open_fake

D = Decimal
ORDER = "order-1"


@dataclass
class Routed:
    """A desk whose account acc-1 trades at the Upstox fake, with its router and updates."""

    desk: Desk
    fake: FakeUpstox
    venue: UpstoxVenue
    controls: UpstoxControls
    router: OrderRouter
    updates: VenueUpdates

    def pump(self, _: object = None) -> None:
        self.desk.runtime.pump()

    def restart_router(self) -> OrderRouter:
        """A new router process, resuming from its tracked position."""
        self.router = OrderRouter(self.desk.store, self.venue, self.desk.instruments,
                                  wall_clock, self.pump)
        return self.router

    def events(self, kind: type[Payload]) -> list[Payload]:
        return [r.event.payload for r in self.desk.store.read_all()
                if isinstance(r.event.payload, kind)]

    def order(self) -> Order:
        return self.desk.store.load(Order, ORDER)

    async def listen(self) -> asyncio.Task[None]:
        async def consume() -> None:
            async for update in self.venue.updates():
                self.updates.record(update)
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)  # the stream is connected before the venue acts
        return task


@asynccontextmanager
async def routed_desk(tmp_path: Path, **settings: object) -> AsyncIterator[Routed]:
    desk = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}",
                     load_instruments(SAMPLE_DIR / "instruments.csv"),
                     routes=VenueRoutes(default="upstox"))
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
    account.deposit(D("100000.00"), "neft-1", cause())
    desk.store.commit(account)
    async with open_fake(tmp_path, **settings) as (fake, venue):
        routed = Routed(desk, fake, venue, UpstoxControls(fake, venue),
                        OrderRouter(desk.store, venue, desk.instruments, wall_clock),
                        VenueUpdates(desk.store, venue.name, wall_clock))
        routed.router.notify = routed.updates.notify = routed.pump
        approve(desk)
        try:
            yield routed
        finally:
            desk.store.close()


def approve(desk: Desk, card_id: str = "card-1", **overrides: object) -> None:
    """A card (card-1: buy 100 TCS, stop 490, target 530) proposed and approved by an
    operator."""
    uow = UnitOfWork(desk.store, wall_clock)
    card = uow.fresh(TradeCard, card_id)
    card.propose(proposal(card_id=card_id, **overrides), cause())
    card.approve("operator:asha", T0, (), cause())
    desk.runtime.execute(uow)


def run(tmp_path: Path, body: Callable[[Routed], Awaitable[None]], seconds: float = 30,
        **settings: object) -> None:
    async def main() -> None:
        async with routed_desk(tmp_path, **settings) as routed:
            await asyncio.wait_for(body(routed), seconds)
    asyncio.run(main())


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the desk never got there")
        await asyncio.sleep(0.05)


def test_approve_when_the_account_trades_at_a_venue_then_nothing_is_sent_inside_the_step(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        assert r.order().status is OrderStatus.PLACED
        assert r.order().placed is not None and r.order().placed.broker == "upstox"
        assert r.fake.bracket_count() == 0

    run(tmp_path, body)


def test_route_when_an_order_is_placed_then_one_bracket_at_the_venue_and_the_ack_logged(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        settled = await r.router.route()
        again = await r.restart_router().route()

        assert settled == 1 and again == 0
        assert r.fake.bracket_count() == 1
        accepted = r.events(OrderAccepted)
        assert len(accepted) == 1
        assert accepted[0].broker_order_id == r.venue.journal.gtt_id(ORDER)  # type: ignore[attr-defined]
        assert r.desk.runtime.view.orders.by_id[ORDER].status == "WORKING"

    run(tmp_path, body)


def test_route_when_the_router_crashed_after_sending_then_a_restart_acks_without_resending(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        # The bracket reached the venue, but the router died before logging the ack.
        request = r.router._request(r.order().placed, r.desk.clock())  # type: ignore[arg-type]
        await r.venue.place_bracket(request)

        settled = await r.restart_router().route()

        assert settled == 1
        assert r.fake.bracket_count() == 1
        assert len(r.events(OrderAccepted)) == 1

    run(tmp_path, body)


def test_route_when_the_venue_fails_then_the_order_waits_and_the_next_pass_sends_it_once(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        for status in (429, 503):
            r.fake.fail_next(status)
            assert await r.router.route() == 0
            assert r.order().status is OrderStatus.PLACED
            assert r.router.last_error

        assert await r.router.route() == 1
        assert r.fake.bracket_count() == 1
        assert r.order().status is OrderStatus.WORKING

    run(tmp_path, body)


def test_route_when_the_venue_refuses_then_the_order_is_rejected_and_the_cash_released(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.venue.instruments()  # the adapter knows TCS; the venue no longer trades it
        del r.fake.instruments[next(k for k, v in r.fake.instruments.items()
                                    if v["symbol"] == "TCS")]

        await r.router.route()

        assert r.order().status is OrderStatus.REJECTED
        assert r.events(OrderRejected)[0].reason  # type: ignore[attr-defined]
        assert len(r.events(CashReleased)) == 1
        assert r.fake.bracket_count() == 0

    run(tmp_path, body)


def test_updates_when_the_bracket_fills_and_exits_then_cash_and_position_move_as_on_paper(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        listening = await r.listen()
        await r.router.route()

        r.controls.fill(ORDER, Leg.ENTRY, D("500.50"))
        await until(lambda: r.order().status is OrderStatus.OPEN)
        r.controls.fill(ORDER, Leg.TARGET, D("530.00"))
        await until(lambda: r.order().status is OrderStatus.CLOSED)
        listening.cancel()

        entry, exit_ = r.events(OrderFilled)
        assert entry.price == D("500.50") and entry.fill_id.startswith("upstox:T")  # type: ignore[attr-defined]
        assert exit_.leg is Leg.TARGET  # type: ignore[attr-defined]
        closed = r.events(PositionClosed)
        assert len(closed) == 1 and closed[0].realised_pnl < D("2950")  # type: ignore[attr-defined]
        assert len(r.events(CashDeployed)) == 1 and len(r.events(CashReturned)) == 1
        account = r.desk.store.load(Account, account_stream("acc-1"))
        assert account.available == D("100000.00") + closed[0].realised_pnl  # type: ignore[attr-defined]
        held = r.desk.runtime.view.positions.by_account["acc-1"]["TCS"]
        assert held.quantity == 0 and held.realised_pnl == closed[0].realised_pnl  # type: ignore[attr-defined]

    run(tmp_path, body)


def update(trade_id: str, quantity: int, price: str, status: VenueOrderStatus,
           filled: int, leg: Leg = Leg.ENTRY) -> VenueUpdate:
    order = VenueOrder("V1", ORDER, leg, "TCS", proposal().side, 100, filled, D(price),
                       status, T0)
    trade = VenueTrade(trade_id, "V1", ORDER, leg, "TCS", proposal().side, quantity,
                       D(price), T0)
    return VenueUpdate(order, T0, trade)


def test_updates_when_a_fill_arrives_before_the_ack_then_acked_filled_and_routed_once(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        r.updates.record(update("T1", 100, "501", VenueOrderStatus.FILLED, 100))

        await r.router.route()

        assert [type(p) for p in r.events(OrderAccepted)] == [OrderAccepted]
        assert r.order().status is OrderStatus.OPEN
        assert len(r.events(CashDeployed)) == 1

    run(tmp_path, body)


def test_updates_when_parts_and_duplicates_arrive_then_one_fill_at_the_average_price(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.router.route()
        first = update("T1", 40, "500", VenueOrderStatus.PARTIALLY_FILLED, 40)
        second = update("T2", 60, "501", VenueOrderStatus.FILLED, 100)

        for pushed in (first, first, second, second, first):
            r.updates.record(pushed)

        assert len(r.events(OrderPartiallyFilled)) == 1
        fills = r.events(OrderFilled)
        assert len(fills) == 1
        assert fills[0].price == D("500.6") and fills[0].quantity == 100  # type: ignore[attr-defined]
        assert fills[0].fill_id == "upstox:T2"  # type: ignore[attr-defined]

    run(tmp_path, body)
