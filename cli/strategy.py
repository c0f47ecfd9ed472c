"""`desk strategy list|show|publish|deploy|pause|resume|retire`: strategies as things an
operator runs.

The strategy file stays the way to author a version (`publish FILE` checks it with the
book's loader); the log is what runs. Publishing, deploying and retiring need an admin's
token, pausing and resuming an approver's (`$DESK_TOKEN` or `--token-file`, see
`cli.identity`); the operator is recorded on the event. Commands act at the desk's time
(the log's latest market time, else the clock), as over the API.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.files.strategy_book import default_book
from api.strategy_plans import dca_plans
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store
from domain.aggregates import DomainError, StaleWrite
from domain.ids import STRATEGY_PREFIX
from domain.session import IST
from projections.desk import DeskView, apply
from projections.strategy_table import StrategyRow, strategy_json, strategy_table
from streams.bootstrap import wall_clock
from streams.commands import Command
from streams.strategy_commands import (
    DeployStrategy,
    PauseStrategy,
    PublishStrategies,
    ResumeStrategy,
    RetireStrategy,
    handle,
)
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("strategy", help="strategies: publish, deploy, pause, resume, "
                           "retire; which version runs for which account")
    ssub = group.add_subparsers(dest="strategy_command", required=True, metavar="ACTION")
    p = ssub.add_parser("list", help="every strategy: state and the version each account runs")
    add_store(p)
    p.set_defaults(func=_list)
    p = ssub.add_parser("show", help="one strategy: versions, deployments, pauses")
    p.add_argument("name")
    add_store(p)
    p.set_defaults(func=_show)
    p = ssub.add_parser("publish", help="publish a strategy file's new definitions (admin)")
    p.add_argument("file", type=Path)
    p.add_argument("--strategy", default=None, help="publish only this strategy of the file")
    p.add_argument("--notes", default="")
    _writer(p, _publish)
    p = ssub.add_parser("deploy", help="run a version for all accounts or some (admin)")
    p.add_argument("name")
    p.add_argument("version", help="a version id from `desk strategy show NAME`")
    p.add_argument("--account", action="append", default=[], metavar="ID",
                   help="only this account (repeat for more; none: every account)")
    p.add_argument("--from", dest="effective_from", default=None, metavar="TIME",
                   help="desk time it runs from, ISO 8601 with offset (default: now)")
    p.add_argument("--reason", default="")
    _writer(p, _deploy)
    for action, helptext in (("pause", "no new signals from the next bar (approver)"),
                             ("resume", "signals again from the next bar (approver)"),
                             ("retire", "run it for no account any more (admin)")):
        p = ssub.add_parser(action, help=helptext)
        p.add_argument("name")
        p.add_argument("--reason", required=True)
        p.add_argument("--accounts", default="", metavar="A,B",
                       help="only these accounts, comma-separated (default: every one)")
        _writer(p, _lifecycle)


def _writer(p: argparse.ArgumentParser, func: object) -> None:
    add_identity(p)
    add_store(p)
    p.set_defaults(func=func)


def _view(store: DeskStore) -> DeskView:
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    return view


def _rows(store: DeskStore) -> tuple[DeskView, list[StrategyRow]]:
    view = _view(store)
    return view, strategy_table(view, default_book(), view.as_of or wall_clock())


def _list(args: argparse.Namespace) -> int:
    _, rows = _rows(existing_store(args))
    if args.json:
        print(json.dumps([strategy_json(r) for r in rows], indent=2))
        return 0
    print(f"{'strategy':<16}{'kind':<7}{'status':<9}{'source':<7} running (version: accounts)")
    for r in rows:
        running = "; ".join(f"{v}: {', '.join(a)}" for v, a in r.running.items()) or "-"
        print(f"{r.name:<16}{r.kind:<7}{r.status:<9}{r.source:<7} {running}")
    return 0


def _show(args: argparse.Namespace) -> int:
    view, rows = _rows(existing_store(args))
    row = next((r for r in rows if r.name == args.name), None)
    if row is None:
        return _fail(FAILED, f"unknown strategy {args.name!r}")
    plan = dca_plans(view, default_book(), view.as_of or wall_clock()).get(row.name)
    data = {**strategy_json(row), "dca": plan.model_dump(mode="json") if plan else None}
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{row.name} [{row.kind}] {row.status} ({row.source}); file version "
          f"{row.file_version or '-'}")
    if plan is not None:
        due = plan.next_due.astimezone(IST).strftime("%a %d %b %Y %H:%M IST") \
            if plan.next_due else "none within a year"
        print(f"buys ₹{plan.amount} of {plan.symbol} at cron '{plan.schedule}' (IST) as a "
              f"plain entry, no stop or target; next due {due}")
    if row.pause_reason:
        print(f"paused by {row.paused_by}: {row.pause_reason}")
    for account_id, why in (row.paused_accounts or {}).items():
        print(f"paused for {account_id}: {why}")
    for version, accounts in row.running.items():
        print(f"running {version} for {', '.join(accounts)}")
    for v in row.versions:
        print(f"version {v['version_id']} (file version {v['label']}) published by "
              f"{v['published_by']}; sha256 {v['sha256']}")
    for d in row.deployments:
        target = d["version_id"] or "retired"
        print(f"deployed {target} to {', '.join(d['accounts'])} from "
              f"{d['effective_from'] or 'then'} by {d['by']}: {d['reason'] or '-'}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "publishing a strategy version").actor
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as e:
        return _fail(USAGE, str(e))
    return _run(args, PublishStrategies(
        actor=actor, at=_desk_now(args), correlation_id=f"strategy-publish-{args.file.name}",
        text=text, source=str(args.file), strategy=args.strategy, notes=args.notes))


def _deploy(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "deploying a strategy version").actor
    now = _desk_now(args)
    try:
        start = datetime.fromisoformat(args.effective_from) if args.effective_from else now
    except ValueError as e:
        return _fail(USAGE, f"--from: {e}")
    if start.tzinfo is None:
        return _fail(USAGE, "--from needs a UTC offset, e.g. 2026-11-20T10:30+05:30")
    return _run(args, DeployStrategy(
        actor=actor, at=now, correlation_id=f"strategy-{args.name}", strategy=args.name,
        version_id=args.version, accounts=tuple(args.account), effective_from=start,
        reason=args.reason))


_LIFECYCLE = {
    "pause": (PauseStrategy, Role.APPROVER),
    "resume": (ResumeStrategy, Role.APPROVER),
    "retire": (RetireStrategy, Role.ADMIN),
}


def _lifecycle(args: argparse.Namespace) -> int:
    kind, role = _LIFECYCLE[args.strategy_command]
    actor = operator(args, role, f"{args.strategy_command} a strategy").actor
    reason = args.reason.strip()
    if not reason:
        return _fail(USAGE, "--reason must say why")
    accounts = tuple(a.strip() for a in args.accounts.split(",") if a.strip())
    return _run(args, kind(actor=actor, at=_desk_now(args),
                           correlation_id=f"strategy-{args.name}", strategy=args.name,
                           reason=reason, accounts=accounts))


def _desk_now(args: argparse.Namespace) -> datetime:
    return _view(existing_store(args)).as_of or wall_clock()


def _run(args: argparse.Namespace, command: Command) -> int:
    store = existing_store(args)
    uow = UnitOfWork(store, wall_clock)
    try:
        changed = handle(command, uow, _view(store), default_book())
        recorded = uow.commit()
    except (DomainError, StaleWrite) as e:
        return _fail(FAILED, f"nothing stored: {e}")
    events = [{"type": r.event.type, "strategy": r.event.stream_id.removeprefix(STRATEGY_PREFIX),
               **{k: v for k, v in r.event.payload.model_dump(mode="json").items()
                  if k in ("version_id", "accounts", "effective_from", "reason")}}
              for r in recorded]
    if args.json:
        print(json.dumps(events, indent=2))
    else:
        for event in events:
            detail = event.get("version_id") or event.get("reason") or ""
            if event.get("accounts"):
                detail += f" (for {', '.join(event['accounts'])})"
            print(f"{event['type']} {event['strategy']} {detail}".rstrip())
    return 0 if changed else FAILED


def _fail(code: int, message: str) -> int:
    print(f"desk: {message}", file=sys.stderr)
    return code
