"""`desk replay ...`: verify, trace, state as of a time, and the raw event log."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from adapters.eventstore.url import redact
from cli.options import add_store, existing_store
from domain.session import IST
from projections.desk import DeskView, apply, snapshot
from projections.lineage import TraceNotFound, trace
from replay.render import explained, json_line, line, record
from replay.reviews import replay_rule_reviews
from replay.verify import verify


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="audit the event log: verify, trace, state, events")
    rsub = replay.add_subparsers(dest="replay_command", required=True, metavar="ACTION")
    p = rsub.add_parser("verify", help="check the hash chain and rebuild every projection")
    p.add_argument("--rule-reviews", action="store_true",
                   help="also run the judge's rule-based reviewer over every card (the model "
                   "is never called): recorded rule reviews must come out identical")
    add_store(p)
    p.set_defaults(func=_verify)
    p = rsub.add_parser("trace", help="the causal chain of a card, order, signal or event")
    p.add_argument("ident", metavar="ID")
    p.add_argument("--brief", action="store_true",
                   help="one line an event, without the decisions' explanations")
    add_store(p)
    p.set_defaults(func=_trace)
    p = rsub.add_parser("state", help="positions, cash and risk as of a time")
    p.add_argument("--at", default=None, metavar="TIME",
                   help="ISO time; without an offset it is read as IST (default: now)")
    add_store(p)
    p.set_defaults(func=_state)
    p = rsub.add_parser("events", help="the log in order, one event a line")
    add_store(p)
    p.add_argument("--full", action="store_true", help="print whole payloads")
    p.set_defaults(func=_events)


def _verify(args: argparse.Namespace) -> int:
    store = existing_store(args)
    verdict = verify(store)
    rules = replay_rule_reviews(store) if args.rule_reviews else None
    if rules is not None and not rules.ok:
        verdict.fail(f"{len(rules.differing)} rule-based reviews do not come out the same "
                     f"again: {', '.join(rules.differing[:5])}")
    if args.json:
        print(json.dumps({"ok": verdict.ok, "events": verdict.events,
                          "problems": verdict.problems, "first_bad": verdict.first_bad,
                          "compared_at": verdict.compared_at, "store": redact(store.url),
                          **({"rule_reviews": asdict(rules)} if rules else {})}))
    else:
        print(f"store {redact(store.url)}: {verdict.events} events checked")
        if verdict.ok and verdict.compared_at is not None:
            print(f"OK: hash chain intact, every event decoded and folded; the rebuild "
                  f"matches the live state saved at position {verdict.compared_at}")
        elif verdict.ok:
            # `desk serve` and `desk schedule` never save a live view: say what was not done.
            print("OK: hash chain intact, every event decoded and folded; no live state was "
                  "saved in this store (only `desk demo` saves one), so no rebuild was "
                  "compared")
        if rules is not None:
            print(f"rule-based reviewer over {rules.cards} cards: {rules.reproduced} of "
                  f"{rules.rule_reviews} recorded rule reviews reproduced; same verdict as "
                  f"the model on {rules.same_verdict_as_model} of {rules.model_reviews}")
        for problem in verdict.problems:
            print(f"FAIL: {problem}")
    return 0 if verdict.ok else 1


def _trace(args: argparse.Namespace) -> int:
    try:
        chain = trace(existing_store(args).read_all(), args.ident)
    except TraceNotFound as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for r in chain:
        if args.json:
            print(json_line(r))
        else:
            print(line(r) if args.brief else "\n".join(explained(r)))
    return 0


def _state(args: argparse.Namespace) -> int:
    try:
        at = _parse_time(args.at) if args.at else None
    except ValueError as e:
        print(f"error: --at: {e}", file=sys.stderr)
        return 2
    view = DeskView()
    for r in existing_store(args).read_all():
        if at is None or r.event.occurred_at <= at:
            apply(view, r.event, r.position)
    state = snapshot(view)
    state["as_of"] = (at or view.as_of or datetime.now(IST)).isoformat()
    if args.json:
        print(json.dumps(state, sort_keys=True))
        return 0
    print(f"state as of {state['as_of']} (log position {state['position']})")
    for account_id, cash in state["cash"].items():
        risk = state["risk"].get(account_id, {})
        print(f"\n[{account_id}] cash available {_2dp(cash['available'])} reserved "
              f"{_2dp(cash['reserved'])} deployed {_2dp(cash['deployed'])} | realised "
              f"{_2dp(cash['realised_pnl'])} costs {_2dp(cash['costs'])}")
        print(f"  risk: daily P&L {_2dp(risk.get('daily_pnl'))} drawdown "
              f"{_2dp(risk.get('drawdown_pct'))}% exposure {_2dp(risk.get('exposure'))} "
              f"halted {risk.get('halted')}")
        for p in state["positions"]:
            if p["account_id"] == account_id:
                print(f"  {p['symbol']}: qty {p['quantity']} avg {_2dp(p['average_price'])} "
                      f"realised {_2dp(p['realised_pnl'])} unrealised "
                      f"{_2dp(p['unrealised_pnl'])}")
    return 0


def _events(args: argparse.Namespace) -> int:
    for r in existing_store(args).read_all():
        print(json.dumps(record(r), sort_keys=True) if args.json else line(r, args.full))
    return 0


def _2dp(value: object) -> str:
    """Rupees and percentages as a reader takes them: two places (`--json` keeps every digit)."""
    if value is None:
        return "-"
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_EVEN))
    except InvalidOperation:
        return str(value)


def _parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=IST)
