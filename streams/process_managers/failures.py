"""When a process manager raises: record the failure, pause who it concerns, go on.

An exception in a reaction is a bug or absurd data (a bar priced 1e30), never a business
rule (those are `DomainError` refusals). Left alone it would crash the desk on every restart
at the same event. Instead the reaction's changes are discarded, a `ReactionFailed` event
names the handler, the event and the reason, and the kill switch of every account the event
concerns is tripped with that reason (the desk's own when no account can be named), so no
new entry is taken on data the desk could not handle; cancels and exits still work.
"""

from __future__ import annotations

from decimal import Decimal

from domain.aggregates import ReactionFailure, RiskGuard
from domain.events import DESK_SCOPE, Envelope
from domain.ids import failure_stream, risk_stream
from projections.desk import DeskView
from streams.unit_of_work import UnitOfWork

FAILURE_METRIC = "reaction_failure"
_REASON_CHARS = 300


def concerned(view: DeskView, event: Envelope) -> list[str]:
    """The kill-switch scopes an event concerns: its account, else the accounts holding or
    working the symbol it is about, else the whole desk."""
    payload = event.payload
    account_id = getattr(payload, "account_id", None)
    if isinstance(account_id, str) and account_id:
        return [account_id]
    symbol = getattr(payload, "symbol", None)
    if isinstance(symbol, str):
        working = {view.orders.by_id[o].account_id
                   for o in view.orders.live_by_symbol.get(symbol, ()) if o in view.orders.by_id}
        holders = view.positions.holders.get(symbol, set())
        if working | holders:
            return sorted(working | holders)
    return [DESK_SCOPE]


def record_failure(process_manager: str, event: Envelope, error: Exception, view: DeskView,
                   uow: UnitOfWork) -> str:
    """Log the failure and pause the scopes concerned; the reason recorded."""
    reason = f"{type(error).__name__}: {error}"[:_REASON_CHARS]
    scopes = concerned(view, event)
    cause = uow.cause(f"process-manager:{process_manager}")
    text = f"{process_manager} failed on {event.type} {event.event_id}: {reason}"
    for scope in scopes:
        uow.get(RiskGuard, risk_stream(scope)).trip(
            text, FAILURE_METRIC, Decimal(1), Decimal(0), cause)
    uow.get(ReactionFailure, failure_stream(process_manager, event.event_id)).record(
        process_manager, reason, event.event_id, event.type, scopes, cause)
    return reason
