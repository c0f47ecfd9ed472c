"""Report latency over a log of N days: the full read (every request folds the whole log)
beside the report index (caught up from its last position, then the index plus the
asked days' events), side by side in one process on the same log, with their ratio.

    uv run python -m bench.reports [--days 60] [--bars 300] [--runs 3] [--cli-days N] [--cli-only]

Then `desk report` itself (`cli.main.main`, in this process: interpreter start-up left out)
on an SQLite store of the same log: `--full-read`; cold (no saved index: it folds the log
and saves the index); warm (the index saved at the end of the day before, the log one day
longer: it reads the saved index and folds that day). The printed JSON of the three is
compared byte for byte.

Each day holds `--bars` one-minute bars over ten symbols and the two hand-checked trades of
`tests/unit/test_reports` (cards, review, approval, orders, fills, cash). The log is kept in
memory, so the full read's figure leaves out decoding from the store: the ratio is a floor.
Every indexed report is checked to give the same JSON as the full read. Figures depend on
the machine and its load; run twice and read the spread.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.eventstore.store import DeskStore
from cli.main import main as desk
from devtools.logged_events import append_envelopes
from domain.events import BarClosed, Recorded
from domain.money import to_paise
from domain.values import Leg
from projections.reports.index import ReportIndex
from streams.report_index import build_indexed_report, catch_up
from streams.reports import ReportRequest, build_report
from tests.unit.conftest import D, Log, envelope, funded_account
from tests.unit.test_reports import MON, _trade

SYMBOLS = [f"SYM{i}" for i in range(10)]


class MemoryLog:
    """The log as its readers see it, in memory (positions 1, 2, ...)."""

    def __init__(self, recorded: list[Recorded]) -> None:
        self.recorded = recorded

    def stream(self, stream_id: str) -> list[object]:
        return [r.event for r in self.recorded if r.event.stream_id == stream_id]

    def read(self, after: int = 0, limit: int = 1000) -> list[Recorded]:
        return self.recorded[after : after + limit]

    def read_all(self, after: int = 0, batch: int = 2000) -> Iterator[Recorded]:
        yield from self.recorded[after:]

    def head(self) -> int:
        return len(self.recorded)


def make_log(days: int, bars: int) -> tuple[list[Recorded], list[int]]:
    """The events of `days` trading days, and the log length at the end of each day."""
    log = Log()
    account = funded_account(log, amount="10000000.00")
    versions = dict.fromkeys(SYMBOLS, 0)
    ends = []
    for i in range(days):
        opened = MON + timedelta(days=i)
        for b in range(bars):
            symbol = SYMBOLS[b % len(SYMBOLS)]
            versions[symbol] += 1
            start = opened + timedelta(minutes=b // len(SYMBOLS))
            price = to_paise(D("100") + Decimal(b % 97) / 10)
            bar = BarClosed(
                symbol=symbol,
                start=start,
                end=start + timedelta(minutes=1),
                open=price,
                high=price + 1,
                low=price - 1,
                close=price,
                volume=1000,
            )
            log.events.append(
                envelope(bar, f"bars-{symbol}", versions[symbol], start + timedelta(minutes=1))
            )
        later = opened + timedelta(hours=2)
        _trade(
            log,
            account,
            2 * i + 1,
            "TCS",
            "buyback",
            100,
            "500.00",
            "530.00",
            Leg.TARGET,
            opened,
            later,
            reviewed=True,
        )
        _trade(
            log,
            account,
            2 * i + 2,
            "INFY",
            "results",
            50,
            "1800.00",
            "1780.00",
            Leg.STOP,
            later,
            later + timedelta(hours=1),
            reviewed=False,
        )
        ends.append(len(log.events))
    return [Recorded(n, e) for n, e in enumerate(log.events, start=1)], ends


def _ms(fn: object, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def _report(args: list[str]) -> str:
    """What `desk report ARGS --json` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert desk(["report", *args, "--json"]) == 0
    return out.getvalue()


