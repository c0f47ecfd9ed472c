"""TradeCard: a proposal that a human approves or rejects, or that expires."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.aggregates.base import Aggregate, Cause, DomainError
from domain.events import (
    CardApproved,
    CardBlocked,
    CardExpired,
    CardProposed,
    CardRejected,
    OrderDenied,
)
from domain.ids import CARD_PREFIX
from domain.values import GuardrailResult


class CardStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    DENIED = "DENIED"
    BLOCKED = "BLOCKED"


class CardNotPending(DomainError):
    """Approve/reject on a card that is no longer waiting for a decision."""


class TradeCard(Aggregate):
    stream_prefix = CARD_PREFIX

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: CardStatus | None = None
        self.proposal: CardProposed | None = None
        self.decided_by = ""

    @property
    def card_id(self) -> str:
        return self.id

    def propose(self, proposal: CardProposed, cause: Cause) -> None:
        if self.exists:
            return
        if proposal.card_id != self.id:
            raise DomainError(f"card id {proposal.card_id} does not match stream {self.id}")
        self._record(proposal, cause)

    def block(self, blocked: CardBlocked, cause: Cause) -> None:
        """Record that this account's card was not proposed, and why."""
        if not self.exists:
            self._record(blocked, cause)

    def approve(
        self, operator: str, now: datetime, guardrails: tuple[GuardrailResult, ...], cause: Cause
    ) -> None:
        proposal = self._pending_proposal(now)
        failed = [g for g in guardrails if not g.passed]
        if failed:
            reason = "guardrail failed at approval: " + "; ".join(
                f"{g.name}: {g.detail}" for g in failed
            )
            self._record(
                CardRejected(card_id=self.id, account_id=proposal.account_id,
                             rejected_by=operator, reason=reason),
                cause,
            )
            return
        self._record(
            CardApproved(card_id=self.id, account_id=proposal.account_id, approved_by=operator,
                         guardrails=guardrails),
            cause,
        )

    def reject(self, operator: str, reason: str, now: datetime, cause: Cause) -> None:
        if not reason.strip():
            raise DomainError("a rejection needs a reason")
        proposal = self._pending_proposal(now)
        self._record(
            CardRejected(card_id=self.id, account_id=proposal.account_id, rejected_by=operator,
                         reason=reason),
            cause,
        )

    def expire_if_due(self, now: datetime, cause: Cause) -> bool:
        """Expire a still-pending card whose time has passed; True when it expired now."""
        if self.status is not CardStatus.PROPOSED or self.proposal is None:
            return False
        if now < self.proposal.expires_at:
            return False
        self._record(CardExpired(card_id=self.id, account_id=self.proposal.account_id), cause)
        return True

    def deny(self, reason: str, cause: Cause, required_cash: Decimal | None = None) -> None:
        """Approval could not become an order; recorded once."""
        if self.status is not CardStatus.APPROVED or self.proposal is None:
            return
        self._record(
            OrderDenied(card_id=self.id, account_id=self.proposal.account_id, reason=reason,
                        required_cash=required_cash),
            cause,
        )

    def _pending_proposal(self, now: datetime) -> CardProposed:
        if self.proposal is None:
            raise DomainError(f"unknown card {self.id}")
        if self.status is not CardStatus.PROPOSED:
            raise CardNotPending(f"card {self.id} is {self.status}, not waiting for a decision")
        if now >= self.proposal.expires_at:
            raise CardNotPending(f"card {self.id} expired at {self.proposal.expires_at}")
        return self.proposal

    def _on_card_proposed(self, e: CardProposed) -> None:
        self.status, self.proposal = CardStatus.PROPOSED, e

    def _on_card_blocked(self, e: CardBlocked) -> None:
        self.status = CardStatus.BLOCKED

    def _on_card_approved(self, e: CardApproved) -> None:
        self.status, self.decided_by = CardStatus.APPROVED, e.approved_by

    def _on_card_rejected(self, e: CardRejected) -> None:
        self.status, self.decided_by = CardStatus.REJECTED, e.rejected_by

    def _on_card_expired(self, e: CardExpired) -> None:
        self.status = CardStatus.EXPIRED

    def _on_order_denied(self, e: OrderDenied) -> None:
        self.status = CardStatus.DENIED
