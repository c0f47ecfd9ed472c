"""Operator exits and the desk-wide loss limit, run through the embedded runtime with the
paper broker: the command is logged with the operator and the reason, the broker acts on
it, and cash and positions move as they do for any other exit."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from adapters.brokers.paper.broker import PaperBroker
from adapters.files.strategy_book import default_book
from domain.aggregates import Account, DomainError, RiskGuard, TradeCard
from domain.events import (
    DESK_SCOPE,
    ExitRefused,
    ExitRequested,
    OrderCancelled,
    PositionClosed,
)
from domain.ids import account_stream, risk_stream
from domain.values import Leg
from streams.commands import (
    CancelOrder,
    ClosePosition,
    Command,
    FlattenAccount,
    FlattenDesk,
    SetDeskLossLimit,
    TripKillSwitch,
    handle,
)
from streams.embedded import EmbeddedRuntime
from streams.ports import Broker
from streams.process_managers import reactions
from streams.process_managers.execution import Execution
from streams.process_managers.operator_exits import OperatorExits
from streams.process_managers.paper_fills import PaperFills
from streams.process_managers.risk_watch import RiskWatch
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeBroker, FakeClock, InMemoryStore
from tests.unit.conftest import T0, D, bar, cause, mandate, proposal

OPERATOR = "operator:asha"
LATER = T0 + timedelta(minutes=10)


class Desk:
    """A paper desk in memory: accounts, approved cards, bars, and operator commands."""

    def __init__(self, broker: Broker | None = None) -> None:
        self.store = InMemoryStore()
        broker = broker or PaperBroker()
        self.runtime = EmbeddedRuntime(self.store, reactions(
            [PaperFills(broker), Execution(broker), RiskWatch(), OperatorExits(broker)]),
            FakeClock(T0))
        self.runtime.start()

    def fund(self, account_id: str, amount: str = "200000.00") -> None:
        account = Account(account_stream(account_id))
        account.open(account_id, cause())
        account.set_mandate(mandate(cash_buffer_pct=D("0"), daily_loss_limit=D("50000")),
                            "test", cause())
        account.deposit(D(amount), "neft-1", cause())
        self.store.commit(account)
        self.runtime.pump()

    def approve(self, card_id: str, account_id: str, symbol: str = "TCS") -> str:
        """An approved card: the paper broker works its bracket; the order id."""
        card = TradeCard(card_id)
        card.propose(proposal(card_id=card_id, account_id=account_id, symbol=symbol), cause())
        card.approve(OPERATOR, T0, (), cause())
        self.store.commit(card)
        self.runtime.pump()
        return "order-" + card_id.removeprefix("card-")

    def bar(self, open_: str, high: str, low: str, close: str, start: datetime,
            symbol: str = "TCS") -> None:
        self.store.append(bar(open_, high, low, close, start=start, symbol=symbol),
                          f"bars-{symbol}", start)
        self.runtime.pump()

    def run(self, command: Command) -> None:
        uow = UnitOfWork(self.store, self.runtime.clock)
        handle(command, uow, self.runtime.view, default_book())
        self.runtime.execute(uow)

    def payloads(self, kind: type) -> list:  # type: ignore[type-arg]
        return [r.event.payload for r in self.store.read_all() if isinstance(r.event.payload, kind)]

    def status(self, order_id: str) -> str:
        return self.runtime.view.orders.by_id[order_id].status


def opened_desk(broker: Broker | None = None) -> tuple[Desk, str]:
    """acc-1 holds 100 TCS from card-1 (entered at the T0 bar's open, 500 + 5 bps)."""
    desk = Desk(broker)
    desk.fund("acc-1")
    order_id = desk.approve("card-1", "acc-1")
    desk.bar("500", "501", "499", "500", T0)
    return desk, order_id


def command(kind: type[Command], at: datetime = T0 + timedelta(minutes=2), **fields: object
            ) -> Command:
    return kind(actor=OPERATOR, at=at, correlation_id="operator-1", **fields)


def test_close_position_when_open_then_exits_at_the_next_bar_open_with_operator_and_reason(
) -> None:
    desk, order_id = opened_desk()

    desk.run(command(ClosePosition, account_id="acc-1", symbol="TCS", reason="news risk"))
    desk.bar("510", "512", "508", "511", T0 + timedelta(minutes=5))

    [request] = [r for r in desk.store.read_all() if isinstance(r.event.payload, ExitRequested)]
    assert request.event.actor == OPERATOR and request.event.payload.reason == "news risk"
    [closed] = desk.payloads(PositionClosed)
    assert closed.exit_leg is Leg.OPERATOR
    assert closed.exit_price == D("509.70")  # 510 less 5 bps, ticked down
    assert desk.status(order_id) == "CLOSED"
    assert [p.quantity for p in desk.runtime.view.positions.of("acc-1")] == [0]


def test_close_position_when_next_bar_began_before_the_request_then_exits_at_its_close(
) -> None:
    desk, _ = opened_desk()

    desk.run(command(ClosePosition, at=T0 + timedelta(minutes=6), account_id="acc-1",
                     symbol="TCS", reason="done"))
    desk.bar("510", "512", "505", "506", T0 + timedelta(minutes=5))

    [closed] = desk.payloads(PositionClosed)
    assert closed.exit_price == D("505.70")  # the close, 506, less 5 bps


def test_close_position_when_kill_switch_tripped_then_the_exit_still_happens() -> None:
    desk, _ = opened_desk()
    desk.run(command(TripKillSwitch, scope=DESK_SCOPE, reason="halt everything"))

    desk.run(command(ClosePosition, account_id="acc-1", symbol="TCS", reason="get out"))
    desk.bar("495", "496", "494", "495", LATER)

    [closed] = desk.payloads(PositionClosed)
    assert closed.exit_leg is Leg.OPERATOR
    assert desk.runtime.view.halted("acc-1")


def test_cancel_order_when_entry_working_then_cancelled_and_reservation_released() -> None:
    desk = Desk()
    desk.fund("acc-1")
    order_id = desk.approve("card-1", "acc-1")
    assert desk.runtime.view.cash["acc-1"].reserved > 0

    desk.run(command(CancelOrder, order_id=order_id, reason="thesis broken"))
    desk.bar("500", "501", "499", "500", LATER)

    [cancelled] = desk.payloads(OrderCancelled)
    assert cancelled.leg is Leg.ENTRY and "thesis broken" in cancelled.reason
    assert desk.status(order_id) == "CANCELLED"
    assert desk.runtime.view.cash["acc-1"].reserved == 0
    assert desk.runtime.view.cash["acc-1"].available == D("200000.00")


def test_cancel_order_when_entry_filled_then_refused_and_nothing_recorded() -> None:
    desk, order_id = opened_desk()

    with pytest.raises(DomainError, match="cannot cancel"):
        desk.run(command(CancelOrder, order_id=order_id, reason="too late"))

    assert desk.payloads(ExitRequested) == []


def test_close_position_when_exit_already_pending_then_refused() -> None:
    desk, _ = opened_desk()
    desk.run(command(ClosePosition, account_id="acc-1", symbol="TCS", reason="first"))

    with pytest.raises(DomainError, match="no open position"):
        desk.run(command(ClosePosition, account_id="acc-1", symbol="TCS", reason="again"))


def test_flatten_account_when_one_working_and_one_open_then_cancels_one_closes_the_other(
) -> None:
    desk, open_id = opened_desk()
    working_id = desk.approve("card-2", "acc-1", symbol="INFY")

    desk.run(command(FlattenAccount, account_id="acc-1", reason="end of mandate"))
    desk.bar("505", "506", "504", "505", LATER)

    requests = {r.order_id: r.action.value for r in desk.payloads(ExitRequested)}
    assert requests == {open_id: "CLOSE", working_id: "CANCEL"}
    assert {desk.status(open_id), desk.status(working_id)} == {"CLOSED", "CANCELLED"}
    assert desk.runtime.view.cash["acc-1"].reserved == 0


def test_flatten_desk_when_two_accounts_hold_positions_then_both_closed() -> None:
    desk, first = opened_desk()
    desk.fund("acc-2")
    second = desk.approve("card-9", "acc-2")
    desk.bar("500", "501", "499", "500", T0 + timedelta(minutes=1))

    desk.run(command(FlattenDesk, reason="desk closing early"))
    desk.bar("505", "506", "504", "505", LATER)

    assert [c.order_id for c in desk.payloads(PositionClosed)] == sorted([first, second])
    assert all(r.scope == "desk" for r in desk.payloads(ExitRequested))


def test_flatten_desk_when_nothing_is_live_then_refused_naming_why() -> None:
    desk = Desk()
    desk.fund("acc-1")

    with pytest.raises(DomainError, match="nothing to exit"):
        desk.run(command(FlattenDesk, reason="just in case"))


def test_close_position_when_broker_refuses_then_exit_refused_with_its_reason() -> None:
    broker = FakeBroker()
    desk = Desk(broker)
    desk.fund("acc-1")
    order_id = desk.approve("card-1", "acc-1")
    broker.refusal = "RMS: exits blocked"

    desk.run(command(CancelOrder, order_id=order_id, reason="out"))

    [refused] = desk.payloads(ExitRefused)
    assert refused.reason == "RMS: exits blocked"
    assert desk.status(order_id) == "WORKING"
    assert desk.runtime.view.orders.by_id[order_id].exit_requested == ""


# The desk-wide daily loss limit ----------------------------------------------------------


def losing_desk(limit: str) -> Desk:
    """Two accounts each lose about 1,250 rupees on a TCS stop after the desk limit is set."""
    desk = Desk()
    desk.run(command(SetDeskLossLimit, limit=D(limit), reason="desk risk budget"))
    for n, account_id in ((1, "acc-1"), (2, "acc-2")):
        desk.fund(account_id)
        desk.approve(f"card-{n}", account_id)
    desk.bar("500", "501", "499", "500", T0)
    desk.bar("489", "490", "485", "486", LATER)  # through both stops at 490
    return desk


def test_desk_loss_limit_when_accounts_together_reach_it_then_desk_kill_switch_trips(
) -> None:
    desk = losing_desk("2000")

    desk_switch = desk.runtime.view.kills[DESK_SCOPE]
    assert desk_switch.tripped and "desk daily loss" in desk_switch.reason
    guard = desk.store.load(RiskGuard, risk_stream(DESK_SCOPE))
    assert guard.tripped
    assert not desk.runtime.view.kills.get("acc-1") or not desk.runtime.view.kills["acc-1"].tripped


def test_desk_loss_limit_when_losses_stay_below_it_then_desk_keeps_trading() -> None:
    desk = losing_desk("10000")

    assert not desk.runtime.view.kills[DESK_SCOPE].tripped
    assert desk.runtime.view.kills[DESK_SCOPE].loss_limit == Decimal("10000")


def test_desk_loss_limit_when_set_below_todays_loss_then_trips_at_once() -> None:
    desk = losing_desk("0")  # off while the losses happen

    desk.run(command(SetDeskLossLimit, at=LATER, limit=D("1000"), reason="tighten"))

    assert desk.runtime.view.kills[DESK_SCOPE].tripped


def test_set_desk_loss_limit_when_negative_then_refused() -> None:
    desk = Desk()

    with pytest.raises(DomainError, match="zero or more"):
        desk.run(command(SetDeskLossLimit, limit=D("-5"), reason="typo"))

