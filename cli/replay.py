"""`desk replay ...`: verify, anchor and keygen (`cli/integrity.py`), trace, state as of a
time, and the raw event log."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from cli import integrity
from cli.options import add_store, existing_store
from cli.progress import ProgressBar
from domain.session import IST
from projections.desk import DeskView, apply, snapshot
from projections.lineage import TraceNotFound, trace
from replay.redecide import redecide
from replay.render import explained, json_line, line, record


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="audit the event log: verify, trace, state, events")
    rsub = replay.add_subparsers(dest="replay_command", required=True, metavar="ACTION")
    integrity.register(rsub)
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
    p = rsub.add_parser("decide", help="decide the log's inputs again on a fresh desk and "
                        "compare every card with the log's")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="folder of instruments.csv")
    add_store(p)
    p.set_defaults(func=_decide)
    p = rsub.add_parser("events", help="the log in order, one event a line")
    add_store(p)
    p.add_argument("--full", action="store_true", help="print whole payloads")
    p.set_defaults(func=_events)


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
    store, bar = existing_store(args), ProgressBar("state")
    head = store.head()
    for r in store.read_all():
        if at is None or r.event.occurred_at <= at:
            apply(view, r.event, r.position)
        if r.position % 5000 == 0:
            bar(r.position, head)
    bar.close()
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


def _decide(args: argparse.Namespace) -> int:
    store = existing_store(args)
    log = list(store.read_all())
    store.close()
    with tempfile.TemporaryDirectory(prefix="desk-decide-") as folder:
        result = redecide(log, f"sqlite:///{Path(folder) / 'replay.db'}",
                          load_instruments(Path(args.data) / "instruments.csv"))
    if args.json:
        print(json.dumps({"same": result.same, "cards": len(result.logged),
                          "replayed": len(result.replayed),
                          "difference": result.first_difference()}))
    elif result.same:
        print(f"same: {len(result.logged)} cards decided again, identical to the log's")
    else:
        print(f"different: {result.first_difference()}")
    return 0 if result.same else 1


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
