"""Approve or reject from a Discord message, end to end on loopback: the outbox posts the
waiting cards through the fake Discord API (`devtools.discord_fake`) as the bot, and a
Discord user presses the buttons by sending interactions signed with an Ed25519 key made
here. The decision takes the API's command path, records `operator:<name> via discord`,
works once, and refuses spoofed, stale and replayed interactions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.notify.discord import DiscordNotifier
from api.app import create_app
from api.context import STATE
from api.discord_hook import HOOK, PATH, mount
from api.server import start
from api.tokens import parse
from devtools.discord_fake import ChannelMessage, DiscordUser, FakeDiscordApi
from domain.events import CardApproved, CardRejected
from domain.notify import TOPICS, ChatOperator
from streams.bootstrap import AnyDesk, bootstrap, wall_clock
from streams.notify.outbox import Outbox, Recipient
from tests.served import INSTRUMENTS, WAITING, copy_store, seed_sample_day

API_TOKEN = "console-approver-token-0123456789"
ASHA = ChatOperator(
    "asha", "approver", 0, 0, frozenset(TOPICS), discord_user_id=2001, discord_channel_id="3001"
)
VIC = ChatOperator("vic", "viewer", 0, 0, frozenset(TOPICS), discord_user_id=2003)
CARD = WAITING[0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("discord") / "desk.db")


@dataclass
class Desk:
    desk: AnyDesk
    api: FakeDiscordApi
    app: Any
    key: Ed25519PrivateKey
    url: str

    def message(self, card_id: str = CARD) -> ChannelMessage:
        [message] = [m for m in self.api.channel("3001") if card_id in m.content]
        return message

    def user(self, user_id: int) -> DiscordUser:
        return DiscordUser(self.api, self.key, user_id)

    async def press(self, user_id: int, action: str, **signing: Any) -> tuple[int, Any]:
        shown = self.message()
        custom_id = next(c for c in shown.buttons if c.startswith(action))
        answer = await self.user(user_id).post(
            self.url, self.user(user_id).interaction(shown, custom_id), **signing
        )
        await self.settled()
        return answer

    async def settled(self) -> None:
        """Wait for the decisions the endpoint deferred (each answered within 3 s)."""
        await asyncio.gather(*self.app[HOOK].running)

    def decisions(self, card_id: str = CARD) -> list[CardApproved | CardRejected]:
        return [
            e.payload
            for e in self.desk.store.stream(card_id)
            if isinstance(e.payload, CardApproved | CardRejected)
        ]


@pytest_asyncio.fixture
async def served(seeded: Path, tmp_path: Path) -> AsyncIterator[Desk]:
    db = copy_store(seeded, tmp_path)
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    api = FakeDiscordApi()
    await api.start()
    key = Ed25519PrivateKey.generate()
    bot = DiscordNotifier(api.base_url, api.token, api.application_id)
    app = create_app(desk, parse(f"carol:approver:{API_TOKEN}"))
    mount(app, bot, (ASHA, VIC), DiscordUser.public_key_hex(key))
    runner, port = await start(app, "127.0.0.1", 0)
    outbox = Outbox(
        desk.store,
        bot,
        [Recipient("asha", "3001", frozenset(TOPICS))],
        desk.clock,
        write=app[STATE].gate.write,
        name="notify-discord",
    )
    await outbox.drain()
    try:
        yield Desk(desk, api, app, key, f"http://127.0.0.1:{port}{PATH}")
    finally:
        await runner.cleanup()
        app[STATE].gate.close()
        await bot.close()
        await api.stop()
        desk.store.close()


@pytest.mark.asyncio
async def test_interaction_when_discord_pings_then_the_endpoint_answers_pong(
    served: Desk,
) -> None:
    user = served.user(2001)

    assert await user.post(served.url, user.ping()) == (200, {"type": 1})


@pytest.mark.asyncio
async def test_outbox_when_cards_wait_then_the_bot_posts_them_with_approve_and_reject(
    served: Desk,
) -> None:
    shown = served.message()

    assert [c[:3] for c in shown.buttons] == ["ap:", "rj:"]
    assert all(len(c) <= 100 for c in shown.buttons)
    assert "Expires" in shown.content and "Thesis:" in shown.content


@pytest.mark.asyncio
async def test_press_when_an_approver_presses_approve_then_the_card_is_approved_once(
    served: Desk,
) -> None:
    status, answer = await served.press(2001, "ap")

    [decision] = served.decisions()
    assert (status, answer) == (200, {"type": 6})  # deferred: the spinner stops at once
    assert isinstance(decision, CardApproved)
    assert decision.approved_by == "operator:asha via discord"
    shown = served.message()
    assert shown.buttons == [] and "approved by operator:asha via discord" in shown.content
    assert served.api.followups[-1] == {"content": "Card approved.", "flags": 64}


@pytest.mark.asyncio
async def test_press_when_reject_is_pressed_then_the_card_is_rejected_with_a_reason(
    served: Desk,
) -> None:
    await served.press(2001, "rj")

    [decision] = served.decisions()
    assert isinstance(decision, CardRejected)
    assert decision.rejected_by == "operator:asha via discord"
    assert decision.reason == "rejected from a Discord message"


@pytest.mark.asyncio
@pytest.mark.parametrize("spoof", ["another key", "tampered body", "stale", "no signature"])
async def test_press_when_the_signature_is_spoofed_then_refused_401_and_nothing_decided(
    served: Desk,
    spoof: str,
) -> None:
    user = served.user(2001)
    shown = served.message()
    interaction = user.interaction(shown, shown.buttons[0])
    signing: dict[str, Any] = {
        "another key": {"key": Ed25519PrivateKey.generate()},
        "tampered body": {
            "body": json.dumps(
                {
                    **interaction,
                    "member": {"user": {"id": "2001"}},
                    "data": {"custom_id": shown.buttons[1]},
                }
            ).encode()
        },
        "stale": {"timestamp": 1_000_000_000},
        "no signature": {},
    }[spoof]

    if spoof == "no signature":
        async with (
            aiohttp.ClientSession() as session,
            session.post(served.url, json=interaction) as response,
        ):
            status = response.status
    else:
        status, _ = await user.post(served.url, interaction, **signing)

    assert status == 401
    assert served.decisions() == []
    assert served.desk.runtime.view.cards[CARD].status == "PROPOSED"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "user_id,told",
    [
        (9999, "You are not a desk operator."),  # a stranger in the channel
        (2003, "vic: your role may not decide cards."),  # a viewer
    ],
)
async def test_press_when_the_presser_may_not_decide_then_only_they_are_told_and_it_waits(
    served: Desk,
    user_id: int,
    told: str,
) -> None:
    status, answer = await served.press(user_id, "ap")

    assert status == 200
    assert answer == {"type": 4, "data": {"content": told, "flags": 64}}
    assert served.decisions() == [] and served.message().buttons != []


@pytest.mark.asyncio
async def test_press_when_the_interaction_is_replayed_then_refused_and_one_decision_stands(
    served: Desk,
) -> None:
    user = served.user(2001)
    shown = served.message()
    approve, reject = shown.buttons
    interaction = user.interaction(shown, approve)

    first, _ = await user.post(served.url, interaction)
    replayed, _ = await user.post(served.url, interaction)  # the same signed request again
    await served.settled()
    again = user.interaction(shown, reject)  # a fresh press on a stale button
    await user.post(served.url, again)
    await served.settled()

    assert (first, replayed) == (200, 409)
    assert [type(d) for d in served.decisions()] == [CardApproved]
    assert "not waiting for a decision" in served.api.followups[-1]["content"]


@pytest.mark.asyncio
async def test_press_when_racing_an_approval_from_the_api_then_exactly_one_wins(
    served: Desk,
) -> None:
    async def console() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{served.url.split(':')[2].split('/')[0]}"
                f"/api/v1/cards/{CARD}/approve",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            ) as response,
        ):
            return response.status

    (chat, _), api = await asyncio.gather(served.press(2001, "ap"), console())

    [decision] = served.decisions()
    assert chat == 200 and isinstance(decision, CardApproved)
    assert decision.approved_by in ("operator:asha via discord", "operator:carol")
    assert (api == 200) == (decision.approved_by == "operator:carol")
    assert served.message().buttons == []  # the message shows the outcome either way


@pytest.mark.asyncio
async def test_interaction_when_it_is_not_a_button_press_then_nothing_is_decided(
    served: Desk,
) -> None:
    user = served.user(2001)
    command = {**user.ping(), "type": 2, "data": {"name": "approve-all"}}

    status, answer = await user.post(served.url, command)

    assert status == 200 and answer["data"]["flags"] == 64
    assert served.decisions() == []
