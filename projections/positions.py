"""Positions per account and symbol: quantity, average price, realised and unrealised P&L."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import BarClosed, Envelope, OrderFilled, PositionClosed
from domain.money import ZERO
from domain.values import Side

if TYPE_CHECKING:
    from projections.desk import DeskView


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
    by_account: dict[str, dict[str, Position]]  # account -> symbol -> position
    marks: dict[str, Decimal]
    holders: dict[str, set[str]]  # symbol -> accounts with an open quantity

    @classmethod
    def empty(cls) -> Positions:
        return cls({}, {}, {})

    def of(self, account_id: str) -> list[Position]:
        held = self.by_account.get(account_id, {})
        return [held[symbol] for symbol in sorted(held)]

    def all(self) -> list[Position]:
        return [p for account in sorted(self.by_account) for p in self.of(account)]

    def at(self, account_id: str, symbol: str) -> Position:
        held = self.by_account.setdefault(account_id, {})
        if symbol not in held:
            held[symbol] = Position(account_id, symbol)
        return held[symbol]


def apply_positions(view: DeskView, event: Envelope) -> None:
    """Fold one event into positions and marks."""
    positions, payload = view.positions, event.payload
    match payload:
        case BarClosed():
            positions.marks[payload.symbol] = payload.close
        case OrderFilled():
            pos = positions.at(payload.account_id, payload.symbol)
            if payload.side is Side.BUY:
                cost = pos.average_price * pos.quantity + payload.price * payload.quantity
                pos.quantity += payload.quantity
                pos.average_price = cost / pos.quantity
            else:
                pos.quantity -= payload.quantity
                if pos.quantity == 0:
                    pos.average_price = ZERO
            holders = positions.holders.setdefault(payload.symbol, set())
            if pos.quantity:
                holders.add(payload.account_id)
            else:
                holders.discard(payload.account_id)
        case PositionClosed():
            pos = positions.at(payload.account_id, payload.symbol)
            pos.realised_pnl += payload.realised_pnl
            pos.costs += payload.costs
            pos.trades += 1
        case _:
            pass
