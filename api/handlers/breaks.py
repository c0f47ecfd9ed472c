"""Reconciliation breaks of an account: the open ones, and resolving one (admin), with the
operator as actor and their reason on the event. Resolving the last open break at a venue
lets its accounts take new entries again."""

from __future__ import annotations

import structlog

from api import present
from api.context import Call
from api.errors import not_found
from api.exits import known_account
from api.inputs import ReasonBody
from api.operator import _execute
from api.schemas import KillSwitch, Resource
from domain.aggregates import DomainError
from domain.events import ReconciliationBreak
from streams import commands
from streams.bootstrap import AnyDesk
from streams.routing.breaks import open_breaks, resolve_command
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.api")


class BreakResource(Resource):
    """One difference between the desk and a venue, naming both sides."""

    break_id: str
    venue: str
    kind: str  # ORDER_MISSING_AT_VENUE, EXTERNAL_ORDER, POSITION, ...
    subject: str
    desk_side: str
    venue_side: str
    accounts: list[str]


class BreakList(Resource):
    """An account's open breaks; while there is one, it takes no new entries."""

    account_id: str
    breaks: list[BreakResource]
    kill_switch: KillSwitch


class BreakResolution(Resource):
    """A resolved break, who resolved it and why, and what still halts the account."""

    account_id: str
    break_id: str
    venue: str
    resolved_by: str
    reason: str
    open_breaks: list[BreakResource]
    kill_switch: KillSwitch


def _resource(b: ReconciliationBreak) -> BreakResource:
    return BreakResource(break_id=b.break_id, venue=b.venue, kind=b.kind, subject=b.subject,
                         desk_side=b.desk_side, venue_side=b.venue_side,
                         accounts=list(b.accounts))


def _listing(desk: AnyDesk, account_id: str) -> BreakList:
    known_account(desk, account_id)
    return BreakList(account_id=account_id,
                     breaks=[_resource(b) for b in open_breaks(desk.store, account_id)],
                     kill_switch=present.kill_switch(
                         account_id, desk.runtime.view.kills.get(account_id)))


async def list_breaks(call: Call) -> BreakList:
    """The account's open reconciliation breaks."""
    state, account_id = call.state, call.path["account_id"]
    return await state.gate.read_store(_listing, state.desk, account_id)


async def resolve_break(call: Call) -> BreakResolution:
    """Resolve one of the account's open breaks, saying what was done."""
    state, body = call.state, call.body
    account_id, break_id = call.path["account_id"], call.path["break_id"]
    assert isinstance(body, ReasonBody)

    def run() -> BreakResolution:
        desk = state.desk
        known_account(desk, account_id)
        try:
            command = resolve_command(desk.store, account_id, break_id, actor=call.actor,
                                      at=state.desk_time(), reason=body.reason)
        except DomainError as e:
            raise not_found("break_id", str(e)) from None
        uow = UnitOfWork(desk.store, desk.clock)
        commands.handle(command, uow, desk.runtime.view, desk.book)
        _execute(desk, uow)
        log.info("operator command", command="resolve_break", account_id=account_id,
                 break_id=break_id, venue=command.venue, actor=call.actor,
                 correlation_id=command.correlation_id)
        listing = _listing(desk, account_id)
        return BreakResolution(account_id=account_id, break_id=break_id, venue=command.venue,
                               resolved_by=call.actor, reason=command.note,
                               open_breaks=listing.breaks, kill_switch=listing.kill_switch)

    return await state.gate.write(run)
