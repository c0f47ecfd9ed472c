"""The tax book: every account's trades (its own fills and imported ones) and the corporate
actions, folded from the log; lots and gains are computed from it on demand (`domain.tax`).

An imported trade linked to a desk fill is the same trade: the fill stands for it, so a
trade the desk made and the broker's tradebook also lists counts once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.events import CorporateActionRecorded, Envelope, OrderFilled, TradeImported
from domain.money import ZERO
from domain.session import IST
from domain.tax import (
    CorporateAction,
    FinancialYear,
    Method,
    TaxReport,
    TaxTrade,
    compute_ledger,
    tax_report,
)
from domain.values import Side

# The only events the book folds: a reader may skip every other type.
TAX_EVENT_TYPES = tuple(t.event_type for t in (OrderFilled, TradeImported,
                                               CorporateActionRecorded))


@dataclass
class TaxBook:
    trades: dict[str, list[TaxTrade]] = field(default_factory=dict)  # by account, log order
    actions: list[CorporateAction] = field(default_factory=list)
    fill_ids: set[str] = field(default_factory=set)  # the desk's own fills
    linked: set[str] = field(default_factory=set)  # fills an imported trade was linked to
    stream_versions: dict[str, int] = field(default_factory=dict)
    position: int = 0

    def report(self, account_id: str, fy: FinancialYear, method: Method = Method.FIFO,
               fmv: Mapping[str, Decimal] | None = None,
               picks: Mapping[str, Sequence[str]] | None = None) -> TaxReport:
        """The account's report for `fy` (lots from every trade on record, any year)."""
        ledger = compute_ledger(account_id, self.trades.get(account_id, ()), self.actions,
                                method, picks)
        return tax_report(ledger, fy, fmv)

    def unlinked_fills(self, account_id: str) -> list[TaxTrade]:
        """The account's own fills no imported trade has claimed yet."""
        return [t for t in self.trades.get(account_id, ())
                if t.key in self.fill_ids and t.key not in self.linked]


def apply_tax(book: TaxBook, event: Envelope, position: int = 0) -> TaxBook:
    """Fold one logged event into the book (idempotent per stream version)."""
    if not _first_sight(book, event.stream_id, event.stream_version, position):
        return book
    p = event.payload
    if isinstance(p, OrderFilled):
        book.fill_ids.add(p.fill_id)
        stt = p.costs.stt
        charges = sum((getattr(p.costs, name) for name in type(p.costs).model_fields), ZERO)
        book.trades.setdefault(p.account_id, []).append(TaxTrade(
            p.fill_id, p.account_id, p.symbol, p.side, p.quantity, p.price, event.occurred_at,
            charges - stt, stt))
    elif isinstance(p, TradeImported):
        _imported(book, p.linked_fill, TaxTrade(
            event.stream_id, p.account_id, p.symbol, p.side, p.quantity, p.price,
            p.traded_at.astimezone(IST), p.charges, p.stt))
    elif isinstance(p, CorporateActionRecorded):
        book.actions.append(CorporateAction(p.symbol, p.kind, p.new, p.old, p.ex_date,
                                            p.reference))
    return book


def apply_tax_document(book: TaxBook, doc: Mapping[str, Any], position: int) -> TaxBook:
    """Fold one event as the log stored it (its envelope's JSON object). An imported trade
    of the current schema is read field by field: the log validated it when it was written,
    and a year's tradebook is 100,000 of them. Any other event is decoded in full."""
    if doc["type"] != _IMPORTED or doc["schema_version"] != TradeImported.schema_version:
        return apply_tax(book, Envelope.model_validate(doc), position)
    stream_id = doc["stream_id"]
    if not _first_sight(book, stream_id, doc["stream_version"], position):
        return book
    p = doc["payload"]
    _imported(book, p["linked_fill"], TaxTrade(
        stream_id, p["account_id"], p["symbol"], _SIDES.get(p["side"]) or Side(p["side"]),
        p["quantity"],
        Decimal(p["price"]), datetime.fromisoformat(p["traded_at"]).astimezone(IST),
        Decimal(p["charges"]), Decimal(p["stt"])))
    return book


_IMPORTED = TradeImported.event_type
_SIDES = {side.value: side for side in Side}  # a lookup: calling the enum is slow in bulk


def _first_sight(book: TaxBook, stream_id: str, version: int, position: int) -> bool:
    """Whether the book has not folded this stream version yet (and now counts it)."""
    if version <= book.stream_versions.get(stream_id, 0):
        return False
    book.stream_versions[stream_id] = version
    book.position = max(book.position, position)
    return True


def _imported(book: TaxBook, linked_fill: str | None, trade: TaxTrade) -> None:
    """An imported trade: the desk's fill stands for it when linked, else it counts."""
    if linked_fill is not None:
        book.linked.add(linked_fill)
    else:
        book.trades.setdefault(trade.account_id, []).append(trade)
