"""`desk account treasury` and `desk account transfer ...`: the desk's cash by state, and
moving available cash between accounts with a second operator's approval.

The CLI records the operator named (or the login name) as actor; roles are the API's
business, but the Transfer aggregate refuses an approval by the transfer's own proposer.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from decimal import Decimal, InvalidOperation

from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import redact
from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store
from domain.aggregates import DomainError, StaleWrite
from domain.ids import new_transfer_id
from domain.intake.parsers import format_inr
from projections.desk import DeskView, apply
from projections.transfers import TransferRow
from projections.treasury import Holding, treasury
from streams.bootstrap import wall_clock
from streams.commands import ApproveTransfer, ProposeTransfer, RejectTransfer, handle
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1
STATES = ("available", "reserved", "deployed", "buffer")


def register(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser("treasury", help="desk-wide cash: total, deployable, reserved, "
                        "deployed, buffer, by account; and transfers")
    add_store(p)
    p.set_defaults(func=_treasury)
    t = asub.add_parser("transfer", help="propose, approve or reject moving available cash "
                        "between accounts")
    tsub = t.add_subparsers(dest="transfer_command", required=True, metavar="ACTION")
    p = tsub.add_parser("propose", help="propose a transfer (another operator approves)")
    p.add_argument("--from", dest="from_account", required=True, metavar="ACCOUNT")
    p.add_argument("--to", dest="to_account", required=True, metavar="ACCOUNT")
    p.add_argument("--amount", required=True, help="rupees, e.g. 250000 or 2500.50")
    p.add_argument("--reason", required=True)
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_propose)
    for action, help_text in (("approve", "approve: the cash moves now (available only)"),
                              ("reject", "reject, with a reason")):
        p = tsub.add_parser(action, help=help_text)
        p.add_argument("transfer_id", metavar="ID")
        add_identity(p)
        p.add_argument("--reason", required=action == "reject")
        add_store(p)
        p.set_defaults(func=_decide, action=action)


def _fold(store: DeskStore) -> DeskView:
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    return view


def _treasury(args: argparse.Namespace) -> int:
    store = existing_store(args)
    view = _fold(store)
    t = treasury(view.cash)
    transfers = sorted(view.transfers.values(), key=lambda r: r.transfer_id)
    if args.json:
        print(json.dumps({
            "store": redact(store.url), "desk": _holding(t.desk),
            "accounts": {a: _holding(h) for a, h in t.by_account.items()},
            "transfers": [_transfer(r) for r in transfers],
        }, indent=2, sort_keys=True))
        return 0
    print(f"treasury of {redact(store.url)}: total {format_inr(t.desk.total)}, deployable "
          f"{format_inr(t.desk.deployable)}")
    header = f"{'account':<24}" + "".join(f"{s:>16}" for s in (*STATES, "total"))
    print(header)
    for name, h in [*t.by_account.items(), ("DESK", t.desk)]:
        print(f"{name:<24}" + "".join(f"{format_inr(v):>16}" for v in (
            h.available, h.reserved, h.deployed, h.buffer, h.total)))
    for r in transfers:
        print(f"{r.transfer_id}: {format_inr(r.amount)} {r.from_account} -> {r.to_account} "
              f"{r.status} (proposed by {r.proposed_by}"
              + (f", decided by {r.decided_by}" if r.decided_by else "") + f"): {r.reason}")
    return 0


def _propose(args: argparse.Namespace) -> int:
    try:
        amount = Decimal(args.amount.replace(",", ""))
    except InvalidOperation:
        return _fail(USAGE, f"--amount {args.amount!r} is not a number of rupees")
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return _fail(USAGE, f"--amount {args.amount!r} must be positive rupees, to the paisa")
    actor = operator(args, Role.APPROVER, "proposing a transfer").actor
    store = existing_store(args)
    now = wall_clock()
    transfer_id = new_transfer_id(now, secrets.token_bytes(16))
    return _run(store, ProposeTransfer(
        actor=actor, at=now, correlation_id=transfer_id,
        transfer_id=transfer_id, from_account=args.from_account, to_account=args.to_account,
        amount=amount, reason=args.reason.strip()), args.json)


def _decide(args: argparse.Namespace) -> int:
    # The same roles as the API: an admin decides a transfer (and not the one who proposed it).
    actor = operator(args, Role.ADMIN, f"{args.action} a transfer").actor
    store = existing_store(args)
    now, transfer_id = wall_clock(), args.transfer_id
    command: ApproveTransfer | RejectTransfer = (
        ApproveTransfer(actor=actor, at=now, correlation_id=transfer_id,
                        transfer_id=transfer_id)
        if args.action == "approve" else
        RejectTransfer(actor=actor, at=now, correlation_id=transfer_id,
                       transfer_id=transfer_id, reason=args.reason.strip()))
    return _run(store, command, args.json)


def _run(store: DeskStore, command: ProposeTransfer | ApproveTransfer | RejectTransfer,
         as_json: bool) -> int:
    """Run the command at the wall clock's time (the CLI acts now) and print the transfer."""
    uow = UnitOfWork(store, wall_clock)
    try:
        handle(command, uow, _fold(store), default_book())
        uow.commit()
    except (DomainError, StaleWrite) as e:
        return _fail(FAILED, f"nothing stored: {e}")
    row = _fold(store).transfers[command.transfer_id]
    if as_json:
        print(json.dumps(_transfer(row), indent=2, sort_keys=True))
    else:
        print(f"{row.transfer_id}: {format_inr(row.amount)} {row.from_account} -> "
              f"{row.to_account} {row.status}")
    return 0


def _holding(h: Holding) -> dict[str, str]:
    return {k: str(getattr(h, k)) for k in (*STATES, "total", "deployable", "funded",
                                             "realised_pnl")}


def _transfer(r: TransferRow) -> dict[str, str]:
    return {"transfer_id": r.transfer_id, "from_account": r.from_account,
            "to_account": r.to_account, "amount": str(r.amount), "reason": r.reason,
            "status": r.status, "proposed_by": r.proposed_by, "decided_by": r.decided_by,
            "decision_reason": r.decision_reason}


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
