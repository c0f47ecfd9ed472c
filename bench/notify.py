"""The notification outbox against the local fake Telegram Bot API.

    uv run python -m bench.notify [--cards 2000] [--paced 600] [--rate 1000]

1. Throughput. A fresh SQLite store holds `--cards` proposed cards (untimed); the outbox
   delivers them all (log read, one HTTP sendMessage each, a `NotificationSent` stream per
   card, the tracking position) — messages/s. Side by side, the peer: the same messages
   posted by a bare aiohttp loop with the same concurrency and no log at all. Their ratio
   is what the outbox's guarantees cost.
2. Latency under load. Cards are committed by another thread at `--rate` a minute while
   the outbox runs (poll 20 ms); for each, the time from its commit to the fake accepting
   its message: p50/p99, and whether the outbox kept up (backlog at the end).
Both the desk and the fake share the machine's cores; figures depend on its load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp

from adapters.eventstore.store import DeskStore
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_wire import send_body
from devtools.telegram_fake import FakeBotApi
from domain.aggregates import Cause, TradeCard
from domain.events import CardProposed
from domain.notify import TOPICS, render
from domain.values import Horizon, Side
from streams.notify.outbox import Outbox, Recipient

CHAT = 1111
RECIPIENT = Recipient("asha", str(CHAT), frozenset(TOPICS))
T0 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def proposal(card_id: str) -> CardProposed:
    """A buy of 100 TCS at 500 (stop 490, target 530) waiting half an hour."""
    return CardProposed(
        card_id=card_id, account_id="acc-1", signal_id="sig-1", strategy="buyback",
        symbol="TCS", side=Side.BUY, quantity=100, reference_price=Decimal(500),
        stop=Decimal(490), target=Decimal(530), horizon=Horizon.SWING,
        expires_at=T0 + timedelta(minutes=30), mandate_version=1,
        thesis="buyback announced at a premium", sizing="bench", expected_cost=Decimal("114.33"),
        guardrails=(), evidence=())


def _card(i: int, prefix: str) -> TradeCard:
    card_id = f"card-bench-{prefix}-{i:06d}"
    card = TradeCard(card_id)
    card.propose(proposal(card_id=card_id), Cause(T0, T0, "strategy:bench", f"c-{i}"))
    return card


async def throughput(cards: int, concurrency: int, folder: Path) -> None:
    store = DeskStore(f"sqlite:///{folder / 'throughput.db'}")
    for start in range(0, cards, 500):
        store.commit(*(_card(i, "t") for i in range(start, min(cards, start + 500))))
    bot = FakeBotApi()
    await bot.start()
    notifier = TelegramNotifier(bot.base_url, bot.token)
    outbox = Outbox(store, notifier, [RECIPIENT], lambda: T0, concurrency=concurrency)
    began = time.perf_counter()
    sent = await outbox.drain()
    outbox_s = time.perf_counter() - began
    messages = [render(proposal(card_id=f"card-bench-t-{i:06d}")) for i in range(cards)]
    limit = asyncio.Semaphore(concurrency)

    async def post(session: aiohttp.ClientSession, body: dict[str, object]) -> None:
        async with limit, session.post(f"{bot.base_url}/bot{bot.token}/sendMessage",
                                       json=body) as response:
            await response.read()

    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        await asyncio.gather(*(post(session, send_body(str(CHAT), m[1]))
                               for m in messages if m is not None))
        bare_s = time.perf_counter() - began
    await notifier.close()
    await bot.stop()
    store.close()
    print(f"throughput, {cards} cards, {concurrency} in flight:")
    print(f"  outbox (log + sendMessage + NotificationSent): {sent / outbox_s:8.0f} msg/s")
    print(f"  bare aiohttp sendMessage loop (peer, no log):  {cards / bare_s:8.0f} msg/s")
    print(f"  outbox / bare: {outbox_s / bare_s:.2f}x the time")


async def latency(cards: int, per_minute: int, folder: Path) -> None:
    url = f"sqlite:///{folder / 'latency.db'}"
    store = DeskStore(url)
    bot = FakeBotApi()
    await bot.start()
    notifier = TelegramNotifier(bot.base_url, bot.token)
    outbox = Outbox(store, notifier, [RECIPIENT], lambda: T0)
    stop = asyncio.Event()
    committed: dict[str, float] = {}

    def writer() -> None:
        other = DeskStore(url)  # another process's writer, as the desk's would be
        gap = 60.0 / per_minute
        for i in range(cards):
            due = time.perf_counter() + gap
            card = _card(i, "l")
            other.commit(card)
            committed[card.id] = time.perf_counter()
            time.sleep(max(0.0, due - time.perf_counter()))
        other.close()

    running = asyncio.create_task(outbox.run(stop, poll_seconds=0.02))
    thread = threading.Thread(target=writer)
    thread.start()
    await asyncio.to_thread(thread.join)
    for _ in range(500):  # the tail: at most 10 s for the last messages
        if len(bot.messages) >= cards:
            break
        await asyncio.sleep(0.02)
    backlog = cards - len(bot.messages)
    stop.set()
    await running
    waits = sorted((m.accepted_at - committed[m.text.split()[2]]) * 1000
                   for m in bot.messages.values())
    await notifier.close()
    await bot.stop()
    store.close()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(f"latency, {cards} cards at {per_minute}/min, outbox polling every 20 ms:")
    print(f"  card committed -> message accepted: p50 {statistics.median(waits):.1f} ms,"
          f" p99 {p99:.1f} ms, max {waits[-1]:.1f} ms; backlog at the end: {backlog}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--paced", type=int, default=600, help="cards in the latency run")
    parser.add_argument("--rate", type=int, default=1000, help="cards a minute, latency run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(throughput(args.cards, args.concurrency, Path(folder)))
        asyncio.run(latency(args.paced, args.rate, Path(folder)))


if __name__ == "__main__":
    main()
