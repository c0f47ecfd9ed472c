"""Account: its mandate versions, funding plan and cash ledger.

Cash is available, reserved, deployed or buffer; `domain.ledger` keeps the books and states
the buffer rule.
Reservations and transfers out take only available cash, never the buffer.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    AccountOpened,
    CashDeployed,
    CashDeposited,
    CashReleased,
    CashReserved,
    CashReturned,
    CashTransferredIn,
    CashTransferredOut,
    FundingPlanSet,
    MandateSet,
    TrancheReleased,
)
from domain.funding import FundingPlan, Installment
from domain.ids import ACCOUNT_PREFIX
from domain.ledger import Ledger, post
from domain.money import ZERO
from domain.values import Mandate


class Account(Aggregate):
    stream_prefix = ACCOUNT_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.account_id = stream_id.removeprefix(self.stream_prefix)
        self.name = ""
        self.mandate: Mandate | None = None
        self.mandate_version = 0
        self.ledger = Ledger()
        self.deployed: dict[str, Decimal] = {}  # cost basis by order, until its exit returns
        self.deposit_refs: set[str] = set()
        self.funding_plan: FundingPlan | None = None
        self.plan_ids: set[str] = set()
        self.tranches_released: set[tuple[str, int]] = set()
        self.transfers: set[str] = set()

    @property
    def reserved(self) -> Decimal:
        return self.ledger.reserved

    @property
    def buffer(self) -> Decimal:
        return self.ledger.buffer

    @property
    def available(self) -> Decimal:
        """Cash that may be reserved or transferred: free cash less the buffer."""
        return self.ledger.available

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

    def set_funding_plan(self, plan: FundingPlan, reason: str, cause: Cause) -> None:
        """Adopt a funding plan; a plan id is used once, so its installments stay unique."""
        self._require_open()
        if plan.plan_id in self.plan_ids:
            if plan == self.funding_plan:
                return
            raise DomainError(f"funding plan id {plan.plan_id} was already used")
        self._record(FundingPlanSet(account_id=self.account_id, plan=plan, reason=reason),
                     cause)

    def credit_installment(self, item: Installment, cause: Cause) -> bool:
        """Credit one dated installment of the current plan once; False if already credited."""
        self._require_plan(item.plan_id)
        if item.reference in self.deposit_refs:
            return False
        self.deposit(item.amount, item.reference, cause)
        return True

    def release_tranche(self, item: Installment, condition: str, cause: Cause,
                        evidence: tuple[UUID, ...] = ()) -> bool:
        """Record a tranche's release and credit it, once; False if already released."""
        self._require_plan(item.plan_id)
        if (item.plan_id, item.sequence) in self.tranches_released:
            return False
        self._record(TrancheReleased(
            account_id=self.account_id, plan_id=item.plan_id, sequence=item.sequence,
            amount=item.amount, condition=condition, evidence=evidence), cause)
        self.deposit(item.amount, item.reference, cause)
        return True

    def transfer_out(self, transfer_id: str, to_account: str, amount: Decimal,
                     cause: Cause) -> None:
        """Pay an approved transfer from available cash (never reserved, deployed, buffer)."""
        self._require_open()
        if transfer_id in self.transfers:
            return
        if amount > self.available:
            raise DomainError(f"transfer {amount} exceeds available {self.available} of "
                              f"{self.account_id} (reserved, deployed and buffer stay)")
        self._record(CashTransferredOut(account_id=self.account_id, transfer_id=transfer_id,
                                        to_account=to_account, amount=amount), cause)

    def transfer_in(self, transfer_id: str, from_account: str, amount: Decimal,
                    cause: Cause) -> None:
        self._require_open()
        if transfer_id in self.transfers:
            return
        self._record(CashTransferredIn(account_id=self.account_id, transfer_id=transfer_id,
                                       from_account=from_account, amount=amount), cause)

    def reserve(self, card_id: str, amount: Decimal, cause: Cause) -> None:
        self._require_open()
        if card_id in self.ledger.reservations:
            return
        if amount > self.available:
            raise DomainError(f"reserve {amount} exceeds available {self.available} "
                              f"(buffer {self.buffer} is never reserved)")
        payload = CashReserved(account_id=self.account_id, card_id=card_id, amount=amount)
        self._record(payload, cause)

    def release(self, card_id: str, reason: str, cause: Cause) -> None:
        """Return whatever is still reserved for `card_id` to available."""
        amount = self.ledger.reservations.get(card_id, ZERO)
        if amount > ZERO:
            payload = CashReleased(
                account_id=self.account_id, card_id=card_id, amount=amount, reason=reason
            )
            self._record(payload, cause)

    def deploy(self, card_id: str, order_id: str, amount: Decimal, cause: Cause) -> None:
        """Pay for an entry fill from the card's reservation, then release the rest."""
        if order_id in self.deployed:
            return
        reserved = self.ledger.reservations.get(card_id, ZERO)
        # A fill is a fact: an overrun beyond the reservation may use the buffer too.
        if amount > reserved + self.ledger.free:
            raise DomainError(f"fill cost {amount} exceeds reserved {reserved} + free cash")
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

    def _require_plan(self, plan_id: str) -> None:
        self._require_open()
        if self.funding_plan is None or self.funding_plan.plan_id != plan_id:
            raise DomainError(f"{plan_id} is not the funding plan of {self.account_id}")

    # Event handlers: assignment only ------------------------------------------
    def _on_account_opened(self, e: AccountOpened) -> None:
        self.name = e.name

    def _on_mandate_set(self, e: MandateSet) -> None:
        self.mandate, self.mandate_version = e.mandate, e.version
        self.ledger = post(self.ledger, e)

    def _on_funding_plan_set(self, e: FundingPlanSet) -> None:
        self.funding_plan = e.plan
        self.plan_ids.add(e.plan.plan_id)

    def _on_tranche_released(self, e: TrancheReleased) -> None:
        self.tranches_released.add((e.plan_id, e.sequence))

    def _on_cash_deposited(self, e: CashDeposited) -> None:
        self.ledger = post(self.ledger, e)
        self.deposit_refs.add(e.reference)

    def _on_cash_transferred_out(self, e: CashTransferredOut) -> None:
        self.ledger = post(self.ledger, e)
        self.transfers.add(e.transfer_id)

    def _on_cash_transferred_in(self, e: CashTransferredIn) -> None:
        self.ledger = post(self.ledger, e)
        self.transfers.add(e.transfer_id)

    def _on_cash_reserved(self, e: CashReserved) -> None:
        self.ledger = post(self.ledger, e)

    def _on_cash_released(self, e: CashReleased) -> None:
        self.ledger = post(self.ledger, e)

    def _on_cash_deployed(self, e: CashDeployed) -> None:
        self.ledger = post(self.ledger, e)
        self.deployed[e.order_id] = e.amount

    def _on_cash_returned(self, e: CashReturned) -> None:
        self.ledger = post(self.ledger, e)
        self.deployed.pop(e.order_id, None)
