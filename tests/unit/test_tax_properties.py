"""Properties of tax lots over any sequence of buys, sells, splits and bonuses: shares and
rupees are neither created nor lost, and FIFO never sells a younger lot first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.money import ZERO
from domain.session import IST
from domain.tax import ActionKind, CorporateAction, Method, TaxTrade, compute_ledger
from domain.tax.ledger import Ledger
from domain.tax.lots import Lot
from domain.values import Side

START = date(2024, 1, 1)


@dataclass(frozen=True)
class Step:
    kind: str  # "BUY", "SELL", "SPLIT" or "BONUS"
    quantity: int
    paise: int
    gap: int  # days after the previous step (0: the same day)


steps = st.lists(st.builds(
    Step,
    kind=st.sampled_from(["BUY", "BUY", "SELL", "SELL", "SPLIT", "BONUS"]),
    quantity=st.integers(1, 500),
    paise=st.integers(1, 500_000),
    gap=st.integers(0, 40),
), max_size=30)


def scenario(seq: list[Step]) -> tuple[list[TaxTrade], list[CorporateAction]]:
    trades, actions, day = [], [], START
    for n, s in enumerate(seq):
        day += timedelta(days=s.gap)
        if s.kind in ("SPLIT", "BONUS"):
            # A split of 1 into 2..4 keeps shares whole; a bonus may round down.
            new = 2 + s.quantity % 3
            kind = ActionKind(s.kind)
            actions.append(CorporateAction("TCS", kind, new, 1 if kind is ActionKind.SPLIT
                                           else 1 + s.quantity % 2, day))
            continue
        at = datetime.combine(day, time(9, 15), IST) + timedelta(minutes=n)
        price = Decimal(s.paise) / 100
        charges = (Decimal(s.paise % 997) / 100)
        trades.append(TaxTrade(f"t{n}", "acc-1", "TCS", Side(s.kind), s.quantity, price, at,
                               charges, charges / 10))
    return trades, actions


def held_by_model(trades: list[TaxTrade], actions: list[CorporateAction]) -> tuple[int, int]:
    """(shares held, shares sold with no lot), counted without lots."""
    by_day: dict[date, list[TaxTrade]] = defaultdict(list)
    for t in trades:
        by_day[t.day].append(t)
    on_day = defaultdict(list)
    for a in actions:
        on_day[a.ex_date].append(a)
    held = unmatched = 0
    for day in sorted(set(by_day) | set(on_day)):
        for a in on_day[day]:
            held = held * a.new if a.kind is ActionKind.SPLIT else held + held * a.new // a.old
        bought = sum(t.quantity for t in by_day[day] if t.side is Side.BUY)
        sold = sum(t.quantity for t in by_day[day] if t.side is Side.SELL)
        if bought >= sold:
            held += bought - sold
        else:
            matched = min(held, sold - bought)
            held -= matched
            unmatched += sold - bought - matched
    return held, unmatched


def open_lots(ledger: Ledger) -> list[Lot]:
    return [lot for lots in ledger.open_lots.values() for lot in lots]


@given(steps, st.sampled_from(list(Method)))
def test_lots_when_any_sequence_then_shares_are_conserved(seq: list[Step], method: Method) -> None:
    trades, actions = scenario(seq)

    ledger = compute_ledger("acc-1", trades, actions, method)

    held, unmatched = held_by_model(trades, actions)
    assert sum(lot.quantity for lot in open_lots(ledger)) == held
    assert sum(s.unmatched for s in ledger.sales) == unmatched


@given(steps, st.sampled_from(list(Method)))
def test_lots_when_any_sequence_then_cost_and_proceeds_are_conserved_to_the_paisa(
    seq: list[Step], method: Method
) -> None:
    trades, actions = scenario(seq)

    ledger = compute_ledger("acc-1", trades, actions, method)

    buys = [t for t in trades if t.side is Side.BUY]
    sells = [t for t in trades if t.side is Side.SELL]
    paid = sum((t.value + t.charges for t in buys), ZERO)
    matched = sum((m.lot.cost for s in ledger.sales for m in s.matches), ZERO)
    netted = sum((i.buy_value + i.buy_charges for i in ledger.intraday), ZERO)
    assert paid == sum((lot.cost for lot in open_lots(ledger)), ZERO) + matched + netted
    received = sum((t.value for t in sells), ZERO)
    assert received == (sum((s.sale_value for s in ledger.sales), ZERO)
                        + sum((i.sell_value for i in ledger.intraday), ZERO))


@given(steps)
def test_fifo_when_any_sequence_then_no_sale_takes_a_younger_lot_first(seq: list[Step]) -> None:
    trades, actions = scenario(seq)

    ledger = compute_ledger("acc-1", trades, actions, Method.FIFO)

    taken = [m.lot for s in ledger.sales for m in s.matches]
    assert [lot.seq for lot in taken] == sorted(lot.seq for lot in taken)
    assert [lot.acquired for lot in taken] == sorted(lot.acquired for lot in taken)
    if taken and open_lots(ledger):
        assert max(lot.seq for lot in taken) <= min(lot.seq for lot in open_lots(ledger))
