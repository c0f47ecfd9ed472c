"""`desk account policy ID`: show an account's approval policy, or change it (`--set
KEY=VALUE ... --reason WHY`) as a new mandate version recorded with the admin and the
reason, as `desk account mandate` does for the other fields."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store, key_values
from domain.aggregates import Account, StaleWrite
from domain.approval_policy_text import SETTINGS, describe, revise_policy
from domain.ids import account_stream
from domain.values import Mandate
from projections.desk import DeskView, apply
from streams.bootstrap import wall_clock
from streams.commands import SetMandate, handle
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1


def register(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `policy` to `desk account`."""
    p = asub.add_parser(
        "policy",
        help="show or change an account's approval policy "
        "(manual, or auto within limits), with who and why",
    )
    p.add_argument("ident", metavar="ID")
    p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"a policy setting to change (repeatable): {', '.join(SETTINGS)}; "
        "e.g. mode=auto, max_notional=200000, approve_on=support, "
        "window=09:30-14:30, reject_on=oppose",
    )
    p.add_argument("--reason", default="", help="why the policy changes (needed with --set)")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_policy)


def policy_words(mandate: dict[str, Any] | None) -> str:
    """The approval policy in force, in words, from a mandate as JSON."""
    return describe(Mandate.model_validate(mandate).policy()) if mandate else "none"


def _policy(args: argparse.Namespace) -> int:
    settings = key_values(args.settings)
    if isinstance(settings, str):
        return _fail(USAGE, settings)
    if settings and not args.reason.strip():
        return _fail(USAGE, "--reason must say why the approval policy changes")
    store = existing_store(args)
    uow = UnitOfWork(store, wall_clock)
    account = uow.get(Account, account_stream(args.ident))
    if not account.exists or account.mandate is None:
        return _fail(FAILED, f"unknown account {args.ident!r} (or no mandate yet)")
    before = account.mandate.policy()
    if settings:
        actor = operator(args, Role.ADMIN, "changing an approval policy").actor
        revised = revise_policy(before, settings)
        if isinstance(revised, str):
            return _fail(USAGE, revised)
        if revised != before:
            view = DeskView()
            for rec in store.read_all():
                apply(view, rec.event, rec.position)
            change = SetMandate(
                actor=actor,
                at=wall_clock(),
                account_id=args.ident,
                correlation_id=f"mandate-{args.ident}-v{account.mandate_version + 1}",
                mandate=account.mandate.model_copy(update={"approval_policy": revised}),
                reason=f"approval policy: {args.reason.strip()}",
            )
            try:
                handle(change, uow, view, default_book())
                uow.commit()
            except StaleWrite as e:
                return _fail(FAILED, f"nothing stored: {e}")
    policy = account.mandate.policy()
    if args.json:
        print(
            json.dumps(
                {
                    "account_id": args.ident,
                    "mandate_version": account.mandate_version,
                    "changed": policy != before,
                    "policy": policy.model_dump(mode="json"),
                },
                indent=2,
                sort_keys=True,
            )
        )
        return 0
    status = "set" if policy != before else "in force"
    print(
        f"approval policy of {args.ident} (mandate v{account.mandate_version}) {status}: "
        f"{describe(policy)}"
    )
    return 0


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
