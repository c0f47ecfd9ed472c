"""A desk backtest's round trips, folded from the log: each bracket's entry fill and the
position it closed, named by the card's strategy (what `desk backtest --engine desk`
reports, in the fast engine's `Trade` shape so the same metrics and files apply).

Pure: `apply(state, event)` per event in log order; marks and equity come from the
desk's own view (`marked_equity`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.backtest.engine import OpenPosition, Trade
from domain.events import (
    CardBlocked,
    CardProposed,
    Envelope,
    OrderFilled,
    OrderPlaced,
    PositionClosed,
)
from domain.money import ZERO
from domain.values import Leg
from projections.desk import DeskView


@dataclass
class TradeLog:
    """Closed trades and open entries so far, with what names them."""

    strategy_of_card: dict[str, str] = field(default_factory=dict)
    card_at: dict[str, datetime] = field(default_factory=dict)  # proposed or blocked
    card_of_order: dict[str, str] = field(default_factory=dict)
    open_by_order: dict[str, OpenPosition] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)


def apply(log: TradeLog, event: Envelope) -> TradeLog:
    """Fold one event: a proposal names its strategy, an entry fill opens, a close ends."""
    payload = event.payload
    if isinstance(payload, CardProposed):
        log.strategy_of_card[payload.card_id] = payload.strategy
        log.card_at[payload.card_id] = event.occurred_at
    elif isinstance(payload, CardBlocked):
        log.card_at[payload.card_id] = event.occurred_at
    elif isinstance(payload, OrderPlaced):
        log.card_of_order[payload.order_id] = payload.card_id
    elif isinstance(payload, OrderFilled) and payload.leg is Leg.ENTRY:
        card_id = log.card_of_order.get(payload.order_id, "")
        log.open_by_order[payload.order_id] = OpenPosition(
            payload.symbol,
            log.strategy_of_card.get(card_id, "?"),
            payload.quantity,
            0,
            event.occurred_at,
            payload.price,
            payload.costs.total,
            f"card {card_id}, order {payload.order_id}: {payload.rule}",
        )
    elif isinstance(payload, PositionClosed):
        entry = log.open_by_order.pop(payload.order_id, None)
        if entry is not None:
            log.trades.append(
                Trade(
                    entry,
                    0,
                    event.occurred_at,
                    payload.exit_price,
                    payload.costs,
                    payload.realised_pnl,
                    f"{payload.exit_leg.value} leg filled",
                )
            )
    return log


def marked_equity(view: DeskView, account_id: str) -> Decimal:
    """Cash not in positions (free and reserved) plus every open position at its last
    mark: what the account would hold if it sold at the marks, entry charges already paid."""
    cash = view.cash.get(account_id)
    held = sum(
        (
            p.quantity * view.positions.marks.get(p.symbol, p.average_price)
            for p in view.positions.of(account_id)
        ),
        ZERO,
    )
    return (cash.free + cash.reserved if cash else ZERO) + held
