"""Reconciliation between the desk and the local Upstox fake: what the desk missed is
imported under the broker's ids, what still differs is a break that halts the account's
entries until an operator resolves it, and a second pass adds nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.aggregates import DomainError, OrderStatus
from domain.events import (
    BreakResolved,
    CashReleased,
    ExternalOrderObserved,
    KillSwitchReset,
    KillSwitchTripped,
    OrderFilled,
    ReconciliationBreak,
)
from domain.values import Leg
from streams.bootstrap import wall_clock
from streams.commands import ResolveBreak, handle
from streams.routing.reconcile import Reconciler
from streams.routing.routes import VenueRoutes
from streams.unit_of_work import UnitOfWork
from tests.integration.test_order_router import ORDER, Routed, run
from tests.unit.conftest import T0

D = Decimal


def reconciler(r: Routed) -> Reconciler:
    return Reconciler(r.desk.store, r.venue, VenueRoutes(default="upstox"),
                      lambda: r.desk.runtime.view, wall_clock, r.pump)


def resolve(r: Routed, break_id: str, note: str = "checked with the broker") -> None:
    uow = UnitOfWork(r.desk.store, wall_clock)
    handle(ResolveBreak(actor="operator:asha", at=T0, correlation_id="ops-1", venue="upstox",
                        break_id=break_id, note=note), uow, r.desk.runtime.view, r.desk.book)
    r.desk.runtime.execute(uow)


def test_reconcile_when_a_fill_was_missed_then_it_is_imported_with_the_broker_trade_id(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.router.route()
        r.controls.fill(ORDER, Leg.ENTRY, D("501.00"))  # nobody listening: the push is lost

        first = await reconciler(r).reconcile()
        second = await reconciler(r).reconcile()

        [entry] = r.events(OrderFilled)
        trade = (await r.venue.trades())[0]
        assert entry.fill_id == f"upstox:{trade.trade_id}"  # type: ignore[attr-defined]
        assert r.order().status is OrderStatus.OPEN
        assert first.imported >= 1 and first.differences == []
        assert second.imported == 0 and second.differences == [] and second.new_breaks == []
        held = r.desk.runtime.view.positions.by_account["acc-1"]["TCS"].quantity
        assert held == 100 == {p.symbol: p.quantity for p in await r.venue.positions()}["TCS"]

    run(tmp_path, body)


def test_reconcile_when_the_venue_cancelled_unseen_then_the_order_ends_and_cash_returns(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.router.route()
        r.controls.cancel_at_venue(ORDER)

        result = await reconciler(r).reconcile()

        assert r.order().status is OrderStatus.CANCELLED
        assert len(r.events(CashReleased)) == 1
        assert result.differences == []

    run(tmp_path, body)


def test_reconcile_when_an_order_was_placed_elsewhere_then_breaks_halt_entries_until_resolved(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.router.route()
        elsewhere = r.fake.place_elsewhere("INFY", 5, D("1500"))

        first = await reconciler(r).reconcile()
        again = await reconciler(r).reconcile()

        assert {d.kind for d in first.differences} == {"EXTERNAL_ORDER", "POSITION"}
        breaks = r.events(ReconciliationBreak)
        assert len(breaks) == 2 and again.new_breaks == []
        position = next(b for b in breaks if b.kind == "POSITION")  # type: ignore[attr-defined]
        assert (position.desk_side, position.venue_side) == ("holds 0", "holds 5")  # type: ignore[attr-defined]
        [observed] = r.events(ExternalOrderObserved)
        assert observed.venue_order_id == elsewhere  # type: ignore[attr-defined]
        assert r.desk.runtime.view.halted("acc-1")
        assert len(r.events(KillSwitchTripped)) == 1

        with pytest.raises(DomainError):
            resolve(r, breaks[0].break_id, note=" ")  # type: ignore[attr-defined]
        resolve(r, breaks[0].break_id)  # type: ignore[attr-defined]
        assert r.desk.runtime.view.halted("acc-1")  # one break is still open
        resolve(r, breaks[1].break_id)  # type: ignore[attr-defined]
        after = await reconciler(r).reconcile()

        assert not r.desk.runtime.view.halted("acc-1")
        assert len(r.events(BreakResolved)) == 2 and len(r.events(KillSwitchReset)) == 1
        assert after.new_breaks == []

    run(tmp_path, body)
