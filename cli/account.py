"""`desk account ...`: open an account by the intake conversation, change its mandate, show it.

The conversation itself is pure (`domain.intake`); this module is its I/O edge: it reads the
terminal or an answers file, stamps desk time from the wall clock, and commits through the
store. `list` and `show` print the read model folded from the store's log.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from adapters.eventstore.store import DeskStore
from adapters.eventstore.url import redact
from adapters.files.sample import SAMPLE_DIR, load_instruments
from adapters.files.strategy_book import default_book
from api.tokens import Role
from cli import approval_policy as cli_policy
from cli import exits as cli_exits
from cli import treasury as cli_treasury
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store, key_values, store_url
from domain import intake
from domain.aggregates import Account, DomainError, StaleWrite
from domain.events import Envelope, MandateSet
from domain.ids import account_stream
from domain.intake.parsers import Invalid, format_inr, revise_mandate
from domain.money import to_paise
from domain.session import IST
from domain.values import Mandate
from projections.cash import Cash
from projections.desk import DeskView, apply
from projections.funding import PlanState
from streams.bootstrap import wall_clock
from streams.commands import OpenAccount, SetMandate, handle
from streams.unit_of_work import UnitOfWork

USAGE, FAILED = 2, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    account = sub.add_parser("account", help="open accounts (intake), change mandates, show cash")
    asub = account.add_subparsers(dest="account_command", required=True, metavar="ACTION")
    p = asub.add_parser("new", help="open an account through the intake conversation")
    p.add_argument("--answers", metavar="FILE", help="YAML or JSON answers (non-interactive)")
    p.add_argument("--id", help="account id (default: from the name)")
    p.add_argument("--name", help="account name")
    add_identity(p)
    p.add_argument("--yes", action="store_true", help="confirm the summary without asking")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="folder with instruments.csv")
    add_store(p)
    p.set_defaults(func=_new)
    p = asub.add_parser("list", help="every account with its mandate version and cash")
    add_store(p)
    p.set_defaults(func=_list)
    p = asub.add_parser("show", help="one account: mandate, mandate history and cash ledger")
    p.add_argument("ident", metavar="ID")
    add_store(p)
    p.set_defaults(func=_show)
    p = asub.add_parser("mandate", help="set a new mandate version, with who and why")
    p.add_argument("ident", metavar="ID")
    p.add_argument("--set", dest="settings", action="append", required=True,
                   metavar="KEY=VALUE", help="a mandate field to change (repeatable)")
    p.add_argument("--reason", required=True, help="why the mandate changes")
    add_identity(p)
    p.add_argument("--data", default=str(SAMPLE_DIR), help="folder with instruments.csv")
    add_store(p)
    p.set_defaults(func=_mandate)
    cli_treasury.register(asub)
    cli_policy.register(asub)
    cli_exits.register_account(asub)


# desk account new --------------------------------------------------------------------

def _new(args: argparse.Namespace) -> int:
    try:
        return _new_account(args)
    except EOFError:
        return _fail(FAILED, "input ended: nothing stored")


def _new_account(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "opening an account").actor
    try:
        meta, answers = _load_answers(Path(args.answers)) if args.answers else ({}, None)
        known = _known_sectors(Path(args.data))
    except (OSError, ValueError, yaml.YAMLError) as e:
        return _fail(USAGE, str(e))
    interactive = answers is None
    if interactive and not sys.stdin.isatty():
        return _fail(USAGE, "no --answers FILE and stdin is not a terminal")
    name = args.name or meta.get("name") or (_prompt("Account name: ") if interactive else "")
    account_id = args.id or meta.get("account_id") or _slug(name or "")
    if not name:
        return _fail(USAGE, "account name missing: pass --name or put name in the answers file")
    store = DeskStore(store_url(args))
    if store.load(Account, account_stream(account_id)).exists:
        return _fail(FAILED, f"account {account_id} already exists")
    try:
        session, reply = intake.start(account_id, name, known)
        if interactive:
            session, reply = _converse(session, reply)
        else:
            session, reply = intake.answer_all(session, answers or {})
    except intake.IntakeError as e:
        return _fail(USAGE, str(e))
    if reply.step is intake.Step.REASK:
        assert reply.question is not None
        return _fail(USAGE, f"{args.answers}: question {reply.number} '{reply.question.key}' "
                     f"({reply.question.prompt}): {reply.reason}")
    out = sys.stderr if args.json else sys.stdout
    print("\nSummary:\n" + "\n".join(f"  {line}" for line in reply.summary), file=out)
    if not (args.yes or (sys.stdin.isatty() and _confirmed())):
        return _fail(FAILED, "not confirmed: nothing stored (pass --yes to confirm)")
    opening = intake.confirm(session)
    try:
        _open(store, opening, actor)
    except (DomainError, StaleWrite) as e:
        return _fail(FAILED, f"nothing stored: {e}")
    if args.json:
        view, history = _fold(store)
        print(json.dumps(_record(view, history, account_id), indent=2, sort_keys=True))
    else:
        print(f"Opened {opening.name} [{account_id}]: mandate v1, "
              f"{format_inr(opening.deposit)} deposited")
    return 0


def _load_answers(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(account_id/name, answers by question key) from a YAML or JSON answers file."""
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of question keys to answers")
    raw = data.get("answers", {k: v for k, v in data.items() if k not in ("account_id", "name")})
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: 'answers' must map question keys to answers")
    answers = {}
    for key, value in raw.items():
        if isinstance(value, bool | list | dict):
            raise ValueError(f"{path}: answer {key!r} must be text as typed (quote it)")
        answers[str(key)] = "" if value is None else str(value)
    meta = {k: str(data[k]) for k in ("account_id", "name") if data.get(k) is not None}
    return meta, answers


