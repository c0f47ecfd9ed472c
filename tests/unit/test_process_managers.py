"""Each process manager on its own: one event in, what it records (and asks the broker).

The desk is an in-memory store and a fake broker; the view is the store's log folded up
to and including the event the manager reacts to, as the runtime would hand it over.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from adapters.brokers.paper.broker import PaperBroker
from adapters.files.strategy_book import default_book
from domain.aggregates import (
    Account,
    Aggregate,
    Order,
    RiskGuard,
    TradeCard,
)
from domain.broker import OrderUpdate, UpdateKind
from domain.events import (
    CardApproved,
    CardProposed,
    CashDeployed,
    CashDeposited,
    CashReturned,
    KillSwitchTripped,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    Payload,
    Recorded,
)
from domain.funding import FundingPlan, OnDrawdown, Sip, Tranche
from domain.ids import account_stream, risk_stream
from domain.values import Leg
from projections.desk import DeskView
from streams.ports import Broker
from streams.process_managers import ProcessManager, reactions
from streams.process_managers.auto_approver import AutoApprover
from streams.process_managers.execution import Execution
from streams.process_managers.expiry import CardExpiry
from streams.process_managers.funding import FundingWatch, credit_dated
from streams.process_managers.paper_fills import PaperFills
from streams.process_managers.risk_watch import RiskWatch
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeBroker, FakeClock, InMemoryStore
from tests.unit.conftest import (
    T0,
    D,
    bar,
    cause,
    charges,
    fill,
    fold,
    mandate,
    placed,
    proposal,
)


class Desk:
    """An in-memory desk: aggregates recorded in order, outside facts, one reaction."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock(T0)

    def record(self, *aggregates: Aggregate) -> list[Recorded]:
        return self.store.commit(*aggregates)

    def view(self) -> DeskView:
        return fold([r.event for r in self.store.read_all()])

    def react(self, manager: ProcessManager, rec: Recorded) -> list[Payload]:
        """Run `manager` on the logged event `rec`; the payloads it recorded, in order."""
        uow = UnitOfWork(self.store, self.clock, rec.event)
        manager.handle(rec.event, self.view(), uow)
        return [r.event.payload for r in uow.commit()]


def funded(desk: Desk, amount: str = "100000.00") -> Account:
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
    account.deposit(D(amount), "neft-1", cause())
    desk.record(account)
    return account


def approved_card(desk: Desk) -> Recorded:
    card = TradeCard("card-1")
    card.propose(proposal(), cause())
    card.approve("operator:asha", T0, (), cause())
    return desk.record(card)[-1]


def working_order(desk: Desk) -> Order:
    """card-1 approved, 50,250 reserved, order-1 placed and accepted: the entry works."""
    approved_card(desk)
    account = desk.store.load(Account, account_stream("acc-1"))
    account.reserve("card-1", D("50250.00"), cause())
    order = Order("order-1")
    order.place(placed(), cause())
    order.accept("paper-order-1", cause())
    desk.record(account, order)
    return order


def open_order(desk: Desk, entry: str = "500.00") -> list[Recorded]:
    working_order(desk)
    order = desk.store.load(Order, "order-1")
    order.fill(fill(Leg.ENTRY, entry), cause())
    account = desk.store.load(Account, account_stream("acc-1"))
    account.deploy("card-1", "order-1", D(entry) * 100, cause())
    return desk.record(order, account)


def filled(desk: Desk, leg: Leg, price: str, **overrides: Any) -> Recorded:
    """order-1's `leg` filled at `price`: the last event that logged (the position closed,
    for an exit)."""
    order = desk.store.load(Order, "order-1")
    order.fill(fill(leg, price, **overrides), cause())
    return desk.record(order)[-1]


def kinds(payloads: list[Payload]) -> list[str]:
    return [p.event_type for p in payloads]


# Execution -------------------------------------------------------------------------------


def test_execution_when_card_approved_then_cash_reserved_and_bracket_placed_at_broker(
) -> None:
    desk, broker = Desk(), FakeBroker()
    funded(desk)

    recorded = desk.react(Execution(broker), approved_card(desk))

    assert kinds(recorded) == ["CashReserved", "OrderPlaced", "OrderAccepted"]
    assert broker.calls == [("place_bracket", "order-1")]


def test_execution_when_kill_switch_tripped_after_approval_then_order_denied_nothing_placed(
) -> None:
    desk, broker = Desk(), FakeBroker()
    funded(desk)
    guard = RiskGuard(risk_stream("acc-1"))
    guard.trip("daily loss", "daily_pnl", D("-6000"), D("-5000"), cause())
    desk.record(guard)

    recorded = desk.react(Execution(broker), approved_card(desk))

    assert kinds(recorded) == ["OrderDenied"]
    assert isinstance(recorded[0], OrderDenied)
    assert recorded[0].reason == "kill switch tripped after approval"
    assert broker.calls == []


