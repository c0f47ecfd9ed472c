"""`desk schedule`: the daily cycle (ingest, funding, pipeline, expiry, EOD report).

In real time it runs until interrupted; `--simulate FROM` runs it on a simulated clock
from that day for `--days` days, in moments. The pre-open ingest feeds the sample day's
facts stamped before it (from `--data`); the rest of the day's bars and news are fed as the
clock passes them; other days have no feed yet. `--sample-accounts` opens the sample
accounts first (a fresh store has none, and a desk without accounts decides nothing).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import structlog

from adapters.eventstore.url import missing_store, redact
from adapters.files.sample import SAMPLE_DIR, load_instruments
from cli.options import add_store, operator_actor, store_url
from domain.inputs import InputFact
from domain.session import IST
from streams.bootstrap import Desk, bootstrap
from streams.feed import open_accounts, sample_day
from streams.ports import Timeline
from streams.scheduler import RealTimeline, Scheduler, SimulatedTimeline, Source, daily_jobs

REPORTS_ENV = "DESK_REPORTS_DIR"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schedule", help="run the daily cycle: ingest, funding, pipeline, "
                       "card expiry, EOD report (real or simulated time)")
    p.add_argument("--simulate", metavar="YYYY-MM-DD", type=date.fromisoformat,
                   help="run on a simulated clock from 00:00 IST of this day")
    p.add_argument("--days", type=int, default=1, help="with --simulate: how many days")
    p.add_argument("--data", default=str(SAMPLE_DIR), help="sample data folder (the feed)")
    p.add_argument("--sample-accounts", action="store_true",
                   help="open the sample accounts (from --data) at the start, if not open yet")
    add_reports(p)
    add_store(p)
    p.set_defaults(func=_run)


def add_reports(parser: argparse.ArgumentParser) -> None:
    """`--reports DIR`: where the scheduler's EOD job writes the day's report files."""
    parser.add_argument("--reports", type=Path, metavar="DIR",
                        default=os.environ.get(REPORTS_ENV) or None,
                        help=f"the EOD job also writes eod-DAY.json and .html here (default: "
                        f"${REPORTS_ENV}, else only the DailyReportPublished event)")


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
    url = store_url(args)
    if not args.sample_accounts and missing_store(url) is not None:
        print(NO_ACCOUNTS.format(store=redact(url)), file=sys.stderr)
        return 2
    desk = bootstrap(url, load_instruments(directory / "instruments.csv"), clock=clock.now)
    try:
        refusal = _refusal(desk, args, clock, until, directory)
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
        source = _sample_source(directory)
        scheduler = Scheduler(desk, clock, daily_jobs(source, args.reports), feed=source)
        ran = scheduler.run(until)
    except KeyboardInterrupt:
        return 0
    finally:
        desk.store.close()
    rows = [{"job": r.job, "day": r.day.isoformat(),
             "at": r.at.astimezone(IST).isoformat(), "outcome": r.outcome} for r in ran]
    fed = [{"day": day.isoformat(), "facts": f.facts,
            "first": f.first.astimezone(IST).isoformat() if f.first else None,
            "last": f.last.astimezone(IST).isoformat() if f.last else None}
           for day, f in sorted(scheduler.fed.items())]
    if args.json:
        print(json.dumps({"ran": rows, "fed": fed}, indent=2))
    else:
        for r in rows:
            print(f"{r['at'][:16].replace('T', ' ')} IST  {r['job']:<10} {r['outcome']}")
        for day, f in sorted(scheduler.fed.items()):
            first, last = (t.astimezone(IST) if t else None for t in (f.first, f.last))
            print(f"{day}: the feed delivered {f.facts} facts between {first:%H:%M} and "
                  f"{last:%H:%M} IST, each as the clock passed it")
        print(f"{len(rows)} job runs" + ("" if rows else " (every due job had already run)"))
    return 0


NO_ACCOUNTS = ("desk schedule: no accounts in {store}, so the day would decide nothing. Open "
               "the sample accounts with --sample-accounts, or one of your own with `desk "
               "account new --answers data/sample/intake-answers.yaml --yes`.")


def _refusal(desk: Desk, args: argparse.Namespace, clock: Timeline,
             until: datetime | None, directory: Path) -> str | None:
    """Why the run would mislead (no accounts; a log already past the simulated days), after
    opening the sample accounts when asked; None when it may go ahead."""
    view = desk.runtime.view
    if until is not None and view.as_of is not None and view.as_of >= until:
        return (f"desk schedule: the log of {redact(desk.store.url)} already reaches "
                f"{view.as_of.astimezone(IST):%Y-%m-%d %H:%M} IST (e.g. an account opened "
                f"from the CLI in wall-clock time); simulating days before it would run the "
                f"log's time backwards. Simulate a later day, or use a fresh store with "
                f"--sample-accounts.")
    if args.sample_accounts:
        open_accounts(desk.store, desk.clock, desk.runtime.execute,
                      sample_day(directory).accounts, operator_actor(None), clock.now())
    if not view.accounts:
        return NO_ACCOUNTS.format(store=redact(desk.store.url))
    return None


def _sample_source(directory: Path) -> Source:
    day = sample_day(directory)

    def facts(on: date) -> Iterator[InputFact]:
        if on == day.day.date():
            for group in day.groups():
                yield from group

    return facts
