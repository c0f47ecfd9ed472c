"""Recognising an imported trade as one of the desk's own fills, so it is not counted twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from domain.money import to_paise
from domain.tax.trades import TaxTrade
from domain.values import Side

_Key = tuple[str, str, Side, int, date, Decimal]


def _key(t: TaxTrade) -> _Key:
    return t.account_id, t.symbol, t.side, t.quantity, t.day, to_paise(t.price)


def link_fills(imported: Iterable[TaxTrade], fills: Iterable[TaxTrade]) -> dict[str, str]:
    """Imported trade key -> desk fill key, for trades that are the same: account, scrip,
    side, quantity, IST day and price to the paisa. Each fill links to one trade at most,
    earliest first on both sides."""
    waiting: dict[_Key, list[TaxTrade]] = defaultdict(list)
    for f in sorted(fills, key=lambda t: t.at):
        waiting[_key(f)].append(f)
    links: dict[str, str] = {}
    for t in sorted(imported, key=lambda t: t.at):
        candidates = waiting.get(_key(t))
        if candidates:
            links[t.key] = candidates.pop(0).key
    return links
