"""The notification outbox against a local fake channel: the Telegram Bot API (default),
the Discord HTTP API, or a signed-webhook receiver.

    uv run python -m bench.notify [--channel telegram|discord|webhook] [--cards 2000]
                                  [--paced 600] [--rate 1000]

1. Throughput. A fresh SQLite store holds `--cards` proposed cards (untimed); the outbox
   delivers them all (log read, one HTTP call each, a `NotificationSent` stream per
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from adapters.eventstore.store import DeskStore
from adapters.notify import discord_wire, telegram_wire
from adapters.notify.discord import DiscordNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.webhook import WebhookNotifier
from devtools.discord_fake import FakeDiscordApi
from devtools.service import serve_loopback
from devtools.telegram_fake import FakeBotApi
from domain.aggregates import Cause, TradeCard
from domain.events import CardProposed
from domain.notify import TOPICS, Message, render
from domain.values import Horizon, Side
from streams.notify.outbox import Outbox, Recipient
from streams.ports import Notifier

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


@dataclass
class Rig:
    """A channel's fake, the desk's notifier for it, and the bare peer's request."""

    notifier: Notifier
    url: str  # where the bare peer posts
    body: Callable[[Message], dict[str, Any]]
    headers: dict[str, str]
    accepted: Callable[[], list[tuple[str, float]]]  # (text, perf_counter when accepted)
    stop: Callable[[], Awaitable[None]]


async def telegram_rig() -> Rig:
    bot = FakeBotApi()
    await bot.start()
    return Rig(TelegramNotifier(bot.base_url, bot.token),
               f"{bot.base_url}/bot{bot.token}/sendMessage",
               lambda m: telegram_wire.send_body(str(CHAT), m), {},
               lambda: [(m.text, m.accepted_at) for m in bot.messages.values()], bot.stop)


async def discord_rig() -> Rig:
    api = FakeDiscordApi()
    await api.start()
    return Rig(DiscordNotifier(api.base_url, api.token, api.application_id),
               f"{api.base_url}/channels/{CHAT}/messages", discord_wire.send_body,
               {"Authorization": f"Bot {api.token}"},
               lambda: [(m.content, m.accepted_at) for m in api.messages.values()], api.stop)


async def webhook_rig() -> Rig:
    """A receiver that records each message as it accepts it (no signature check: the
    peer posts unsigned; the desk's side signs every request)."""
    got: list[tuple[str, float]] = []

    async def receive(request: web.Request) -> web.Response:
        document = await request.json()
        got.append((document["text"], time.perf_counter()))
        return web.json_response({"id": str(len(got))})

    app = web.Application()
    app.router.add_post("/desk", receive)
    runner, port = await serve_loopback(app)
    url = f"http://127.0.0.1:{port}/desk"
    return Rig(WebhookNotifier(url, b"bench-secret-0123456789abcdef"), url,
               lambda m: {"kind": "message", "chat": str(CHAT), "text": m.text,
                          "card_id": m.card_id}, {}, lambda: got, runner.cleanup)


RIGS: dict[str, Callable[[], Awaitable[Rig]]] = {
    "telegram": telegram_rig, "discord": discord_rig, "webhook": webhook_rig}


def _card(i: int, prefix: str) -> TradeCard:
    card_id = f"card-bench-{prefix}-{i:06d}"
    card = TradeCard(card_id)
    card.propose(proposal(card_id=card_id), Cause(T0, T0, "strategy:bench", f"c-{i}"))
    return card


async def throughput(channel: str, cards: int, concurrency: int, folder: Path) -> None:
    store = DeskStore(f"sqlite:///{folder / 'throughput.db'}")
    for start in range(0, cards, 500):
        store.commit(*(_card(i, "t") for i in range(start, min(cards, start + 500))))
    rig = await RIGS[channel]()
    notifier = rig.notifier
    outbox = Outbox(store, notifier, [RECIPIENT], lambda: T0, concurrency=concurrency)
    began = time.perf_counter()
    sent = await outbox.drain()
    outbox_s = time.perf_counter() - began
    messages = [render(proposal(card_id=f"card-bench-t-{i:06d}")) for i in range(cards)]
    limit = asyncio.Semaphore(concurrency)

    async def post(session: aiohttp.ClientSession, body: dict[str, object]) -> None:
        async with limit, session.post(rig.url, json=body, headers=rig.headers) as response:
            await response.read()

    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        await asyncio.gather(*(post(session, rig.body(m[1]))
                               for m in messages if m is not None))
        bare_s = time.perf_counter() - began
    await notifier.close()
    await rig.stop()
    store.close()
    print(f"{channel} throughput, {cards} cards, {concurrency} in flight:")
    print(f"  outbox (log + HTTP call + NotificationSent): {sent / outbox_s:8.0f} msg/s")
    print(f"  bare aiohttp loop (peer, no log):            {cards / bare_s:8.0f} msg/s")
    print(f"  outbox / bare: {outbox_s / bare_s:.2f}x the time")


async def latency(channel: str, cards: int, per_minute: int, folder: Path) -> None:
    url = f"sqlite:///{folder / 'latency.db'}"
    store = DeskStore(url)
    rig = await RIGS[channel]()
    notifier = rig.notifier
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
        if len(rig.accepted()) >= cards:
            break
        await asyncio.sleep(0.02)
    backlog = cards - len(rig.accepted())
    stop.set()
    await running
    waits = sorted((at - committed[text.split()[2]]) * 1000 for text, at in rig.accepted())
    await notifier.close()
    await rig.stop()
    store.close()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(f"{channel} latency, {cards} cards at {per_minute}/min, outbox polling every 20 ms:")
    print(f"  card committed -> message accepted: p50 {statistics.median(waits):.1f} ms,"
          f" p99 {p99:.1f} ms, max {waits[-1]:.1f} ms; backlog at the end: {backlog}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", choices=sorted(RIGS), default="telegram")
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--paced", type=int, default=600, help="cards in the latency run")
    parser.add_argument("--rate", type=int, default=1000, help="cards a minute, latency run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(throughput(args.channel, args.cards, args.concurrency, Path(folder)))
        asyncio.run(latency(args.channel, args.paced, args.rate, Path(folder)))


if __name__ == "__main__":
    main()
