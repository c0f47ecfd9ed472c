"""Replay speed on a generated log: fold, decode + fold, writing the log and `verify`.

    uv run python -m bench.folds [--events N] [--store URL] [--peer DIR] [--rounds N]

Each measurement runs in a fresh process importing the code of one checkout: this one and,
with `--peer DIR` (e.g. a clone of main), that one, alternating round by round so the load
hits both alike. Prints, beside the issue's goal: events/s of the pure fold (pre-decoded
events, at most 200,000), of decode + fold (what a replay does per event, through each
checkout's own decode path), the time to write the log, `verify` (hash chain + decode +
fold + compare) in wall and CPU seconds, and the peak RSS of the process that verified.
Wall figures move with the machine's load; CPU seconds move less. Read the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 11, 20, 3, 45, tzinfo=UTC)
SYMBOLS = [f"SYM{i:04d}" for i in range(2000)]
ACCOUNTS = [f"acct{i:02d}" for i in range(50)]
ROOT = Path(__file__).resolve().parent.parent
FOLD_SAMPLE = 200_000
# The goals (#11), per event so any --events can be held to them.
GOAL_DECODE_FOLD = 300_000  # events/s
GOAL_VERIFY_S_PER_M = 5.0  # seconds per 1,000,000 events
GOAL_RSS_MB_AT_10M = 1024


def _bar(i: int) -> tuple[str, int, str, bytes]:
    symbol = SYMBOLS[i % len(SYMBOLS)]
    minute = i // len(SYMBOLS)
    start = START + timedelta(minutes=minute)
    price = 100 + (i * 7919) % 5000 / 100
    stream = f"bars-{symbol}"
    version = minute + 1
    doc = {
        "event_id": str(uuid.UUID(int=i + 1)),
        "type": "BarClosed",
        "schema_version": 1,
        "stream_id": stream,
        "stream_version": version,
        "occurred_at": (start + timedelta(minutes=1)).isoformat(),
        "recorded_at": (start + timedelta(minutes=1)).isoformat(),
        "correlation_id": stream,
        "causation_id": None,
        "actor": "feed:bench",
        "payload": {
            "symbol": symbol,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=1)).isoformat(),
            "open": f"{price:.2f}",
            "high": f"{price + 1:.2f}",
            "low": f"{price - 1:.2f}",
            "close": f"{price + 0.5:.2f}",
            "volume": 1000 + i % 997,
        },
    }
    return stream, version, "BarClosed", json.dumps(doc).encode()


def _deposit(i: int, n: int) -> tuple[str, int, str, bytes]:
    account = ACCOUNTS[n % len(ACCOUNTS)]
    stream = f"account-{account}"
    version = n // len(ACCOUNTS) + 1
    at = (START + timedelta(seconds=i)).isoformat()
    doc = {
        "event_id": str(uuid.UUID(int=i + 1)),
        "type": "CashDeposited",
        "schema_version": 1,
        "stream_id": stream,
        "stream_version": version,
        "occurred_at": at,
        "recorded_at": at,
        "correlation_id": stream,
        "causation_id": None,
        "actor": "operator:bench",
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


def write_log(store: Any, count: int, batch: int = 5000) -> float:
    """Insert `count` generated events into `store` (a DeskStore); the seconds it took."""
    from eventsourcing.persistence import StoredEvent

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


def _decoder() -> Callable[[bytes, str], Any]:
    """The checkout's replay decode: the fast path where it has one (a peer may not)."""
    try:
        from domain.events.fast import decode
    except ImportError:
        from domain.events import Envelope

        return lambda state, topic: Envelope.model_validate_json(state)
    return decode


def measure(events: int, url: str) -> dict[str, float]:
    """Every figure of one checkout, in this process (the one `--measure` runs)."""
    from adapters.eventstore.store import DeskStore
    from projections.desk import DeskView, apply
    from replay.verify import verify

    store = DeskStore(url)
    write_s = write_log(store, events)
    t0, c0 = time.perf_counter(), time.process_time()
    verdict = verify(store)
    verify_s, verify_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the samples
    decode = _decoder()
    raw = [(topic, state) for *_, topic, state in generate(min(events, FOLD_SAMPLE))]
    decoded = [decode(state, topic) for topic, state in raw]
    c0 = time.process_time()
    view = DeskView()
    for position, event in enumerate(decoded, 1):
        apply(view, event, position)
    fold_cpu = time.process_time() - c0
    del decoded
    c0 = time.process_time()
    view = DeskView()
    for position, (topic, state) in enumerate(raw, 1):
        apply(view, decode(state, topic), position)
    decode_fold_cpu = time.process_time() - c0
    return {
        **_phases(store),
        **_ready(store),
        "events": verdict.events,
        "ok": float(verdict.ok),
        "sample": len(raw),
        "fold_cpu": fold_cpu,
        "decode_fold_cpu": decode_fold_cpu,
        "write_s": write_s,
        "verify_s": verify_s,
        "verify_cpu": verify_cpu,
        "rss_mb": rss_mb,
    }


