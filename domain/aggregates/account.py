"""Account: its mandate versions and cash ledger (available, reserved, deployed)."""

from __future__ import annotations

from decimal import Decimal

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    AccountOpened,
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    MandateSet,
)
from domain.money import ZERO
from domain.values import Mandate


def account_stream(account_id: str) -> str:
    return f"account-{account_id}"


class Account(Aggregate):
    stream_prefix = "account-"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.account_id = stream_id.removeprefix(self.stream_prefix)
        self.name = ""
        self.mandate: Mandate | None = None
        self.mandate_version = 0
        self.available = ZERO
        self.reservations: dict[str, Decimal] = {}
        self.deployed: dict[str, Decimal] = {}
        self.deposit_refs: set[str] = set()

    @property
    def reserved(self) -> Decimal:
        return sum(self.reservations.values(), ZERO)

    # Commands ---------------------------------------------------------------
    def open(self, name: str, cause: Cause) -> None:
        if self.exists:
            raise DomainError(f"account {self.account_id} is already open")
        self._record(AccountOpened(account_id=self.account_id, name=name), cause)

    def set_mandate(self, mandate: Mandate, reason: str, cause: Cause) -> None:
        self._require_open()
        if mandate == self.mandate:
            return
        payload = MandateSet(
            account_id=self.account_id, version=self.mandate_version + 1, mandate=mandate,
            reason=reason,
        )
        self._record(payload, cause)

    def deposit(self, amount: Decimal, reference: str, cause: Cause) -> None:
        """Credit cash once per reference: a repeated reference is ignored."""
        self._require_open()
        if reference in self.deposit_refs:
            return
        payload = CashDeposited(account_id=self.account_id, amount=amount, reference=reference)
        self._record(payload, cause)

    def reserve(self, card_id: str, amount: Decimal, cause: Cause) -> None:
        self._require_open()
        if card_id in self.reservations:
            return
        if amount > self.available:
            raise DomainError(f"reserve {amount} exceeds available {self.available}")
        payload = CashReserved(account_id=self.account_id, card_id=card_id, amount=amount)
        self._record(payload, cause)

    def release(self, card_id: str, reason: str, cause: Cause) -> None:
        """Return whatever is still reserved for `card_id` to available."""
        amount = self.reservations.get(card_id, ZERO)
        if amount > ZERO:
            payload = CashReleased(
                account_id=self.account_id, card_id=card_id, amount=amount, reason=reason
            )
            self._record(payload, cause)

    def deploy(self, card_id: str, order_id: str, amount: Decimal, cause: Cause) -> None:
        """Pay for an entry fill from the card's reservation, then release the rest."""
        if order_id in self.deployed:
            return
        reserved = self.reservations.get(card_id, ZERO)
        if amount > reserved + self.available:
            raise DomainError(f"fill cost {amount} exceeds reserved {reserved} + available")
        payload = CashDeployed(
            account_id=self.account_id, card_id=card_id, order_id=order_id, amount=amount
        )
        self._record(payload, cause)
        self.release(card_id, "unused reservation after entry fill", cause)

    def return_cash(self, order_id: str, proceeds: Decimal, cause: Cause) -> None:
        """Exit proceeds come back; the order's deployed cost basis leaves `deployed`."""
        basis = self.deployed.get(order_id)
        if basis is None:
            return
        payload = CashReturned(
            account_id=self.account_id, order_id=order_id, amount=proceeds, cost_basis=basis
        )
        self._record(payload, cause)

    def _require_open(self) -> None:
        if not self.exists:
            raise DomainError(f"account {self.account_id} is not open")

    # Event handlers: assignment only ------------------------------------------
    def _on_account_opened(self, e: AccountOpened) -> None:
        self.name = e.name

    def _on_mandate_set(self, e: MandateSet) -> None:
        self.mandate, self.mandate_version = e.mandate, e.version

    def _on_cash_deposited(self, e: CashDeposited) -> None:
        self.available += e.amount
        self.deposit_refs.add(e.reference)

    def _on_cash_reserved(self, e: CashReserved) -> None:
        self.available -= e.amount
        self.reservations[e.card_id] = e.amount

    def _on_cash_released(self, e: CashReleased) -> None:
        self.available += e.amount
        self.reservations.pop(e.card_id, None)

    def _on_cash_deployed(self, e: CashDeployed) -> None:
        reserved = self.reservations.get(e.card_id, ZERO)
        from_reservation = min(reserved, e.amount)
        self.reservations[e.card_id] = reserved - from_reservation
        self.available -= e.amount - from_reservation
        self.deployed[e.order_id] = e.amount

    def _on_cash_returned(self, e: CashReturned) -> None:
        self.deployed.pop(e.order_id, None)
        self.available += e.amount
