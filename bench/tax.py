"""Tax lots at a year's volume: a Zerodha tradebook of 100,000 trades imported into a fresh
store, lots computed from the log, and the year's report.

    uv run python -m bench.tax [--trades N] [--symbols N] [--seed N] [--store URL]

The tradebook is synthetic (fixed seed): one account, `--symbols` scrips over FY 2025-26,
buys and sells in delivery and intraday, a few sales older than a year. Prints each step's
wall and CPU time, then a second import of the same file (which must add nothing). Wall
figures depend on the machine and its load (CPU time much less so); nothing is asserted
about time. `--peer DIR` runs the same bench on another checkout's code (say main's, from
`git archive main | tar -x -C DIR`) at the same time, under the same load, and prints both
with their ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.files.tradebooks import ZERODHA_HEADER, read_tradebook
from api.tax_report import tax_report_resource
from cli.imports import import_trades, tax_book
from domain.tax import compute_ledger, financial_year, tax_report

collection_paused: Callable[[], AbstractContextManager[None]]
try:
    from cli.gc_pause import collection_paused
except ImportError:  # a --peer checkout from before the pause
    collection_paused = contextlib.nullcontext

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

    def lap(self, key: str, label: str, laps: dict[str, list[float]]) -> _Clock:
        """Print and keep the time since this clock was read, and read it again."""
        now = _Clock()
        _span(key, label, self, now, laps)
        return now


def _span(key: str, label: str, start: _Clock, end: _Clock, laps: dict[str, list[float]]
          ) -> None:
    laps[key] = [end.wall - start.wall, end.cpu - start.cpu]
    print(f"{label:<44} {laps[key][0]:8.2f} s wall {laps[key][1]:8.2f} s cpu", flush=True)


def _peer(directory: Path, args: argparse.Namespace, out: Path) -> subprocess.Popen[bytes]:
    """This bench run on another checkout's code (same tradebook), alongside this run."""
    argv = [__file__, "--trades", str(args.trades), "--symbols", str(args.symbols),
            "--seed", str(args.seed), "--laps", str(out)]
    code = (f"import runpy, sys; sys.argv = {argv!r}; "
            f"runpy.run_path({__file__!r}, run_name='__main__')")
    return subprocess.Popen([sys.executable, "-c", code], cwd=directory,
                            env={**os.environ, "PYTHONPATH": str(directory)},
                            stdout=subprocess.DEVNULL)


def _compare(mine: dict[str, list[float]], peer: dict[str, list[float]], name: str) -> None:
    print(f"\nside by side with {name} (peer / this; above 1 means this run is faster)")
    for key in ("read", "write", "fold", "lots", "report", "import+lots"):
        (w, c), (pw, pc) = mine[key], peer[key]
        print(f"  {key:<12} this {w:8.2f} s wall {c:7.2f} s cpu   peer {pw:8.2f} s wall "
              f"{pc:7.2f} s cpu   x{pw / w:5.2f} wall x{pc / c:5.2f} cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", help="event store URL (default: SQLite in a temp dir)")
    parser.add_argument("--peer", type=Path, metavar="DIR",
                        help="another checkout (e.g. `git archive main | tar -x -C DIR`): "
                        "run this bench on its code at the same time and print both")
    parser.add_argument("--laps", type=Path, help=argparse.SUPPRESS)  # a peer's figures
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    laps: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        peer = _peer(args.peer, args, Path(tmp) / "peer.json") if args.peer else None
        book_path = Path(tmp) / "tradebook.csv"
        synthetic_tradebook(book_path, args.trades, args.symbols, args.seed)
        store = DeskStore(args.store or f"sqlite:///{Path(tmp) / 'desk.db'}")

        start = _Clock()
        book = read_tradebook(book_path, "zerodha", ACCOUNT)
        t = start.lap("read", f"read {len(book.rows):,} trades", laps)
        done = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        t = t.lap("write", f"write {done.new:,} TradeImported events", laps)
        tax = tax_book(store)
        t = t.lap("fold", "fold the log into the tax book", laps)
        with collection_paused():  # as `desk tax report` computes lots and the report
            ledger = compute_ledger(ACCOUNT, tax.trades[ACCOUNT])
            lots = t.lap("lots", "compute lots", laps)
            report = tax_report(ledger, financial_year("2025-26"))
            tax_report_resource(report).model_dump_json(indent=2)  # as --json prints it
        end = lots.lap("report", f"report FY 2025-26 ({len(report.sales):,} sales, JSON)",
                       laps)
        _span("import+lots", "= import + lots (target < 10 s)", start, lots, laps)
        _span("report", "= report (target < 2 s)", lots, end, laps)
        print(f"  short-term {report.short_term_gains}, long-term {report.long_term_gains}, "
              f"speculative {report.speculative_income}, intraday days {len(report.intraday)}")

        t0 = _Clock()
        again = import_trades(store, book.rows, ACCOUNT, "operator:bench", "bench")
        t0.lap("again", f"second import: {again.new} new of {again.read:,}", laps)
        store.close()
        if args.laps:
            args.laps.write_text(json.dumps(laps))
        if peer is not None:
            print(f"waiting for the peer run on {args.peer} ...", flush=True)
            if peer.wait() != 0:
                raise SystemExit(f"the peer run on {args.peer} failed")
            _compare(laps, json.loads((Path(tmp) / "peer.json").read_text()), str(args.peer))


if __name__ == "__main__":
    main()
