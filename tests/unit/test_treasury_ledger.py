"""The treasury ledger under any history: cash conserved to the paisa, never negative, and
the Account aggregate and the cash projection agreeing after replay.

The identity, per account (costs are the charges of closed trades; an open position's
entry charges are part of its deployed cash until it closes):

    available + reserved + deployed + buffer
        = deposits + transfers in - transfers out + gross realised P&L - costs
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates import Account, DomainError
from domain.events import Envelope, PositionClosed
from domain.ids import account_stream
from domain.values import Leg
from projections.cash import Cash
from tests.unit.conftest import D, Log, cause, fold, mandate

ACCOUNTS = ("acc-1", "acc-2")
money = st.decimals(D("0.01"), D("200000"), places=2)
charge = st.decimals(D("0"), D("500"), places=2)
pct = st.decimals(D("0"), D("50"), places=2)
slot = st.integers(0, 3)
who = st.sampled_from(ACCOUNTS)
steps = st.one_of(
    st.tuples(st.just("deposit"), who, money, st.integers(0, 5), st.just(D(0))),
    st.tuples(st.just("mandate"), who, pct, slot, st.just(D(0))),
    st.tuples(st.just("reserve"), who, money, slot, st.just(D(0))),
    st.tuples(st.just("fill"), who, money, slot, charge),
    st.tuples(st.just("cancel"), who, money, slot, st.just(D(0))),
    st.tuples(st.just("exit"), who, money, slot, charge),
    st.tuples(st.just("transfer"), who, money, st.integers(0, 5), st.just(D(0))),
)
Step = tuple[str, str, Decimal, int, Decimal]


def history(script: list[Step]) -> list[Envelope]:
    """Run the script on real Account aggregates as the desk's handlers would; commands the
    aggregates refuse record nothing. Exits also log the order's `PositionClosed`."""
    log = Log()
    accounts = {a: Account(account_stream(a)) for a in ACCOUNTS}
    entries: dict[tuple[str, int], tuple[Decimal, Decimal]] = {}  # notional, entry charges
    for account in accounts.values():
        account.open("client", cause())
    log.take(*accounts.values())
    for verb, account_id, amount, n, costs in script:
        account = accounts[account_id]
        order = f"order-{account_id}-{n}"
        try:
            if verb == "deposit":
                account.deposit(amount, f"neft-{n}", cause())
            elif verb == "mandate":
                account.set_mandate(mandate(cash_buffer_pct=amount), "buffer change", cause())
            elif verb == "reserve":
                account.reserve(f"card-{n}", amount, cause())
            elif verb == "fill":
                account.deploy(f"card-{n}", order, amount + costs, cause())
                entries.setdefault((account_id, n), (amount, costs))
            elif verb == "cancel":
                account.release(f"card-{n}", "order cancelled", cause())
            elif verb == "exit":
                _exit(log, account, order, entries.get((account_id, n)), amount, costs)
            else:
                other = accounts[ACCOUNTS[1 - ACCOUNTS.index(account_id)]]
                account.transfer_out(f"transfer-{n}", other.account_id, amount, cause())
                other.transfer_in(f"transfer-{n}", account_id, amount, cause())
        except DomainError:
            pass
        log.take(*accounts.values())
    return log.events


def _exit(log: Log, account: Account, order: str, entry: tuple[Decimal, Decimal] | None,
          notional: Decimal, costs: Decimal) -> None:
    if entry is None or order not in account.deployed or notional <= costs:
        return
    entry_notional, entry_costs = entry
    account.return_cash(order, notional - costs, cause())
    log.take(account)
    gross = notional - entry_notional
    log.add(PositionClosed(
        account_id=account.account_id, order_id=order, symbol="TCS", quantity=1,
        entry_price=entry_notional, exit_price=notional, exit_leg=Leg.TARGET,
        gross_pnl=gross, costs=entry_costs + costs, realised_pnl=gross - entry_costs - costs,
    ), order)


@given(script=st.lists(steps, max_size=50))
def test_ledger_when_any_history_then_cash_is_conserved_to_the_paisa_and_never_negative(
    script: list[Step],
) -> None:
    events = history(script)

    view = fold(events)

    for account_id in ACCOUNTS:
        cash = view.cash.get(account_id, Cash())
        closed = [e.payload for e in events if isinstance(e.payload, PositionClosed)
                  and e.payload.account_id == account_id]
        gross = sum((p.gross_pnl for p in closed), D("0"))
        costs = sum((p.costs for p in closed), D("0"))
        held = cash.available + cash.reserved + cash.deployed + cash.buffer
        assert held == cash.deposits + cash.transfers_in - cash.transfers_out + gross - costs
        assert cash.costs == costs and cash.realised_pnl == gross - costs
        assert min(cash.available, cash.reserved, cash.deployed, cash.buffer) >= 0


@given(script=st.lists(steps, max_size=50))
def test_ledger_when_replayed_then_aggregate_state_equals_the_projection_fold(
    script: list[Step],
) -> None:
    events = history(script)

    view, again = fold(events), fold(events + events)

    for account_id in ACCOUNTS:
        stream = account_stream(account_id)
        account = Account.replay(stream, [e for e in events if e.stream_id == stream])
        cash = view.cash.get(account_id, Cash())
        assert (cash.available, cash.reserved, cash.buffer, cash.funded) == (
            account.available, account.reserved, account.buffer, account.ledger.funded)
        assert cash.deployed == sum(account.deployed.values(), D("0"))
        assert again.cash.get(account_id, Cash()) == cash


@given(script=st.lists(steps, max_size=50))
def test_ledger_when_any_history_then_transfers_never_touch_reserved_deployed_or_buffer(
    script: list[Step],
) -> None:
    events = history(script)

    desk_in = sum((e.payload.amount for e in events if e.type == "CashTransferredIn"), D(0))
    desk_out = sum((e.payload.amount for e in events if e.type == "CashTransferredOut"), D(0))
    view = fold(events)

    assert desk_in == desk_out  # money moves between accounts, the desk's total stays
    assert all(c.buffer <= c.free for c in view.cash.values())


def test_reserve_when_it_would_dip_into_the_buffer_then_refused_naming_the_buffer() -> None:
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.set_mandate(mandate(cash_buffer_pct=D("10")), "onboarding", cause())
    account.deposit(D("100000.00"), "neft-1", cause())

    try:
        account.reserve("card-1", D("90000.01"), cause())
    except DomainError as e:
        assert "buffer 10000.00 is never reserved" in str(e)
    else:
        raise AssertionError("a reservation dipping into the buffer was taken")
    account.reserve("card-1", D("90000.00"), cause())
    assert (account.available, account.buffer, account.reserved) == (0, D("10000.00"),
                                                                      D("90000.00"))
