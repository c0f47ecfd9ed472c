"""Tax lots at a year's volume: a Zerodha tradebook of 100,000 trades imported into a fresh
store, lots computed from the log, and the year's report.

    uv run python -m bench.tax [--trades N] [--symbols N] [--seed N] [--store URL]

The tradebook is synthetic (fixed seed): one account, `--symbols` scrips over FY 2025-26,
buys and sells in delivery and intraday, a few sales older than a year. Prints each step's
time, then a second import of the same file (which must add nothing). Figures depend on the
machine and its load; nothing is asserted about time.
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


def _timed(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"{label:<44} {now - started:8.2f} s")
    return now


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

        t0 = time.perf_counter()
        book = read_tradebook(book_path, "zerodha", ACCOUNT)
        t = _timed(f"read {len(book.rows):,} trades", t0)
        done = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        t = _timed(f"write {done.new:,} TradeImported events", t)
        _timed("import total (read + write)", t0)

        t0 = time.perf_counter()
        ledger = compute_ledger(ACCOUNT, tax_book(store).trades[ACCOUNT])
        t = _timed("fold the log and compute lots", t0)
        report = tax_report(ledger, financial_year("2025-26"))
        tax_report_resource(report).model_dump_json()
        _timed(f"report FY 2025-26 ({len(report.sales):,} sales, JSON)", t)
        _timed("lots + report from the log", t0)
        print(f"  short-term {report.short_term_gains}, long-term {report.long_term_gains}, "
              f"speculative {report.speculative_income}, intraday days {len(report.intraday)}")

        t0 = time.perf_counter()
        again = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        _timed(f"second import: {again.new} new of {again.read:,}", t0)
        store.close()


if __name__ == "__main__":
    main()
