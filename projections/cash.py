"""Cash per account: available, reserved, deployed, and what produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.events import (
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    Payload,
    PositionClosed,
)
from domain.money import ZERO


@dataclass
class Cash:
    available: Decimal = ZERO
    reservations: dict[str, Decimal] = field(default_factory=dict)
    deployed: Decimal = ZERO
    deposits: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    costs: Decimal = ZERO

    @property
    def reserved(self) -> Decimal:
        return sum(self.reservations.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return self.available + self.reserved + self.deployed


def apply_cash(cash: dict[str, Cash], payload: Payload) -> None:
    """Fold one event into the per-account cash view."""
    match payload:
        case CashDeposited():
            c = cash.setdefault(payload.account_id, Cash())
            c.available += payload.amount
            c.deposits += payload.amount
        case CashReserved():
            c = cash.setdefault(payload.account_id, Cash())
            c.available -= payload.amount
            c.reservations[payload.card_id] = payload.amount
        case CashReleased():
            c = cash.setdefault(payload.account_id, Cash())
            c.available += payload.amount
            c.reservations.pop(payload.card_id, None)
        case CashDeployed():
            c = cash.setdefault(payload.account_id, Cash())
            # As the account aggregate does: the card's reservation pays first.
            held = c.reservations.get(payload.card_id, ZERO)
            from_reservation = min(held, payload.amount)
            c.reservations[payload.card_id] = held - from_reservation
            c.available -= payload.amount - from_reservation
            c.deployed += payload.amount
        case CashReturned():
            c = cash.setdefault(payload.account_id, Cash())
            c.deployed -= payload.cost_basis
            c.available += payload.amount
        case PositionClosed():
            c = cash.setdefault(payload.account_id, Cash())
            c.realised_pnl += payload.realised_pnl
            c.costs += payload.costs
        case _:
            pass
