"""The cash fold: idempotent under re-delivery, and every rupee accounted for."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates import Account, DomainError
from domain.costs import Product, fill_costs
from domain.events import CashDeposited, CashReturned, Envelope
from domain.ids import account_stream
from domain.values import Leg, Side
from projections.desk import DeskView, apply, snapshot
from tests.unit.conftest import TRADE_DATE, D, Log, cause, charges, fold, round_trip

ACCOUNTS = ("acc-1", "acc-2")
amounts = st.decimals(D("0.01"), D("100000"), places=2)
commands = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(ACCOUNTS), amounts, st.integers(0, 4)),
    st.tuples(st.just("reserve"), st.sampled_from(ACCOUNTS), amounts, st.integers(0, 3)),
    st.tuples(st.just("release"), st.sampled_from(ACCOUNTS), amounts, st.integers(0, 3)),
    st.tuples(st.just("deploy"), st.sampled_from(ACCOUNTS), amounts, st.integers(0, 3)),
    st.tuples(st.just("return"), st.sampled_from(ACCOUNTS), amounts, st.integers(0, 3)),
)


def ledger_events(script: list[tuple[str, str, Decimal, int]]) -> list[Envelope]:
    """Run the script against real Account aggregates; commands they refuse record nothing."""
    log = Log()
    accounts = {a: Account(account_stream(a)) for a in ACCOUNTS}
    for account in accounts.values():
        account.open("client", cause())
    for verb, account_id, amount, n in script:
        account = accounts[account_id]
        try:
            if verb == "deposit":
                account.deposit(amount, f"neft-{n}", cause())
            elif verb == "reserve":
                account.reserve(f"card-{n}", amount, cause())
            elif verb == "release":
                account.release(f"card-{n}", "order ended", cause())
            elif verb == "deploy":
                account.deploy(f"card-{n}", f"order-{n}", amount, cause())
            else:
                account.return_cash(f"order-{n}", amount, cause())
        except DomainError:
            pass
    log.take(*accounts.values())
    return log.events


@given(script=st.lists(commands, max_size=40), data=st.data())
def test_apply_when_events_are_redelivered_then_view_unchanged_and_duplicates_counted(
    script: list[tuple[str, str, Decimal, int]], data: st.DataObject
) -> None:
    events = ledger_events(script)
    # Each event keeps its log position when delivered again, later, out of turn.
    delivery: list[tuple[int, Envelope]] = []
    for position, event in enumerate(events, start=1):
        delivery.append((position, event))
        if data.draw(st.booleans()):
            again = data.draw(st.integers(1, position))
            delivery.append((again, events[again - 1]))
    clean = fold(events)

    redelivered = DeskView()
    for position, event in delivery:
        apply(redelivered, event, position)

    assert snapshot(redelivered) == snapshot(clean)
    assert redelivered.duplicates == len(delivery) - len(events)
    assert clean.duplicates == 0


@given(script=st.lists(commands, max_size=40))
def test_apply_when_any_valid_ledger_then_cash_is_conserved_to_the_paisa(
    script: list[tuple[str, str, Decimal, int]],
) -> None:
    events = ledger_events(script)

    view = fold(events)

    for account_id in ACCOUNTS:
        mine = [e.payload for e in events if getattr(e.payload, "account_id", "") == account_id]
        deposits = sum((p.amount for p in mine if isinstance(p, CashDeposited)), D("0"))
        realised = sum(
            (p.amount - p.cost_basis for p in mine if isinstance(p, CashReturned)), D("0")
        )
        cash = view.cash.get(account_id)
        if cash is None:
            assert deposits == 0
            continue
        assert cash.available + cash.reserved + cash.deployed == deposits + realised
        assert cash.deposits == deposits
        assert cash.available >= 0
        assert cash.reserved >= 0
        assert cash.deployed >= 0


@given(script=st.lists(commands, max_size=40))
def test_apply_when_any_valid_ledger_then_view_agrees_with_the_account_aggregate(
    script: list[tuple[str, str, Decimal, int]],
) -> None:
    events = ledger_events(script)

    view = fold(events)

    for account_id in ACCOUNTS:
        stream = account_stream(account_id)
        account = Account.replay(stream, [e for e in events if e.stream_id == stream])
        cash = view.cash.get(account_id)
        available = cash.available if cash else D("0")
        assert available == account.available
        assert (cash.reserved if cash else D("0")) == account.reserved
        assert (cash.deployed if cash else D("0")) == sum(account.deployed.values(), D("0"))


def test_apply_when_round_trip_closes_then_cash_reflects_net_profit() -> None:
    # Deposit 1,00,000; deploy 100 x 500 + 59.37 = 50,059.37; return 100 x 530 - 54.96 =
    # 52,945.04. Available 1,00,000 - 50,059.37 + 52,945.04 = 1,02,885.67.
    log = Log()
    round_trip(
        log,
        entry_costs=charges(stt="50.00", exchange_txn="1.49", sebi_fee="0.05", ipft="0.05",
                            stamp_duty="7.50", gst="0.28"),
        exit_costs=charges(stt="53.00", exchange_txn="1.57", sebi_fee="0.05", ipft="0.05",
                           gst="0.29"),
    )

    cash = fold(log.events).cash["acc-1"]

    assert (cash.available, cash.reserved, cash.deployed) == (D("102885.67"), 0, 0)
    assert (cash.deposits, cash.realised_pnl, cash.costs) == (
        D("100000.00"), D("2885.67"), D("114.33")
    )


@given(
    entry=st.decimals(D("100"), D("500"), places=2),
    exit_price=st.decimals(D("1"), D("2000"), places=2),
    leg=st.sampled_from([Leg.STOP, Leg.TARGET, Leg.SQUARE_OFF]),
    product=st.sampled_from(list(Product)),
)
def test_apply_when_any_round_trip_closes_then_deposits_plus_realised_equal_cash(
    entry: Decimal, exit_price: Decimal, leg: Leg, product: Product
) -> None:
    log = Log()
    buy = fill_costs(Side.BUY, 100, entry, product, TRADE_DATE)
    sell = fill_costs(Side.SELL, 100, exit_price, product, TRADE_DATE)
    kwargs: dict[str, Any] = {"entry_costs": buy, "exit_costs": sell}
    round_trip(log, str(entry), str(exit_price), leg, **kwargs)

    cash = fold(log.events).cash["acc-1"]

    assert cash.realised_pnl == (exit_price - entry) * 100 - buy.total - sell.total
    assert cash.available + cash.reserved + cash.deployed == cash.deposits + cash.realised_pnl
    assert (cash.reserved, cash.deployed) == (0, 0)
