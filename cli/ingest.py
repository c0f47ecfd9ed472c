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
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import httpx
import yaml  # type: ignore[import-untyped]

from adapters.brokers.credentials import CredentialError
from adapters.eventstore.store import DeskStore
from adapters.feeds.candle_plan import Progress, fetch_all
from adapters.feeds.candles import UPSTOX_INTERVALS, CandleError, CandleSource, candle_sources
from adapters.feeds.config import FeedConfigError, load_feeds
from adapters.files.bar_files import (
    BarFileError,
    Interval,
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
    c.add_argument("--progress", type=Path, default=None, metavar="FILE",
                   help="keep the requests done in FILE; a run stopped part way (a refusal, "
                   "Ctrl-C) goes on from there when run again with the same FILE")
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
        progress = Progress.load(args.progress)
    except (FeedConfigError, CredentialError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    interval, read_at = parse_interval(args.interval), wall_clock()
    tally = {"bars": 0, "rejected": 0, "new_events": 0, "requests": 0,
             "already_fetched": len(progress.done)}
    store = DeskStore(store_url(args))
    try:
        asyncio.run(_fetch(sources, args.interval, args.start, end, progress, store, interval,
                           read_at, tally))
    except CandleError as e:
        print(f"error: {e}", file=sys.stderr)
        if args.progress is not None:
            print(f"{len(progress.done)} request(s) done are kept in {args.progress}; run "
                  "again with the same --progress to go on from there", file=sys.stderr)
        return 2
    finally:
        store.close()
    good, bad, new = tally["bars"], tally["rejected"], tally["new_events"]
    if args.json:
        print(json.dumps({"interval": interval.text, **tally}, indent=2))
    else:
        print(f"{good} {interval.text} bar(s) fetched, {bad} rejected: {new} new event(s) "
              f"stored, {good + bad - new} already there ({tally['requests']} request(s))")
    return 1 if bad and not good else 0


async def _fetch(sources: list[CandleSource], interval: str, start: date, end: date,
                 progress: Progress, store: DeskStore, bar_interval: Interval,
                 read_at: datetime, tally: dict[str, int]) -> None:
    """Every source's candles, a request per window the venue allows, paced to its rate
    limits; each answer stored, then marked done in `progress`."""
    async with httpx.AsyncClient(timeout=30) as http:
        async for fetched in fetch_all(http, sources, interval, start, end, progress):
            facts = []
            for n, fact in read_bar_rows(fetched.rows, bar_interval, read_at,
                                         f"candles-{fetched.venue}", f"candles:{fetched.venue}"):
                facts.append(fact)
                if isinstance(fact.payload, InputRejected):
                    tally["rejected"] += 1
                    print(f"{fetched.venue}: {fetched.rows[n - 1][0]} candle {n}: rejected: "
                          f"{fact.payload.reason}", file=sys.stderr)
                else:
                    tally["bars"] += 1
            tally["new_events"] += ingest_facts(store, facts)
            tally["requests"] += 1
            progress.mark(fetched.key)
