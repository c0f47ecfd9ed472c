"""The outbox through each new channel, on loopback: the fake Discord API, a signed-webhook
receiver that checks signatures with the desk's own scheme (`api.signing`), and an SMTP
server (aiosmtpd). Each channel goes down, comes back, and the desk restarts: nothing is
lost and nothing is sent twice; refusals that cannot change are given up, the rest retried.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.eventstore.store import DeskStore
from adapters.notify.discord import DiscordNotifier
from adapters.notify.email import EmailNotifier, SmtpSettings
from adapters.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier
from api.server import start
from api.signing import SignatureCheck, SignatureRefused
from devtools.discord_fake import FakeDiscordApi
from domain.aggregates import Cause, RiskGuard, TradeCard
from domain.events import NotificationFailed, NotificationSent, Payload
from domain.ids import risk_stream
from domain.money import ZERO
from streams.notify.outbox import Outbox, Recipient
from streams.ports import Notifier
from tests.unit.conftest import T0, proposal

SECRET = b"webhook-secret-0123456789abcdef-32"
TOPICS = frozenset({"cards", "kill_switches"})


@dataclass
class Channel:
    """A channel under test: its notifier, where it delivers, and its outage switch."""

    notifier: Notifier
    chat: str
    received: Callable[[], list[str]]
    down: Callable[[bool], None]
    extra: dict[str, Any] = field(default_factory=dict)


class WebhookReceiver:
    """A receiver of the desk's signed webhook: verifies each POST as `api.signing` does."""

    def __init__(self) -> None:
        self.check = SignatureCheck(SECRET)
        self.documents: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.status = 200

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            self.check.verify(
                request.headers.get(TIMESTAMP_HEADER, ""),
                request.headers.get(SIGNATURE_HEADER, ""),
                body,
            )
        except SignatureRefused as e:
            self.refused.append(str(e))
            return web.json_response({"error": str(e)}, status=401)
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        document = await request.json()
        self.documents.append(document)
        return web.json_response({"id": f"rcv-{len(self.documents)}"})