def test_execution_when_cash_short_of_the_reserve_then_order_denied_with_what_it_needed(
) -> None:
    desk, broker = Desk(), FakeBroker()
    funded(desk, amount="1000.00")

    recorded = desk.react(Execution(broker), approved_card(desk))

    assert kinds(recorded) == ["OrderDenied"]
    assert isinstance(recorded[0], OrderDenied)
    assert recorded[0].reason.startswith("insufficient cash: need ")
    assert recorded[0].required_cash is not None and recorded[0].required_cash > D("1000")
    assert broker.calls == []


def test_execution_when_broker_refuses_the_bracket_then_order_rejected_with_its_reason(
) -> None:
    desk, broker = Desk(), FakeBroker()
    broker.refusal = "market closed"
    funded(desk)

    recorded = desk.react(Execution(broker), approved_card(desk))

    assert kinds(recorded) == ["CashReserved", "OrderPlaced", "OrderRejected"]
    assert isinstance(recorded[-1], OrderRejected)
    assert recorded[-1].reason == "market closed"


def test_execution_when_entry_fills_then_notional_and_charges_deployed() -> None:
    desk = Desk()
    funded(desk)
    working_order(desk)
    entry = filled(desk, Leg.ENTRY, "500.00", costs=charges(brokerage="20", stt="50"))

    recorded = desk.react(Execution(FakeBroker()), entry)

    assert kinds(recorded) == ["CashDeployed", "CashReleased"]  # what the entry did not need
    assert isinstance(recorded[0], CashDeployed) and recorded[0].amount == D("50070.00")


def test_execution_when_position_closes_then_exit_proceeds_return_to_cash() -> None:
    desk = Desk()
    funded(desk)
    open_order(desk)
    closed = filled(desk, Leg.TARGET, "530.00")

    recorded = desk.react(Execution(FakeBroker()), closed)

    assert kinds(recorded) == ["CashReturned"]
    assert isinstance(recorded[0], CashReturned) and recorded[0].amount == D("53000.00")


def test_execution_when_broker_rejects_a_working_order_then_reservation_released() -> None:
    desk = Desk()
    funded(desk)
    working_order(desk)
    order = desk.store.load(Order, "order-1")
    order.reject("symbol suspended", cause())
    [rejected] = desk.record(order)

    recorded = desk.react(Execution(FakeBroker()), rejected)

    assert kinds(recorded) == ["CashReleased"]


# PaperFills ------------------------------------------------------------------------------


def bar_event(desk: Desk, open_: str, high: str, low: str, close: str,
              minutes: int = 0) -> Recorded:
    at = T0 + timedelta(minutes=minutes)
    return desk.store.append(bar(open_, high, low, close, start=at), "bars-TCS", at)


def test_paper_fills_when_bar_opens_after_placement_then_entry_fills_at_open_plus_slippage(
) -> None:
    desk = Desk()
    funded(desk)
    working_order(desk)

    recorded = desk.react(PaperFills(PaperBroker()), bar_event(desk, "500", "501", "499", "500"))

    assert [(p.leg, p.price) for p in recorded if isinstance(p, OrderFilled)] == [
        (Leg.ENTRY, D("500.25"))]


def test_paper_fills_when_bar_low_reaches_the_stop_then_stop_fills_and_position_closes(
) -> None:
    desk = Desk()
    funded(desk)
    open_order(desk)

    recorded = desk.react(PaperFills(PaperBroker()),
                          bar_event(desk, "495", "496", "480", "482", minutes=5))

    assert [p.leg for p in recorded if isinstance(p, OrderFilled)] == [Leg.STOP]


def test_paper_fills_when_bar_high_reaches_the_target_then_target_fills() -> None:
    desk = Desk()
    funded(desk)
    open_order(desk)

    recorded = desk.react(PaperFills(PaperBroker()),
                          bar_event(desk, "520", "535", "519", "534", minutes=5))

    assert [(p.leg, p.price) for p in recorded if isinstance(p, OrderFilled)] == [
        (Leg.TARGET, D("530"))]


def test_paper_fills_when_venue_reports_a_fill_then_it_is_recorded_with_charges(
) -> None:
    desk, broker = Desk(), FakeBroker()
    funded(desk)
    working_order(desk)
    broker.push(OrderUpdate("order-1", UpdateKind.FILLED, Leg.ENTRY, "exchange trade 7",
                            D("501.10"), fill_id="trade-7"))

    recorded = desk.react(PaperFills(broker), bar_event(desk, "500", "501", "499", "500"))

    [filled] = recorded
    assert isinstance(filled, OrderFilled)
    assert (filled.fill_id, filled.price, filled.rule) == ("trade-7", D("501.10"),
                                                          "exchange trade 7")
    assert filled.costs.total > 0


