"""Operator commands as the API runs them: one unit of work, committed through the runtime.

Each function runs in the gate's writer thread. It checks the id against the read model
(404), runs the shared command from `streams.commands`, lets the desk react, and turns a
refusal into a 409 with the domain's reason. A re-check that fails at approval is recorded
(the card is rejected, with why) and still answered 409: no order came of it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import structlog

from adapters.eventstore.store import StaleWrite
from api import present
from api import schemas as s
from api.errors import ApiError, conflict, not_found
from domain import intake
from domain.aggregates import CardNotPending, Cause, DomainError, TradeCard
from domain.events import DESK_SCOPE, Recorded
from domain.ids import new_transfer_id, order_id_for, uuid7
from domain.session import IST
from streams import commands
from streams.bootstrap import AnyDesk
from streams.commands import approve_card, reject_card, reset_kill_switch, trip_kill_switch
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.api")


def desk_clock(desk: AnyDesk) -> Callable[[], datetime]:
    """The desk's now: the time of the latest logged fact (market time), else the clock.

    Cards expire and guardrails check market hours on this clock, so a replayed or paced
    day is decided in its own time, exactly as the live desk decides in real time.
    """
    def now() -> datetime:
        return desk.runtime.view.as_of or desk.clock()

    return now


def approve(desk: AnyDesk, now: datetime, card_id: str, actor: str) -> s.Decision:
    uow, cause = _card_step(desk, now, card_id, actor)
    try:
        approve_card(uow, desk.runtime.view, card_id, actor, now, cause)
    except DomainError as e:
        raise _refused(e, "approve", card_id, actor, cause) from None
    _execute(desk, uow)
    view = desk.runtime.view
    row = view.cards[card_id]
    log.info("operator command", command="approve", card_id=card_id, actor=actor,
             outcome=row.status, correlation_id=cause.correlation_id)
    if row.status == "REJECTED":
        raise conflict("guardrail_failed", row.reason, card_id=card_id)
    if row.status == "DENIED":
        raise conflict("order_denied", row.reason, card_id=card_id)
    order = view.orders.by_id.get(order_id_for(card_id))
    return s.Decision(card=present.card(row),
                      order=present.order(order, []) if order is not None else None)


def reject(desk: AnyDesk, now: datetime, card_id: str, actor: str, reason: str) -> s.Decision:
    uow, cause = _card_step(desk, now, card_id, actor)
    try:
        reject_card(uow, card_id, actor, reason, now, cause)
    except DomainError as e:
        raise _refused(e, "reject", card_id, actor, cause) from None
    _execute(desk, uow)
    log.info("operator command", command="reject", card_id=card_id, actor=actor,
             correlation_id=cause.correlation_id)
    return s.Decision(card=present.card(desk.runtime.view.cards[card_id]), order=None)


def trip(desk: AnyDesk, now: datetime, scope: str, actor: str, reason: str) -> s.KillSwitchChange:
    _known_scope(desk, scope)
    uow = UnitOfWork(desk.store, desk.clock)
    cause = _cause(desk, now, actor, _new_correlation(desk))
    trip_kill_switch(uow, scope, reason, cause)
    return _switched(desk, uow, scope, "trip", cause)


def reset(desk: AnyDesk, now: datetime, scope: str, actor: str, reason: str) -> s.KillSwitchChange:
    _known_scope(desk, scope)
    uow = UnitOfWork(desk.store, desk.clock)
    cause = _cause(desk, now, actor, _new_correlation(desk))
    reset_kill_switch(uow, scope, reason, cause)
    return _switched(desk, uow, scope, "reset", cause)


def open_account(desk: AnyDesk, now: datetime, opening: intake.Opening, actor: str
                 ) -> list[Recorded]:
    """Store a confirmed intake (409 when the account exists by now) and let the desk react."""
    uow = UnitOfWork(desk.store, desk.clock)
    cause = _cause(desk, now, actor, f"intake-{opening.account_id}")
    try:
        commands.open_account(uow, opening, now.astimezone(IST).date(), cause)
    except DomainError as e:
        raise conflict("account_exists", str(e)) from None
    recorded = _execute(desk, uow)
    log.info("operator command", command="open_account", account_id=opening.account_id,
             actor=actor, correlation_id=cause.correlation_id)
    return recorded


TransferStep = Callable[[UnitOfWork, str, Cause], object]


def transfer_command(desk: AnyDesk, now: datetime, transfer_id: str | None, actor: str,
                     step: TransferStep) -> s.TransferResource:
    """Run a transfer command (a new id when `transfer_id` is None: a proposal); an unknown
    transfer is a 404, a refusal (e.g. not enough available cash) a 409 with the reason."""
    if transfer_id is not None and transfer_id not in desk.runtime.view.transfers:
        raise not_found("transfer_id", f"no transfer {transfer_id!r}")
    transfer_id = transfer_id or new_transfer_id(desk.clock(), secrets.token_bytes(16))
    uow = UnitOfWork(desk.store, desk.clock)
    cause = _cause(desk, now, actor, transfer_id)
    try:
        step(uow, transfer_id, cause)
    except DomainError as e:
        raise conflict("refused", str(e), transfer_id=transfer_id) from None
    _execute(desk, uow)
    log.info("operator command", command="transfer", transfer_id=transfer_id, actor=actor,
             correlation_id=cause.correlation_id)
    return present.transfer(desk.runtime.view.transfers[transfer_id])


def _card_step(desk: AnyDesk, now: datetime, card_id: str, actor: str) -> tuple[UnitOfWork, Cause]:
    """A unit of work holding the card, and a cause continuing the card's own chain."""
    row = desk.runtime.view.cards.get(card_id)
    if row is None:
        raise not_found("card_id", f"no card {card_id!r}")
    if row.status == "BLOCKED":
        raise conflict("card_not_pending", f"card {card_id} was blocked: {row.reason}",
                       card_id=card_id)
    uow = UnitOfWork(desk.store, desk.clock)
    card = uow.get(TradeCard, card_id)
    stream = desk.store.stream(card_id)
    cause = _cause(desk, now, actor, card.correlation_id or _new_correlation(desk),
                   stream[0].event_id if stream else None)
    return uow, cause


