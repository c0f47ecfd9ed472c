"""Fold throughput and `verify` speed on a generated 1,000,000-event log.

    uv run python -m bench.folds [--events N] [--store URL]

Prints: events/s of the pure fold (pre-decoded events), of decode + fold (what a replay
does per event), the time to write the log, and `verify` (hash chain + decode + fold) on it.
Figures depend on the machine and its load; run twice and read the spread.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from adapters.eventstore.store import DeskStore
from domain.events import Envelope
from projections.desk import DeskView, apply
from replay.verify import verify

START = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
SYMBOLS = [f"SYM{i:04d}" for i in range(2000)]
ACCOUNTS = [f"acct{i:02d}" for i in range(50)]


def _bar(i: int) -> tuple[str, int, str, bytes]:
    symbol = SYMBOLS[i % len(SYMBOLS)]
    minute = i // len(SYMBOLS)
    start = START + timedelta(minutes=minute)
    price = 100 + (i * 7919) % 5000 / 100
    stream = f"bars-{symbol}"
    version = minute + 1
    doc = {
        "event_id": str(uuid.UUID(int=i + 1)), "type": "BarClosed", "schema_version": 1,
        "stream_id": stream, "stream_version": version,
        "occurred_at": (start + timedelta(minutes=1)).isoformat(),
        "recorded_at": (start + timedelta(minutes=1)).isoformat(),
        "correlation_id": stream, "causation_id": None, "actor": "feed:bench",
        "payload": {"symbol": symbol, "start": start.isoformat(),
                    "end": (start + timedelta(minutes=1)).isoformat(),
                    "open": f"{price:.2f}", "high": f"{price + 1:.2f}", "low": f"{price - 1:.2f}",
                    "close": f"{price + 0.5:.2f}", "volume": 1000 + i % 997},
    }
    return stream, version, "BarClosed", json.dumps(doc).encode()


def _deposit(i: int, n: int) -> tuple[str, int, str, bytes]:
    account = ACCOUNTS[n % len(ACCOUNTS)]
    stream = f"account-{account}"
    version = n // len(ACCOUNTS) + 1
    at = (START + timedelta(seconds=i)).isoformat()
    doc = {
        "event_id": str(uuid.UUID(int=i + 1)), "type": "CashDeposited", "schema_version": 1,
        "stream_id": stream, "stream_version": version, "occurred_at": at, "recorded_at": at,
        "correlation_id": stream, "causation_id": None, "actor": "operator:bench",
        "payload": {"account_id": account, "amount": "1000.25", "reference": f"dep-{n}"},
    }
    return stream, version, "CashDeposited", json.dumps(doc).encode()


def generate(count: int) -> Iterator[tuple[str, int, str, bytes]]:
    """A log mixing bars (most events) with cash deposits (every 50th)."""
    bars = deposits = 0
    for i in range(count):
        if i % 50 == 49:
            yield _deposit(i, deposits)
            deposits += 1
        else:
            yield _bar(bars)
            bars += 1


def write_log(store: DeskStore, count: int, batch: int = 5000) -> float:
    t0 = time.perf_counter()
    pending: list[StoredEvent] = []
    for stream, version, topic, state in generate(count):
        pending.append(StoredEvent(stream, version, topic, state))
        if len(pending) == batch:
            store.recorder.insert_events(pending)
            pending = []
    if pending:
        store.recorder.insert_events(pending)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    url = args.store or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    n = args.events

    decoded = [Envelope.model_validate_json(s) for *_, s in generate(min(n, 200_000))]
    t0 = time.perf_counter()
    view = DeskView()
    for position, event in enumerate(decoded, 1):
        apply(view, event, position)
    fold_s = time.perf_counter() - t0
    raw = [s for *_, s in generate(min(n, 200_000))]
    t0 = time.perf_counter()
    view = DeskView()
    for position, state in enumerate(raw, 1):
        apply(view, Envelope.model_validate_json(state), position)
    decode_fold_s = time.perf_counter() - t0

    store = DeskStore(url)
    write_s = write_log(store, n)
    t0 = time.perf_counter()
    verdict = verify(store)
    verify_s = time.perf_counter() - t0

    m = len(decoded)
    print(f"fold (pre-decoded events)  : {m / fold_s:>12,.0f} events/s  ({m:,} events)")
    print(f"decode + fold (replay step): {m / decode_fold_s:>12,.0f} events/s")
    print(f"  fold share of replay     : {fold_s / decode_fold_s:>12.0%}")
    print(f"write log ({n:,} events)   : {write_s:>10.1f} s  ({n / write_s:,.0f} events/s)")
    print(f"verify ({verdict.events:,} events)    : {verify_s:>10.1f} s  "
          f"({verdict.events / verify_s:,.0f} events/s), ok={verdict.ok}")


if __name__ == "__main__":
    main()
