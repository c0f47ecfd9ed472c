"""Reconciliation breaks as an operator sees and resolves them, account by account.

A break is recorded on its venue's reconciliation stream, naming the accounts trading
there; those accounts take no new entries until it is resolved. Resolving the last open
break naming an account releases the kill switch the breaks tripped on it
(`commands.ResolveBreak`).
The API and the CLI both go through here, so they list and resolve the same way.
"""

from __future__ import annotations

from datetime import datetime

from adapters.eventstore.store import DeskStore
from domain.aggregates import DomainError, Reconciliation
from domain.aggregates.broker_account import BROKERS
from domain.events import ReconciliationBreak
from domain.ids import reconciliation_stream
from streams.commands import ResolveBreak

REMOTE_VENUES = tuple(b for b in BROKERS if b != "paper")
"""The venues reconciliation runs against (the paper broker answers inside a step)."""


def open_breaks(store: DeskStore, account_id: str) -> list[ReconciliationBreak]:
    """The unresolved breaks that halt `account_id`, venue by venue, oldest first."""
    found: list[ReconciliationBreak] = []
    for venue in REMOTE_VENUES:
        record = store.load(Reconciliation, reconciliation_stream(venue))
        found += [b for b in record.open.values() if account_id in b.accounts]
    return found


def resolve_command(store: DeskStore, account_id: str, break_id: str, *, actor: str,
                    at: datetime, reason: str) -> ResolveBreak:
    """The command resolving one of the account's open breaks, with who and why; a
    `DomainError` when the account has no such open break."""
    found = next((b for b in open_breaks(store, account_id) if b.break_id == break_id),
                 None)
    if found is None:
        raise DomainError(f"{account_id} has no open reconciliation break {break_id!r}")
    if not reason.strip():
        raise DomainError("say what was done about the break")
    return ResolveBreak(actor=actor, at=at, correlation_id=f"resolve-{break_id}",
                        venue=found.venue, break_id=break_id, note=reason.strip())