class Mailbox:
    """What the SMTP server accepted; `status` answers DATA (451 while down)."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []
        self.status = "250 OK"
        self.unknown: set[str] = set()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.unknown:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.status != "250 OK":
            return self.status
        raw = envelope.original_content or b""
        self.mails.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


@asynccontextmanager
async def discord_channel() -> AsyncIterator[Channel]:
    api = FakeDiscordApi()
    await api.start()
    notifier = DiscordNotifier(api.base_url, api.token, api.application_id)
    try:
        yield Channel(
            notifier,
            "3001",
            lambda: [m.content for m in api.channel("3001")],
            lambda on: api.fail_next(10**6 if on else 0),
            {"api": api},
        )
    finally:
        await notifier.close()
        await api.stop()


@asynccontextmanager
async def webhook_channel() -> AsyncIterator[Channel]:
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/desk", receiver.handle)
    runner, port = await start(app, "127.0.0.1", 0)
    hook = WebhookNotifier(f"http://127.0.0.1:{port}/desk", SECRET, timeout_seconds=5)

    def down(on: bool) -> None:
        receiver.status = 503 if on else 200

    try:
        yield Channel(
            hook,
            "desk",
            lambda: [d["text"] for d in receiver.documents if d["kind"] == "message"],
            down,
            {"receiver": receiver},
        )
    finally:
        await hook.close()
        await runner.cleanup()


@asynccontextmanager
async def email_channel() -> AsyncIterator[Channel]:
    mailbox = Mailbox()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(mailbox, hostname="desk.test"), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    mailer = EmailNotifier(
        SmtpSettings("127.0.0.1", port, "desk@desk.test", "none", timeout_seconds=5)
    )

    def down(on: bool) -> None:
        mailbox.status = "451 4.3.0 try again later" if on else "250 OK"

    try:
        yield Channel(
            mailer,
            "asha@desk.test",
            lambda: [m.get_content().strip() for m in mailbox.mails],
            down,
            {"mailbox": mailbox},
        )
    finally:
        server.close()
        await server.wait_closed()


CHANNELS = {"discord": discord_channel, "webhook": webhook_channel, "email": email_channel}


@pytest_asyncio.fixture(params=sorted(CHANNELS))
async def channel(request: pytest.FixtureRequest) -> AsyncIterator[Channel]:
    async with CHANNELS[request.param]() as made:
        yield made


def _store(tmp_path: Path, cards: int) -> DeskStore:
    store = DeskStore(f"sqlite:///{tmp_path / 'notify.db'}")
    for i in range(cards):
        card_id = f"card-acc-1-buyback-TCS-20250106{i:04d}"
        card = TradeCard(card_id)
        card.propose(proposal(card_id=card_id), Cause(T0, T0, "strategy:buyback", f"corr-{i}"))
        store.commit(card)
    guard = RiskGuard(risk_stream("desk"))
    guard.trip("daily loss limit", "operator", ZERO, ZERO, Cause(T0, T0, "operator:x", "k"))
    store.commit(guard)
    return store


def _outbox(store: DeskStore, channel: Channel, chat: str | None = None) -> Outbox:
    recipient = Recipient("asha", chat or channel.chat, TOPICS)
    return Outbox(
        store,
        channel.notifier,
        [recipient],
        lambda: T0,
        backoff_seconds=0.01,
        max_backoff_seconds=0.05,
        name=f"notify-{channel.notifier.channel}",
    )


def _logged(store: DeskStore, kind: type[Payload]) -> list[Any]:
    return [r.event.payload for r in store.read_all() if isinstance(r.event.payload, kind)]


@pytest.mark.asyncio
async def test_outbox_when_the_channel_is_down_then_after_recovery_each_message_arrives_once(
    tmp_path: Path,
    channel: Channel,
) -> None:
    store = _store(tmp_path, cards=4)
    outbox = _outbox(store, channel)
    channel.down(True)

    for _ in range(3):
        await outbox.run_once()

    failures = _logged(store, NotificationFailed)
    assert channel.received() == [] and outbox.retry_in > 0
    assert len(failures) == 15 and {f.attempt for f in failures} == {1, 2, 3}
    assert not any(f.given_up for f in failures)
    assert store.tracked(f"notify-{channel.notifier.channel}") == 0  # it waits

    channel.down(False)
    for _ in range(3):
        await outbox.run_once()
    await _outbox(store, channel).drain()  # a restart after recovery sends nothing again

    texts = channel.received()
    assert len(texts) == 5 and len(set(texts)) == 5  # four cards and the kill switch, once
    assert sum("KILL SWITCH tripped" in t for t in texts) == 1
    assert len(_logged(store, NotificationSent)) == 5
    assert {s.channel for s in _logged(store, NotificationSent)} == {
        f"{channel.notifier.channel}-{channel.chat}"
    }
    reasons = " ".join(f.reason for f in failures)
    assert FakeDiscordApi().token not in reasons and SECRET.decode() not in reasons


@pytest.mark.asyncio
async def test_webhook_when_a_message_is_sent_then_it_verifies_under_the_desks_scheme(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, cards=1)
    async with webhook_channel() as channel:
        await _outbox(store, channel).drain()
        card_id = "card-acc-1-buyback-TCS-202501060000"
        card = store.load(TradeCard, card_id)
        card.reject("operator:carol", "too late", T0, Cause(T0, T0, "operator:carol", "c"))
        store.commit(card)
        await _outbox(store, channel).drain()

    receiver: WebhookReceiver = channel.extra["receiver"]
    assert receiver.refused == []  # every request verified, the retries' too
    message, _, edit = receiver.documents
    assert (message["kind"], message["chat"], message["card_id"]) == ("message", "desk", card_id)
    assert edit["kind"] == "edit" and edit["message_id"] == "rcv-1"  # the receiver's id
    assert edit["text"] == f"Card {card_id} rejected by operator:carol: too late"


@pytest.mark.asyncio
async def test_outbox_when_the_address_is_refused_for_good_then_it_is_given_up_not_retried(
    tmp_path: Path,
    channel: Channel,
) -> None:
    store = _store(tmp_path, cards=1)
    if channel.notifier.channel == "email":
        channel.extra["mailbox"].unknown.add("gone@desk.test")
        chat = "gone@desk.test"
    elif channel.notifier.channel == "discord":
        channel.extra["api"].blocked.add("4004")
        chat = "4004"
    else:
        channel.down(True)
        channel.extra["receiver"].status = 410  # the receiver retired this endpoint
        chat = "desk"
    outbox = _outbox(store, channel, chat)

    await outbox.drain()
    await outbox.drain()

    failures = _logged(store, NotificationFailed)
    assert len(failures) == 2 and all(f.given_up and f.attempt == 1 for f in failures)
    assert outbox.retry_in == 0 and store.tracked(f"notify-{channel.notifier.channel}") == 2


@pytest.mark.asyncio
async def test_discord_when_rate_limited_then_the_outbox_waits_what_discord_asked(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, cards=1)
    async with discord_channel() as channel:
        channel.extra["api"].rate_limit_next(1)
        outbox = _outbox(store, channel)

        await outbox.run_once()
        [failure] = _logged(store, NotificationFailed)
        waited = outbox.retry_in
        await outbox.drain()

        assert failure.reason == "discord 429: You are being rate limited."
        assert waited >= 0.05  # at least Discord's retry_after
        assert len(channel.received()) == 2  # the card and the kill switch, after the wait
