"""`desk serve --notify-config FILE`: the outbox runs beside the API and the webhook is
mounted on it. A card proposed while the desk serves reaches the operator's Telegram
chat (the local fake Bot API) with buttons, and pressing Reject there decides it as
`operator:asha via telegram`."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.eventstore.store import DeskStore
from api.telegram_hook import PATH
from devtools.telegram_fake import SECRET_HEADER, FakeBotApi
from domain.aggregates import Cause, TradeCard
from domain.events import CardProposed, CardRejected
from tests.served import WAITING, DeskServer, copy_store, seed_sample_day

SECRET = "serve-secret-0042"
NEW_CARD = WAITING[0] + "-late"


@pytest.fixture
def bot() -> Iterator[FakeBotApi]:
    """The fake Bot API on a loop of its own thread (the test blocks on HTTP calls)."""
    fake, loop = FakeBotApi(), asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _propose_late_card(db: Path) -> None:
    """Another process proposes a card while the desk serves (a copy of a waiting one)."""
    store = DeskStore(f"sqlite:///{db}")
    first = store.stream(WAITING[0])[0]
    assert isinstance(first.payload, CardProposed)
    card = TradeCard(NEW_CARD)
    card.propose(first.payload.model_copy(update={"card_id": NEW_CARD}),
                 Cause(first.occurred_at, first.recorded_at, first.actor, "late-card"))
    store.commit(card)
    store.close()


def _wait_for_the_outbox(db: Path) -> None:
    """Until the outbox has taken its start (the log's head: history is not replayed)."""
    store = DeskStore(f"sqlite:///{db}")
    for _ in range(300):
        if store.tracked("notify"):
            break
        time.sleep(0.1)
    store.close()


def test_serve_when_notify_config_is_given_then_a_new_card_is_decided_from_telegram(
    tmp_path: Path, bot: FakeBotApi, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "seed").mkdir()
    db = copy_store(seed_sample_day(tmp_path / "seed" / "desk.db"), tmp_path)
    config = tmp_path / "notify.toml"
    config.write_text(f'[telegram]\napi_base = "{bot.base_url}"\ntoken_env = "T_TOKEN"\n'
                      'secret_env = "T_SECRET"\n\n[[operators]]\nname = "asha"\n'
                      'role = "approver"\ntelegram_user_id = 1111\n')
    monkeypatch.setenv("T_TOKEN", bot.token)
    monkeypatch.setenv("T_SECRET", SECRET)
    server = DeskServer(db, {"carol": ("approver", "a-long-enough-console-token")},
                        "--notify-config", str(config))
    try:
        _wait_for_the_outbox(db)
        _propose_late_card(db)
        for _ in range(300):  # bounded wait for the outbox to deliver
            shown = [m for m in bot.chat(1111) if NEW_CARD in m.text]
            if shown:
                break
            time.sleep(0.1)
        [message] = shown
        assert len(bot.chat(1111)) == 1  # the history before the start is not replayed
        update = bot.update(1111, message, next(d for d in message.buttons if d[:3] == "rj:"))

        answer = httpx.post(server.url + PATH, json=update, headers={SECRET_HEADER: SECRET},
                            timeout=10)
        refused = httpx.post(server.url + PATH, json=update, timeout=10)  # no secret
    finally:
        server.stop()

    assert answer.status_code == 200 and refused.status_code == 401
    store = DeskStore(f"sqlite:///{db}")
    [rejected] = [e.payload for e in store.stream(NEW_CARD)
                  if isinstance(e.payload, CardRejected)]
    assert rejected.rejected_by == "operator:asha via telegram"
    assert bot.chat(1111)[0].buttons == []
