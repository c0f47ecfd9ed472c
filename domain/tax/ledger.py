"""One demat account's trades and corporate actions folded into lots, sales and intraday
results, scrip by scrip and day by day (FIFO is applied account-wise, per CBDT Circular 768)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from domain.money import to_paise
from domain.tax.intraday import IntradayResult, net_day
from domain.tax.lots import Lot, LotMatch, Method, Sale, bonus_lot, consume, share_out, split_lots
from domain.tax.trades import ActionKind, CorporateAction, TaxTrade
from domain.values import Side


@dataclass(frozen=True)
class Ledger:
    """Every delivery sale with its lots, every netted intraday day, and the lots still open."""

    account_id: str
    method: Method
    sales: tuple[Sale, ...]
    intraday: tuple[IntradayResult, ...]
    open_lots: Mapping[str, tuple[Lot, ...]] = field(default_factory=dict)


@dataclass
class _Scrip:
    """One scrip's running state while its days are folded."""

    symbol: str
    lots: list[Lot] = field(default_factory=list)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def compute_ledger(
    account_id: str,
    trades: Iterable[TaxTrade],
    actions: Iterable[CorporateAction] = (),
    method: Method = Method.FIFO,
    picks: Mapping[str, Sequence[str]] | None = None,
) -> Ledger:
    """Lots, sales and intraday results of `account_id`'s trades (others are ignored).

    `picks` (specific identification only) names, per sale key, the lot keys to sell first.
    """
    by_symbol: dict[str, list[TaxTrade]] = defaultdict(list)
    for t in sorted((t for t in trades if t.account_id == account_id), key=lambda t: t.at):
        by_symbol[t.symbol].append(t)
    actions_by_symbol: dict[str, list[CorporateAction]] = defaultdict(list)
    for a in actions:
        actions_by_symbol[a.symbol].append(a)
    sales: list[Sale] = []
    intraday: list[IntradayResult] = []
    open_lots: dict[str, tuple[Lot, ...]] = {}
    for symbol in sorted(by_symbol):
        scrip = _Scrip(symbol)
        days: dict[date, list[TaxTrade]] = defaultdict(list)
        for t in by_symbol[symbol]:
            days[t.day].append(t)
        on_day: dict[date, list[CorporateAction]] = defaultdict(list)
        for a in sorted(actions_by_symbol.get(symbol, ()), key=lambda a: a.ex_date):
            on_day[a.ex_date].append(a)
        for day in sorted(set(days) | set(on_day)):
            for action in on_day.get(day, ()):
                _apply_action(scrip, action)
            result, delivery = net_day(symbol, day, days.get(day, []))
            if result is not None:
                intraday.append(result)
            for t in delivery:
                if t.side is Side.BUY:
                    scrip.lots.append(Lot(t.key, scrip.next_seq(), symbol, day, t.quantity,
                                          to_paise(t.value + t.charges)))
                else:
                    sales.append(_sell(scrip, t, method, (picks or {}).get(t.key, ())))
        if scrip.lots:
            open_lots[symbol] = tuple(scrip.lots)
    return Ledger(account_id, method, tuple(sales), tuple(intraday), open_lots)


def _apply_action(scrip: _Scrip, action: CorporateAction) -> None:
    if not scrip.lots:
        return
    if action.kind is ActionKind.SPLIT:
        scrip.lots = split_lots(scrip.lots, action.new, action.old)
        return
    key = f"bonus-{scrip.symbol}-{action.ex_date.isoformat()}"
    lot = bonus_lot(scrip.lots, action.new, action.old, key, scrip.next_seq(), action.ex_date)
    if lot is not None:
        scrip.lots.append(lot)


def _sell(scrip: _Scrip, t: TaxTrade, method: Method, picks: Sequence[str]) -> Sale:
    taken, scrip.lots, unmatched = consume(scrip.lots, t.quantity, method, picks)
    sale_value = to_paise(t.value)
    weights = [p.quantity for p in taken] + ([unmatched] if unmatched else [])
    values = share_out(sale_value, weights)
    expenses = share_out(t.charges, weights)
    matches = tuple(LotMatch(p, v, e) for p, v, e in zip(taken, values, expenses, strict=False))
    return Sale(t.key, t.account_id, t.symbol, t.day, t.quantity, sale_value, t.charges, t.stt,
                matches, unmatched)
