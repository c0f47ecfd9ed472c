"""Approve or reject from a Telegram message, end to end on loopback: the outbox sends the
waiting cards to the fake Bot API (`devtools.telegram_fake`), which presses buttons on the
desk's webhook as Telegram does. The decision takes the API's command path, records
`operator:<name> via telegram`, works once, and refuses spoofed and replayed presses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.notify.telegram import TelegramNotifier
from api.app import create_app
from api.context import STATE
from api.server import start
from api.telegram_hook import PATH, mount
from api.tokens import parse
from devtools.telegram_fake import ChatMessage, FakeBotApi
from domain.events import CardApproved, CardRejected
from domain.notify import TOPICS, ChatOperator
from streams.bootstrap import AnyDesk, bootstrap, wall_clock
from streams.notify.outbox import Outbox, Recipient
from tests.served import INSTRUMENTS, WAITING, copy_store, seed_sample_day

SECRET = "webhook-secret_42"
API_TOKEN = "console-approver-token-0123456789"
ASHA = ChatOperator("asha", "approver", 1111, 1111, frozenset(TOPICS))
VIC = ChatOperator("vic", "viewer", 3333, 3333, frozenset(TOPICS))
CARD = WAITING[0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("notify") / "desk.db")


@dataclass
class Desk:
    desk: AnyDesk
    bot: FakeBotApi
    hook: str
    api: str

    def message(self, chat_id: int, card_id: str = CARD) -> ChatMessage:
        [message] = [m for m in self.bot.chat(chat_id) if card_id in m.text]
        return message

    async def press(self, user_id: int, action: str, *, secret: str = SECRET,
                    message: ChatMessage | None = None, callback_id: str | None = None,
                    ) -> tuple[int, dict[str, str]]:
        shown = message or self.message(1111)
        data = next(d for d in shown.buttons if d.startswith(action)) if shown.buttons else \
            f"{action}:gone"
        return await self.bot.press(self.hook, secret,
                                    self.bot.update(user_id, shown, data, callback_id))

    def decisions(self, card_id: str = CARD) -> list[CardApproved | CardRejected]:
        return [e.payload for e in self.desk.store.stream(card_id)
                if isinstance(e.payload, CardApproved | CardRejected)]


@pytest_asyncio.fixture
async def served(seeded: Path, tmp_path: Path) -> AsyncIterator[Desk]:
    db = copy_store(seeded, tmp_path)
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    bot = FakeBotApi()
    await bot.start()
    notifier = TelegramNotifier(bot.base_url, bot.token)
    app = create_app(desk, parse(f"carol:approver:{API_TOKEN}"))
    mount(app, notifier, (ASHA, VIC), SECRET)
    runner, port = await start(app, "127.0.0.1", 0)
    outbox = Outbox(desk.store, notifier, [Recipient("asha", "1111", frozenset(TOPICS))],
                    desk.clock, write=app[STATE].gate.write)
    await outbox.drain()
    try:
        yield Desk(desk, bot, f"http://127.0.0.1:{port}{PATH}", f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
        app[STATE].gate.close()
        await notifier.close()
        await bot.stop()
        desk.store.close()


@pytest.mark.asyncio
async def test_press_when_an_approver_presses_approve_then_the_card_is_approved_once(
    served: Desk,
) -> None:
    status, _ = await served.press(1111, "ap")

    [decision] = served.decisions()
    assert status == 200 and isinstance(decision, CardApproved)
    assert decision.approved_by == "operator:asha via telegram"
    shown = served.message(1111)
    assert shown.buttons == [] and "approved by operator:asha via telegram" in shown.text
    assert served.bot.answers[-1]["text"] == "Card approved."


@pytest.mark.asyncio
async def test_press_when_reject_is_pressed_then_the_card_is_rejected_with_a_reason(
    served: Desk,
) -> None:
    status, _ = await served.press(1111, "rj")

    [decision] = served.decisions()
    assert status == 200 and isinstance(decision, CardRejected)
    assert decision.rejected_by == "operator:asha via telegram"
    assert decision.reason == "rejected from a Telegram message"


@pytest.mark.asyncio
@pytest.mark.parametrize("user_id,secret,expected", [
    (1111, "wrong-secret", 401),  # not Telegram (or not our webhook)
    (1111, "", 401),
    (9999, SECRET, 403),  # a stranger who got hold of the message
    (3333, SECRET, 403),  # a viewer may not decide
])
async def test_press_when_spoofed_then_refused_and_the_card_keeps_waiting(
    served: Desk, user_id: int, secret: str, expected: int,
) -> None:
    status, _ = await served.press(user_id, "ap", secret=secret)

    assert status == expected
    assert served.decisions() == []
    assert served.desk.runtime.view.cards[CARD].status == "PROPOSED"


@pytest.mark.asyncio
async def test_press_when_replayed_or_pressed_again_then_refused_and_one_decision_stands(
    served: Desk,
) -> None:
    before = served.message(1111)
    shown = ChatMessage(before.chat_id, before.message_id, before.text, list(before.buttons))
    first, _ = await served.press(1111, "ap", message=shown, callback_id="cb-once")

    replayed, _ = await served.press(1111, "ap", message=shown, callback_id="cb-once")
    again, answer = await served.press(1111, "rj", message=shown)  # a stale message's button

    assert (first, replayed, again) == (200, 409, 409)
    assert "not pending" in answer["reason"] or "approved" in answer["reason"].lower()
    assert [type(d) for d in served.decisions()] == [CardApproved]


@pytest.mark.asyncio
async def test_press_when_racing_an_approval_from_the_api_then_exactly_one_wins(
    served: Desk,
) -> None:
    async def console() -> int:
        async with aiohttp.ClientSession() as session, session.post(
            f"{served.api}/api/v1/cards/{CARD}/approve",
            headers={"Authorization": f"Bearer {API_TOKEN}"}) as response:
            return response.status

    (chat, _), api = await asyncio.gather(served.press(1111, "ap"), console())

    assert sorted([chat, api]) == [200, 409]
    [decision] = served.decisions()
    assert isinstance(decision, CardApproved)
    winner = "operator:asha via telegram" if chat == 200 else "operator:carol"
    assert decision.approved_by == winner
    assert served.message(1111).buttons == []  # the loser's message shows the outcome too


@pytest.mark.asyncio
async def test_update_when_it_is_not_a_button_press_then_it_is_ignored(served: Desk) -> None:
    status, answer = await served.bot.press(served.hook, SECRET,
                                            {"update_id": 1, "message": {"text": "hi"}})

    assert status == 200 and answer["ignored"] == "not a button press"
