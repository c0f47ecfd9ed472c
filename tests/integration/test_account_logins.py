"""Two accounts at one broker, each under its own login: what one login's stream or
books say is never put on the other account. An update naming another account's order is
refused with a reason; each login's reconciliation breaks name and halt only its own
account, and resolving one account's breaks re-arms it while the other stays halted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.files.strategy_book import default_book
from domain.aggregates import Account, RiskGuard
from domain.aggregates.order import OrderStatus
from domain.ids import account_stream, risk_stream
from domain.venue import VenueUpdate
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.commands import handle
from streams.routing.breaks import open_breaks, resolve_command
from streams.routing.reconcile import Reconciler
from streams.routing.routes import VenueRoutes
from streams.routing.updates import VenueUpdates
from streams.unit_of_work import UnitOfWork
from tests.integration.test_order_router import ORDER, Routed, run
from tests.unit.conftest import cause, mandate
from tests.venues.upstox import open_fake

D = Decimal


def test_record_when_an_update_names_another_accounts_order_then_it_is_refused(
    tmp_path: Path,
) -> None:
    async def body(r: Routed) -> None:
        await r.router.route()
        r.fake.fill_rule(r.venue.journal.gtt_id(ORDER), "ENTRY", D("500"))
        order = next(o for o in await r.venue.find(ORDER) if o.filled_quantity)
        trade = next(t for t in await r.venue.trades() if t.venue_order_id == order.venue_order_id)
        update = VenueUpdate(order, wall_clock(), trade)
        others = VenueUpdates(r.desk.store, "upstox", wall_clock, accounts=("acc-2",))
        own = VenueUpdates(r.desk.store, "upstox", wall_clock, accounts=("acc-1",))

        refused = others.record(update)
        untouched = r.order().status
        applied = own.record(update)

        assert refused == [] and untouched is OrderStatus.WORKING
        assert "acc-1's" in others.refused[0] and ORDER in others.refused[0]
        assert applied and r.order().entry is not None

    run(tmp_path, body)


def two_accounts(tmp_path: Path) -> Desk:
    desk = bootstrap(
        f"sqlite:///{tmp_path / 'desk.db'}",
        load_instruments(SAMPLE_DIR / "instruments.csv"),
        routes=VenueRoutes(default="upstox"),
    )
    for account_id in ("acc-1", "acc-2"):
        account = Account(account_stream(account_id))
        account.open(f"Holder {account_id}", cause())
        account.set_mandate(mandate(), "test", cause())
        account.deposit(D("100000.00"), f"neft-{account_id}", cause())
        desk.store.commit(account)
    desk.runtime.pump()
    return desk


def resolve_all(desk: Desk, account_id: str) -> None:
    for found in open_breaks(desk.store, account_id):
        command = resolve_command(
            desk.store,
            account_id,
            found.break_id,
            actor="operator:ada",
            at=datetime.now(UTC),
            reason="checked at the broker",
        )
        uow = UnitOfWork(desk.store, wall_clock)
        handle(command, uow, desk.runtime.view, default_book())
        uow.commit()


def test_reconcile_when_both_logins_differ_alike_then_each_account_has_its_own_breaks(
    tmp_path: Path,
) -> None:
    desk = two_accounts(tmp_path)

    async def main() -> tuple[list[str], list[str]]:
        async with (
            open_fake(tmp_path / "a") as (first, venue_a),
            open_fake(tmp_path / "b") as (second, venue_b),
        ):
            found = []
            for fake, venue, account_id in ((first, venue_a, "acc-1"), (second, venue_b, "acc-2")):
                fake.place_elsewhere("INFY", 5, D("1500"))
                result = await Reconciler(
                    desk.store,
                    venue,
                    VenueRoutes(default="upstox"),
                    lambda: desk.runtime.view,
                    wall_clock,
                    accounts=(account_id,),
                ).reconcile()
                found.append(result.new_breaks)
            return found[0], found[1]

    try:
        first, second = asyncio.run(main())
        halted_before = [
            desk.store.load(RiskGuard, risk_stream(a)).tripped for a in ("acc-1", "acc-2")
        ]
        named = {a: {b.break_id for b in open_breaks(desk.store, a)} for a in ("acc-1", "acc-2")}
        resolve_all(desk, "acc-1")
        halted_after = [
            desk.store.load(RiskGuard, risk_stream(a)).tripped for a in ("acc-1", "acc-2")
        ]
    finally:
        desk.store.close()

    assert len(first) == 2 and len(second) == 2  # the external order and the position, each
    assert named == {"acc-1": set(first), "acc-2": set(second)}
    assert halted_before == [True, True]
    assert halted_after == [False, True]  # acc-2's own breaks still hold it
