"""Operator exits from the terminal, and the desk-wide daily loss limit:

    desk order cancel ORDER_ID --reason R
    desk position close ACCOUNT SYMBOL --reason R
    desk account flatten ACCOUNT --reason R
    desk flatten --all --reason R
    desk risk loss-limit RUPEES --reason R        (0 switches it off)

Each logs the command's events with the operator behind the caller's token (`$DESK_TOKEN`
or `--token-file`, see `cli.identity`; the roles are the API's: an approver exits an order,
a position or an account, an admin the whole desk or its loss limit) and the reason. The
running desk (`desk serve`, which follows commits from other processes) sends the exit to
the broker; the paper broker exits at the next bar. Exits work while a kill switch is
tripped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store
from domain.aggregates import DomainError, StaleWrite
from domain.events import ExitRequested
from projections.desk import DeskView, apply
from streams.bootstrap import wall_clock
from streams.commands import (
    CancelOrder,
    ClosePosition,
    Command,
    FlattenAccount,
    FlattenDesk,
    SetDeskLossLimit,
    handle,
)
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1

# What each exit subcommand builds from its arguments (actor, time and chain are added).
_EXITS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "cancel": lambda a: {"kind": CancelOrder, "order_id": a.order_id},
    "close": lambda a: {"kind": ClosePosition, "account_id": a.account, "symbol": a.symbol},
    "flatten-account": lambda a: {"kind": FlattenAccount, "account_id": a.account},
    "flatten-desk": lambda a: {"kind": FlattenDesk},
}

# Who may do each (the role the matching API route needs), and what it is called in an error.
_NEEDS: dict[str, tuple[Role, str]] = {
    "cancel": (Role.APPROVER, "cancelling an order"),
    "close": (Role.APPROVER, "closing a position"),
    "flatten-account": (Role.APPROVER, "flattening an account"),
    "flatten-desk": (Role.ADMIN, "flattening the desk"),
    "loss-limit": (Role.ADMIN, "setting the desk loss limit"),
}


def _common(p: argparse.ArgumentParser, exit_kind: str) -> None:
    p.add_argument("--reason", required=True, help="why, recorded on the event")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_exit, exit_kind=exit_kind)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`desk order`, `desk position`, `desk flatten` and `desk risk`."""
    order = sub.add_parser("order", help="operator actions on an order")
    osub = order.add_subparsers(dest="order_command", required=True, metavar="ACTION")
    p = osub.add_parser("cancel", help="cancel a bracket whose entry has not filled")
    p.add_argument("order_id", metavar="ORDER_ID")
    _common(p, "cancel")
    position = sub.add_parser("position", help="operator actions on a position")
    psub = position.add_subparsers(dest="position_command", required=True, metavar="ACTION")
    p = psub.add_parser("close", help="close an account's position in a symbol at market")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("symbol", metavar="SYMBOL")
    _common(p, "close")
    p = sub.add_parser("flatten", help="cancel every working entry and close every position "
                       "of every account")
    p.add_argument("--all", dest="everything", action="store_true", required=True,
                   help="required: the whole desk (say so explicitly)")
    _common(p, "flatten-desk")
    risk = sub.add_parser("risk", help="desk-wide risk settings")
    rsub = risk.add_subparsers(dest="risk_command", required=True, metavar="ACTION")
    p = rsub.add_parser("loss-limit", help="set the desk-wide daily loss limit (rupees, all "
                        "accounts together; 0: off): reaching it trips the desk kill switch")
    p.add_argument("limit", metavar="RUPEES")
    p.add_argument("--reason", required=True, help="why, recorded on the event")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_loss_limit)


def register_account(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`desk account flatten ACCOUNT`."""
    p = asub.add_parser("flatten", help="cancel every working entry and close every "
                        "position of one account")
    p.add_argument("account", metavar="ACCOUNT")
    _common(p, "flatten-account")


def _actor(args: argparse.Namespace, kind: str) -> str:
    """The operator behind the caller's token, if their role may do `kind` (else exit 2)."""
    needs, doing = _NEEDS[kind]
    return operator(args, needs, doing).actor


def _exit(args: argparse.Namespace) -> int:
    actor = _actor(args, args.exit_kind)
    if not args.reason.strip():
        return _fail(USAGE, "--reason must say why")
    fields = _EXITS[args.exit_kind](args)
    kind = fields.pop("kind")
    now = wall_clock()

    def build(at: datetime) -> Command:
        command: Command = kind(
            actor=actor, at=at, reason=args.reason.strip(),
            correlation_id=f"operator-exit-{now.strftime('%Y%m%dT%H%M%S%f')}", **fields)
        return command

    recorded = _run(args, build)
    if isinstance(recorded, int):
        return recorded
    requests = [r.event.payload for r in recorded if isinstance(r.event.payload,
                                                                 ExitRequested)]
    if args.json:
        print(json.dumps([{"order_id": r.order_id, "account_id": r.account_id,
                           "action": r.action.value, "scope": r.scope, "reason": r.reason}
                          for r in requests], indent=2))
        return 0
    for r in requests:
        print(f"{r.action.value.lower()} requested: {r.order_id} ({r.account_id}) by "
              f"{actor}: {r.reason}")
    print("logged; the running desk sends it to the broker (paper: exits at the next bar)")
    return 0


def _loss_limit(args: argparse.Namespace) -> int:
    actor = _actor(args, "loss-limit")
    try:
        limit = Decimal(args.limit.replace(",", ""))
    except InvalidOperation:
        return _fail(USAGE, f"{args.limit!r} is not a number of rupees")
    if not limit.is_finite() or limit < 0:
        return _fail(USAGE, f"{args.limit!r} must be zero or more rupees")
    now = wall_clock()
    recorded = _run(args, lambda at: SetDeskLossLimit(
        actor=actor, at=at, limit=limit, reason=args.reason.strip(),
        correlation_id=f"desk-limit-{now.strftime('%Y%m%dT%H%M%S')}"))
    if isinstance(recorded, int):
        return recorded
    said = f"{limit} rupees" if limit else "off"
    print(f"desk daily loss limit {said}" + ("" if recorded else " (unchanged)"))
    return 0


def _run(args: argparse.Namespace, build: Callable[[datetime], Command]) -> list[Any] | int:
    """Run the command `build` makes against the log as it is now, at the desk's time (the
    log's latest, as the API does: a paced or replayed day keeps its own clock), and
    commit what it recorded."""
    store = existing_store(args)
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    uow = UnitOfWork(store, wall_clock)
    try:
        handle(build(view.as_of or wall_clock()), uow, view, default_book())
        return uow.commit()
    except (DomainError, StaleWrite) as e:
        return _fail(FAILED, f"nothing stored: {e}")


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
