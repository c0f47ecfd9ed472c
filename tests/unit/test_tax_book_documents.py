"""The tax book folded from the log's stored JSON (the bulk read `desk tax report` uses) is
the book folded from decoded envelopes: same trades to the paisa and the second, same
links, actions and idempotency."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from domain.events import CorporateActionRecorded, Envelope, TradeImported
from domain.session import IST
from domain.tax import ActionKind
from domain.values import Leg, Side
from projections.tax import TaxBook, apply_tax, apply_tax_document
from tests.unit.conftest import T0, D, charges, envelope, fill


def imported(trade_id: str, **overrides: Any) -> TradeImported:
    fields: dict[str, Any] = {
        "account_id": "acc-1", "broker": "zerodha", "exchange": "NSE", "trade_id": trade_id,
        "trade_date": date(2025, 1, 6),
        "traded_at": datetime(2025, 1, 6, 9, 45, 12, tzinfo=IST), "symbol": "INFY",
        "side": Side.SELL, "quantity": 7, "price": D("1834.05"), "charges": D("3.17"),
        "stt": D("12.84"), "source": "tb.csv:2"}
    fields.update(overrides)
    return TradeImported(**fields)


def the_log() -> list[Envelope]:
    """A fill, an imported trade, one linked to the fill, a split, and a repeated version."""
    trade = envelope(imported("T1"), "trade-zerodha-NSE-20250106-T1")
    return [
        envelope(fill(Leg.ENTRY, "500.25", costs=charges(brokerage="20", stt="50.03")),
                 "order-1", 2),
        trade,
        envelope(imported("T2", side=Side.BUY, linked_fill="order-1-entry"),
                 "trade-zerodha-NSE-20250106-T2", at=T0),
        envelope(CorporateActionRecorded(symbol="INFY", kind=ActionKind.SPLIT, new=2, old=1,
                                         ex_date=date(2025, 2, 3)),
                 "corpaction-INFY-split-20250203"),
        trade,
    ]


def test_fold_when_read_as_stored_json_then_the_same_book_as_from_envelopes() -> None:
    by_envelope, by_document = TaxBook(), TaxBook()

    for position, event in enumerate(the_log(), start=1):
        apply_tax(by_envelope, event, position)
        apply_tax_document(by_document, json.loads(event.model_dump_json()), position)

    assert by_document == by_envelope
    trades = by_document.trades["acc-1"]
    assert [(t.key, t.side, t.quantity, t.price, t.charges, t.stt) for t in trades] == [
        ("order-1-entry", Side.BUY, 100, D("500.25"), D("20"), D("50.03")),
        ("trade-zerodha-NSE-20250106-T1", Side.SELL, 7, D("1834.05"), D("3.17"), D("12.84")),
    ]
    assert trades[1].at == datetime(2025, 1, 6, 9, 45, 12, tzinfo=IST)
    assert by_document.linked == {"order-1-entry"}
    assert by_document.unlinked_fills("acc-1") == []
    assert [a.symbol for a in by_document.actions] == ["INFY"]
