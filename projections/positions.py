"""Positions per account and symbol: quantity, average price, realised and unrealised P&L."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.events import BarClosed, OrderFilled, Payload, PositionClosed
from domain.money import ZERO
from domain.values import Side


@dataclass
class Position:
    account_id: str
    symbol: str
    quantity: int = 0
    average_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    costs: Decimal = ZERO
    trades: int = 0

    def unrealised(self, mark: Decimal | None) -> Decimal:
        if mark is None or self.quantity == 0:
            return ZERO
        return (mark - self.average_price) * self.quantity

    def exposure(self, mark: Decimal | None) -> Decimal:
        return (mark if mark is not None else self.average_price) * self.quantity


@dataclass
class Positions:
    by_key: dict[tuple[str, str], Position]
    marks: dict[str, Decimal]
    holders: dict[str, set[str]]  # symbol -> accounts with an open quantity

    @classmethod
    def empty(cls) -> Positions:
        return cls({}, {}, {})

    def of(self, account_id: str) -> list[Position]:
        return [p for (a, _), p in sorted(self.by_key.items()) if a == account_id]


def apply_positions(view: Positions, payload: Payload) -> None:
    """Fold one event into positions and marks."""
    match payload:
        case BarClosed():
            view.marks[payload.symbol] = payload.close
        case OrderFilled():
            key = (payload.account_id, payload.symbol)
            pos = view.by_key.setdefault(key, Position(payload.account_id, payload.symbol))
            if payload.side is Side.BUY:
                cost = pos.average_price * pos.quantity + payload.price * payload.quantity
                pos.quantity += payload.quantity
                pos.average_price = cost / pos.quantity
            else:
                pos.quantity -= payload.quantity
                if pos.quantity == 0:
                    pos.average_price = ZERO
            holders = view.holders.setdefault(payload.symbol, set())
            if pos.quantity:
                holders.add(payload.account_id)
            else:
                holders.discard(payload.account_id)
        case PositionClosed():
            key = (payload.account_id, payload.symbol)
            pos = view.by_key.setdefault(key, Position(payload.account_id, payload.symbol))
            pos.realised_pnl += payload.realised_pnl
            pos.costs += payload.costs
            pos.trades += 1
        case _:
            pass
