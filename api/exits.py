"""Operator exits and the desk loss limit as the API runs them, with what they answer.

An exit command is logged (actor: the operator, with the reason), the desk reacts at once
(the broker is asked to cancel or close), and the answer lists each order it touched with
its state after that: CANCELLED, an open position waiting for its exit fill (the paper
broker: the next bar), or the broker's refusal. Unknown ids are 404s; nothing to exit, or
an order in the wrong state, a 409 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import structlog
from pydantic import Field

from api import present
from api.errors import conflict, not_found
from api.inputs import Reason, Strict
from api.operator import _execute, _new_correlation
from api.schemas import Amount, KillSwitch, Resource
from domain.aggregates import DomainError
from domain.events import DESK_SCOPE, ExitRefused, ExitRequested
from streams import commands
from streams.bootstrap import AnyDesk
from streams.commands import Command
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.api")


class LossLimitBody(Strict):
    """Set the desk-wide daily loss limit."""

    limit: Decimal = Field(ge=0, max_digits=15, decimal_places=2,
                           description="rupees of loss, all accounts together, at which the "
                           "desk kill switch trips; 0 switches the limit off")
    reason: Reason


class ExitOutcome(Resource):
    """One order an exit touched, as the desk knows it after the broker answered."""

    order_id: str
    account_id: str
    symbol: str
    action: str  # CANCEL or CLOSE
    status: str  # the order's status now (CANCELLED, OPEN until the exit fills, CLOSED)
    exit_pending: bool
    refused: str | None = None  # the broker's reason, when it refused


class ExitResult(Resource):
    """What an operator's exit asked for, order by order."""

    scope: str
    reason: str
    orders: list[ExitOutcome]


class LossLimitChange(Resource):
    """The desk kill switch with its daily loss limit after a change."""

    limit: Amount | None
    kill_switch: KillSwitch
    changed: bool


# Command and the 404 it answers when the thing named does not exist.
def run_exit(desk: AnyDesk, build: Callable[[str], Command], scope: str,
             reason: str) -> ExitResult:
    """Log the exit `build` makes (given a correlation id), let the desk react, and say
    what became of each order."""
    command = build(_new_correlation(desk))
    uow = UnitOfWork(desk.store, desk.clock)
    try:
        commands.handle(command, uow, desk.runtime.view, desk.book)
    except DomainError as e:
        raise conflict("refused", str(e)) from None
    recorded = _execute(desk, uow)
    requested = [r.event.payload for r in recorded if isinstance(r.event.payload,
                                                                  ExitRequested)]
    log.info("operator command", command=type(command).__name__, scope=scope,
             actor=command.actor, orders=[r.order_id for r in requested],
             correlation_id=command.correlation_id)
    return ExitResult(scope=scope, reason=reason,
                      orders=[_outcome(desk, r) for r in requested])


def known_order(desk: AnyDesk, order_id: str) -> None:
    """404 unless the desk knows the order."""
    if order_id not in desk.runtime.view.orders.by_id:
        raise not_found("order_id", f"no order {order_id!r}")


def known_account(desk: AnyDesk, account_id: str) -> None:
    """404 unless the account exists."""
    if account_id not in desk.runtime.view.accounts:
        raise not_found("account_id", f"no account {account_id!r}")


def set_loss_limit(desk: AnyDesk, command: commands.SetDeskLossLimit) -> LossLimitChange:
    """Log a new desk loss limit (the desk checks it at once)."""
    uow = UnitOfWork(desk.store, desk.clock)
    try:
        commands.handle(command, uow, desk.runtime.view, desk.book)
    except DomainError as e:
        raise conflict("refused", str(e)) from None
    changed = uow.has_changes
    _execute(desk, uow)
    switch = desk.runtime.view.kills.get(DESK_SCOPE)
    return LossLimitChange(limit=switch.loss_limit if switch else None,
                           kill_switch=present.kill_switch(DESK_SCOPE, switch),
                           changed=changed)


def _outcome(desk: AnyDesk, request: ExitRequested) -> ExitOutcome:
    row = desk.runtime.view.orders.by_id[request.order_id]
    refusals = [e.payload.reason for e in desk.store.stream(request.order_id)
                if isinstance(e.payload, ExitRefused)]
    return ExitOutcome(order_id=row.order_id, account_id=row.account_id, symbol=row.symbol,
                       action=request.action.value, status=row.status,
                       exit_pending=bool(row.exit_requested),
                       refused=refusals[-1] if refusals and not row.exit_requested
                       and row.status not in ("CANCELLED", "CLOSED") else None)
