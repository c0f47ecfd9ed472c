"""Relay and faust worker throughput, and the hot-path latency, beside the embedded runtime.

    uv run python -m bench.kafka [--events N] [--runs N] [--bootstrap H:P] [--store URL]

On a real broker (a LocalKafkaBroker from the cached jars in a temp dir, stopped at the end,
unless `--bootstrap` or `$KAFKA_BOOTSTRAP` names one), each in a topic namespace and a store
of its own, it prints:

1. relay throughput: `Relay.run_once()` over a log of N bars and deposits (bench.folds'
   mix); every event is two messages (its topic and desk.log);
2. projection throughput: N cash events across 50 accounts relayed to one
   `desk worker --no-process-managers`, timed from relay start until `wait_for_projections`
   sees every partition consumed; beside it the in-process fold of the same events;
3. hot-path latency: a buyback announcement committed -> a CardProposed for every eligible
   account in the approval queue, through `desk relay` + `desk worker` (process managers,
   no approver) and the `kafka:view:*` rows they write, polled every ~1 ms; beside it the
   embedded runtime (`runtime.ingest` until the cards are in `runtime.view.cards`).

Stores are SQLite files in a temp dir; `--store postgresql://...` makes (and drops) one
database per section on that server instead, so its role needs CREATEDB. Figures depend on
the machine and its load (printed at start and end); run twice and read the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import structlog
from eventsourcing.persistence import StoredEvent

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.files.sample import (
    SAMPLE_DIR,
    AccountSpec,
    load_accounts,
    load_instruments,
    read_bars,
)
from adapters.files.strategy_book import default_book
from adapters.kafka.admin import ensure_topics
from adapters.kafka.relay import Relay, RelaySettings
from adapters.kafka.topics import DEFAULT_PARTITIONS
from api import operator
from bench.folds import generate
from devtools.local_kafka import LocalKafkaBroker
from devtools.local_postgres import create_database, drop_database
from domain.events import AnnouncementArrived, Envelope
from domain.ids import card_id_for, news_signal_id
from domain.inputs import InputFact
from projections.codec import decode_view, encode_view
from projections.desk import DeskView, apply
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.commands import RejectCard, handle
from streams.feed import input_streams, open_accounts, sample_day
from streams.kafka.rows import VIEW_PREFIX
from streams.kafka.stack import (
    DESK,
    KafkaStack,
    kafka_view,
    wait_for_process_managers,
    wait_for_projections,
)
from streams.unit_of_work import UnitOfWork

PARTITIONS = DEFAULT_PARTITIONS
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


# 1. Relay throughput ------------------------------------------------------------------------
@dataclass
class RelayFigures:
    events: int
    relay_s: float
    read_decode_s: float


async def _relay_throughput(url: str, bootstrap_servers: str, n: int) -> RelayFigures:
    store = DeskStore(url)
    log = generate(n + 1)
    # One event first: producer start and topic creation stay out of the timed pass.
    await asyncio.to_thread(insert, store, (next(log) for _ in range(1)))
    async with Relay(store, bootstrap_servers,
                     RelaySettings(partitions=PARTITIONS, namespace=namespace("relay"))) as relay:
        await relay.run_once()
        await asyncio.to_thread(insert, store, log)
        t0 = time.perf_counter()
        published = await relay.run_once()
        relay_s = time.perf_counter() - t0
    # The store side of that work alone: read the log and decode each event.
    t0 = time.perf_counter()
    read = sum(1 for _ in store.read_all(after=1))
    read_decode_s = time.perf_counter() - t0
    assert published == read == n, (published, read, n)
    return RelayFigures(n, relay_s, read_decode_s)


# 2. Projection throughput -------------------------------------------------------------------
def _cash_doc(i: int, account: str, version: int, kind: str, cycle: int) -> tuple[
        str, int, str, bytes]:
    stream = f"account-{account}"
    at = (START + timedelta(milliseconds=i)).isoformat()
    card = f"card-{account}-{cycle}"
    payload: dict[str, Any]
    if kind == "CashDeposited":
        payload = {"account_id": account, "amount": "1000000.00" if version == 1 else "1000.25",
                   "reference": f"dep-{version}"}
    elif kind == "CashReserved":
        payload = {"account_id": account, "card_id": card, "amount": "25000.50"}
    else:
        payload = {"account_id": account, "card_id": card, "amount": "25000.50",
                   "reason": "bench"}
    doc = {
        "event_id": str(uuid.UUID(int=(1 << 64) + i)), "type": kind, "schema_version": 1,
        "stream_id": stream, "stream_version": version, "occurred_at": at, "recorded_at": at,
        "correlation_id": stream, "causation_id": None, "actor": "operator:bench",
        "payload": payload,
    }
    return stream, version, kind, json.dumps(doc).encode()


def cash_log(first: int, count: int) -> Iterator[tuple[str, int, str, bytes]]:
    """Account-scoped events: an opening deposit each, then reserve / release / deposit."""
    kinds = ("CashReserved", "CashReleased", "CashDeposited")
    for i in range(first, first + count):
        account = CASH_ACCOUNTS[i % len(CASH_ACCOUNTS)]
        step = i // len(CASH_ACCOUNTS)  # 0: the opening deposit
        kind = "CashDeposited" if step == 0 else kinds[(step - 1) % 3]
        yield _cash_doc(i, account, step + 1, kind, (step - 1) // 3)


@dataclass
class ProjectionFigures:
    events: int
    relay_s: float
    caught_up_s: float
    fold_s: float
    decode_fold_s: float


async def _projection_throughput(
    url: str, bootstrap_servers: str, n: int, log_dir: Path, timeout: float
) -> ProjectionFigures:
    store = DeskStore(url)
    ns = namespace("fold")
    await ensure_topics(bootstrap_servers, PARTITIONS, namespace=ns)
    warm = len(CASH_ACCOUNTS)
    await asyncio.to_thread(insert, store, cash_log(0, warm))
    worker = spawn_worker(url, bootstrap_servers, ns, log_dir, process_managers=False)
    try:
        async with Relay(store, bootstrap_servers,
                         RelaySettings(partitions=PARTITIONS, namespace=ns)) as relay:
            # Warm-up: the worker starts, joins and folds each account's opening deposit.
            await relay.run_once()
            await asyncio.to_thread(wait_for_projections, store, bootstrap_servers, ns, timeout)
            await asyncio.to_thread(insert, store, cash_log(warm, n))
            t0 = time.perf_counter()
            await relay.run_once()
            relay_s = time.perf_counter() - t0
            await asyncio.to_thread(wait_for_projections, store, bootstrap_servers, ns, timeout)
            caught_up_s = time.perf_counter() - t0
    finally:
        stop_process(worker)
    # The embedded runtime's step on the same events: decode + fold, and the fold alone.
    view = DeskView()
    for rec in store.read_all(after=0):
        if rec.position > warm:
            break
        apply(view, rec.event, rec.position)
    raw = [(n.id, bytes(n.state)) for n in store.recorder.select_notifications(warm + 1, n + 1)]
    timed_view = _copy_view(view)
    t0 = time.perf_counter()
    for position, state in raw:
        apply(timed_view, Envelope.model_validate_json(state), position)
    decode_fold_s = time.perf_counter() - t0
    decoded = [(p, Envelope.model_validate_json(s)) for p, s in raw]
    timed_view = _copy_view(view)
    t0 = time.perf_counter()
    for position, event in decoded:
        apply(timed_view, event, position)
    fold_s = time.perf_counter() - t0
    assert sum(timed_view.counts.values()) == warm + n
    return ProjectionFigures(n, relay_s, caught_up_s, fold_s, decode_fold_s)


def _copy_view(view: DeskView) -> DeskView:
    return decode_view(encode_view(view))


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


def embedded_hot_path(url: str, specs: list[AccountSpec], runs: int) -> Latencies:
    desk = bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"))
    rt = desk.runtime
    setup_desk(desk.store, rt.execute, specs)
    rt.ingest(opening_bars())
    tag = uuid.uuid4().hex[:8]
    # Warm-up run: also tells which accounts are eligible (the rest get CardBlocked).
    first = announcement(tag, 0)
    rt.ingest([first])
    sig = signal_of(first)
    eligible = sorted(a.account_id for a in specs
                      if rt.view.cards[card_id_for(a.account_id, sig)].status == "PROPOSED")
    clear_queue(desk, eligible, sig)
    ms = []
    for run in range(1, runs + 1):
        fact = announcement(tag, run)
        sig = signal_of(fact)
        wanted = [card_id_for(a, sig) for a in eligible]
        t0 = time.perf_counter()
        rt.ingest([fact])
        cards = rt.view.cards
        # ingest returns once the reactions are committed and folded: no waiting needed.
        done = all(c in cards and cards[c].status == "PROPOSED" for c in wanted)
        ms.append((time.perf_counter() - t0) * 1000)
        assert done, f"cards of {sig} missing after ingest"
        clear_queue(desk, eligible, sig)
    return Latencies(ms, eligible, len(specs))


def _visible(snapshots: ViewSnapshots, names: list[str], after: int, signal_id: str) -> int:
    """How many of these view rows have moved past `after` and hold a card of the signal
    (card ids end in the signal id without its `sig-`)."""
    m = snapshots.mark
    marks = ", ".join([m] * len(names))
    with snapshots.datastore.transaction(commit=False) as c:
        c.execute(
            f"SELECT COUNT(*) AS n FROM desk_views WHERE name IN ({marks}) "
            f"AND position > {m} AND state LIKE {m}",
            (*names, after, f"%-{signal_id.removeprefix('sig-')}%"),
        )
        row = c.fetchone()
    return int(row["n"])


def kafka_hot_path(
    url: str, bootstrap_servers: str, specs: list[AccountSpec], eligible: list[str], runs: int,
    log_dir: Path, timeout: float, warmup: int = 3,
) -> Latencies:
    store = DeskStore(url)
    setup_desk(store, lambda uow: uow.commit(), specs)
    store.commit(*input_streams(opening_bars(), store, wall_clock))
    stack = KafkaStack(url, bootstrap_servers, partitions=PARTITIONS, workers=1, approver=None,
                       namespace=namespace("hot"), log_dir=log_dir)
    snapshots = ViewSnapshots(store)
    names = [VIEW_PREFIX + a for a in eligible]
    tag = uuid.uuid4().hex[:8]
    ms: list[float] = []
    signals: list[str] = []
    timeouts = 0
    polls = 0
    stages: dict[str, list[float]] = {}
    t_start = time.perf_counter()
    stack.start()
    try:
        wait_for_process_managers(store, timeout)
        wait_for_projections(store, bootstrap_servers, stack.namespace, timeout)
        ready_s = time.perf_counter() - t_start
        for run in range(warmup + runs):
            fact = announcement(tag, run)
            sig = signal_of(fact)
            streams = input_streams([fact], store, wall_clock)
            t0 = time.perf_counter()
            position = store.commit(*streams)[-1].position
            steps = _HotPathSteps(store, position)
            deadline = t0 + timeout
            while True:
                steps.observe()
                polls += 1
                if _visible(snapshots, names, position, sig) == len(names):
                    done = time.perf_counter()
                    break
                if time.perf_counter() > deadline:
                    timeouts, done = timeouts + 1, 0.0
                    break
                if polls % 500 == 0:
                    _check_alive(stack)
                time.sleep(0.001)
            if run >= warmup and done:
                ms.append((done - t0) * 1000)
                signals.append(sig)
                for name, at in steps.finish(done).items():
                    stages.setdefault(name, []).append((at - t0) * 1000)
            # Let the process managers see their own cards come back before the next run,
            # then reject them (untimed) so they hold back no cash from the next run's.
            wait_for_process_managers(store, timeout)
            reject_waiting(store, eligible, sig, fact.occurred_at)
            wait_for_process_managers(store, timeout)
        wait_for_projections(store, bootstrap_servers, stack.namespace, timeout)
    finally:
        stack.stop()
    # Check, outside the timing, that the merged approval queue says what was measured.
    view = kafka_view(store)
    everyone = [a.account_id for a in specs]
    for sig in signals:
        for account in everyone:
            row = view.cards.get(card_id_for(account, sig))
            want = "REJECTED" if account in eligible else "BLOCKED"
            if row is None or row.status != want:
                raise AssertionError(f"{card_id_for(account, sig)}: {row} (wanted {want})")
    return Latencies(ms, eligible, len(specs), timeouts,
                     {"ready_s": ready_s, "polls_per_run": polls / max(1, runs + warmup)},
                     stages)


def reject_waiting(store: DeskStore, accounts: list[str], signal_id: str,
                   at: datetime) -> None:
    """An operator rejects the run's cards straight through the event store (the Kafka
    stack has no embedded runtime to ask)."""
    uow = UnitOfWork(store, wall_clock)
    for account in accounts:
        card_id = card_id_for(account, signal_id)
        handle(RejectCard(actor="operator:bench", at=at, correlation_id=f"bench-{card_id}",
                          card_id=card_id, reason="bench: next run"),
               uow, DeskView(), default_book())
    uow.commit()


def _check_alive(stack: KafkaStack) -> None:
    for name, proc in stack.procs.items():
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see "
                               f"{stack.log_dir / (name + '.log')}")


class _HotPathSteps:
    """When each step of one run was first seen in the store, while polling for the cards:
    the announcement relayed, the process managers' signal + cards committed, those relayed."""

    NAMES = ("announcement relayed", "signal + cards committed", "cards relayed")
    # "relayed": the relay has recorded the position, i.e. after the broker's acks

    def __init__(self, store: DeskStore, position: int) -> None:
        self.store = store
        self.position = position
        self.cards_head = 0
        self.seen: dict[str, float] = {}

    def observe(self) -> None:
        now = time.perf_counter()
        if "announcement relayed" not in self.seen:
            if self.store.tracked("relay") < self.position:
                return
            self.seen["announcement relayed"] = now
        if "signal + cards committed" not in self.seen:
            head = self.store.head()
            if head <= self.position:
                return
            self.cards_head = head  # the process managers write them in one transaction
            self.seen["signal + cards committed"] = now
        if "cards relayed" not in self.seen and self.store.tracked("relay") >= self.cards_head:
            self.seen["cards relayed"] = now

    def finish(self, visible: float) -> dict[str, float]:
        """Each step's time (a step missed between two polls gets the next one's time)."""
        out, later = {"cards in the views": visible}, visible
        for name in reversed(self.NAMES):
            later = min(self.seen.get(name, later), later)
            out[name] = later
        return {name: out[name] for name in (*self.NAMES, "cards in the views")}