# RiskWatch, CardExpiry, FundingWatch, AutoApprover ------------------------------------------


def test_risk_watch_when_a_closed_trade_breaches_the_daily_loss_then_kill_switch_trips(
) -> None:
    desk = Desk()
    funded(desk)
    open_order(desk)
    closed = filled(desk, Leg.STOP, "440.00")  # 6,000 lost against a 5,000 limit

    recorded = desk.react(RiskWatch(), closed)

    assert kinds(recorded) == ["KillSwitchTripped"]
    assert isinstance(recorded[0], KillSwitchTripped) and recorded[0].scope == "acc-1"


def test_risk_watch_when_the_loss_stays_within_the_limit_then_nothing_trips() -> None:
    desk = Desk()
    funded(desk)
    open_order(desk)
    closed = filled(desk, Leg.STOP, "490.00")

    assert desk.react(RiskWatch(), closed) == []


def test_card_expiry_when_a_bar_ends_after_a_waiting_cards_expiry_then_it_expires() -> None:
    desk = Desk()
    card = TradeCard("card-1")
    card.propose(proposal(expires_at=T0 + timedelta(minutes=30)), cause())
    desk.record(card)

    recorded = desk.react(CardExpiry(), bar_event(desk, "500", "501", "499", "500",
                                                  minutes=30))

    assert kinds(recorded) == ["CardExpired"]


def test_card_expiry_when_the_bar_ends_before_expiry_then_the_card_still_waits() -> None:
    desk = Desk()
    card = TradeCard("card-1")
    card.propose(proposal(expires_at=T0 + timedelta(minutes=30)), cause())
    desk.record(card)

    assert desk.react(CardExpiry(), bar_event(desk, "500", "501", "499", "500")) == []


def test_funding_when_a_sip_installment_falls_due_then_it_is_credited_once() -> None:
    desk = Desk()
    account = funded(desk)
    plan = FundingPlan(plan_id="plan-1", starts_on=date(2025, 1, 1),
                       sip=Sip(amount=D("25000.00"), day_of_month=5, count=12))
    account.set_funding_plan(plan, "stated", cause())
    desk.record(account)
    uow = UnitOfWork(desk.store, desk.clock)

    credited = credit_dated(uow, desk.view(), date(2025, 1, 6), cause())
    again = credit_dated(uow, desk.view(), date(2025, 1, 6), cause())

    assert credited == ["plan-1/sip-1"]
    assert again == []
    assert [type(r.event.payload) for r in uow.commit()] == [CashDeposited]


def test_funding_watch_when_the_index_falls_past_a_tranches_drawdown_then_it_is_released(
) -> None:
    desk = Desk()
    account = funded(desk)
    plan = FundingPlan(plan_id="plan-1", starts_on=date(2025, 1, 1), tranches=(
        Tranche(amount=D("50000.00"), release=OnDrawdown(index="NIFTY", drawdown_pct=D("5"))),))
    account.set_funding_plan(plan, "stated", cause())
    desk.record(account)
    at = T0 + timedelta(minutes=1)
    desk.store.append(bar("24000", "24000", "23900", "23950", start=at, symbol="NIFTY"),
                      "bars-NIFTY", at)
    later = at + timedelta(minutes=1)
    fall = desk.store.append(bar("23000", "23000", "22700", "22750", start=later,
                                 symbol="NIFTY"), "bars-NIFTY", later)

    recorded = desk.react(FundingWatch(), fall)

    assert kinds(recorded) == ["TrancheReleased", "CashDeposited"]


def test_auto_approver_when_a_card_is_proposed_then_approved_as_the_named_operator() -> None:
    desk = Desk()
    funded(desk)
    card = TradeCard("card-1")
    # A card every guardrail passes: small, liquid, in a known sector, on fresh news.
    card.propose(proposal(quantity=10, sector="IT", catalyst_at=T0 - timedelta(minutes=2),
                          adv_value=D("1000000000")), cause())
    [proposed] = desk.record(card)

    recorded = desk.react(AutoApprover("demo-approve-all", default_book()), proposed)

    [decision] = recorded
    assert isinstance(decision, CardApproved)
    assert decision.approved_by == "policy:demo-approve-all"


def test_reactions_when_no_approver_is_configured_then_nobody_reacts_to_proposals() -> None:
    broker: Broker = FakeBroker()

    table = reactions([Execution(broker), PaperFills(broker), RiskWatch(), CardExpiry()])

    assert table[CardProposed] == ()
    assert [m.name for m in table[type(bar("1", "1", "1", "1"))]] == [
        "paper-fills", "risk-watch", "card-expiry"]
