"""DCA strategies on the embedded desk with the paper broker: each due time (desk time)
buys floor(amount / last close) shares as a plain entry with no stop or target, through
the same cards, guardrails, approval and execution as any strategy; a due time the desk
cannot price, or an account a guardrail says no for, gets the reason in the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from adapters.brokers.paper.broker import PaperBroker
from adapters.files.strategy_book import StrategyBookError, parse_strategy_book
from domain.aggregates import Account
from domain.events import (
    CardBlocked,
    CardProposed,
    OrderFilled,
    OrderPlaced,
    PositionClosed,
    SignalFiltered,
    SignalScored,
)
from domain.ids import account_stream
from domain.instruments import Instrument
from domain.strategy.book import StrategyBook
from streams.commands import ApproveCard, handle
from streams.embedded import EmbeddedRuntime
from streams.process_managers import reactions
from streams.process_managers.dca import DcaBuys
from streams.process_managers.execution import Execution
from streams.process_managers.paper_fills import PaperFills
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import T0, D, bar, cause, mandate

DCA_FILE = """
version: dca-test-1
strategies:
  tcs_dca:
    kind: dca
    direction: long
    symbol: TCS
    amount: 10000
    schedule: "30 9 * * 1-5"
"""
BOOK = parse_strategy_book(DCA_FILE)
INSTRUMENTS = {
    s: Instrument(s, f"INE{s}01", s, "IT", 1, D("0.05"), adv_value=D("50000000000"))
    for s in ("TCS", "INFY")
}
DUE = T0  # Monday 09:30 IST: the cron's time


class Desk:
    """Accounts, bars and approvals on the embedded runtime, deciding with the DCA book."""

    def __init__(self, book: StrategyBook = BOOK) -> None:
        self.store = InMemoryStore()
        broker = PaperBroker()
        self.book = book
        self.runtime = EmbeddedRuntime(
            self.store,
            reactions([PaperFills(broker), Execution(broker), DcaBuys(INSTRUMENTS, book)]),
            FakeClock(T0),
        )
        self.runtime.start()

    def fund(self, account_id: str, amount: str) -> None:
        account = Account(account_stream(account_id))
        account.open(account_id, cause(T0 - timedelta(hours=1)))
        account.set_mandate(mandate(cash_buffer_pct=D("0")), "test", cause())
        account.deposit(D(amount), f"neft-{account_id}", cause())
        self.store.commit(account)
        self.runtime.pump()

    def bar(self, close: str, end: datetime, symbol: str = "TCS", low: str = "") -> None:
        start = end - timedelta(minutes=1)
        self.store.append(
            bar(close, close, low or close, close, start=start, symbol=symbol),
            f"bars-{symbol}",
            end,
        )
        self.runtime.pump()

    def approve(self, card_id: str, at: datetime) -> None:
        uow = UnitOfWork(self.store, self.runtime.clock)
        handle(
            ApproveCard(actor="operator:asha", at=at, correlation_id="approve", card_id=card_id),
            uow,
            self.runtime.view,
            self.book,
        )
        self.runtime.execute(uow)

    def payloads(self, kind: type) -> list:  # type: ignore[type-arg]
        return [r.event.payload for r in self.store.read_all() if isinstance(r.event.payload, kind)]


def test_dca_when_its_due_time_passes_then_one_card_buys_floor_amount_over_last_close() -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")

    desk.bar("1234.50", DUE - timedelta(minutes=1))  # before 09:30: not due yet
    before = desk.payloads(SignalScored)
    desk.bar("1234.50", DUE)
    desk.bar("1240.00", DUE + timedelta(minutes=1))  # the same due time: nothing new

    assert before == []
    [signal] = desk.payloads(SignalScored)
    [card] = desk.payloads(CardProposed)
    assert signal.stop is None and signal.target is None
    assert (card.account_id, card.quantity) == ("sip-1", 8)  # floor(10000 / 1234.50)
    assert (card.stop, card.target) == (None, None)
    assert "floor(amount 10000 / last close 1234.50) = 8" in card.sizing
    assert "plain entry with no stop and no target" in card.thesis
    assert all(g.passed for g in card.guardrails)


def test_dca_when_approved_then_the_entry_fills_and_is_held_through_a_fall() -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")
    desk.bar("1234.50", DUE)
    [card] = desk.payloads(CardProposed)

    desk.approve(card.card_id, DUE + timedelta(seconds=30))
    desk.bar("1236.00", DUE + timedelta(minutes=2))  # entry at this bar's open
    desk.bar("900.00", DUE + timedelta(minutes=3), low="880.00")  # a crash: no stop to hit

    [placed] = desk.payloads(OrderPlaced)
    [entry] = desk.payloads(OrderFilled)
    assert (placed.stop, placed.target, placed.quantity) == (None, None, 8)
    assert entry.quantity == 8
    assert desk.payloads(PositionClosed) == []
    [position] = desk.runtime.view.positions.of("sip-1")
    assert position.quantity == 8


def test_dca_when_the_cash_guardrail_says_no_then_the_card_is_blocked_with_the_reason() -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")
    desk.fund("sip-small", "5000.00")

    desk.bar("1234.50", DUE)

    [proposed] = desk.payloads(CardProposed)
    [blocked] = desk.payloads(CardBlocked)
    assert proposed.account_id == "sip-1"
    assert blocked.account_id == "sip-small"
    assert (
        "guardrail: " in blocked.reason
        and "cash: reserve 9925.38 vs available 5000.00" in blocked.reason
    )
    assert {g.name for g in blocked.guardrails if not g.passed} >= {"cash"}


def test_dca_when_the_desk_has_no_price_at_the_due_time_then_skipped_with_the_reason() -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")

    desk.bar("1500.00", DUE, symbol="INFY")  # desk time reaches 09:30; no TCS bar yet
    desk.bar("1234.50", DUE + timedelta(minutes=1))  # the due time is decided: no retry

    [skipped] = desk.payloads(SignalFiltered)
    assert skipped.strategy == "tcs_dca"
    assert "no price: the desk has no bar for TCS" in skipped.reason
    assert desk.payloads(CardProposed) == []


def test_dca_when_the_next_due_day_comes_then_it_buys_again_at_that_days_close() -> None:
    desk = Desk()
    desk.fund("sip-1", "200000.00")
    desk.bar("1234.50", DUE)

    desk.bar("2500.00", DUE + timedelta(days=1))

    cards = desk.payloads(CardProposed)
    assert [c.quantity for c in cards] == [8, 4]  # floor(10000 / 2500.00) = 4
    assert len({c.card_id for c in cards}) == 2


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ('    symbol: TCS\n    schedule: "30 9 * * 1"\n', "needs amount"),
        ("    symbol: TCS\n    amount: 5000\n", "needs schedule"),
        (
            '    symbol: TCS\n    amount: 5000\n    schedule: "30 9 * * 1"\n'
            "    horizons: [INTRADAY]\n",
            "not squared off",
        ),
        (
            '    symbol: TCS\n    amount: -5\n    schedule: "30 9 * * 1"\n',
            "strategies.tcs_dca.amount",
        ),
    ],
)
def test_file_when_a_dca_field_is_missing_or_wrong_then_the_error_names_it(
    lines: str,
    says: str,
) -> None:
    text = "version: t\nstrategies:\n  tcs_dca:\n    kind: dca\n    direction: long\n" + lines

    with pytest.raises(StrategyBookError, match=says):
        parse_strategy_book(text)


def test_dca_amount_when_read_then_it_is_exact_rupees() -> None:
    plan = BOOK.strategies["tcs_dca"].dca

    assert plan is not None and plan.amount == Decimal("10000")
    assert plan.quantity(Decimal("3333.34")) == 2
