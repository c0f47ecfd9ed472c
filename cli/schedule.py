"""`desk schedule`: the daily cycle (ingest, funding, pipeline, expiry, EOD report).

In real time it runs until interrupted; `--simulate FROM` runs it on a simulated clock
from that day for `--days` days, in moments. The pre-open ingest feeds the sample day's
bars and news (from `--data`) on the sample day; other days have no feed yet.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import structlog

from adapters.files.sample import SAMPLE_DIR, load_instruments
from cli.options import add_store, store_url
from domain.inputs import InputFact
from domain.session import IST
from streams.bootstrap import bootstrap
from streams.feed import sample_day
from streams.ports import Timeline
from streams.scheduler import RealTimeline, Scheduler, SimulatedTimeline, Source, daily_jobs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schedule", help="run the daily cycle: ingest, funding, pipeline, "
                       "card expiry, EOD report (real or simulated time)")
    p.add_argument("--simulate", metavar="YYYY-MM-DD", type=date.fromisoformat,
                   help="run on a simulated clock from 00:00 IST of this day")
    p.add_argument("--days", type=int, default=1, help="with --simulate: how many days")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="sample data folder (the feed)")
    add_store(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.days < 1:
        print("error: --days must be at least 1", file=sys.stderr)
        return 2
    # Job logs go to stderr: stdout carries the runs (as a table or JSON).
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr),
                        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    directory = Path(args.data)
    clock: Timeline
    if args.simulate:
        start = datetime.combine(args.simulate, time(0), IST)
        clock, until = SimulatedTimeline(start), start + timedelta(days=args.days)
    else:
        clock, until = RealTimeline(), None
    desk = bootstrap(store_url(args), load_instruments(directory / "instruments.csv"),
                     clock=clock.now)
    scheduler = Scheduler(desk, clock, daily_jobs(_sample_source(directory)))
    try:
        ran = scheduler.run(until)
    except KeyboardInterrupt:
        return 0
    finally:
        desk.store.close()
    rows = [{"job": r.job, "day": r.day.isoformat(),
             "at": r.at.astimezone(IST).isoformat(), "outcome": r.outcome} for r in ran]
    if args.json:
        print(json.dumps({"ran": rows}, indent=2))
    else:
        for r in rows:
            print(f"{r['at'][:16].replace('T', ' ')} IST  {r['job']:<10} {r['outcome']}")
        print(f"{len(rows)} job runs" + ("" if rows else " (every due job had already run)"))
    return 0


def _sample_source(directory: Path) -> Source:
    day = sample_day(directory)

    def facts(on: date) -> Iterator[InputFact]:
        if on == day.day.date():
            for group in day.groups():
                yield from group

    return facts