def _phases(store: Any) -> dict[str, float]:
    """CPU seconds of verify's two cheap steps over the whole log: reading it in pages,
    and hashing the chain (decoding and folding are timed on the samples)."""
    from adapters.eventstore.chain import GENESIS, chain_hash

    c0, last, pages = time.process_time(), 0, []
    while page := store.recorder.select_notifications(last + 1, 5000):
        last = page[-1].id
        pages.append(page[:100])  # hash a slice of every page: the work, not the storage
    read_cpu = time.process_time() - c0
    c0, link, hashed = time.process_time(), GENESIS, 0
    for page in pages:
        for n in page:
            link = chain_hash(
                link, n.id, str(n.originator_id), n.originator_version, n.topic, n.state
            )
            hashed += 1
    return {"read_cpu": read_cpu, "hash_cpu_per_event": (time.process_time() - c0) / hashed}


def _ready(store: Any) -> dict[str, float]:
    """Seconds until a runtime (what `desk serve` starts) has folded the log: the first
    start, then a second one, which resumes from the snapshot the first saved when the
    checkout has snapshots (a peer without them folds the whole log again)."""
    from streams.embedded import EmbeddedRuntime

    def start() -> float:
        t0 = time.perf_counter()
        try:
            runtime = EmbeddedRuntime(store, {}, None, snapshot_every=50_000)
        except TypeError:  # a checkout without snapshots
            runtime = EmbeddedRuntime(store, {}, None)
        runtime.start()
        return time.perf_counter() - t0

    return {"cold_start_s": start(), "warm_start_s": start()}


def _run(tree: Path, events: int, store: str | None) -> dict[str, float]:
    """`measure` in a fresh process importing the code in `tree`."""
    url = store or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-folds-')) / 'log.db'}"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        # -P: this folder (whose kafka.py would shadow the package) stays off sys.path.
        [
            sys.executable,
            "-P",
            str(Path(__file__).resolve()),
            "--measure",
            "--events",
            str(events),
            "--store",
            url,
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _rows(run: dict[str, float]) -> dict[str, tuple[float, str]]:
    m, n = run["sample"], run["events"]
    return {
        "fold, pre-decoded (ev/s CPU)": (m / run["fold_cpu"], "-"),
        "decode + fold (ev/s CPU)": (m / run["decode_fold_cpu"], f">= {GOAL_DECODE_FOLD:,}"),
        "write log (s)": (run["write_s"], "-"),
        "verify (s wall)": (run["verify_s"], f"< {GOAL_VERIFY_S_PER_M * n / 1e6:,.2f}"),
        "verify (s CPU)": (run["verify_cpu"], f"< {GOAL_VERIFY_S_PER_M * n / 1e6:,.2f}"),
        "verify (ev/s wall)": (n / run["verify_s"], f">= {1e6 / GOAL_VERIFY_S_PER_M:,.0f}"),
        "runtime start, first (s)": (run["cold_start_s"], "-"),
        "runtime start, again (s)": (run["warm_start_s"], f"< {2 * n / 1e6:,.2f}"),
        "peak RSS of verify (MB)": (run["rss_mb"], f"< {GOAL_RSS_MB_AT_10M:,} at 10M"),
        # Where a verified event's CPU goes, in microseconds (the goal: 5 in all).
        "  read pages (us/ev CPU)": (run["read_cpu"] / n * 1e6, "-"),
        "  chain hash (us/ev CPU)": (run["hash_cpu_per_event"] * 1e6, "-"),
        "  decode (us/ev CPU)": ((run["decode_fold_cpu"] - run["fold_cpu"]) / m * 1e6, "-"),
        "  fold (us/ev CPU)": (run["fold_cpu"] / m * 1e6, "-"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--store", default=None, help="an empty store URL (default: a temp SQLite file a run)"
    )
    parser.add_argument("--peer", default="", help="another checkout, measured alternately")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each checkout")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.events, args.store)))
        return
    trees = {"this": ROOT, **({"peer": Path(args.peer).resolve()} if args.peer else {})}
    print(
        f"{args.events:,} events (fold samples {min(args.events, FOLD_SAMPLE):,}); "
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        for name, tree in trees.items():  # alternating, so the load hits both alike
            run = _run(tree, args.events, args.store)
            if not run["ok"]:
                print(f"{name}: verify did not pass", file=sys.stderr)
            if name not in best or run["verify_cpu"] < best[name]["verify_cpu"]:
                best[name] = run
    table = {name: _rows(run) for name, run in best.items()}
    names = list(table)
    # gain: how many times better this is than the peer (rates up, seconds and MB down)
    print(
        f"{'figure (best of ' + str(args.rounds) + ')':<30}"
        + "".join(f"{n:>14}" for n in names)
        + (f"{'gain':>9}" if "peer" in table else "")
        + f"{'goal':>22}"
    )
    for label, (_, goal) in table["this"].items():
        values = [table[n][label][0] for n in names]
        gain = ""
        if len(values) == 2:
            better = values[0] / values[1] if "ev/s" in label else values[1] / values[0]
            gain = f"{better:>8.2f}x"
        print(f"{label:<30}" + "".join(f"{v:>14,.1f}" for v in values) + gain + f"{goal:>22}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
