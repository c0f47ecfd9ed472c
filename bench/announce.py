"""Webhook hot path: a signed buyback filing POSTed to /api/v1/ingest/news -> a card decision
for every account committed, timed from the HTTP request to its answer.

    uv run python -m bench.announce [--runs 300] [--accounts 50] [--warmup 5]

Setup (untimed), twice side by side: a fresh SQLite store with `--accounts` accounts
(`bench.kafka_parts.bench_accounts`) and INFY's opening bars. On the first desk the API runs
in-process on a loopback port (its own event-loop thread, as `desk serve` runs it) with an
ingest key; each run signs one fresh buyback filing (HMAC-SHA256) and POSTs it over a
kept-alive connection; the clock runs from just before the request is sent to the answer
read. The answer comes after the filing passed the intake (fields, instrument link,
duplicates) and the embedded runtime ran every handler: tagging, scoring, one card or
blocked card per account, all committed. The peer, on the second desk, is the same filing
given straight to `runtime.ingest` (what `bench.hot_path` times): the ratio is the price of
HTTP, signing and the intake. After each run, untimed, both desks are checked (one scored
signal, a decision for every account) and the proposed cards rejected, as in hot_path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import structlog

from api.app import create_app
from api.context import STATE
from api.server import start
from api.signing import SignatureCheck, sign
from api.tokens import parse
from bench.hot_path import check_run, prepare
from bench.kafka_parts import (
    announcement,
    bench_accounts,
    clear_queue,
    loadavg,
    percentile,
    signal_of,
)
from domain.events import AnnouncementArrived
from domain.inputs import InputFact

KEY = os.urandom(32).hex().encode()
GOAL_P99_MS = 30.0


def webhook_item(fact: InputFact) -> dict[str, Any]:
    """The bench filing as a source would POST it (the body names the run: new content)."""
    payload = fact.payload
    assert isinstance(payload, AnnouncementArrived)
    return {"kind": "announcement", "source": "NSE", "source_id": payload.source_id,
            "published_at": payload.published_at.isoformat(), "headline": payload.headline,
            "body": f"{payload.body} ({payload.source_id})", "category": payload.category,
            "symbols": [payload.symbol], "isin": payload.isin}


def signed_post(client: httpx.Client, item: dict[str, Any]) -> tuple[float, httpx.Response]:
    """POST one signed item; (milliseconds from sending to the answer read, answer)."""
    body = json.dumps({"items": [item]}).encode()
    t0 = time.perf_counter()
    at = int(time.time())
    response = client.post("/api/v1/ingest/news", content=body, headers={
        "Content-Type": "application/json", "X-Desk-Timestamp": str(at),
        "X-Desk-Signature": sign(KEY, at, body)})
    response.read()
    return (time.perf_counter() - t0) * 1000, response


def summary(label: str, ms: list[float]) -> str:
    s = sorted(ms)
    return (f"{label:27s}: p50 {percentile(s, 50):6.2f}  p90 {percentile(s, 90):6.2f}  "
            f"p99 {percentile(s, 99):6.2f}  max {s[-1]:6.2f} ms")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="timed runs (after warm-up)")
    parser.add_argument("--accounts", type=int, default=50, help="accounts on each desk")
    parser.add_argument("--warmup", type=int, default=5, help="runs left out of the figures")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.accounts < 1 or args.warmup < 0:
        parser.error("--runs and --accounts must be positive, --warmup not negative")
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    tmp = Path(tempfile.mkdtemp(prefix="bench-announce-"))
    print(f"machine                    : {os.cpu_count()} cpus, {platform.machine()}, "
          f"Python {platform.python_version()}")
    print(f"load average at start      : {loadavg()}")

    specs = bench_accounts(args.accounts)
    accounts = [a.account_id for a in specs]
    served = prepare(f"sqlite:///{tmp / 'webhook.db'}", specs)
    peer = prepare(f"sqlite:///{tmp / 'direct.db'}", specs)
    app = create_app(served, parse("bench:admin:bench-admin-token-0123456789"),
                     signature_check=SignatureCheck(KEY))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner, port = asyncio.run_coroutine_threadsafe(start(app, "127.0.0.1", 0), loop).result(10)
    print(f"setup                      : {len(specs)} accounts on each desk, INFY opening "
          f"bars; API on 127.0.0.1:{port}")

    tag = uuid.uuid4().hex[:8]
    webhook_ms: list[float] = []
    direct_ms: list[float] = []
    decided: Counter[str] = Counter()
    before_served = Counter(served.runtime.view.counts)
    before_peer = Counter(peer.runtime.view.counts)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for run in range(args.warmup + args.runs):
                fact = announcement(tag, run)
                signal = signal_of(fact)
                elapsed, response = signed_post(client, webhook_item(fact))
                if response.status_code != 200 or response.json()["accepted"] != 1:
                    raise SystemExit(f"run {run}: {response.status_code} {response.text}")
                proposed, blocked, before_served = check_run(served, accounts, signal,
                                                             before_served, run)
                t0 = time.perf_counter()
                peer.runtime.ingest([fact])
                direct = (time.perf_counter() - t0) * 1000
                _, _, before_peer = check_run(peer, accounts, signal, before_peer, run)
                clear_queue(served, accounts, signal)
                clear_queue(peer, accounts, signal)
                before_served = Counter(served.runtime.view.counts)
                before_peer = Counter(peer.runtime.view.counts)
                if run >= args.warmup:
                    webhook_ms.append(elapsed)
                    direct_ms.append(direct)
                    decided.update(PROPOSED=proposed, BLOCKED=blocked)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        app[STATE].gate.close()
        served.store.close()
        peer.store.close()

    n = len(webhook_ms)
    print(f"\nbuyback filing -> a card decision for each of {len(accounts)} accounts "
          f"committed ({n:,} runs timed, {args.warmup} warm-up runs left out)")
    print(summary("webhook (HTTP request)", webhook_ms))
    print(summary("peer: runtime.ingest", direct_ms))
    for pct in (50, 99):
        w, d = percentile(sorted(webhook_ms), pct), percentile(sorted(direct_ms), pct)
        print(f"ratio webhook / peer p{pct:<3d}  : {w / d:5.2f}x  (HTTP, signing and intake "
              f"add {w - d:.2f} ms)")
    p99 = percentile(sorted(webhook_ms), 99)
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms (embedded)  : "
          f"{'met' if p99 < GOAL_P99_MS else 'NOT met'} ({p99:.2f} ms)")
    print(f"cards per run              : {decided['PROPOSED'] / n:.1f} proposed + "
          f"{decided['BLOCKED'] / n:.1f} blocked on average")
    print(f"load average at end        : {loadavg()}")


if __name__ == "__main__":
    main(sys.argv[1:])