# Main ---------------------------------------------------------------------------------------
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200, help="hot-path runs through Kafka")
    parser.add_argument("--embedded-runs", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=30,
                        help="accounts in the hot-path desk (sample accounts, then copies)")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP"),
                        help="an existing broker (default: $KAFKA_BOOTSTRAP, else a local one)")
    parser.add_argument("--store", default=None,
                        help="postgresql://... server (role with CREATEDB); default SQLite")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    # Figures only: the relay's info logs and aiokafka's retry notices stay quiet.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    # SIGTERM unwinds like Ctrl-C, so the broker, workers and databases are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.store and not args.store.startswith(("postgresql://", "postgres://")):
        parser.error("--store takes a postgresql:// URL (SQLite files are the default)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    log_dir = tmp / "logs"
    log_dir.mkdir()
    stores = Stores(tmp, args.store)
    n = args.events
    began = time.perf_counter()
    print(f"load average at start      : {loadavg()}")
    bootstrap_servers, broker = start_broker(args.bootstrap, tmp)
    kind = "local broker (jars)" if broker else "given broker"
    print(f"broker                     : {bootstrap_servers} ({kind}); "
          f"store: {'PostgreSQL' if args.store else 'SQLite'}; logs in {log_dir}")
    try:
        r = asyncio.run(_relay_throughput(stores.fresh("relay"), bootstrap_servers, n))
        print(f"\n1. relay ({r.events:,} events = {2 * r.events:,} messages)")
        print(f"relay run_once             : {r.events / r.relay_s:>12,.0f} events/s  "
              f"({2 * r.events / r.relay_s:,.0f} messages/s, {r.relay_s:.2f} s)")
        print(f"  store read + decode alone: {r.events / r.read_decode_s:>12,.0f} events/s  "
              f"({r.read_decode_s / r.relay_s:.0%} of the relay's time)")

        p = asyncio.run(_projection_throughput(stores.fresh("fold"), bootstrap_servers, n,
                                               log_dir, args.timeout))
        kafka_rate = p.events / p.caught_up_s
        print(f"\n2. projections ({p.events:,} cash events, {len(CASH_ACCOUNTS)} accounts, "
              f"{PARTITIONS} partitions, 1 worker)")
        print(f"relay -> faust -> views    : {kafka_rate:>12,.0f} events/s  "
              f"({p.caught_up_s:.2f} s; relay done at {p.relay_s:.2f} s)")
        print(f"embedded decode + fold     : {p.events / p.decode_fold_s:>12,.0f} events/s  "
              f"({p.events / p.decode_fold_s / kafka_rate:,.0f}x Kafka)")
        print(f"embedded fold (pre-decoded): {p.events / p.fold_s:>12,.0f} events/s  "
              f"({p.events / p.fold_s / kafka_rate:,.0f}x Kafka)")

        specs = bench_accounts(args.accounts)
        emb = embedded_hot_path(stores.fresh("embedded"), specs, args.embedded_runs)
        kaf = kafka_hot_path(stores.fresh("hot"), bootstrap_servers, specs, emb.eligible,
                             args.runs, log_dir, args.timeout)
        print(f"\n3. hot path: buyback announcement committed -> CardProposed in the approval "
              f"queue\n   ({len(emb.eligible)} of {emb.accounts} accounts eligible, the rest "
              f"blocked; clock starts before the commit; store polled every ~1 ms)")
        print_latency("kafka (relay+worker+store)", kaf)
        print(f"  ready after {kaf.extra['ready_s']:.1f} s; "
              f"{kaf.extra['polls_per_run']:.0f} polls per run; timeouts {kaf.timeouts}")
        if len(kaf.ms) >= 8:
            q = len(kaf.ms) // 4
            early, late = sorted(kaf.ms[:q]), sorted(kaf.ms[-q:])
            print(f"  p50 first/last quarter   : {percentile(early, 50):7.1f} / "
                  f"{percentile(late, 50):7.1f} ms")
        if kaf.stages:
            print("  p50 time since commit, by step (first poll that saw it):")
            before = 0.0
            for name, values in kaf.stages.items():
                at = percentile(sorted(values), 50)
                print(f"    {name:<26}: {at:7.1f} ms  (+{at - before:.1f})")
                before = at
        print_latency("embedded (runtime.ingest) ", emb, p95=False)
        if kaf.ms and emb.ms:
            ratio = percentile(sorted(kaf.ms), 50) / percentile(sorted(emb.ms), 50)
            print(f"kafka / embedded p50       : {ratio:>12,.1f}x")
    finally:
        if broker is not None:
            broker.stop()
        stores.drop()
    print(f"\nload average at end        : {loadavg()}")
    print(f"total                      : {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
