"""Tax lots at a year's volume: a Zerodha tradebook of 100,000 trades imported into a fresh
store, lots computed from the log, and the year's report.

    uv run python -m bench.tax [--trades N] [--symbols N] [--seed N] [--store URL]

The tradebook is synthetic (fixed seed): one account, `--symbols` scrips over FY 2025-26,
buys and sells in delivery and intraday, a few sales older than a year. Prints each step's
wall and CPU time, then a second import of the same file (which must add nothing). Wall
figures depend on the machine and its load (CPU time much less so); nothing is asserted
about time. To compare two versions, run this file from each checkout at the same time.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.files.tradebooks import ZERODHA_HEADER, read_tradebook
from api.tax_report import tax_report_resource
from cli.gc_pause import collection_paused
from cli.imports import import_trades, tax_book
from domain.tax import compute_ledger, financial_year, tax_report

ACCOUNT = "bench-asha"
FIRST_DAY = date(2024, 4, 1)  # a year before the reported one, so some lots turn long-term


def synthetic_tradebook(path: Path, trades: int, symbols: int, seed: int) -> None:
    """`trades` rows in Zerodha's tradebook layout, in time order."""
    rng = random.Random(seed)
    names = [f"SYM{n:03d}" for n in range(symbols)]
    held = dict.fromkeys(names, 0)
    days = [FIRST_DAY + timedelta(days=d) for d in range(730) if
            (FIRST_DAY + timedelta(days=d)).weekday() < 5]
    per_day = -(-trades // len(days))  # ceiling: the last days may run short
    lines = [",".join(ZERODHA_HEADER)]
    n = 0
    for day in days:
        for k in range(per_day):
            if n == trades:
                break
            symbol = rng.choice(names)
            quantity = rng.randint(1, 200)
            sell = held[symbol] >= quantity and rng.random() < 0.45
            held[symbol] += -quantity if sell else quantity
            price = f"{rng.randint(10_000, 500_000) / 100:.6f}"
            at = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=9, minutes=15 + k * 360 // per_day)
            n += 1
            lines.append(f"{symbol},INE000000000,{day},NSE,EQ,EQ,{'sell' if sell else 'buy'},"
                         f"false,{quantity}.000000,{price},{n},{n},{at:%Y-%m-%dT%H:%M:%S}")
    path.write_text("\n".join(lines) + "\n")


class _Clock:
    """Wall and CPU seconds: on a loaded machine the wall figure swings with other
    processes, while this process's CPU time shows what the code itself costs."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, label: str) -> _Clock:
        """Print the time since this clock was read, and read it again."""
        now = _Clock()
        _span(label, self, now)
        return now


def _span(label: str, start: _Clock, end: _Clock) -> None:
    print(f"{label:<44} {end.wall - start.wall:8.2f} s wall {end.cpu - start.cpu:8.2f} s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", help="event store URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        book_path = Path(tmp) / "tradebook.csv"
        synthetic_tradebook(book_path, args.trades, args.symbols, args.seed)
        store = DeskStore(args.store or f"sqlite:///{Path(tmp) / 'desk.db'}")

        start = _Clock()
        book = read_tradebook(book_path, "zerodha", ACCOUNT)
        t = start.lap(f"read {len(book.rows):,} trades")
        done = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        t = t.lap(f"write {done.new:,} TradeImported events")
        tax = tax_book(store)
        t = t.lap("fold the log into the tax book")
        with collection_paused():  # as `desk tax report` computes lots and the report
            ledger = compute_ledger(ACCOUNT, tax.trades[ACCOUNT])
            lots = t.lap("compute lots")
            report = tax_report(ledger, financial_year("2025-26"))
            tax_report_resource(report).model_dump_json(indent=2)  # as --json prints it
        end = lots.lap(f"report FY 2025-26 ({len(report.sales):,} sales, JSON)")
        _span("= import + lots (target < 10 s)", start, lots)
        _span("= report (target < 2 s)", lots, end)
        print(f"  short-term {report.short_term_gains}, long-term {report.long_term_gains}, "
              f"speculative {report.speculative_income}, intraday days {len(report.intraday)}")

        t0 = _Clock()
        again = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        t0.lap(f"second import: {again.new} new of {again.read:,}")
        store.close()


if __name__ == "__main__":
    main()
