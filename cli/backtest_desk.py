"""`desk backtest --engine desk`: the history fed through the desk's own pipeline.

    desk backtest --engine desk --bars day.csv --news news.jsonl \\
        --strategies data/playbooks/strategies.yaml --accounts accounts.json \\
        --approve all --out runs/day

Bars are read as `desk ingest bars` reads them (CSV or Parquet, `--interval`, a time
without offset is IST), news as the sample day's news.jsonl (`kind: news|announcement`);
accounts as `desk demo`'s accounts.json, else one account holding `--cash`. The store is
in memory, or `OUT/desk.db` with `--out` (then `desk replay verify --store
sqlite:///OUT/desk.db` checks the run's log), or `--store URL` (it must be empty).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.files.bar_files import (
    BarFileError,
    Interval,
    bar_files,
    parse_interval,
    read_bar_file,
)
from adapters.files.sample import SAMPLE_DIR, load_accounts, load_instruments, read_news
from domain.events import InputRejected
from domain.inputs import InputFact
from domain.strategy.book import StrategyBook
from replay.backtest import BacktestSetupError, Calendar
from replay.backtest_desk import (
    IN_MEMORY,
    DeskBacktest,
    default_account,
    in_days,
    parse_approvals,
    run_desk,
)

# Far before any bar: the date a rejected row is logged at (rows carry no time of their own).
_READ_AT = datetime(1970, 1, 1, tzinfo=UTC)


def add_desk_options(p: argparse.ArgumentParser) -> None:
    """The options only the desk engine reads."""
    p.add_argument(
        "--engine",
        choices=("fast", "desk"),
        default=None,
        help="fast: the bar engine (the backtesting.py parity); desk: the live "
        "pipeline on a simulated clock (crossings, exit_when and fixed/%% sizing too) "
        "(default: desk when --accounts, --news or --approve is given, else fast)",
    )
    p.add_argument(
        "--news",
        type=Path,
        metavar="FILE",
        help="desk engine: news and filings, one JSON a line (as data/sample)",
    )
    p.add_argument(
        "--accounts",
        type=Path,
        metavar="FILE",
        help="desk engine: accounts with mandates and deposits (as desk demo's "
        "accounts.json); default one account holding --cash",
    )
    p.add_argument(
        "--approve",
        default=None,
        metavar="all|none|RULES",
        help="desk engine: who approves cards: all (default), none, or approval-"
        "policy settings key=value,... (as `desk account policy --set`)",
    )
    p.add_argument(
        "--instruments",
        type=Path,
        default=SAMPLE_DIR / "instruments.csv",
        metavar="FILE",
        help="desk engine: the instrument master (CSV, as "
        "data/sample/instruments.csv); bars of other symbols are rejected",
    )
    p.add_argument(
        "--interval",
        default="1m",
        metavar="N{m,h,d}",
        help="desk engine: the bars' length (as `desk ingest bars`)",
    )
    p.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="desk engine: an empty event store for the run (default: in memory, "
        "or OUT/desk.db with --out)",
    )


def wants_desk(args: argparse.Namespace) -> bool:
    """The engine asked for, or the one the desk-only options imply."""
    if args.engine is not None:
        return bool(args.engine == "desk")
    return any(v is not None for v in (args.accounts, args.news, args.approve))


@dataclass(frozen=True)
class DeskRun:
    backtest: DeskBacktest
    store: str
    subtitle: str


def run_desk_backtest(args: argparse.Namespace, book: StrategyBook) -> DeskRun | int:
    """Read the inputs, run the desk, or print why not and return the exit code."""
    if args.calendar is not Calendar.NSE:
        return _fail(2, "--engine desk runs the NSE desk; --calendar none is for --engine fast")
    try:
        approvals = parse_approvals(args.approve or "all")
        interval = parse_interval(args.interval)
        facts = _facts(args, interval)
        instruments = load_instruments(args.instruments)
        accounts = (
            load_accounts(args.accounts)
            if args.accounts is not None
            else [default_account(args.cash)]
        )
    except (BarFileError, ValueError, KeyError) as e:
        return _fail(2, str(e))
    except OSError as e:
        return _fail(2, f"cannot read {e.filename}: {e.strerror}")
    store = args.store or (f"sqlite:///{args.out / 'desk.db'}" if args.out else IN_MEMORY)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    try:
        run = run_desk(
            facts,
            book,
            instruments,
            accounts,
            approvals,
            store,
            _progress if sys.stderr.isatty() else None,
        )
    except BacktestSetupError as e:
        return _fail(1, str(e))
    subtitle = (
        f"{book.version}: the desk's pipeline on {run.run.result.bars:,} bars from "
        f"{args.bars.name}"
        + (f" and news from {args.news.name}" if args.news else "")
        + f"; {len(accounts)} account(s), cash {run.run.config.cash}; approvals: "
        f"{approvals.text}; paper broker, india costs; times in Asia/Kolkata"
    )
    return DeskRun(run, store, subtitle)


def _facts(args: argparse.Namespace, interval: Interval) -> list[InputFact]:
    facts = []
    for path in bar_files(args.bars):
        for n, fact in read_bar_file(path, interval, _READ_AT):
            if isinstance(fact.payload, InputRejected):
                print(f"{path}: row {n}: rejected: {fact.payload.reason}", file=sys.stderr)
            else:
                facts.append(fact)
    if args.news is not None:
        first = min((f.occurred_at for f in facts), default=_READ_AT)
        for fact in read_news(args.news, first):
            if isinstance(fact.payload, InputRejected):
                print(f"{args.news}: rejected: {fact.payload.reason}", file=sys.stderr)
            facts.append(fact)  # a rejected item is logged with its reason, as live
    return in_days(facts, args.start, args.end)


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        width = 30
        filled = width * done // total
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} instants",
            end="\n" if done == total else "",
            file=sys.stderr,
            flush=True,
        )


def _fail(code: int, message: str) -> int:
    print(f"desk backtest: {message}", file=sys.stderr)
    return code
