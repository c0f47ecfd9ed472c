"""Intraday netting: on a day with both buys and sells of a scrip, the quantity bought and
sold that day (the smaller side) was settled without delivery, so it is speculative
business income (s.43(5)), netted per day per scrip before any delivery lot is touched.

Within the day, the netted shares are the first bought and the first sold (in time order,
as the desk's own round trips pair them); the later trades of the larger side, or what is
left of one, are the day's delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.money import ZERO, to_paise
from domain.tax.trades import TaxTrade
from domain.values import Side


@dataclass(frozen=True)
class IntradayResult:
    """One scrip's netted trades on one day. STT counts here as a business expense
    (s.36(1)(xv)), unlike on capital gains."""

    symbol: str
    day: date
    quantity: int
    buy_value: Decimal
    sell_value: Decimal
    buy_charges: Decimal
    sell_charges: Decimal
    stt: Decimal

    @property
    def charges(self) -> Decimal:
        return self.buy_charges + self.sell_charges

    @property
    def income(self) -> Decimal:
        return self.sell_value - self.buy_value - self.charges - self.stt


def split_trade(t: TaxTrade, quantity: int) -> tuple[TaxTrade, TaxTrade]:
    """(the first `quantity` shares of `t`, the rest), value and charges shared to the
    paisa so the two parts add up to the trade exactly."""
    share = Decimal(quantity) / Decimal(t.quantity)
    value, charges, stt = to_paise(t.value * share), to_paise(t.charges * share), to_paise(
        t.stt * share)
    first = TaxTrade(t.key, t.account_id, t.symbol, t.side, quantity, t.price, t.at, charges,
                     stt, value)
    rest = TaxTrade(t.key, t.account_id, t.symbol, t.side, t.quantity - quantity, t.price, t.at,
                    t.charges - charges, t.stt - stt, t.value - value)
    return first, rest


def _first(trades: Sequence[TaxTrade], quantity: int) -> tuple[list[TaxTrade], list[TaxTrade]]:
    """(the trades, or parts, making up the first `quantity` shares; the rest)."""
    taken: list[TaxTrade] = []
    for n, t in enumerate(trades):
        if quantity == 0:
            return taken, list(trades[n:])
        if t.quantity <= quantity:
            taken.append(t)
            quantity -= t.quantity
            continue
        part, rest = split_trade(t, quantity)
        return [*taken, part], [rest, *trades[n + 1:]]
    return taken, []


def net_day(symbol: str, day: date, trades: list[TaxTrade]
            ) -> tuple[IntradayResult | None, list[TaxTrade]]:
    """(the day's intraday result, the delivery trades left), for one scrip's trades of a
    day in time order. A day with one side only nets nothing."""
    buys = [t for t in trades if t.side is Side.BUY]
    sells = [t for t in trades if t.side is Side.SELL]
    if not buys or not sells:
        return None, trades
    netted = min(sum(t.quantity for t in buys), sum(t.quantity for t in sells))
    bought, buys_left = _first(buys, netted)
    sold, sells_left = _first(sells, netted)
    result = IntradayResult(
        symbol, day, netted,
        buy_value=sum((t.value for t in bought), ZERO),
        sell_value=sum((t.value for t in sold), ZERO),
        buy_charges=sum((t.charges for t in bought), ZERO),
        sell_charges=sum((t.charges for t in sold), ZERO),
        stt=sum((t.stt for t in (*bought, *sold)), ZERO))
    return result, buys_left or sells_left
