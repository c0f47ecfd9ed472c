"""Pieces the Kafka, hot-path, announce, feeds and judge benches share: figures, fresh
stores and brokers, worker processes, and a desk of sample accounts with a buyback to react to."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from eventsourcing.persistence import StoredEvent

from adapters.eventstore.store import DeskStore
from adapters.files.sample import (
    SAMPLE_DIR,
    AccountSpec,
    load_accounts,
    read_bars,
)
from adapters.files.strategy_book import default_book
from adapters.kafka.topics import DEFAULT_PARTITIONS
from api import operator
from devtools.local_kafka import LocalKafkaBroker
from devtools.local_postgres import create_database, drop_database
from domain.events import AnnouncementArrived
from domain.ids import card_id_for, news_signal_id
from domain.inputs import InputFact
from streams.bootstrap import Desk, wall_clock
from streams.feed import open_accounts, sample_day
from streams.kafka.stack import (
    DESK,
)
from streams.unit_of_work import UnitOfWork

PARTITIONS = DEFAULT_PARTITIONS
# The benches' filings fall on successive sessions after the sample day, soon past today:
# the input gate, which refuses facts from beyond the wall clock, is told a later one.
BENCH_SESSIONS_AHEAD = timedelta(days=3650)  # ~2,500 sessions: more runs than any bench takes


def bench_wall() -> datetime:
    """The wall clock the benches' input gates judge future-dated facts by."""
    return datetime.now(UTC) + BENCH_SESSIONS_AHEAD
CASH_ACCOUNTS = [f"acct{i:02d}" for i in range(50)]
START = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
SYMBOL = "INFY"
T = TypeVar("T")


# Figures ----------------------------------------------------------------------------------
def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cpus)"


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


# Brokers and stores -------------------------------------------------------------------------
@dataclass
class Stores:
    """One fresh store per section: SQLite files in `tmp`, or databases on a PostgreSQL server."""

    tmp: Path
    server: str | None = None  # a postgresql:// URL whose role may CREATE DATABASE
    created: list[str] = field(default_factory=list)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def fresh(self, section: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.tmp / f'{section}.db'}"
        name = f"bench_kafka_{self.tag}_{section}"
        url = create_database(self.server, name)
        self.created.append(name)
        return url

    def drop(self) -> None:
        if self.server is not None:
            for name in self.created:
                drop_database(self.server, name)


def namespace(section: str) -> str:
    return f"bench-{section}-{uuid.uuid4().hex[:8]}"


def spawn_worker(
    store_url: str, bootstrap_servers: str, ns: str, log_dir: Path, process_managers: bool
) -> subprocess.Popen[bytes]:
    argv = [DESK, "worker", "--store", store_url, "--bootstrap", bootstrap_servers,
            "--partitions", str(PARTITIONS), "--namespace", ns,
            "--data-dir", str(log_dir.parent / "faust" / ns),
            *([] if process_managers else ["--no-process-managers"])]
    log = (log_dir / f"worker-{ns}.log").open("ab")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def insert(store: DeskStore, docs: Iterator[tuple[str, int, str, bytes]], batch: int = 5000) -> int:
    """Write pre-encoded events straight through the recorder (hash chain included)."""
    pending: list[StoredEvent] = []
    count = 0
    for stream, version, topic, state in docs:
        pending.append(StoredEvent(stream, version, topic, state))
        count += 1
        if len(pending) == batch:
            store.recorder.insert_events(pending)
            pending = []
    if pending:
        store.recorder.insert_events(pending)
    return count



# 3. Hot-path latency ------------------------------------------------------------------------
def bench_accounts(count: int) -> list[AccountSpec]:
    """The sample accounts, then copies of them (same mandates and deposits, new ids)."""
    specs = load_accounts(SAMPLE_DIR / "accounts.json")
    out = []
    for k in range(count):
        base, copy = specs[k % len(specs)], k // len(specs)
        out.append(base if copy == 0 else replace(
            base, account_id=f"{base.account_id}-{copy:02d}", name=f"{base.name} #{copy}"))
    return out


def opening_bars() -> list[InputFact]:
    """INFY's bars of the sample day from the open to 10:04 IST: enough history for the
    features the playbook reads (ATR, realised volatility)."""
    day = sample_day(SAMPLE_DIR).day
    until = day.replace(hour=10, minute=5)
    bars = [fact for fact in read_bars(SAMPLE_DIR / "bars.csv", day)
            if getattr(fact.payload, "symbol", None) == SYMBOL
            and getattr(fact.payload, "start", until) < until]
    if not bars:
        raise LookupError(f"no {SYMBOL} bars before {until} in the sample day")
    return bars


def announcement(tag: str, run: int) -> InputFact:
    """A fresh buyback filing for INFY at 10:05 IST, one session after another (trading
    days of the exchange calendar): the playbook takes one buyback signal per symbol and
    session."""
    start = sample_day(SAMPLE_DIR).day.replace(hour=10, minute=5)
    day = default_book().calendar.trading_day_after(start.date(), run)
    published = start + timedelta(days=(day - start.date()).days)
    source_id = f"bench-{tag}-{run:05d}"
    payload = AnnouncementArrived(
        source_id=source_id, source="NSE", published_at=published,
        headline="Infosys Limited - Buyback: Board approves buyback of equity shares",
        body="Bench filing: buyback through the tender offer route.",
        symbol=SYMBOL, isin="INE009A01021", category="Buyback",
    )
    return InputFact(f"ann-{source_id}", 1, payload, published, "feed:announcement")


def signal_of(fact: InputFact) -> str:
    assert isinstance(fact.payload, AnnouncementArrived)
    return news_signal_id("buyback", fact.payload.symbol, fact.occurred_at)


def setup_desk(store: DeskStore, commit: Callable[[UnitOfWork], object],
               specs: list[AccountSpec]) -> None:
    open_accounts(store, wall_clock, commit, specs, "operator:bench", sample_day(SAMPLE_DIR).day)


@dataclass
class Latencies:
    ms: list[float]
    eligible: list[str]
    accounts: int
    timeouts: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    stages: dict[str, list[float]] = field(default_factory=dict)  # ms since commit, per run


def clear_queue(desk: Desk, accounts: list[str], signal_id: str) -> None:
    """The operator rejects this signal's waiting cards (untimed, between runs): waiting
    cards hold back the cash later cards are sized with."""
    view = desk.runtime.view
    now = view.as_of or desk.clock()
    for account in accounts:
        card_id = card_id_for(account, signal_id)
        if view.cards[card_id].status == "PROPOSED":
            operator.reject(desk, now, card_id, "operator:bench", "bench: next run")


def start_broker(given: str | None, tmp: Path) -> tuple[str, LocalKafkaBroker | None]:
    if given:
        return given, None
    broker = LocalKafkaBroker(tmp / "kafka", partitions=PARTITIONS)
    broker.start()
    return broker.bootstrap, broker


def print_latency(label: str, lat: Latencies, p95: bool = True) -> None:
    s = sorted(lat.ms)
    if not s:
        print(f"{label}: no completed runs")
        return
    parts = [f"p50 {percentile(s, 50):7.1f}"]
    if p95:
        parts.append(f"p95 {percentile(s, 95):7.1f}")
    parts += [f"p99 {percentile(s, 99):7.1f}", f"max {s[-1]:7.1f} ms"]
    print(f"{label}: {'  '.join(parts)}  ({len(s):,} runs)")


