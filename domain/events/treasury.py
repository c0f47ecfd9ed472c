"""Treasury: funding plans and their tranches, and transfers between accounts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.events.envelope import Payload, register
from domain.funding import FundingPlan
from domain.money import PositiveMoney


@register
class FundingPlanSet(Payload):
    """How the account's capital arrives from now on; its installments credit on schedule."""

    account_id: str
    plan: FundingPlan
    reason: str


@register
class TrancheReleased(Payload):
    """A tranche's release condition was met; its `CashDeposited` follows on the stream."""

    account_id: str
    plan_id: str
    sequence: Annotated[int, Field(ge=1)]
    amount: PositiveMoney
    condition: str  # in words, with the numbers that met it
    evidence: tuple[UUID, ...] = ()  # e.g. the index bar that crossed the threshold


@register
class TransferProposed(Payload):
    """Moving available cash between two accounts, awaiting an admin's approval."""

    transfer_id: str
    from_account: str
    to_account: str
    amount: PositiveMoney
    reason: str
    proposed_by: str


@register
class TransferApproved(Payload):
    transfer_id: str
    approved_by: str


@register
class TransferRejected(Payload):
    transfer_id: str
    rejected_by: str
    reason: str


@register
class CashTransferredOut(Payload):
    """Available cash leaving for another account under an approved transfer."""

    account_id: str
    transfer_id: str
    to_account: str
    amount: PositiveMoney


@register
class CashTransferredIn(Payload):
    account_id: str
    transfer_id: str
    from_account: str
    amount: PositiveMoney
