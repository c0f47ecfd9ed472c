"""Faults between the desk and the local Upstox fake, through a running venue session
(router, update stream, reconciliation): each ends with one bracket at the broker, every
fill in the log and the desk's positions equal to the broker's."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

from domain.aggregates import Account, OrderStatus, Reconciliation
from domain.events import (
    ExternalOrderObserved,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderPlaced,
    ReconciliationBreak,
)
from domain.ids import account_stream, reconciliation_stream, venue_fill_id
from domain.values import Leg
from domain.venue import VenueOrderStatus
from streams.bootstrap import wall_clock
from streams.routing.routes import VenueRoutes
from streams.routing.session import VenueSession
from tests.integration.test_order_router import ORDER, Routed, approve, run, until
from tests.integration.test_reconciliation import resolve
from tests.unit.conftest import cause

D = Decimal
SOAK_SECONDS = float(os.environ.get("EVENTDESK_SOAK_SECONDS", "60"))


@asynccontextmanager
async def session(r: Routed, reconcile_seconds: float = 30.0) -> AsyncIterator[VenueSession]:
    """A running venue session for the desk, stopped on leaving."""
    running = VenueSession(r.desk.store, r.venue, r.desk.instruments,
                           VenueRoutes(default="upstox"), lambda: r.desk.runtime.view,
                           wall_clock, r.pump, poll_seconds=0.05,
                           reconcile_seconds=reconcile_seconds)
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop))
    await asyncio.sleep(0.3)  # reconciled once, the update stream connected
    try:
        yield running
    finally:
        stop.set()
        await task


async def agreed(r: Routed) -> None:
    """Every broker fill of a desk order is in the log under its trade id, and the desk
    holds what the broker holds (apart from orders observed as placed elsewhere)."""
    logged = {p.fill_id for p in r.events(OrderFilled) + r.events(OrderPartiallyFilled)}  # type: ignore[attr-defined]
    external = {p.venue_order_id for p in r.events(ExternalOrderObserved)}  # type: ignore[attr-defined]
    trades = await r.venue.trades()
    ours = [t for t in trades if t.venue_order_id not in external]
    assert {venue_fill_id("upstox", t.trade_id) for t in ours} <= logged
    elsewhere: dict[str, int] = {}
    for t in trades:
        if t.venue_order_id in external:
            elsewhere[t.symbol] = elsewhere.get(t.symbol, 0) + t.quantity
    desk = {p.symbol: p.quantity for p in r.desk.runtime.view.positions.of("acc-1")}
    broker = {p.symbol: p.quantity for p in await r.venue.positions()}
    for symbol in set(desk) | set(broker):
        assert desk.get(symbol, 0) + elsewhere.get(symbol, 0) == broker.get(symbol, 0), symbol


def test_session_when_the_venue_answers_too_late_then_one_bracket_and_the_order_acked(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        r.fake.slow_next = 1.5  # the GTT is placed; the answer comes after the timeout
        async with session(r):
            await until(lambda: r.order().status is OrderStatus.WORKING)

        assert r.fake.bracket_count() == 1

    run(tmp_path, body, request_timeout=0.5)


def test_session_when_the_update_stream_drops_then_a_later_fill_still_reaches_the_log(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        async with session(r, reconcile_seconds=1.0):
            await until(lambda: r.order().status is OrderStatus.WORKING)
            r.fake.drop_updates_connection()
            await asyncio.sleep(0.3)
            r.controls.fill(ORDER, Leg.ENTRY, D("500.50"))
            await until(lambda: r.order().status is OrderStatus.OPEN)
            await agreed(r)

        assert len(r.events(OrderFilled)) == 1

    run(tmp_path, body)


def test_session_when_the_entry_fills_before_the_place_is_answered_then_one_fill_once(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        r.fake.fill_entry_on_place = D("500.00")
        async with session(r):
            await until(lambda: r.order().status is OrderStatus.OPEN)
            await asyncio.sleep(0.3)
            await agreed(r)

        assert r.fake.bracket_count() == 1 and len(r.events(OrderFilled)) == 1

    run(tmp_path, body)


def test_session_when_restarted_with_a_bracket_sent_and_filled_unseen_then_it_catches_up(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        # The desk went down after sending: the venue holds the bracket and fills its entry.
        await r.venue.place_bracket(r.router._request(r.order().placed, r.desk.clock()))  # type: ignore[arg-type]
        r.controls.fill(ORDER, Leg.ENTRY, D("499.00"))

        async with session(r):
            await until(lambda: r.order().status is OrderStatus.OPEN)
            r.controls.fill(ORDER, Leg.STOP, D("489.00"))
            await until(lambda: r.order().status is OrderStatus.CLOSED)
            await agreed(r)

        assert r.fake.bracket_count() == 1
        assert [p.leg for p in r.events(OrderFilled)] == [Leg.ENTRY, Leg.STOP]  # type: ignore[attr-defined]

    run(tmp_path, body)


def test_soak_when_the_broker_cancels_fills_and_trades_elsewhere_then_each_cycle_agrees(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        account = r.desk.store.load(Account, account_stream("acc-1"))
        account.deposit(D("10000000.00"), "neft-soak", cause())
        r.desk.store.commit(account)
        r.pump()
        rng = random.Random(12)
        cards = 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SOAK_SECONDS
        async with session(r, reconcile_seconds=0.5) as running:
            while loop.time() < deadline:
                await act(r, rng, cards)
                if rng.random() < 0.4:
                    cards += 1
                    approve(r.desk, f"card-{cards}", signal_id=f"sig-{cards}")
                await asyncio.sleep(0.3)
                cycle = await running.reconciler.reconcile()
                await agreed(r)
                assert {b.break_id for b in r.events(ReconciliationBreak)} >= set(  # type: ignore[attr-defined]
                    cycle.new_breaks)
                record = r.desk.store.load(Reconciliation, reconciliation_stream("upstox"))
                for open_break in sorted(record.open):  # the operator looks, and resolves
                    resolve(r, open_break)
            await until(lambda: not [o for o in r.desk.runtime.view.orders.by_id.values()
                                     if o.status == "PLACED"])
            again = await running.reconciler.reconcile()

        assert again.new_breaks == []  # the same state reconciled again adds nothing
        placed = r.events(OrderPlaced)
        assert len(placed) >= 2 and r.fake.bracket_count() == len(placed)
        assert not r.desk.runtime.view.halted("acc-1")
        assert r.events(OrderFilled) and r.events(ExternalOrderObserved)
        assert r.events(OrderCancelled)

    run(tmp_path, body, seconds=SOAK_SECONDS + 60)


async def act(r: Routed, rng: random.Random, cards: int) -> None:
    """One broker-side event on a random desk order: a fill of what can fill, a cancel, or
    an order placed elsewhere."""
    order_id = f"order-{rng.randint(1, cards)}"
    legs = {o.leg: o.status for o in await r.venue.find(order_id)}
    choice = rng.random()
    if choice < 0.15:
        r.fake.place_elsewhere("INFY", rng.randint(1, 5), D("1500"))
    elif choice < 0.35 and any(not s.final for s in legs.values()):
        r.controls.cancel_at_venue(order_id)
    elif legs.get(Leg.ENTRY) not in (None, *_ENDED):
        r.controls.fill(order_id, Leg.ENTRY, D("500.00"))
    elif legs.get(Leg.ENTRY) is VenueOrderStatus.FILLED and legs.get(Leg.STOP) not in _ENDED:
        r.controls.fill(order_id, rng.choice((Leg.STOP, Leg.TARGET)), D("510.00"))


_ENDED = (VenueOrderStatus.FILLED, VenueOrderStatus.CANCELLED, VenueOrderStatus.REJECTED)
