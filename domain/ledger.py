"""An account's cash ledger, and the treasury's rule for its buffer.

Cash is in exactly one of four states: available, reserved (for approved cards), deployed
(paid for open positions) or buffer. The buffer is the mandate's `cash_buffer_pct` of the
account's *funded capital* (deposits plus transfers in, less transfers out), rounded up to
the paisa, held out of the account's free cash (cash neither reserved nor deployed). When
losses leave less free cash than that, the buffer is all the free cash there is and nothing
is available. The buffer is never reserved or transferred.

`post` is the one fold of this arithmetic: the `Account` aggregate and the cash projection
both use it, so the write side and the read model cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, TypeVar

from domain.events import (
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    CashTransferredIn,
    CashTransferredOut,
    MandateSet,
)
from domain.money import HUNDRED, PAISA, ZERO

# Events that move cash between states, or in and out of the account.
MOVEMENTS = (CashDeposited, CashReserved, CashReleased, CashDeployed, CashReturned,
             CashTransferredIn, CashTransferredOut)
# A new mandate moves no cash, but can move cash into or out of the buffer.
LEDGER_EVENTS = (*MOVEMENTS, MandateSet)
LedgerEvent = (CashDeposited | CashReserved | CashReleased | CashDeployed | CashReturned
               | CashTransferredIn | CashTransferredOut | MandateSet)


def buffer_target(buffer_pct: Decimal, funded: Decimal) -> Decimal:
    """What the buffer should hold: `buffer_pct`% of funded capital, up to the paisa."""
    if funded <= ZERO or buffer_pct <= ZERO:
        return ZERO
    return (funded * buffer_pct / HUNDRED).quantize(PAISA, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class Ledger:
    """One account's cash by state, and the capital that funded it."""

    free: Decimal = ZERO  # neither reserved nor deployed: available plus buffer
    reservations: dict[str, Decimal] = field(default_factory=dict)  # by card id
    deployed: Decimal = ZERO  # cost basis of open positions, entry charges included
    deposits: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    buffer_pct: Decimal = ZERO  # the mandate's

    @property
    def reserved(self) -> Decimal:
        return sum(self.reservations.values(), ZERO)

    @property
    def funded(self) -> Decimal:
        """Capital put in: deposits and transfers in, less transfers out."""
        return self.deposits + self.transfers_in - self.transfers_out

    @property
    def buffer(self) -> Decimal:
        """The buffer actually held: the target, or all the free cash when there is less."""
        return max(ZERO, min(self.free, buffer_target(self.buffer_pct, self.funded)))

    @property
    def available(self) -> Decimal:
        """Cash that may be reserved or transferred: free cash less the buffer."""
        return self.free - self.buffer

    @property
    def total(self) -> Decimal:
        return self.free + self.reserved + self.deployed


L = TypeVar("L", bound=Ledger)


def _with(ledger: L, **changes: object) -> L:
    """A copy of `ledger` with `changes`: `dataclasses.replace` without its per-call field
    introspection and `__init__`, which made a replayed cash event cost twice as much."""
    new = object.__new__(type(ledger))
    new.__dict__.update(ledger.__dict__)
    new.__dict__.update(changes)
    return new


def post(ledger: L, event: LedgerEvent) -> L:
    """The ledger after one event (a ledger subclass keeps its own fields)."""
    posting: Callable[[L, Any], L] = _POSTINGS[type(event)]
    return posting(ledger, event)


def _mandate(ledger: L, event: MandateSet) -> L:
    return _with(ledger, buffer_pct=event.mandate.cash_buffer_pct)


def _deposited(ledger: L, event: CashDeposited) -> L:
    return _with(ledger, free=ledger.free + event.amount,
                 deposits=ledger.deposits + event.amount)


def _transferred_in(ledger: L, event: CashTransferredIn) -> L:
    return _with(ledger, free=ledger.free + event.amount,
                 transfers_in=ledger.transfers_in + event.amount)


def _transferred_out(ledger: L, event: CashTransferredOut) -> L:
    return _with(ledger, free=ledger.free - event.amount,
                 transfers_out=ledger.transfers_out + event.amount)


def _reserved(ledger: L, event: CashReserved) -> L:
    return _with(ledger, free=ledger.free - event.amount,
                 reservations={**ledger.reservations, event.card_id: event.amount})


def _released(ledger: L, event: CashReleased) -> L:
    kept = {k: v for k, v in ledger.reservations.items() if k != event.card_id}
    return _with(ledger, free=ledger.free + event.amount, reservations=kept)


def _deployed(ledger: L, event: CashDeployed) -> L:
    # The card's reservation pays first; an overrun comes out of free cash.
    held = ledger.reservations.get(event.card_id, ZERO)
    from_reservation = min(held, event.amount)
    return _with(
        ledger, free=ledger.free - (event.amount - from_reservation),
        reservations={**ledger.reservations, event.card_id: held - from_reservation},
        deployed=ledger.deployed + event.amount,
    )


def _returned(ledger: L, event: CashReturned) -> L:
    return _with(ledger, free=ledger.free + event.amount,
                 deployed=ledger.deployed - event.cost_basis)


# Event type -> its posting: one table, looked up once per event (replays run hot).
_POSTINGS: dict[type, Callable[[Any, Any], Any]] = {
    MandateSet: _mandate,
    CashDeposited: _deposited,
    CashTransferredIn: _transferred_in,
    CashTransferredOut: _transferred_out,
    CashReserved: _reserved,
    CashReleased: _released,
    CashDeployed: _deployed,
    CashReturned: _returned,
}
