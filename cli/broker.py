"""`desk broker add|login|status`: connect an account to Upstox, Kite, IBKR or paper.

    desk broker add ACCOUNT --broker upstox [--credential NAME=env:VAR|NAME=file:/path]...
                            [--set KEY=VALUE]... [--reason R]
    desk broker login ACCOUNT          (prints the login URL, reads the code from the terminal)
    desk broker status [--json]
    desk broker resolve ACCOUNT BREAK_ID --reason R   (see `cli.breaks`)

`add` records where each credential is read from (an environment variable's name or an
owner-only file), never the credential; `login` stores the day's token owner-only in the
account's state directory (~/.eventdesk/brokers/ACCOUNT unless `--set state_dir=`). Both
change the desk and need an admin's token (`$DESK_TOKEN` or `--token-file`, see
`cli.identity`); `status` only reads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.brokers.credentials import CredentialError
from adapters.brokers.links import (
    CREDENTIALS,
    LinkError,
    check_credentials,
    credential_refs,
    plain_settings,
)
from adapters.brokers.logins import log_in, offline_session
from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli import breaks
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store
from cli.serve_venues import running_state
from domain.aggregates import DomainError, StaleWrite
from domain.events import Envelope
from domain.venue import VenueError
from projections.desk import DeskView, apply
from streams.bootstrap import wall_clock
from streams.commands import AddBroker, handle
from streams.routing.serving import broker_links
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broker = sub.add_parser("broker", help="connect accounts to a broker, log in, see sessions")
    bsub = broker.add_subparsers(dest="broker_command", required=True, metavar="ACTION")
    p = bsub.add_parser("add", help="record an account's broker and where its credentials are")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--broker", required=True, choices=sorted(CREDENTIALS))
    p.add_argument("--credential", action="append", default=[], metavar="NAME=env:VAR",
                   help="where a credential is read from: env:VARIABLE or file:/owner-only "
                   "(default: the adapter's own variable, e.g. env:UPSTOX_API_SECRET)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="a plain setting: api_host/order_host/instruments_url/algo_name (upstox), "
                   "api_url/ticker_url (zerodha), base_url/account_id (ibkr), state_dir")
    p.add_argument("--reason", default="", help="why, recorded on the event")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_add)
    p = bsub.add_parser("login", help="log the account in at its broker (Upstox OAuth, Kite "
                        "request token, IBKR gateway session check)")
    p.add_argument("account", metavar="ACCOUNT")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_login)
    breaks.register(bsub)
    p = bsub.add_parser("status", help="each account's broker: credentials, token expiry, "
                        "rate limits, last reconciliation, open breaks")
    add_store(p)
    p.set_defaults(func=_status)


def _pairs(items: Sequence[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LinkError(f"{flag} {item!r}: expected KEY=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs


def _add(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "connecting an account to a broker").actor
    try:
        refs = credential_refs(args.broker, _pairs(args.credential, "--credential"))
        settings = plain_settings(args.broker, _pairs(args.settings, "--set"))
    except LinkError as e:
        return _fail(USAGE, str(e))
    store = existing_store(args)
    view = _view(store)
    now = view.as_of or wall_clock()
    command = AddBroker(actor=actor, at=now,
                        correlation_id=f"broker-{args.account}", account_id=args.account,
                        broker=args.broker, credentials=refs, settings=settings,
                        reason=args.reason)
    uow = UnitOfWork(store, wall_clock)
    try:
        handle(command, uow, view, default_book())
        recorded = uow.commit()
    except (DomainError, StaleWrite) as e:
        return _fail(FAILED, f"nothing stored: {e}")
    print(f"{args.account}: {args.broker}" + ("" if recorded else " (unchanged)"))
    for state in check_credentials(refs):
        print(f"  {state.name} from {state.ref}: {state.problem or 'readable'}")
    return 0


def _login(args: argparse.Namespace) -> int:
    operator(args, Role.ADMIN, "logging an account in at its broker")
    link = broker_links(existing_store(args)).get(args.account)
    if link is None:
        return _fail(FAILED, f"{args.account} has no broker: desk broker add {args.account} "
                     "--broker ...")

    def ask(prompt: str) -> str:
        print(prompt, end="", flush=True)
        return sys.stdin.readline()

    try:
        print(asyncio.run(log_in(link, ask, print)))
    except (CredentialError, VenueError) as e:
        return _fail(FAILED, f"login failed: {e}")
    return 0


def _status(args: argparse.Namespace) -> int:
    store = existing_store(args)
    links, now = broker_links(store), datetime.now(UTC)
    reconciled = _last_reconciliation(store)
    rows: list[dict[str, Any]] = []
    for account_id, link in sorted(links.items()):
        session = offline_session(link, now)
        rows.append({
            "account_id": account_id, "broker": link.broker,
            "credentials": {s.name: {"from": s.ref, "problem": s.problem}
                            for s in check_credentials(link.credentials)},
            "session": session.detail,
            "token_expires_at": (session.token_expires_at.isoformat()
                                 if session.token_expires_at else None),
            "rate_limits": [w.label for w in session.rate_windows],
            "last_reconciliation": reconciled.get(account_id),
            "open_breaks": breaks.break_rows(store, account_id),
            "running_session": running_state(link, now),  # what a `desk serve` last wrote
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no account has a broker yet: desk broker add ACCOUNT --broker ...")
    for r in rows:
        creds = ", ".join(f"{n} ({c['from']}: {c['problem'] or 'ok'})"
                          for n, c in r["credentials"].items()) or "none"
        print(f"{r['account_id']}: {r['broker']}\n  credentials: {creds}\n"
              f"  session: {r['session']}"
              + (f" (expires {r['token_expires_at']})" if r["token_expires_at"] else "")
              + f"\n  order rate limits: {', '.join(r['rate_limits']) or 'none'} "
              "(full headroom outside a running desk)"
              + f"\n  last reconciliation: {r['last_reconciliation'] or 'none yet'}"
              + (breaks.break_lines(r["open_breaks"]) or "\n  open breaks: none")
              + _running(r["running_session"]))
    return 0


def _running(state: dict[str, Any] | None) -> str:
    """The venue session a `desk serve` runs (or last ran) for the account, as a line."""
    if state is None:
        return "\n  desk serve session: none yet"
    said = "connected" if state.get("connected") else "not connected"
    headroom = state.get("rate_headroom_now") or {}
    return (f"\n  desk serve session{'' if state.get('serving') else ' (stopped)'}: {said}"
            f"; token expires {state.get('token_expires_at') or 'unknown'}"
            f"; last update {state.get('last_update_at') or 'none'}; last reconciliation "
            f"{state.get('last_reconciliation') or 'none'}"
            + (f"; {state['detail']}" if state.get("detail") else "")
            + "\n  order rate headroom now: "
            + (", ".join(f"{w}: {n} left" for w, n in headroom.items()) or "unknown"))


def _view(store: DeskStore) -> DeskView:
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    return view


def _last_reconciliation(store: DeskStore) -> dict[str, Any]:
    """The time of each account's latest reconciliation event, if the desk records any."""
    last: dict[str, Any] = {}
    for r in store.read_all():
        if _is_reconciliation(r.event):
            account = getattr(r.event.payload, "account_id", None)
            if account:
                last[account] = r.event.occurred_at.isoformat()
    return last


def _is_reconciliation(event: Envelope) -> bool:
    return event.type.startswith("Reconcil")


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