def _cause(desk: AnyDesk, now: datetime, actor: str, correlation_id: str,
           causation_id: UUID | None = None) -> Cause:
    return Cause(now, desk.clock(), actor, correlation_id, causation_id)


def _new_correlation(desk: AnyDesk) -> str:
    return f"operator-{uuid7(desk.clock(), secrets.token_bytes(16))}"


def _known_scope(desk: AnyDesk, scope: str) -> None:
    if scope != DESK_SCOPE and scope not in desk.runtime.view.accounts:
        raise not_found("account", f"no account {scope!r}")


def _execute(desk: AnyDesk, uow: UnitOfWork) -> list[Recorded]:
    """Commit and let the desk react; a write racing another process's is a 409."""
    try:
        return desk.runtime.execute(uow)
    except StaleWrite as e:
        raise conflict("concurrent_write", f"{e}; read again and retry") from None


def _refused(e: DomainError, command: str, card_id: str, actor: str, cause: Cause
             ) -> ApiError:
    log.info("operator command refused", command=command, card_id=card_id, actor=actor,
             reason=str(e), correlation_id=cause.correlation_id)
    return conflict("card_not_pending" if isinstance(e, CardNotPending) else "refused",
                    str(e), card_id=card_id)


def _switched(desk: AnyDesk, uow: UnitOfWork, scope: str, command: str, cause: Cause
              ) -> s.KillSwitchChange:
    changed = uow.has_changes
    _execute(desk, uow)
    log.info("operator command", command=command, scope=scope, actor=cause.actor,
             changed=changed, correlation_id=cause.correlation_id)
    return s.KillSwitchChange(
        kill_switch=present.kill_switch(scope, desk.runtime.view.kills.get(scope)),
        changed=changed,
    )
