"""The notification outbox against a local fake of the Telegram Bot API
(`devtools.telegram_fake`): new cards reach subscribed operators with Approve/Reject
buttons, each (event, channel) once; under an outage failures are recorded with their
reason and, after recovery, nothing is lost and nothing is sent twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio

from adapters.eventstore.store import DeskStore
from adapters.notify.telegram import TelegramNotifier
from devtools.telegram_fake import FakeBotApi
from domain.aggregates import Cause, RiskGuard, TradeCard
from domain.events import NotificationFailed, NotificationSent, Payload
from domain.ids import risk_stream
from domain.money import ZERO
from streams.notify.outbox import Outbox, Recipient
from tests.unit.conftest import T0, proposal

ASHA = Recipient("asha", "1111", frozenset({"cards", "kill_switches"}))
P = TypeVar("P", bound=Payload)
RAVI = Recipient("ravi", "2222", frozenset({"kill_switches"}))


@pytest_asyncio.fixture
async def bot() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture
async def notifier(bot: FakeBotApi) -> AsyncIterator[TelegramNotifier]:
    telegram = TelegramNotifier(bot.base_url, bot.token, timeout_seconds=5)
    yield telegram
    await telegram.close()


def _store(tmp_path: Path, cards: int = 1) -> DeskStore:
    store = DeskStore(f"sqlite:///{tmp_path / 'notify.db'}")
    for i in range(cards):
        card_id = f"card-acc-1-buyback-TCS-20250106{i:04d}-with-a-long-tail"
        card = TradeCard(card_id)
        card.propose(proposal(card_id=card_id), Cause(T0, T0, "strategy:buyback", f"corr-{i}"))
        store.commit(card)
    return store


def _outbox(store: DeskStore, notifier: TelegramNotifier, *recipients: Recipient) -> Outbox:
    return Outbox(store, notifier, recipients or (ASHA, RAVI), lambda: T0,
                  backoff_seconds=0.01, max_backoff_seconds=0.05)


def _logged(store: DeskStore, kind: type[P]) -> list[P]:
    return [r.event.payload for r in store.read_all() if isinstance(r.event.payload, kind)]


@pytest.mark.asyncio
async def test_outbox_when_a_card_is_proposed_then_subscribers_get_it_with_buttons_once(
    tmp_path: Path, bot: FakeBotApi, notifier: TelegramNotifier,
) -> None:
    store = _store(tmp_path)

    sent = await _outbox(store, notifier).drain()
    again = await _outbox(store, notifier).drain()  # a restart resumes past it

    [message] = bot.chat(1111)
    assert sent == 1 and again == 0
    assert "BUY 100 TCS" in message.text and "stop 490" in message.text
    assert "buyback announced" in message.text and "Expires 06 Jan 10:00 IST" in message.text
    assert [d[:3] for d in message.buttons] == ["ap:", "rj:"]
    assert all(len(d.encode()) <= 64 for d in message.buttons)
    assert bot.chat(2222) == []  # ravi is told of kill switches only
    [record] = _logged(store, NotificationSent)
    assert record.operator == "asha" and record.channel == "telegram-1111"
    assert record.message_id == f"1111:{message.message_id}"


@pytest.mark.asyncio
async def test_outbox_when_a_kill_switch_trips_then_every_subscriber_is_told(
    tmp_path: Path, bot: FakeBotApi, notifier: TelegramNotifier,
) -> None:
    store = _store(tmp_path, cards=0)
    guard = RiskGuard(risk_stream("desk"))
    guard.trip("daily loss limit", "operator", ZERO, ZERO, Cause(T0, T0, "operator:x", "c"))
    store.commit(guard)

    await _outbox(store, notifier).drain()

    assert ["KILL SWITCH" in m.text for m in bot.chat(1111) + bot.chat(2222)] == [True, True]
    assert bot.chat(1111)[0].buttons == []


@pytest.mark.asyncio
async def test_outbox_when_the_channel_is_down_then_failures_are_recorded_and_nothing_is_lost(
    tmp_path: Path, bot: FakeBotApi, notifier: TelegramNotifier,
) -> None:
    store = _store(tmp_path, cards=5)
    outbox = _outbox(store, notifier)
    bot.fail_next(10**6)

    for _ in range(3):
        await outbox.run_once()

    failures = _logged(store, NotificationFailed)
    assert bot.chat(1111) == [] and outbox.retry_in > 0
    assert len(failures) == 15 and {f.attempt for f in failures} == {1, 2, 3}
    assert all(f.reason == "telegram 500: Internal Server Error" for f in failures)
    assert store.tracked("notify") == 0  # the position waits for the channel

    bot.fail_next(2)  # still flaky as it recovers
    for _ in range(5):
        await outbox.run_once()
    await _outbox(store, notifier).drain()  # and a restart after recovery

    texts = [m.text for m in bot.chat(1111)]
    assert len(texts) == 5 and len(set(texts)) == 5  # all five cards, each once
    assert len(_logged(store, NotificationSent)) == 5
    assert bot.token not in " ".join(f.reason for f in _logged(store, NotificationFailed))


@pytest.mark.asyncio
@pytest.mark.parametrize("decide,shown", [
    ("approve", "approved by operator:carol"),
    ("reject", "rejected by operator:carol: too late in the day"),
])
async def test_outbox_when_a_card_is_decided_elsewhere_then_its_message_shows_the_outcome(
    tmp_path: Path, bot: FakeBotApi, notifier: TelegramNotifier, decide: str, shown: str,
) -> None:
    store = _store(tmp_path)
    outbox = _outbox(store, notifier)
    await outbox.drain()
    [proposed] = [r.event for r in store.read_all() if r.event.stream_id.startswith("card-")]
    card = store.load(TradeCard, proposed.stream_id)
    cause = Cause(T0, T0, "operator:carol", "corr-0")
    if decide == "approve":
        card.approve("operator:carol", T0, (), cause)
    else:
        card.reject("operator:carol", "too late in the day", T0, cause)
    store.commit(card)

    await outbox.drain()

    [message] = bot.chat(1111)
    assert shown in message.text and message.buttons == []


@pytest.mark.asyncio
async def test_outbox_when_a_chat_blocked_the_bot_then_it_is_given_up_and_others_still_hear(
    tmp_path: Path, bot: FakeBotApi, notifier: TelegramNotifier,
) -> None:
    store = _store(tmp_path, cards=2)
    bot.blocked.add(2222)
    everything = Recipient("ravi", "2222", frozenset({"cards"}))
    outbox = _outbox(store, notifier, ASHA, everything)

    await outbox.drain()
    await outbox.drain()

    assert len(bot.chat(1111)) == 2 and outbox.retry_in == 0
    failures = _logged(store, NotificationFailed)
    assert [(f.operator, f.given_up, f.attempt) for f in failures] == [("ravi", True, 1)] * 2
    assert failures[0].reason == "telegram 403: Forbidden: bot was blocked by the user"
    assert store.tracked("notify") == 2  # past both cards (log positions 1 and 2)