def _timed(before: Callable[[], object], args: list[str], runs: int) -> tuple[float, str]:
    """Median ms of `desk report ARGS` over `runs`, `before` run untimed ahead of each."""
    times, out = [], ""
    for _ in range(runs):
        before()
        t0 = time.perf_counter()
        out = _report(args)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def cli_bench(recorded: list[Recorded], ends: list[int], days: int, runs: int) -> None:
    """`desk report` on an SQLite store: full read, cold and warm index, side by side."""
    last = (MON + timedelta(days=days - 1)).date()
    middle = (MON + timedelta(days=days // 2)).date()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        db = f"{tmp}/desk.db"
        saved, stale = f"{db}.report-index", f"{tmp}/day-before.report-index"
        store = DeskStore(f"sqlite:///{db}")
        append_envelopes(store, [r.event for r in recorded[: ends[days - 2]]])
        _report(["eod", "--store", f"sqlite:///{db}"])  # the index saved the day before
        shutil.copy2(saved, stale)
        append_envelopes(store, [r.event for r in recorded[ends[days - 2] : ends[days - 1]]])
        print(
            f"\ndesk report on an SQLite store: {ends[days - 1]:,} events over {days} days; "
            f"warm = index saved at the day before ({os.path.getsize(stale) / 1e6:.1f} MB), "
            f"log one day longer; load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"{'report':<28}{'full read ms':>14}{'cold ms':>10}{'warm ms':>10}"
            f"{'full/warm':>11}  same JSON"
        )
        for name, args in {
            f"eod {last}": ["eod", "--date", str(last)],
            f"monthly {last:%Y-%m}": ["monthly", "--month", f"{last:%Y-%m}"],
            f"compliance {middle}..{last}": [
                "compliance",
                "--from",
                str(middle),
                "--to",
                str(last),
            ],
        }.items():
            args = [*args, "--store", f"sqlite:///{db}"]
            full_ms, full = _timed(lambda: None, [*args, "--full-read"], runs)
            cold_ms, cold = _timed(lambda: Path(saved).unlink(missing_ok=True), args, runs)
            warm_ms, warm = _timed(lambda: shutil.copy2(stale, saved), args, runs)
            print(
                f"{name:<28}{full_ms:>14,.0f}{cold_ms:>10,.0f}{warm_ms:>10,.0f}"
                f"{full_ms / warm_ms:>10,.1f}x  {full == cold == warm}"
            )
        store.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--bars", type=int, default=300, help="bars per day")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--cli-days", type=int, default=None, help="days for `desk report` (default --days)"
    )
    parser.add_argument(
        "--cli-only", action="store_true", help="time `desk report` only (not the index alone)"
    )
    args = parser.parse_args()

    recorded, ends = make_log(args.days, args.bars)
    cli_days = max(min(args.cli_days or args.days, args.days), 2)
    if args.cli_only:
        cli_bench(recorded, ends, cli_days, args.runs)
        return
    last = (MON + timedelta(days=args.days - 1)).date()
    middle = (MON + timedelta(days=args.days // 2)).date()
    print(
        f"log: {len(recorded):,} events over {args.days} days "
        f"({len(recorded) // args.days:,} a day); load average {os.getloadavg()[0]:.2f}"
    )

    log = MemoryLog(recorded[: ends[-2]])  # every day but the last, then the last added
    index = ReportIndex()
    t0 = time.perf_counter()
    catch_up(index, log)  # type: ignore[arg-type]
    first_ms = (time.perf_counter() - t0) * 1000
    log.recorded = recorded
    t0 = time.perf_counter()
    added = catch_up(index, log)  # type: ignore[arg-type]
    day_ms = (time.perf_counter() - t0) * 1000
    print(
        f"index: first catch-up {first_ms:,.0f} ms ({ends[-2]:,} events), "
        f"one more day {day_ms:,.1f} ms ({added:,} events)"
    )

    requests = {
        f"eod {last}": ReportRequest("eod", day=last),
        f"eod {middle}": ReportRequest("eod", day=middle),
        f"monthly {last:%Y-%m}": ReportRequest("monthly", month=last.replace(day=1)),
        f"compliance {middle}..{last}": ReportRequest("compliance", start=middle, end=last),
        f"monthly {date(2025, 1, 1):%Y-%m} acc-1": ReportRequest(
            "monthly", month=date(2025, 1, 1), account="acc-1"
        ),
    }
    print(f"{'report':<34}{'full read ms':>14}{'index ms':>11}{'ratio':>9}  same JSON")
    for name, request in requests.items():
        full_ms, full = _ms(lambda r=request: build_report(r, log.read_all()), args.runs)
        index_ms, indexed = _ms(lambda r=request: build_indexed_report(r, index, log), args.runs)  # type: ignore[arg-type]
        same = json.dumps(full.data) == json.dumps(indexed.data)  # type: ignore[attr-defined]
        print(f"{name:<34}{full_ms:>14,.1f}{index_ms:>11,.1f}{full_ms / index_ms:>8,.0f}x  {same}")

    cli_bench(recorded, ends, cli_days, args.runs)


if __name__ == "__main__":
    main()
