"""Transfer: moving available cash between two accounts, only with an admin's approval.

Proposed by one operator, approved or rejected by another (never the proposer). Approval
is committed together with the debit and the credit (`Account.transfer_out/_in`), so an
approved transfer has always moved, and a refused debit approves nothing.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import TransferApproved, TransferProposed, TransferRejected
from domain.ids import TRANSFER_PREFIX


class TransferStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Transfer(Aggregate):
    stream_prefix = TRANSFER_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.proposal: TransferProposed | None = None
        self.status = TransferStatus.PROPOSED
        self.decided_by = ""

    def propose(self, from_account: str, to_account: str, amount: Decimal, reason: str,
                cause: Cause) -> None:
        if self.exists:
            raise DomainError(f"{self.id} was already proposed")
        if from_account == to_account:
            raise DomainError("a transfer needs two different accounts")
        if amount <= 0:
            raise DomainError(f"transfer amount must be positive, got {amount}")
        self._record(TransferProposed(
            transfer_id=self.id, from_account=from_account, to_account=to_account,
            amount=amount, reason=reason, proposed_by=cause.actor), cause)

    def approve(self, cause: Cause) -> TransferProposed:
        """Approve as `cause.actor`; the caller moves the cash in the same commit."""
        proposal = self._awaiting(cause.actor)
        self._record(TransferApproved(transfer_id=self.id, approved_by=cause.actor), cause)
        return proposal

    def reject(self, reason: str, cause: Cause) -> None:
        self._awaiting(cause.actor, deciding=False)
        self._record(TransferRejected(transfer_id=self.id, rejected_by=cause.actor,
                                      reason=reason), cause)

    def _awaiting(self, actor: str, deciding: bool = True) -> TransferProposed:
        if self.proposal is None:
            raise DomainError(f"unknown transfer {self.id}")
        if self.status is not TransferStatus.PROPOSED:
            raise DomainError(f"{self.id} was already {self.status.lower()} by "
                              f"{self.decided_by}")
        if deciding and actor == self.proposal.proposed_by:
            raise DomainError(f"{actor} proposed {self.id}: another admin must approve it")
        return self.proposal

    def _on_transfer_proposed(self, e: TransferProposed) -> None:
        self.proposal = e

    def _on_transfer_approved(self, e: TransferApproved) -> None:
        self.status, self.decided_by = TransferStatus.APPROVED, e.approved_by

    def _on_transfer_rejected(self, e: TransferRejected) -> None:
        self.status, self.decided_by = TransferStatus.REJECTED, e.rejected_by
