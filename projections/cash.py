"""Cash per account: available, reserved, deployed and buffer, and what produced them.

The same rules as the Account aggregate: the buffer is `domain.treasury`'s share of funded
capital held out of free cash. Conservation, to the paisa, for every account:

    available + reserved + deployed + buffer
        = deposits + transfers_in - transfers_out + returned - returned_basis

where `returned - returned_basis` (exit proceeds net of exit charges, less the entry cost
paid incl. entry charges) is the realised P&L after all charges of every closed trade,
which `PositionClosed` reports as `realised_pnl` (= gross P&L - costs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.events import (
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    CashTransferredIn,
    CashTransferredOut,
    MandateSet,
    Payload,
    PositionClosed,
)
from domain.money import ZERO
from domain.treasury import buffer_held


@dataclass
class Cash:
    free: Decimal = ZERO  # neither reserved nor deployed: available plus buffer
    reservations: dict[str, Decimal] = field(default_factory=dict)
    deployed: Decimal = ZERO
    deposits: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    buffer_pct: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    costs: Decimal = ZERO

    @property
    def reserved(self) -> Decimal:
        return sum(self.reservations.values(), ZERO)

    @property
    def funded(self) -> Decimal:
        """Capital put in: deposits and transfers in, less transfers out."""
        return self.deposits + self.transfers_in - self.transfers_out

    @property
    def buffer(self) -> Decimal:
        return buffer_held(self.buffer_pct, self.funded, self.free)

    @property
    def available(self) -> Decimal:
        return self.free - self.buffer

    @property
    def total(self) -> Decimal:
        return self.free + self.reserved + self.deployed


def apply_cash(cash: dict[str, Cash], payload: Payload) -> None:
    """Fold one event into the per-account cash view."""
    match payload:
        case MandateSet():
            cash.setdefault(payload.account_id, Cash()).buffer_pct = (
                payload.mandate.cash_buffer_pct)
        case CashDeposited():
            c = cash.setdefault(payload.account_id, Cash())
            c.free += payload.amount
            c.deposits += payload.amount
        case CashTransferredIn():
            c = cash.setdefault(payload.account_id, Cash())
            c.free += payload.amount
            c.transfers_in += payload.amount
        case CashTransferredOut():
            c = cash.setdefault(payload.account_id, Cash())
            c.free -= payload.amount
            c.transfers_out += payload.amount
        case CashReserved():
            c = cash.setdefault(payload.account_id, Cash())
            c.free -= payload.amount
            c.reservations[payload.card_id] = payload.amount
        case CashReleased():
            c = cash.setdefault(payload.account_id, Cash())
            c.free += payload.amount
            c.reservations.pop(payload.card_id, None)
        case CashDeployed():
            c = cash.setdefault(payload.account_id, Cash())
            # As the account aggregate does: the card's reservation pays first.
            held = c.reservations.get(payload.card_id, ZERO)
            from_reservation = min(held, payload.amount)
            c.reservations[payload.card_id] = held - from_reservation
            c.free -= payload.amount - from_reservation
            c.deployed += payload.amount
        case CashReturned():
            c = cash.setdefault(payload.account_id, Cash())
            c.deployed -= payload.cost_basis
            c.free += payload.amount
        case PositionClosed():
            c = cash.setdefault(payload.account_id, Cash())
            c.realised_pnl += payload.realised_pnl
            c.costs += payload.costs
        case _:
            pass
