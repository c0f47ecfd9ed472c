"""Which live brackets each strategy holds on a symbol, read from the desk view: what a
rule strategy needs for one position at a time and for its exits by rule."""

from __future__ import annotations

from projections.desk import DeskView
from projections.orders import OrderRow


def live_orders(view: DeskView, strategy: str, symbol: str) -> list[OrderRow]:
    """The strategy's live brackets on `symbol` (entry working, or position open), in
    order id order; the strategy is the one of the card that placed each."""
    rows = []
    for order_id in sorted(view.orders.live_by_symbol.get(symbol, ())):
        row = view.orders.by_id[order_id]
        card = view.cards.get(row.card_id)
        if card is not None and card.strategy == strategy:
            rows.append(row)
    return rows


def holds(view: DeskView, strategy: str, symbol: str) -> bool:
    """Whether the strategy has a live bracket on `symbol` in any account."""
    return bool(live_orders(view, strategy, symbol))
