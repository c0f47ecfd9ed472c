"""Accounts routed to a remote venue: the step records the intent only, and the paper
broker never fills what a remote venue works."""

from __future__ import annotations

from adapters.brokers.paper.broker import PaperBroker
from domain.aggregates import Account, Order
from domain.events import CashReserved, OrderFilled, OrderPlaced
from domain.ids import account_stream
from streams.process_managers.execution import Execution
from streams.process_managers.paper_fills import PaperFills
from streams.routing.routes import VenueRoutes
from tests.fakes import FakeBroker
from tests.unit.conftest import D, cause, placed
from tests.unit.test_process_managers import Desk, approved_card, bar_event, funded

UPSTOX = VenueRoutes(by_account={"acc-1": "upstox"})


def test_execution_when_the_account_trades_at_a_venue_then_only_the_intent_is_recorded() -> None:
    desk, broker = Desk(), FakeBroker()
    funded(desk)

    recorded = desk.react(Execution(broker, UPSTOX), approved_card(desk))

    assert [type(p) for p in recorded] == [CashReserved, OrderPlaced]
    assert isinstance(recorded[1], OrderPlaced) and recorded[1].broker == "upstox"
    assert broker._placed == {}


def test_paper_fills_when_the_order_works_at_a_remote_venue_then_the_bar_fills_nothing() -> None:
    desk = Desk()
    funded(desk)
    approved_card(desk)
    account = desk.store.load(Account, account_stream("acc-1"))
    account.reserve("card-1", D("50250.00"), cause())
    order = Order("order-1")
    order.place(placed(broker="upstox"), cause())
    order.accept("GTT-1", cause())
    desk.record(account, order)

    recorded = desk.react(PaperFills(PaperBroker(), UPSTOX),
                          bar_event(desk, "500", "540", "480", "530"))

    assert not [p for p in recorded if isinstance(p, OrderFilled)]


def test_routes_when_an_account_is_not_named_then_the_default_venue_or_none() -> None:
    routes = VenueRoutes(by_account={"acc-1": "zerodha"}, default="upstox")

    assert routes.venue_for("acc-1") == "zerodha" and routes.venue_for("acc-2") == "upstox"
    assert routes.venues == {"zerodha", "upstox"}
    assert VenueRoutes().venue_for("acc-1") is None
