"""One review-throughput run, for `bench.judge`: a fresh SQLite store holding `--cards`
proposed cards (untimed), then the review worker reviews them all, with `--concurrency`
requests in flight, through the OpenAI-compatible reviewer against a chat server already
running at `--base-url` (another process: its work is not on this process's clock), or
through the rule-based reviewer (`--reviewer rules`: no HTTP). Prints one JSON line: wall
seconds, this process's CPU seconds (the desk-side cost), reviews concluded.

It imports only what every version of the judge has, so `bench.judge --peer DIR` runs this
same file against another checkout (`PYTHONPATH=DIR`) for a side-by-side comparison.

    python bench/judge_throughput.py --cards 1000 --base-url http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import structlog

from adapters.eventstore.store import DeskStore
from adapters.llm.config import JudgeConfig
from adapters.llm.openai_reviewer import OpenAIReviewer
from adapters.llm.rules import RuleReviewer
from domain.aggregates import Cause, TradeCard
from domain.events import CardProposed
from domain.review import DEFAULT_PROMPT
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


async def review_all(store: DeskStore, reviewer: Reviewer) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, reviews concluded) reviewing `store`,
    after one untimed review (the SDK's lazy imports, the first connection)."""
    first = next(r.event.payload for r in store.read_all()
                 if isinstance(r.event.payload, CardProposed))
    await reviewer.review(first, DEFAULT_PROMPT, [])
    worker = ReviewWorker(store, reviewer, lambda: T0, batch=512)
    wall, cpu = time.perf_counter(), time.process_time()
    done = await worker.drain()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await reviewer.close()
    return wall, cpu, done


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reviewer", choices=("llm", "rules"), default="llm")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--api-key", default="test-key")
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    store = seed_cards(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-judge-')) / 'd.db'}",
                       args.cards)
    reviewer: Reviewer = RuleReviewer() if args.reviewer == "rules" else OpenAIReviewer(
        JudgeConfig(base_url=args.base_url, api_key=args.api_key, model="bench",
                    concurrency=args.concurrency, timeout_seconds=30))
    wall, cpu, done = asyncio.run(review_all(store, reviewer))
    store.close()
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "reviews": done}))


if __name__ == "__main__":
    main(sys.argv[1:])
