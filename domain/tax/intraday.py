"""Intraday netting: on a day with both buys and sells of a scrip, the quantity bought and
sold that day (the smaller side) was settled without delivery, so it is speculative
business income (s.43(5)), netted per day per scrip before any delivery lot is touched.

Each side's trades of the day are pooled at their average price; the netted quantity takes
its share of each pool, and what is left of the larger side is the day's delivery trade.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class _Pool:
    quantity: int
    value: Decimal
    charges: Decimal
    stt: Decimal

    def part(self, quantity: int) -> tuple[Decimal, Decimal, Decimal]:
        """(value, charges, stt) of `quantity` of the pool, each to the paisa."""
        if quantity == self.quantity:
            return self.value, self.charges, self.stt
        share = Decimal(quantity) / Decimal(self.quantity)
        return (to_paise(self.value * share), to_paise(self.charges * share),
                to_paise(self.stt * share))


def _pool(trades: list[TaxTrade]) -> _Pool:
    return _Pool(sum(t.quantity for t in trades), sum((t.value for t in trades), ZERO),
                 sum((t.charges for t in trades), ZERO), sum((t.stt for t in trades), ZERO))


def net_day(symbol: str, day: date, trades: list[TaxTrade]
            ) -> tuple[IntradayResult | None, list[TaxTrade]]:
    """(the day's intraday result, the delivery trades left), for one scrip's trades of a day.

    A day with one side only nets nothing and keeps its trades as they are (each its own lot).
    """
    buys = [t for t in trades if t.side is Side.BUY]
    sells = [t for t in trades if t.side is Side.SELL]
    if not buys or not sells:
        return None, trades
    bought, sold = _pool(buys), _pool(sells)
    netted = min(bought.quantity, sold.quantity)
    b_value, b_charges, b_stt = bought.part(netted)
    s_value, s_charges, s_stt = sold.part(netted)
    result = IntradayResult(symbol, day, netted, b_value, s_value, b_charges, s_charges,
                            b_stt + s_stt)
    larger, side, group = (bought, Side.BUY, buys) if bought.quantity > sold.quantity else (
        sold, Side.SELL, sells)
    rest = larger.quantity - netted
    if rest == 0:
        return result, []
    first = group[0]
    used_value, used_charges, used_stt = larger.part(netted)
    value = larger.value - used_value
    # The delivery remainder at the pool's average price; the value stays exact in `gross`.
    delivery = TaxTrade(
        key=f"{first.key}+net", account_id=first.account_id, symbol=symbol, side=side,
        quantity=rest, price=to_paise(value / rest), at=first.at,
        charges=larger.charges - used_charges, stt=larger.stt - used_stt, gross=value)
    return result, [delivery]
