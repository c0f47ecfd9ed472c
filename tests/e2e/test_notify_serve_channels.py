"""`desk serve --notify-config FILE` with Discord, a webhook and email and no Telegram: a
card proposed while the desk serves is posted by the bot to the operator's Discord channel
(the local fake Discord API), POSTed signed to the webhook receiver and mailed to her (a
local SMTP server); a signed press on its Approve button decides it as
`operator:asha via discord`, and the message then shows it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.eventstore.store import DeskStore
from api.discord_hook import PATH
from api.signing import SignatureCheck
from devtools.discord_fake import ChannelMessage, DiscordUser, FakeDiscordApi
from devtools.service import serve_loopback
from domain.events import CardApproved
from tests.e2e.test_notify_serve import NEW_CARD, _propose_late_card
from tests.served import DeskServer, copy_store, seed_sample_day

T = TypeVar("T")
HOOK_SECRET = b"e2e-webhook-secret-0123456789"


class Inbox:
    """Mail the local SMTP server accepted (raw bytes)."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.mails.append(envelope.original_content or b"")
        return "250 OK"


@dataclass
class Outside:
    """Discord, the webhook receiver and the mail server, on a loop of their own thread."""

    loop: asyncio.AbstractEventLoop
    discord: FakeDiscordApi
    inbox: Inbox
    smtp_port: int
    hook_url: str
    posted: list[tuple[dict[str, str], bytes]]

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


@pytest.fixture
def outside() -> Iterator[Outside]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    discord, inbox = FakeDiscordApi(), Inbox()
    posted: list[tuple[dict[str, str], bytes]] = []

    async def receive(request: web.Request) -> web.Response:
        posted.append((dict(request.headers), await request.read()))
        return web.json_response({"id": str(len(posted))})

    async def up() -> tuple[asyncio.Server, web.AppRunner, int]:
        await discord.start()
        app = web.Application()
        app.router.add_post("/desk", receive)
        runner, port = await serve_loopback(app)
        return await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0), runner, port

    server, runner, port = asyncio.run_coroutine_threadsafe(up(), loop).result(10)
    yield Outside(
        loop,
        discord,
        inbox,
        server.sockets[0].getsockname()[1],
        f"http://127.0.0.1:{port}/desk",
        posted,
    )
    server.close()
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    asyncio.run_coroutine_threadsafe(discord.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _until(found: Callable[[], T | None]) -> T:
    """Poll (bounded) until `found` gives something; the serving desk works on its own."""
    for _ in range(300):
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("not seen within 30 s")


def test_serve_when_discord_and_email_are_configured_then_a_card_is_decided_from_discord(
    tmp_path: Path,
    outside: Outside,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "seed").mkdir()
    db = copy_store(seed_sample_day(tmp_path / "seed" / "desk.db"), tmp_path)
    key = Ed25519PrivateKey.generate()
    config = tmp_path / "notify.toml"
    config.write_text(
        f'[discord]\napi_base = "{outside.discord.base_url}"\n'
        f'application_id = "{outside.discord.application_id}"\n'
        f'public_key = "{DiscordUser.public_key_hex(key)}"\ntoken_env = "D_TOKEN"\n\n'
        f'[webhook]\nurl = "{outside.hook_url}"\nsecret_env = "W_SECRET"\n\n'
        f'[email]\nhost = "127.0.0.1"\nport = {outside.smtp_port}\nsecurity = "none"\n'
        'sender = "desk@desk.test"\n\n'
        '[[operators]]\nname = "asha"\nrole = "approver"\ndiscord_user_id = "2001"\n'
        'discord_channel_id = "3001"\nemail = "asha@desk.test"\n'
    )
    monkeypatch.setenv("D_TOKEN", outside.discord.token)
    monkeypatch.setenv("W_SECRET", HOOK_SECRET.decode())
    server = DeskServer(
        db, {"carol": ("approver", "a-long-enough-console-token")}, "--notify-config", str(config)
    )
    try:
        store = DeskStore(f"sqlite:///{db}")
        outboxes = ("notify-discord", "notify-webhook", "notify-email")
        _until(lambda: all(store.tracked(name) for name in outboxes))  # started at the head
        _propose_late_card(db)
        shown: ChannelMessage = _until(
            lambda: next(
                (m for m in outside.discord.channel("3001") if NEW_CARD in m.content), None
            )
        )
        mail = _until(
            lambda: next((m for m in outside.inbox.mails if NEW_CARD.encode() in m), None)
        )
        headers, body = _until(
            lambda: next(((h, b) for h, b in outside.posted if NEW_CARD.encode() in b), None)
        )
        user = DiscordUser(outside.discord, key, 2001)
        press = user.interaction(shown, next(c for c in shown.buttons if c[:3] == "ap:"))
        status, answer = outside.run(user.post(server.url + PATH, press))
        approved = _until(
            lambda: [
                e.payload for e in store.stream(NEW_CARD) if isinstance(e.payload, CardApproved)
            ]
        )
        _until(lambda: shown.buttons == [] or None)
        store.close()
    finally:
        server.stop()

    assert (status, answer) == (200, {"type": 6})
    assert [a.approved_by for a in approved] == ["operator:asha via discord"]
    assert "approved by operator:asha via discord" in shown.content
    assert b"asha@desk.test" in mail and b"Subject: [desk] New card" in mail
    assert len(outside.discord.channel("3001")) == 1  # the history is not replayed
    SignatureCheck(HOOK_SECRET).verify(
        headers["X-Desk-Timestamp"], headers["X-Desk-Signature"], body
    )  # the webhook's request is the desk's, fresh
