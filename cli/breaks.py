"""`desk broker resolve ACCOUNT BREAK_ID --reason R`, and the open breaks `desk broker
status` lists under each account.

Resolving records `BreakResolved` with the operator behind the caller's token (an admin's,
as the API's resolve route needs; `$DESK_TOKEN` or `--token-file`, see `cli.identity`) and
the reason. The last open break resolved at a venue releases the kill switches the breaks
tripped, so the accounts trading there take new entries again.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store
from domain.aggregates import DomainError, StaleWrite
from projections.desk import DeskView, apply
from streams.bootstrap import wall_clock
from streams.commands import handle
from streams.routing.breaks import open_breaks, resolve_command
from streams.unit_of_work import UnitOfWork

FAILED = 1


def register(bsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`desk broker resolve`."""
    p = bsub.add_parser("resolve", help="resolve an account's reconciliation break (the "
                        "last one at a venue lets its accounts take new entries again)")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("break_id", metavar="BREAK_ID", help="as `desk broker status` lists it")
    p.add_argument("--reason", required=True, help="what was done about it (on the event)")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_resolve)


def break_rows(store: DeskStore, account_id: str) -> list[dict[str, Any]]:
    """The account's open breaks as `desk broker status --json` shows them."""
    return [{"break_id": b.break_id, "venue": b.venue, "kind": b.kind, "subject": b.subject,
             "desk_side": b.desk_side, "venue_side": b.venue_side}
            for b in open_breaks(store, account_id)]


def break_lines(rows: list[dict[str, Any]]) -> str:
    """The open breaks as status text lines (empty when none)."""
    return "".join(f"\n  break {r['break_id']} ({r['venue']} {r['kind']} {r['subject']}): "
                   f"desk {r['desk_side']}, venue {r['venue_side']}" for r in rows)


def _resolve(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "resolving a reconciliation break").actor
    store = existing_store(args)
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    try:
        command = resolve_command(store, args.account, args.break_id, actor=actor,
                                  at=view.as_of or wall_clock(), reason=args.reason)
        uow = UnitOfWork(store, wall_clock)
        handle(command, uow, view, default_book())
        uow.commit()
    except (DomainError, StaleWrite) as e:
        print(f"error: nothing stored: {e}", file=sys.stderr)
        return FAILED
    left = open_breaks(store, args.account)
    print(f"{args.break_id} at {command.venue} resolved by {actor}: {command.note}")
    print(f"{args.account}: {len(left)} open break(s) left" if left else
          f"{args.account}: no open break; new entries allowed unless another kill switch "
          "holds them")
    return 0
