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
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog

from adapters.eventstore.store import DeskStore
from adapters.kafka.admin import ensure_topics
from adapters.kafka.relay import Relay, RelaySettings
from bench.folds import generate
from bench.kafka_hot_path import embedded_hot_path, kafka_hot_path
from bench.kafka_parts import (
    CASH_ACCOUNTS,
    PARTITIONS,
    START,
    Stores,
    bench_accounts,
    insert,
    loadavg,
    namespace,
    percentile,
    print_latency,
    spawn_worker,
    start_broker,
    stop_process,
)
from domain.events import Envelope
from projections.codec import decode_view, encode_view
from projections.desk import DeskView, apply
from streams.kafka.stack import (
    wait_for_projections,
)


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



# Main ---------------------------------------------------------------------------------------
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
