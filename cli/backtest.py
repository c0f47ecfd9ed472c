"""`desk backtest`: replay historical bars through bar strategies; trades, equity, metrics.

    desk backtest --bars bars.csv --strategies data/backtest/sma_cross.yaml \\
        --cash 100000 --costs india --fill next-open --out runs/sma --json

Bars: symbol,ts,open,high,low,close,volume (the `desk features` format), one file or a
directory of *.csv; any interval; naive times are read in the calendar's zone (IST for
`--calendar nse`, UTC for `none`). Bad rows are reported on stderr and skipped. Exit 0 when
the run finished, 1 when nothing could be replayed, 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from adapters.files.backtest_output import json_ready, write_run
from adapters.files.bar_frames import read_clean_bars
from adapters.files.strategy_book import StrategyBookError, load_strategy_book
from adapters.reports.backtest_report import backtest_html
from adapters.reports.pdf import PdfUnavailable, print_pdf
from cli.backtest_desk import DeskRun, add_desk_options, run_desk_backtest, wants_desk
from cli.features import BarsFileError, read_bars
from domain.backtest.engine import BacktestConfig, Costs, FillAt
from replay.backtest import (
    ZONES,
    BacktestRun,
    BacktestSetupError,
    Calendar,
    bars_in_utc,
    run,
)

CHOICES: tuple[tuple[str, type[StrEnum], StrEnum, str], ...] = (
    (
        "--costs",
        Costs,
        Costs.INDIA,
        "india: STT, exchange, SEBI, stamp, GST on each fill (delivery); none: free fills",
    ),
    (
        "--fill",
        FillAt,
        FillAt.NEXT_OPEN,
        "next-open: a signal on a bar's close fills at the "
        "next bar's open; close: at the signal bar's close",
    ),
    (
        "--calendar",
        Calendar,
        Calendar.NSE,
        "nse: naive times in IST, fills on the NSE tick "
        "grid; none: naive times in UTC, prices as given (other markets)",
    ),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backtest",
        help="replay historical bars through bar strategies (trades, equity, metrics, report)",
    )
    p.add_argument(
        "--bars",
        required=True,
        type=Path,
        metavar="FILE|DIR",
        help="bars CSV (symbol,ts,open,high,low,close,volume) or a directory of them",
    )
    p.add_argument(
        "--strategies",
        required=True,
        type=Path,
        metavar="FILE.yaml",
        help="strategy file; its bar strategies need `exit_when` and `sizing`",
    )
    p.add_argument(
        "--from",
        dest="start",
        type=date.fromisoformat,
        metavar="DATE",
        help="first calendar day replayed (in the calendar's zone)",
    )
    p.add_argument(
        "--to",
        dest="end",
        type=date.fromisoformat,
        metavar="DATE",
        help="last calendar day replayed",
    )
    p.add_argument(
        "--cash",
        type=_cash,
        default=Decimal(100_000),
        metavar="N",
        help="starting cash (default 100000)",
    )
    for flag, kind, default, text in CHOICES:
        p.add_argument(flag, type=kind, choices=list(kind), default=default, help=text)
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write trades.csv, equity.csv, events.jsonl, metrics.json and report.html here",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="with --out, also print report.html to report.pdf (headless Chromium)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"trades", "final_equity", "metrics", "out"} as JSON',
    )
    add_desk_options(p)
    p.set_defaults(func=_run)


def _cash(text: str) -> Decimal:
    try:
        cash = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text}") from None
    if not cash.is_finite() or cash <= 0:
        raise argparse.ArgumentTypeError(f"cash must be a positive amount, not {text}")
    return cash


def _read(path: Path) -> pl.DataFrame:
    """Every good bar of a file or a directory's *.csv; bad rows reported on stderr."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise BarsFileError(f"no *.csv files in {path}")
    frames, kinds = [], set()
    for file in files:
        clean = read_clean_bars(file)  # bulk when every row is clean; else row by row
        if clean is not None:
            frames.append(clean[0])
            kinds.add(clean[1])
            continue
        read = read_bars(file)
        for skipped in read.skipped:
            print(f"{file}:{skipped.line}: skipped: {skipped.reason}", file=sys.stderr)
        frame = read.frame()
        if not frame.is_empty():
            frames.append(frame.with_columns(pl.col("volume").cast(pl.Float64)))
            kinds.add(read.ts_kind)
    if len(kinds) > 1:
        raise BarsFileError(f"{path}: files mix timestamp kinds ({', '.join(sorted(kinds))})")
    return pl.concat(frames) if frames else pl.DataFrame()


