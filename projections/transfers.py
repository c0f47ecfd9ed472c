"""Inter-account transfers: each proposal and its decision (the cash moves are in `cash`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.events import Envelope, TransferApproved, TransferProposed, TransferRejected

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class TransferRow:
    transfer_id: str
    from_account: str
    to_account: str
    amount: Decimal
    reason: str
    proposed_by: str
    status: str = "PROPOSED"
    decided_by: str = ""
    decision_reason: str = ""


def apply_transfers(view: DeskView, event: Envelope) -> None:
    """Fold one event into the transfers view."""
    transfers, payload = view.transfers, event.payload
    match payload:
        case TransferProposed():
            transfers[payload.transfer_id] = TransferRow(
                payload.transfer_id, payload.from_account, payload.to_account, payload.amount,
                payload.reason, payload.proposed_by)
        case TransferApproved():
            row = transfers.get(payload.transfer_id)
            if row is not None:
                row.status, row.decided_by = "APPROVED", payload.approved_by
        case TransferRejected():
            row = transfers.get(payload.transfer_id)
            if row is not None:
                row.status, row.decided_by = "REJECTED", payload.rejected_by
                row.decision_reason = payload.reason
        case _:
            pass
