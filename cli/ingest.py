"""`desk ingest bars FILE|DIR`: historical bars (CSV or Parquet, any interval) into the log;
`desk ingest candles --feeds FILE --from DAY`: the same from the brokers' candle endpoints,
for the instruments of a feeds file (`adapters/feeds/candles.py`).

Each bar is written once, at the slot its start fixes, so ingesting the same files again
adds nothing. Bad rows are reported on stderr with their file, row and reason, and kept in
the log as `InputRejected`; the rest go in. Exit 0 when read, 1 when no row was usable, 2
when a file cannot be read at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import date
from itertools import islice
from pathlib import Path

import httpx
import yaml  # type: ignore[import-untyped]

from adapters.brokers.credentials import CredentialError
from adapters.eventstore.store import DeskStore
from adapters.feeds.candles import UPSTOX_INTERVALS, CandleError, CandleSource, candle_sources
from adapters.feeds.config import FeedConfigError, load_feeds
from adapters.files.bar_files import (
    BarFileError,
    bar_files,
    parse_interval,
    read_bar_file,
    read_bar_rows,
)
from cli.options import add_store, store_url
from domain.events import InputRejected
from domain.inputs import InputFact
from streams.bootstrap import wall_clock
from streams.feed import input_streams

BATCH = 2000  # facts per transaction


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ingest", help="outside data into the log: historical bars")
    isub = p.add_subparsers(dest="ingest_command", required=True, metavar="WHAT")
    b = isub.add_parser("bars", help="bars from a CSV or Parquet file, or every such file "
                        "under a directory (columns symbol,ts,open,high,low,close,volume)")
    b.add_argument("path", type=Path, metavar="FILE|DIR")
    b.add_argument("--interval", default="1m", metavar="N{m,h,d}",
                   help="the bars' length: 1m (default), 5m, 15m, 1h, 1d; a ts without "
                   "offset is IST, a date is a daily bar")
    add_store(b)
    b.set_defaults(func=_bars)
    c = isub.add_parser("candles", help="bars from the Upstox/Kite historical candle "
                        "endpoints, for every instrument of a feeds file (as desk run reads)")
    c.add_argument("--feeds", type=Path, required=True, metavar="FILE",
                   help="the feeds file: venues, instruments, hosts (secrets from the "
                   "environment, as for desk run)")
    c.add_argument("--from", dest="start", type=date.fromisoformat, required=True,
                   metavar="DAY", help="first day (yyyy-mm-dd)")
    c.add_argument("--to", dest="end", type=date.fromisoformat, default=None, metavar="DAY",
                   help="last day (default: the first)")
    c.add_argument("--interval", default="1m", choices=sorted(UPSTOX_INTERVALS),
                   help="the candles' length (default 1m)")
    add_store(c)
    c.set_defaults(func=_candles)


def ingest_facts(store: DeskStore, facts: list[InputFact]) -> int:
    """Write the facts the log has not got, a batch per transaction; how many were new."""
    new = 0
    it = iter(facts)
    while batch := list(islice(it, BATCH)):
        streams = input_streams(batch, store, wall_clock)
        if streams:
            store.commit(*streams)
        new += len(streams)
    return new


def _bars(args: argparse.Namespace) -> int:
    try:
        interval = parse_interval(args.interval)
        files = bar_files(args.path)
        read_at = wall_clock()
        rows = [(path, n, fact) for path in files
                for n, fact in read_bar_file(path, interval, read_at)]
    except (BarFileError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bad = [(path, n, fact.payload) for path, n, fact in rows
           if isinstance(fact.payload, InputRejected)]
    for path, n, rejected in bad:
        assert isinstance(rejected, InputRejected)
        print(f"{path}: row {n}: rejected: {rejected.reason}", file=sys.stderr)
    store = DeskStore(store_url(args))
    try:
        new = ingest_facts(store, [fact for _, _, fact in rows])
    finally:
        store.close()
    good = len(rows) - len(bad)
    if args.json:
        print(json.dumps({"files": [str(f) for f in files], "interval": interval.text,
                          "bars": good, "rejected": len(bad), "new_events": new}, indent=2))
    else:
        print(f"{len(files)} file(s), {good} {interval.text} bar(s) read, {len(bad)} "
              f"rejected: {new} new event(s) stored, {len(rows) - new} already there")
    return 1 if rows and not good else 0


def _candles(args: argparse.Namespace) -> int:
    end = args.end or args.start
    try:
        load_feeds(args.feeds, os.environ, wall_clock)  # the same checks as desk run's
        sources = candle_sources(yaml.safe_load(args.feeds.read_text())["feeds"], os.environ)
        fetched = asyncio.run(_fetch(sources, args.interval, args.start, end))
    except (FeedConfigError, CredentialError, CandleError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    interval, read_at = parse_interval(args.interval), wall_clock()
    facts, bad = [], 0
    for venue, rows in fetched:
        for n, fact in read_bar_rows(rows, interval, read_at, f"candles-{venue}",
                                     f"candles:{venue}"):
            facts.append(fact)
            if isinstance(fact.payload, InputRejected):
                bad += 1
                print(f"{venue}: {rows[n - 1][0]} candle {n}: rejected: "
                      f"{fact.payload.reason}", file=sys.stderr)
    store = DeskStore(store_url(args))
    try:
        new = ingest_facts(store, facts)
    finally:
        store.close()
    good = len(facts) - bad
    if args.json:
        print(json.dumps({"interval": interval.text, "bars": good, "rejected": bad,
                          "new_events": new}, indent=2))
    else:
        print(f"{good} {interval.text} bar(s) fetched, {bad} rejected: {new} new event(s) "
              f"stored, {len(facts) - new} already there")
    return 1 if facts and not good else 0


async def _fetch(sources: list[CandleSource], interval: str, start: date, end: date,
                 ) -> list[tuple[str, list[list[str]]]]:
    """Every source's rows, one request per instrument (the venues' rate limits are a few
    requests a second, so they go one after another)."""
    out = []
    async with httpx.AsyncClient(timeout=30) as http:
        for source in sources:
            rows = await source.fetch(http, interval, start, end)
            out.append((source.venue, [r for symbol_rows in rows.values() for r in symbol_rows]))
    return out
