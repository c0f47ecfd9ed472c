"""Reconciliation with a remote venue, at start and every N seconds while the desk runs.

First what the venue knows and the desk missed is imported through the same path as pushed
updates (a missing fill becomes the order's fill under the venue's trade id; an order the
venue cancelled or rejected ends on the desk too). What still differs is a
`ReconciliationBreak` naming both sides, and orders placed elsewhere are recorded as
`ExternalOrderObserved`. A new break trips the kill switch of every account trading at the
venue, with the break as its reason, until an operator resolves it (`ResolveBreak`). Ids are
deterministic, so a second reconciliation of the same state adds nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import Cause, Reconciliation, RiskGuard
from domain.aggregates.reconciliation import RECONCILIATION_REASON
from domain.events import ExternalOrderObserved, ReconciliationBreak, Recorded
from domain.ids import break_id_for, reconciliation_stream, risk_stream
from domain.money import ZERO
from domain.reconciliation import DeskOrder, Difference, differences, external_orders
from domain.values import Leg
from domain.venue import VenueOrder, VenueTrade, VenueUpdate
from projections.desk import DeskView
from streams.ports import Clock, Venue
from streams.routing.router import Notify
from streams.routing.routes import VenueRoutes
from streams.routing.updates import VenueUpdates

log = structlog.get_logger("eventdesk.reconciliation")

DEFAULT_RECONCILE_SECONDS = 30.0

Settle = Callable[[], Awaitable[object]]
"""Waits until the desk's view has folded everything committed so far (a serving desk
folds through its one writer, not on `notify`)."""


@dataclass
class Reconciled:
    """One reconciliation: what was imported, what still differs, what was new."""

    at: datetime
    imported: int = 0
    differences: list[Difference] = field(default_factory=list)
    new_breaks: list[str] = field(default_factory=list)


class Reconciler:
    """Compares one venue with the desk's accounts routed to it."""

    def __init__(self, store: DeskStore, venue: Venue, routes: VenueRoutes,
                 view: Callable[[], DeskView], clock: Clock,
                 notify: Notify = lambda _: None, settle: Settle | None = None,
                 accounts: Collection[str] = ()) -> None:
        self.store = store
        # Only these accounts (one login at the venue); none named: every account routed
        # to the venue. Their breaks are named by them, so two logins' differences about
        # the same symbol are two breaks, each halting its own account.
        self.only = tuple(sorted(accounts))
        self.scope = "-".join((venue.name, *self.only))
        self.settle = settle
        self.venue = venue
        self.routes = routes
        self.view = view
        self.clock = clock
        self.notify = notify
        self.actor = f"reconciliation:{venue.name}"
        self.imports = VenueUpdates(store, venue.name, clock, notify, actor=self.actor,
                                    accounts=accounts)
        self.last: Reconciled | None = None

    async def reconcile(self) -> Reconciled:
        """Import what the desk missed, then record what still differs."""
        result = Reconciled(self.clock())
        orders, trades = await self.venue.orders(), await self.venue.trades()
        result.imported = self._import(orders, trades)
        if self.settle is not None:
            await self.settle()  # the view folds what was just imported before comparing
        positions = await self.venue.positions()
        view = self.view()
        desk = self._desk_orders(view)
        result.differences = differences(desk, orders, self._desk_positions(view), positions)
        result.new_breaks = self._record(result.differences, external_orders(orders, desk))
        self.last = result
        if result.new_breaks:
            log.warning("reconciliation breaks", venue=self.venue.name,
                        breaks=result.new_breaks)
        return result

    def _import(self, orders: list[VenueOrder], trades: list[VenueTrade]) -> int:
        """The venue's fills and final order states through the update path (each
        idempotent); how many events that wrote."""
        by_id = {o.venue_order_id: o for o in orders}
        written = 0
        for trade in sorted(trades, key=lambda t: (t.at, t.leg is not Leg.ENTRY)):
            order = by_id.get(trade.venue_order_id)
            if order is not None:
                written += len(self.imports.record(VenueUpdate(order, self.clock(), trade)))
        for order in orders:
            if order.status.final and order.filled_quantity == 0:
                written += len(self.imports.record(VenueUpdate(order, self.clock())))
        return written

    def _accounts(self, view: DeskView) -> tuple[str, ...]:
        return tuple(a for a in sorted(view.accounts)
                     if self.routes.venue_for(a) == self.venue.name
                     and (not self.only or a in self.only))

    def _desk_orders(self, view: DeskView) -> list[DeskOrder]:
        return [DeskOrder(r.order_id, r.symbol, r.status) for r in view.orders.by_id.values()
                if r.broker == self.venue.name
                and (not self.only or r.account_id in self.only)]

    def _desk_positions(self, view: DeskView) -> dict[str, int]:
        held: dict[str, int] = {}
        for account in self._accounts(view):
            for position in view.positions.of(account):
                held[position.symbol] = held.get(position.symbol, 0) + position.quantity
        return held

    def _record(self, found: list[Difference], external: list[VenueOrder]) -> list[str]:
        """Breaks and external orders on the venue's stream, and the accounts' kill switches
        tripped for each new break, in one commit."""
        now = self.clock()
        cause = Cause(now, now, self.actor, f"reconciliation-{self.scope}")
        record = self.store.load(Reconciliation, reconciliation_stream(self.venue.name))
        accounts = self._accounts(self.view())
        for order in external:
            record.observe_external(ExternalOrderObserved(
                venue=self.venue.name, venue_order_id=order.venue_order_id,
                symbol=order.symbol, side=order.side, quantity=order.quantity,
                filled_quantity=order.filled_quantity, status=order.status.value), cause)
        new = [d for d in found if record.observe(self._break(d, accounts), cause)]
        guards = [self.store.load(RiskGuard, risk_stream(a)) for a in accounts] if new else []
        for guard in guards:
            first = new[0]
            guard.trip(f"{RECONCILIATION_REASON}: {first.kind} {first.subject} (desk "
                       f"{first.desk_side}, venue {first.venue_side})",
                       "reconciliation", ZERO, ZERO, cause)
        recorded: list[Recorded] = self.store.commit(record, *guards)
        if recorded:
            self.notify(recorded)
        return [self._break(d, accounts).break_id for d in new]

    def _break(self, d: Difference, accounts: tuple[str, ...]) -> ReconciliationBreak:
        return ReconciliationBreak(
            break_id=break_id_for(self.scope, d.kind, d.subject, d.desk_side,
                                  d.venue_side),
            venue=self.venue.name, kind=d.kind, subject=d.subject, desk_side=d.desk_side,
            venue_side=d.venue_side, accounts=accounts)
