"""Accounts: name and the mandate in force, with its version history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.events import AccountOpened, Envelope, MandateSet
from domain.values import Mandate

if TYPE_CHECKING:
    from projections.desk import DeskView


@dataclass
class AccountRow:
    account_id: str
    name: str
    mandate: Mandate | None = None
    mandate_version: int = 0
    mandate_history: list[tuple[int, str]] = field(default_factory=list)


def apply_accounts(view: DeskView, event: Envelope) -> None:
    """Fold one event into the accounts view."""
    accounts, payload = view.accounts, event.payload
    match payload:
        case AccountOpened():
            accounts[payload.account_id] = AccountRow(payload.account_id, payload.name)
        case MandateSet():
            row = accounts.get(payload.account_id)
            if row is not None:
                row.mandate, row.mandate_version = payload.mandate, payload.version
                row.mandate_history.append((payload.version, payload.reason))
        case _:
            pass
