"""Discord interactions already handled are remembered in an owner-only file: the same
interaction sent again after the desk restarts is still refused (409), with nothing
decided or answered for it; and the file forgets presses once they are past replaying."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.notify.discord import DiscordNotifier
from adapters.notify.press_memory import PressFile
from adapters.notify.secrets import NotifyConfigError
from api.app import create_app
from api.context import STATE
from api.discord_hook import HOOK, PATH, REMEMBER_SECONDS, mount
from api.server import start
from api.tokens import parse
from devtools.discord_fake import DiscordUser, FakeDiscordApi
from domain.events import CardApproved, CardRejected
from domain.notify import TOPICS
from streams.bootstrap import bootstrap, wall_clock
from streams.notify.outbox import Outbox, Recipient
from tests.integration.test_notify_discord import API_TOKEN, ASHA, CARD, VIC, seeded
from tests.served import INSTRUMENTS, copy_store

__all__ = ["seeded"]  # the module fixture: the sample day, seeded once


@asynccontextmanager
async def _desk(
    db: Path, api: FakeDiscordApi, key: Ed25519PrivateKey, memory: Path
) -> AsyncIterator[tuple[Any, str]]:
    """The desk's API with the Discord endpoint, up until the block ends (a restart is
    two of these one after the other on the same store and file)."""
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    bot = DiscordNotifier(api.base_url, api.token, api.application_id)
    app = create_app(desk, parse(f"carol:approver:{API_TOKEN}"))
    mount(
        app,
        bot,
        (ASHA, VIC),
        DiscordUser.public_key_hex(key),
        presses=PressFile(memory, REMEMBER_SECONDS),
    )
    runner, port = await start(app, "127.0.0.1", 0)
    try:
        await Outbox(
            desk.store,
            bot,
            [Recipient("asha", "3001", frozenset(TOPICS))],
            desk.clock,
            write=app[STATE].gate.write,
            name="notify-discord",
        ).drain()
        yield app, f"http://127.0.0.1:{port}{PATH}"
    finally:
        await runner.cleanup()
        app[STATE].gate.close()
        await bot.close()
        desk.store.close()


@pytest.mark.asyncio
async def test_press_when_replayed_after_a_restart_then_still_refused(
    seeded: Path,
    tmp_path: Path,
) -> None:
    db, memory = copy_store(seeded, tmp_path), tmp_path / "discord-presses"
    api, key = FakeDiscordApi(), Ed25519PrivateKey.generate()
    await api.start()
    user = DiscordUser(api, key, 2001)
    try:
        async with _desk(db, api, key, memory) as (app, url):
            [shown] = [m for m in api.channel("3001") if CARD in m.content]
            interaction = user.interaction(shown, shown.buttons[0])
            first, _ = await user.post(url, interaction)
            await _settled(app)
        answered = len(api.followups)
        async with _desk(db, api, key, memory) as (app, url):  # the desk restarted
            replayed, body = await user.post(url, interaction)
            await _settled(app)
            decided = [
                e.payload
                for e in app[STATE].desk.store.stream(CARD)
                if isinstance(e.payload, CardApproved | CardRejected)
            ]
    finally:
        await api.stop()

    assert (first, replayed) == (200, 409)
    assert body == {"error": "interaction already handled"}
    assert len(api.followups) == answered  # nothing answered for the replay
    assert [d.approved_by for d in decided if isinstance(d, CardApproved)] == [
        "operator:asha via discord"
    ]
    assert stat.S_IMODE(memory.stat().st_mode) == 0o600


async def _settled(app: Any) -> None:
    await asyncio.gather(*app[HOOK].running)


def _clock(start: float) -> tuple[list[float], Callable[[], float]]:
    now = [start]
    return now, lambda: now[0]


def test_press_file_when_a_press_is_past_its_expiry_then_it_is_forgotten(tmp_path: Path) -> None:
    now, clock = _clock(1_000_000.0)
    path = tmp_path / "presses"
    memory = PressFile(path, 900, clock)
    assert memory.first_time("111") and not memory.first_time("111")

    now[0] += 901
    reloaded = PressFile(path, 900, clock)

    assert reloaded.first_time("111")  # past replaying: its timestamp is stale anyway
    assert not PressFile(path, 900, clock).first_time("111")


def test_press_file_when_many_presses_expire_then_the_file_is_compacted(
    tmp_path: Path,
) -> None:
    now, clock = _clock(1_000_000.0)
    path = tmp_path / "presses"
    memory = PressFile(path, 60, clock)
    for i in range(200):
        memory.first_time(str(i))
        now[0] += 1

    lines = path.read_text().splitlines()

    assert len(lines) < 200  # expired presses are dropped when the file is rewritten
    assert not PressFile(path, 60, clock).first_time("199")


def test_press_file_when_others_may_read_it_then_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "presses"
    path.write_text("")
    path.chmod(0o644)

    with pytest.raises(NotifyConfigError, match="owner-only"):
        PressFile(path, 900)


def test_press_file_when_the_last_line_is_torn_then_the_rest_still_counts(
    tmp_path: Path,
) -> None:
    _, clock = _clock(1_000_000.0)
    path = tmp_path / "presses"
    PressFile(path, 900, clock).first_time("42")
    with path.open("a") as f:
        f.write("100")  # a crash mid-line

    memory = PressFile(path, 900, clock)

    assert not memory.first_time("42") and memory.first_time("43")
    assert not memory.first_time("not a press id!")
    assert not PressFile(path, 900, clock).first_time("43")  # its line parses after the torn one
    assert path.read_text().splitlines()[-1].endswith(" 43")
