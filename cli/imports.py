"""`desk import tradebook FILE` and `desk import actions FILE`: trades done elsewhere, and
the splits and bonuses that change lots, into the log.

Each trade is written once on its own stream, keyed (broker, exchange, trade date, trade
id), so importing the same file again adds nothing. A trade that is one of the desk's own
fills (same account, scrip, side, quantity, day and price) is recorded linked to it, so the
fill alone counts. Bad rows are reported on stderr with their line and reason; the rest go
in. Exit 0 when read, 1 when no row was usable, 2 when the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.files.tradebooks import (
    BadRow,
    ImportedRow,
    TradebookError,
    load_mapping,
    read_actions,
    read_tradebook,
)
from api.tokens import Role
from cli.gc_pause import collection_paused
from cli.identity import add_identity, operator
from cli.options import add_store, store_url
from domain.aggregates import Cause, StaleWrite
from domain.aggregates.inputs import first_events
from domain.events import OrderFilled, Payload, TradeImported
from domain.ids import StreamId
from domain.session import IST
from domain.tax import TaxTrade
from domain.tax.links import link_fills
from projections.tax import TAX_EVENT_TYPES, TaxBook, apply_tax_document
from streams.bootstrap import wall_clock

BROKERS = ("zerodha", "upstox", "generic")
BATCH = 5000  # streams per transaction: one commit per batch keeps a big file quick


@dataclass(frozen=True)
class Imported:
    read: int
    new: int
    linked: int

    @property
    def known(self) -> int:
        return self.read - self.new


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="trades from a broker's tradebook; splits and bonuses")
    isub = p.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    t = isub.add_parser("tradebook", help="a tradebook CSV: Zerodha, Upstox or a mapped CSV")
    t.add_argument("file", type=Path, metavar="FILE")
    t.add_argument("--broker", required=True, choices=BROKERS)
    t.add_argument("--account", required=True, metavar="ID", help="the demat account")
    t.add_argument("--mapping", type=Path, metavar="FILE",
                   help="YAML/JSON naming each field's column (needed for generic; replaces "
                   "the built-in Upstox or Zerodha mapping)")
    add_identity(t)
    add_store(t)
    t.set_defaults(func=_tradebook)
    a = isub.add_parser("actions", help="splits and bonuses: CSV symbol,kind,new,old,ex_date"
                        "[,reference] (kind SPLIT or BONUS; new shares for every old)")
    a.add_argument("file", type=Path, metavar="FILE")
    add_identity(a)
    add_store(a)
    a.set_defaults(func=_actions)


def tax_book(store: DeskStore, types: Sequence[str] = TAX_EVENT_TYPES,
             book: TaxBook | None = None) -> TaxBook:
    """The tax book folded from the log's trades, fills and corporate actions (or only the
    events of `types`, into `book`)."""
    book = book if book is not None else TaxBook()
    with collection_paused():
        for position, doc in store.read_documents(types=types):
            apply_tax_document(book, doc, position)
    return book


def unlinked_fills(store: DeskStore, account_id: str) -> list[TaxTrade]:
    """The account's own fills no imported trade has claimed yet. The fills are read first:
    the imported trades (which name the fill each is linked to) are read only when the
    account has any, so a tradebook imported beside 100,000 earlier imports stays quick."""
    book = tax_book(store, (OrderFilled.event_type,))
    if not book.unlinked_fills(account_id):
        return []
    return tax_book(store, (TradeImported.event_type,), book).unlinked_fills(account_id)


def import_trades(store: DeskStore, rows: Sequence[ImportedRow], account_id: str, actor: str,
                  correlation_id: str, clock: Callable[[], datetime] = wall_clock) -> Imported:
    """Write the trades the log has not got, linked to the desk's fills they repeat."""
    with collection_paused():
        logged = store.versions(r.stream_id for r in rows) if rows else {}
        new = [r for r in rows if r.stream_id not in logged]
        fills = unlinked_fills(store, account_id) if new else []
        links = link_fills((_as_tax_trade(r) for r in new), fills) if fills else {}
        streams = []
        for r in new:
            trade = r.trade
            if r.stream_id in links:
                trade = trade.model_copy(update={"linked_fill": links[r.stream_id]})
            streams.append((r.stream_id, trade, trade.traded_at))
        _write(store, streams, actor, correlation_id, clock)
        return Imported(len(rows), len(new), len(links))


def _as_tax_trade(r: ImportedRow) -> TaxTrade:
    t = r.trade
    return TaxTrade(r.stream_id, t.account_id, t.symbol, t.side, t.quantity, t.price,
                    t.traded_at.astimezone(IST), t.charges, t.stt)


def _write(store: DeskStore, facts: Sequence[tuple[StreamId, Payload, datetime]], actor: str,
           correlation_id: str, clock: Callable[[], datetime]) -> None:
    """Each fact as version 1 of its own stream, a batch per transaction."""
    it: Iterator[tuple[StreamId, Payload, datetime]] = iter(facts)
    while batch := list(islice(it, BATCH)):
        store.commit_new(first_events(
            (stream_id, payload, Cause(at, clock(), actor, correlation_id))
            for stream_id, payload, at in batch))


def _tradebook(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "importing a tradebook").actor
    path: Path = args.file
    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
        book = read_tradebook(path, args.broker, args.account, mapping, now=wall_clock())
    except TradebookError as e:
        return _fail(2, str(e))
    store = DeskStore(store_url(args))
    try:
        done = import_trades(store, book.rows, args.account, actor,
                             f"import-{args.broker}-{args.account}-{path.name}")
    except StaleWrite as e:
        return _fail(1, f"nothing more stored: another import wrote the same trades ({e})")
    _report_bad(path, book.bad)
    if args.json:
        print(json.dumps({
            "file": str(path), "broker": args.broker, "account": args.account,
            "read": done.read, "new": done.new, "already_imported": done.known,
            "linked_to_fills": done.linked,
            "bad_rows": [{"line": b.line, "reason": b.reason} for b in book.bad],
        }, indent=2))
    else:
        print(f"{path}: {done.read} trade(s) read for {args.account}: {done.new} new, "
              f"{done.known} already imported, {done.linked} linked to the desk's own fills; "
              f"{len(book.bad)} bad row(s) skipped")
    return 1 if book.bad and not book.rows else 0


def _actions(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "recording corporate actions").actor
    try:
        found, bad = read_actions(args.file, today=wall_clock().astimezone(IST).date())
    except TradebookError as e:
        return _fail(2, str(e))
    store = DeskStore(store_url(args))
    logged = store.versions(s for s, _ in found) if found else {}
    new = [(s, a, datetime.combine(a.ex_date, datetime.min.time(), IST))
           for s, a in found if s not in logged]
    _write(store, list(new), actor, f"actions-{args.file.name}",
           wall_clock)
    _report_bad(args.file, bad)
    print(f"{args.file}: {len(found)} corporate action(s) read: {len(new)} new, "
          f"{len(found) - len(new)} already recorded; {len(bad)} bad row(s) skipped")
    return 1 if bad and not found else 0


def _report_bad(path: Path, bad: list[BadRow]) -> None:
    for b in bad:
        print(f"{path}:{b.line}: skipped: {b.reason}", file=sys.stderr)


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
