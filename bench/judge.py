"""The judge's cost to the desk: review throughput against the local fake server, and the
hot path with the review worker on beside it versus off.

    uv run python -m bench.judge [--cards 2000] [--concurrency 8] [--runs 300] [--accounts 20]

1. Throughput. A fresh SQLite store holds `--cards` proposed cards (untimed). The review
   worker reviews them all through `OpenAIReviewer` against `devtools.llm_fake` (answering
   at once) with `--concurrency` requests in flight: cards/s end to end (log read, request
   and outcome events written, the HTTP round trip, and the fake's own work on the same
   cores). The fake's time inside its handler is summed and reported apart, as is a run
   with the rule-based reviewer (no HTTP: the worker's own log and write cost), and a run
   with the fake taking `--model-ms` per answer (what the model's latency alone allows).
2. Hot path. Two desks set up alike (`bench.hot_path.prepare`); runs alternate between
   them, each timing `runtime.ingest([buyback announcement])` as bench/hot_path does. On
   one desk a review worker runs all along in another thread against the fake, writing its
   events into the same store while the hot path runs; on the other, none. p50/p99 of both,
   side by side, and their ratio. Figures depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import structlog

from adapters.eventstore.store import DeskStore
from adapters.llm.config import JudgeConfig
from adapters.llm.openai_reviewer import OpenAIReviewer
from adapters.llm.rules import RuleReviewer
from bench.hot_path import prepare
from bench.kafka import announcement, bench_accounts, clear_queue, loadavg, percentile, signal_of
from devtools.llm_fake import FakeChatServer
from domain.aggregates import Cause, TradeCard
from domain.events import CardProposed
from domain.values import Horizon, Side
from streams.ports import Reviewer
from streams.review_worker import ReviewWorker

T0 = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def seed_cards(url: str, n: int) -> DeskStore:
    """A store holding `n` proposed cards (100 per commit)."""
    store = DeskStore(url)
    batch: list[TradeCard] = []
    for i in range(n):
        card = TradeCard(f"card-bench-{i:06d}")
        card.propose(CardProposed(
            card_id=card.id, account_id=f"acc-{i % 20}", signal_id=f"sig-{i}",
            strategy="buyback", symbol="INFY", side=Side.BUY, quantity=10,
            reference_price=Decimal("1500"), stop=Decimal("1470"), target=Decimal("1560"),
            horizon=Horizon.SWING, expires_at=T0 + timedelta(hours=1), mandate_version=1,
            thesis="bench card", sizing="bench", expected_cost=Decimal("20"),
            guardrails=(), evidence=()), Cause(T0, T0, "bench", f"corr-{i}"))
        batch.append(card)
        if len(batch) == 100:
            store.commit(*batch)
            batch = []
    if batch:
        store.commit(*batch)
    return store


class TimedFake(FakeChatServer):
    """The fake, summing the time spent inside its handler (its own share of the CPU)."""

    handler_s = 0.0

    async def _chat(self, request):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return await super()._chat(request)
        finally:
            self.handler_s += time.perf_counter() - t0


async def review_all(url: str, cards: int, reviewer_for: str, concurrency: int,
                     model_ms: float = 0.0) -> tuple[float, int, float]:
    """(seconds, reviews concluded, fake handler seconds) reviewing a fresh store."""
    store = seed_cards(url, cards)
    fake = TimedFake(latency_seconds=model_ms / 1000)
    await fake.start()
    reviewer: Reviewer = RuleReviewer() if reviewer_for == "rules" else OpenAIReviewer(
        JudgeConfig(base_url=fake.base_url, api_key=fake.api_key, model="bench",
                    concurrency=concurrency, timeout_seconds=30))
    worker = ReviewWorker(store, reviewer, lambda: T0, batch=512)
    t0 = time.perf_counter()
    done = await worker.drain()
    elapsed = time.perf_counter() - t0
    await reviewer.close()
    await fake.stop()
    store.close()
    return elapsed, done, fake.handler_s


class BackgroundJudge:
    """A review worker against the fake, in a thread (its own event loop) for one desk."""

    def __init__(self, store: DeskStore) -> None:
        self.store = store
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.reviewed = 0

    async def _run(self) -> None:
        fake = FakeChatServer()
        await fake.start()
        reviewer = OpenAIReviewer(JudgeConfig(base_url=fake.base_url, api_key=fake.api_key,
                                              model="bench", timeout_seconds=30))
        worker = ReviewWorker(self.store, reviewer, lambda: T0)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop, poll_seconds=0.01))
        while not self.stop.is_set():
            await asyncio.sleep(0.01)
        stop.set()
        await task
        self.reviewed = worker.reviewed
        await reviewer.close()
        await fake.stop()


def hot_path(tmp: Path, runs: int, accounts: int) -> None:
    specs = bench_accounts(accounts)
    names = [a.account_id for a in specs]
    off = prepare(f"sqlite:///{tmp / 'off.db'}", specs)
    on = prepare(f"sqlite:///{tmp / 'on.db'}", specs)
    judge = BackgroundJudge(on.store)
    judge.thread.start()
    tag = uuid.uuid4().hex[:8]
    ms: dict[str, list[float]] = {"off": [], "on": []}
    for run in range(runs):
        for name, desk in (("off", off), ("on", on)):
            fact = announcement(tag, run)
            t0 = time.perf_counter()
            desk.runtime.ingest([fact])
            ms[name].append((time.perf_counter() - t0) * 1000)
            clear_queue(desk, names, signal_of(fact))  # untimed, as bench/hot_path
    judge.stop.set()
    judge.thread.join(30)
    on.runtime.pump()
    reviews = on.runtime.view.counts["CardReviewed"]
    print(f"\nhot path, {runs} runs each, alternating; {accounts} accounts; the 'on' desk's "
          f"worker reviewed {reviews} cards meanwhile")
    for name in ("off", "on"):
        s = sorted(ms[name][5:])
        print(f"  reviews {name:<3}: p50 {percentile(s, 50):6.2f}  p90 {percentile(s, 90):6.2f}"
              f"  p99 {percentile(s, 99):6.2f} ms")
    p99 = {k: percentile(sorted(v[5:]), 99) for k, v in ms.items()}
    p50 = {k: percentile(sorted(v[5:]), 50) for k, v in ms.items()}
    print(f"  ratio on/off: p50 {p50['on'] / p50['off']:.2f}  p99 {p99['on'] / p99['off']:.2f}")
    off.store.close()
    on.store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model-ms", type=float, default=50.0,
                        help="the fake model's latency for the latency-bound run")
    parser.add_argument("--runs", type=int, default=300, help="hot path runs per desk")
    parser.add_argument("--accounts", type=int, default=20)
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    tmp = Path(tempfile.mkdtemp(prefix="bench-judge-"))
    print(f"load average at start: {loadavg()}")
    for label, kind, model_ms in (("llm fake, instant", "llm", 0.0),
                                  ("rule-based (no HTTP)", "rules", 0.0),
                                  (f"llm fake, {args.model_ms:g} ms a call", "llm",
                                   args.model_ms)):
        cards = args.cards if model_ms == 0 else min(args.cards, 400)
        elapsed, done, server_s = asyncio.run(review_all(
            f"sqlite:///{tmp / f'{kind}-{model_ms:g}.db'}", cards, kind, args.concurrency,
            model_ms))
        bound = (f"; the model's latency alone allows {args.concurrency * 1000 / model_ms:,.0f}"
                 " cards/s") if model_ms else ""
        print(f"{label:<24}: {done:,} cards in {elapsed:.2f} s = {done / elapsed:8,.0f} cards/s"
              f" ({args.concurrency} in flight; the fake's handlers ran {server_s:.2f} s of "
              f"it on the same cores){bound}")
    hot_path(tmp, args.runs, args.accounts)
    print(f"load average at end: {loadavg()}")


if __name__ == "__main__":
    main(sys.argv[1:])