def _converse(session: intake.Session, reply: intake.Reply) -> tuple[intake.Session,
                                                                        intake.Reply]:
    total = len(intake.QUESTION_KEYS)
    print(f"Intake for {session.name} [{session.account_id}]: {total} questions. Press Enter "
          "to skip one and take its default.")
    while reply.step is not intake.Step.CONFIRM:
        assert reply.question is not None
        if reply.step is intake.Step.REASK:
            print(f"  Not taken: {reply.reason}")
        text = _prompt(f"\n({reply.number}/{total}) {reply.question.prompt}\n> ")
        session, reply = intake.answer(session, text)
        for assumption in reply.assumed:
            print(f"  Assumed: {assumption}")
    return session, reply


def _prompt(text: str) -> str:
    print(text, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\r\n")


def _confirmed() -> bool:
    return _prompt("\nOpen this account with this mandate? [y/N] ").strip().lower() in (
        "y", "yes")


def _open(store: DeskStore, opening: intake.Opening, actor: str) -> None:
    """AccountOpened + MandateSet v1 + CashDeposited (+ FundingPlanSet), committed together,
    at the wall clock's time (the CLI acts now)."""
    uow = UnitOfWork(store, wall_clock)
    handle(OpenAccount(actor=actor, at=wall_clock(), correlation_id=f"intake-{opening.account_id}",
                       opening=opening), uow, _fold(store)[0], default_book())
    uow.commit()


# desk account mandate ----------------------------------------------------------------

def _mandate(args: argparse.Namespace) -> int:
    settings = key_values(args.settings)
    if isinstance(settings, str):
        return _fail(USAGE, settings)
    if not args.reason.strip():
        return _fail(USAGE, "--reason must say why the mandate changes")
    try:
        known = _known_sectors(Path(args.data))
    except (OSError, ValueError) as e:
        return _fail(USAGE, str(e))
    actor = operator(args, Role.ADMIN, "changing a mandate").actor
    store = existing_store(args)
    uow = UnitOfWork(store, wall_clock)
    account = uow.get(Account, account_stream(args.ident))
    if not account.exists:
        return _fail(FAILED, f"unknown account {args.ident!r}")
    if account.mandate is None:
        return _fail(FAILED, f"account {args.ident} has no mandate yet")
    revised = revise_mandate(account.mandate, settings, known)
    if isinstance(revised, Invalid):
        return _fail(USAGE, revised.reason)
    version, old = account.mandate_version, account.mandate
    if revised != old:
        revise = SetMandate(actor=actor, at=wall_clock(),
                            correlation_id=f"mandate-{args.ident}-v{version + 1}",
                            account_id=args.ident, mandate=revised, reason=args.reason.strip())
        try:
            handle(revise, uow, _fold(store)[0], default_book())
            uow.commit()
        except StaleWrite as e:
            return _fail(FAILED, f"nothing stored: {e}")
    if args.json:
        view, history = _fold(store)
        print(json.dumps(_record(view, history, args.ident), indent=2, sort_keys=True))
    elif account.mandate_version == version:
        print(f"mandate v{version} of {args.ident} already says that: nothing changed")
    else:
        print(f"mandate v{account.mandate_version} of {args.ident} set by "
              f"{actor}: {_words(_changes(old, revised))}")
    return 0


# desk account list / show ------------------------------------------------------------

def _list(args: argparse.Namespace) -> int:
    store = existing_store(args)
    view, history = _fold(store)
    records = [_record(view, history, a) for a in sorted(view.accounts)]
    if args.json:
        for r in records:
            del r["mandate_history"], r["funding_plan"]
        print(json.dumps({"store": redact(store.url), "accounts": records}, indent=2,
                         sort_keys=True))
        return 0
    print(f"store {redact(store.url)}: {len(records)} account(s)")
    for r in records:
        print(f"\n{r['name']} [{r['account_id']}] mandate v{r['mandate_version']}")
        print(_cash_lines(r["cash"], r["mandate"]))
    return 0


def _show(args: argparse.Namespace) -> int:
    store = existing_store(args)
    view, history = _fold(store)
    if args.ident not in view.accounts:
        return _fail(FAILED, f"unknown account {args.ident!r} in {redact(store.url)}")
    r = _record(view, history, args.ident)
    if args.json:
        print(json.dumps(r, indent=2, sort_keys=True))
        return 0
    print(f"{r['name']} [{r['account_id']}]")
    m = r["mandate"]
    if m:
        print(f"mandate v{r['mandate_version']}: {m['objective']}, {m['horizon']}; risk "
              f"{m['risk_per_trade_pct']}% a trade, max position {m['max_position_pct']}%, "
              f"daily loss {_inr(m['daily_loss_limit'])}, drawdown "
              f"{m['max_drawdown_pct']}%, cash buffer {m['cash_buffer_pct']}%; sectors "
              f"{_sector_words(m)}; approval {cli_policy.policy_words(m)}")
    print(_cash_lines(r["cash"], m))
    if r["funding_plan"]:
        print(_plan_lines(r["funding_plan"]))
    print("mandate history:")
    for h in r["mandate_history"]:
        at = datetime.fromisoformat(h["at"])
        print(f"  v{h['version']} {at:%Y-%m-%d %H:%M:%S} IST by {h['actor']}: {h['reason']}")
        print(f"     {_words(h['changes'])}")
    return 0


def _fold(store: DeskStore) -> tuple[DeskView, dict[str, list[Envelope]]]:
    """The read model folded from the whole log, and each account's MandateSet events."""
    view, history = DeskView(), dict[str, list[Envelope]]()
    for r in store.read_all():
        apply(view, r.event, r.position)
        if isinstance(r.event.payload, MandateSet):
            history.setdefault(r.event.payload.account_id, []).append(r.event)
    return view, history


def _record(view: DeskView, history: dict[str, list[Envelope]], account_id: str
            ) -> dict[str, Any]:
    row = view.accounts[account_id]
    cash = view.cash.get(account_id) or Cash()
    equity = view.equity(account_id)
    versions: list[dict[str, Any]] = []
    previous: Mandate | None = None
    for e in history.get(account_id, []):
        assert isinstance(e.payload, MandateSet)
        versions.append({
            "version": e.payload.version, "at": e.occurred_at.astimezone(IST).isoformat(),
            "actor": e.actor, "reason": e.payload.reason,
            "changes": _changes(previous, e.payload.mandate),
        })
        previous = e.payload.mandate
    funding = view.funding.get(account_id)
    return {
        "funding_plan": _plan_record(funding) if funding else None,
        "account_id": account_id, "name": row.name, "mandate_version": row.mandate_version,
        "mandate": row.mandate.model_dump(mode="json") if row.mandate else None,
        "mandate_history": versions,
        "cash": {k: str(v) for k, v in {
            "available": cash.available, "reserved": cash.reserved, "deployed": cash.deployed,
            "buffer": cash.buffer, "total": cash.total, "equity": to_paise(equity),
            "funded": cash.funded, "deposits": cash.deposits,
            "transfers_in": cash.transfers_in, "transfers_out": cash.transfers_out,
            "realised_pnl": cash.realised_pnl, "costs": cash.costs}.items()},
    }


def _plan_record(state: PlanState) -> dict[str, Any]:
    """The plan in force, what it has credited and what is still to come."""
    plan = state.plan.model_dump(mode="json")
    plan["credited"] = sorted(state.credited)
    plan["pending"] = [
        {"reference": i.reference, "amount": str(i.amount),
         "due_on": i.due_on.isoformat() if i.due_on else "when its index condition is met"}
        for i in state.pending()
    ]
    return plan


def _plan_lines(plan: dict[str, Any]) -> str:
    lines = [f"funding plan {plan['plan_id']} from {plan['starts_on']}: "
             f"{plan['stated'] or 'as set'}; {len(plan['credited'])} installments credited"]
    lines += [f"  next: {p['reference']} {_inr(p['amount'])} {p['due_on']}"
              for p in plan["pending"][:3]]
    return "\n".join(lines)


def _changes(old: Mandate | None, new: Mandate) -> dict[str, dict[str, Any]]:
    """Each field that differs: {"from": old value (None at v1), "to": new value}."""
    before = old.model_dump(mode="json") if old else {}
    after = new.model_dump(mode="json")
    return {k: {"from": before.get(k), "to": v} for k, v in after.items()
            if before.get(k) != v or old is None}


def _words(changes: dict[str, dict[str, Any]]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, list):
            return ", ".join(v) or "none"
        return str(v)

    return "; ".join(
        f"{k} {show(c['to'])}" if c["from"] is None else f"{k} {show(c['from'])} -> "
        f"{show(c['to'])}" for k, c in changes.items()
    ) or "no change"


def _cash_lines(cash: dict[str, str], mandate: dict[str, Any] | None) -> str:
    pct = mandate["cash_buffer_pct"] if mandate else "0"
    return (f"  cash: available {_inr(cash['available'])}, reserved {_inr(cash['reserved'])}, "
            f"deployed {_inr(cash['deployed'])}, buffer {_inr(cash['buffer'])} ({pct}% of "
            f"funded {_inr(cash['funded'])}, never allocated); total {_inr(cash['total'])}, "
            f"equity {_inr(cash['equity'])}\n"
            f"  deposits {_inr(cash['deposits'])}, transfers in {_inr(cash['transfers_in'])}, "
            f"out {_inr(cash['transfers_out'])}; realised P&L {_inr(cash['realised_pnl'])} "
            f"(after costs {_inr(cash['costs'])})")


def _sector_words(m: dict[str, Any]) -> str:
    parts = [f"only {', '.join(m['sectors_allowed'])}"] if m["sectors_allowed"] else []
    parts += [f"never {', '.join(m['sectors_banned'])}"] if m["sectors_banned"] else []
    return "; ".join(parts) or "any"


# Shared ------------------------------------------------------------------------------

def _known_sectors(data: Path) -> tuple[str, ...]:
    return tuple(sorted({i.sector for i in load_instruments(data / "instruments.csv").values()}))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def _inr(text: str) -> str:
    return format_inr(Decimal(text))


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code