def _run(args: argparse.Namespace) -> int:
    if wants_desk(args):
        return _run_desk(args)
    try:
        book = load_strategy_book(args.strategies)
        raw = _read(args.bars)
    except (BarsFileError, StrategyBookError) as e:
        print(f"desk backtest: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"desk backtest: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    config = BacktestConfig(
        args.cash, args.fill, args.costs, tick_rounding=args.calendar is Calendar.NSE
    )
    try:
        if raw.is_empty():
            raise BacktestSetupError(f"no usable bars in {args.bars}")
        backtest = run(bars_in_utc(raw, args.calendar, args.start, args.end), book, config)
    except BacktestSetupError as e:
        print(f"desk backtest: {e}", file=sys.stderr)
        return 1
    zone = ZoneInfo(ZONES[args.calendar])
    subtitle = (
        f"{book.version}: {', '.join(backtest.strategies)} on {backtest.result.bars:,} "
        f"bars from {args.bars.name}; cash {config.cash}, costs {config.costs}, "
        f"fill {config.fill}, calendar {args.calendar}; times in {zone.key}"
    )
    return _report(args, backtest, subtitle, zone, {})


def _run_desk(args: argparse.Namespace) -> int:
    """The history through the desk's pipeline (`cli/backtest_desk.py`)."""
    try:
        book = load_strategy_book(args.strategies)
    except StrategyBookError as e:
        print(f"desk backtest: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"desk backtest: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    done = run_desk_backtest(args, book)
    if not isinstance(done, DeskRun):
        return done
    extra = {
        "engine": "desk",
        "approve": done.backtest.approvals.text,
        "cards": done.backtest.cards,
        "store": done.store,
    }
    zone = ZoneInfo(ZONES[Calendar.NSE])
    return _report(args, done.backtest.run, done.subtitle, zone, extra)


def _report(
    args: argparse.Namespace,
    backtest: BacktestRun,
    subtitle: str,
    zone: ZoneInfo,
    extra: Mapping[str, object],
) -> int:
    """Write --out, print the summary or --json; the exit code."""
    result, metrics, config = backtest.result, backtest.metrics, backtest.config
    if args.out is not None:
        html = backtest_html(result, metrics, "Backtest report", subtitle, zone)
        try:
            write_run(result, metrics, html, args.out, zone)
        except OSError as e:
            print(f"desk backtest: cannot write {args.out}: {e.strerror}", file=sys.stderr)
            return 2
        if args.pdf:
            try:
                print_pdf(args.out / "report.html", args.out / "report.pdf")
            except PdfUnavailable as e:
                print(f"desk backtest: {e}", file=sys.stderr)
    out = str(args.out) if args.out is not None else None
    if args.json:
        print(
            json.dumps(
                {
                    "trades": len(result.trades),
                    "final_equity": str(result.final_equity),
                    "metrics": json_ready(metrics),
                    "out": out,
                    **extra,
                }
            )
        )
    else:
        cards = extra.get("cards")
        print(
            f"{len(result.trades)} trades over {result.bars:,} bars; final equity "
            f"{result.final_equity} from {config.cash} "
            f"({metrics['total_return_pct']:+.2f}%); max drawdown "
            f"{metrics['max_drawdown_pct']:.2f}%; {len(result.open_positions)} open at the "
            f"end, {len(result.refusals)} entries refused" + (f"; wrote {out}" if out else "")
        )
        if isinstance(cards, dict):
            counts = ", ".join(f"{k.lower()} {v}" for k, v in sorted(cards.items()))
            print(
                f"desk engine: cards {counts or 'none'}; approvals: {extra['approve']}; "
                f"store {extra['store']}"
            )
    return 0
