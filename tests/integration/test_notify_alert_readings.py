"""The alert watch on a real desk's figures (the sample day, seeded to 13:35 IST with three
cards waiting), read as the API exposes them: a stopped worker fires `worker_down` and
clears once it catches up, each told once on a local fake of the Telegram Bot API; cards
nearing expiry are warned of once each; request latency is read per window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.notify.telegram import TelegramNotifier
from api.alert_readings import API_SUBJECT, AlertReader
from api.app import create_app
from api.context import STATE
from api.server import start
from api.tokens import parse
from devtools.telegram_fake import FakeBotApi
from domain.alerts import DESK_SUBJECT, AlertRule
from domain.events import AlertCleared, AlertFired, CardExpiring
from domain.ticks import FeedStatus
from streams.bootstrap import AnyDesk, bootstrap, wall_clock
from streams.notify.alert_watch import AlertWatch
from streams.notify.outbox import Outbox, Recipient
from streams.routing.breaks import REMOTE_VENUES
from tests.served import INSTRUMENTS, WAITING, copy_store, seed_sample_day

ASHA = Recipient("asha", "1111", frozenset({"alerts"}))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_sample_day(tmp_path_factory.mktemp("alerts") / "desk.db")


@dataclass
class Served:
    desk: AnyDesk
    app: Any
    url: str
    bot: FakeBotApi
    telegram: TelegramNotifier

    def reader(self, *workers: str) -> AlertReader:
        state = self.app[STATE]
        return AlertReader(state, workers, self.desk.book.calendar)

    def watch(self, reader: AlertReader, *rules: AlertRule, lead: int | None = None) -> AlertWatch:
        return AlertWatch(
            self.desk.store,
            rules,
            reader,
            self.desk.clock,
            write=self.app[STATE].gate.write,
            expiry_lead=timedelta(minutes=lead) if lead else None,
        )

    async def tell(self, *recipients: Recipient) -> None:
        await Outbox(
            self.desk.store,
            self.telegram,
            recipients or (ASHA,),
            self.desk.clock,
            write=self.app[STATE].gate.write,
        ).drain()

    def logged(self, kind: type[Any]) -> list[Any]:
        return [
            r.event.payload for r in self.desk.store.read_all() if isinstance(r.event.payload, kind)
        ]


@pytest_asyncio.fixture
async def served(seeded: Path, tmp_path: Path) -> AsyncIterator[Served]:
    desk = bootstrap(f"sqlite:///{copy_store(seeded, tmp_path)}", INSTRUMENTS, clock=wall_clock)
    app = create_app(desk, parse("carol:approver:console-approver-token-0123456789"))
    runner, port = await start(app, "127.0.0.1", 0)
    bot = FakeBotApi()
    await bot.start()
    telegram = TelegramNotifier(bot.base_url, bot.token, timeout_seconds=5)
    try:
        yield Served(desk, app, f"http://127.0.0.1:{port}", bot, telegram)
    finally:
        await telegram.close()
        await bot.stop()
        await runner.cleanup()
        app[STATE].gate.close()
        desk.store.close()


@pytest.mark.asyncio
async def test_readings_when_the_sample_day_is_served_then_they_show_the_desk_figures(
    served: Served,
) -> None:
    readings = await served.reader("notify")()

    values = readings.values
    assert values["view_lag"] == {DESK_SUBJECT: D(0)}
    assert values["worker_down"]["notify"] == served.desk.store.head() > 0  # never ran
    assert values["reconciliation_break"] == {venue: D(0) for venue in REMOTE_VENUES}
    assert set(values["daily_loss"]) == set(served.desk.runtime.view.accounts)
    assert {c.card_id for c in readings.cards} >= set(WAITING)
    assert readings.market_open and f"{readings.desk_time:%H:%M}" == "08:05"  # 13:35 IST


@pytest.mark.asyncio
async def test_worker_down_when_a_worker_stops_then_catches_up_then_fired_and_cleared_once(
    served: Served,
) -> None:
    watch = served.watch(served.reader("notify"), AlertRule("outbox-stuck", "worker_down", D(10)))

    [fired] = await watch.run_once()
    assert await watch.run_once() == []  # still behind: fired once
    await served.tell()  # the worker runs: it catches up (telling of the alert)
    [cleared] = await watch.run_once()
    await served.tell()
    await served.tell()

    assert isinstance(fired, AlertFired) and isinstance(cleared, AlertCleared)
    assert fired.subject == "notify" and fired.observed > 10 >= cleared.observed
    texts = [m.text for m in served.bot.chat(1111)]
    assert [t.split(" for ")[0] for t in texts] == [
        "ALERT outbox-stuck (worker_down)",
        "Cleared outbox-stuck (worker_down)",
    ]
    assert served.logged(AlertFired) == [fired] and served.logged(AlertCleared) == [cleared]


@pytest.mark.asyncio
async def test_expiry_warning_when_waiting_cards_near_expiry_then_each_is_warned_of_once(
    served: Served,
) -> None:
    watch = served.watch(served.reader(), lead=20)  # 13:35 IST; they expire at 13:51

    await watch.run_once()
    await watch.run_once()
    await served.watch(served.reader(), lead=20).run_once()  # after a restart
    cards = Recipient("asha", "2222", frozenset({"cards"}))
    await served.tell(cards)

    warned = served.logged(CardExpiring)
    assert sorted(w.card_id for w in warned) == sorted(WAITING)
    assert {w.minutes_left for w in warned} == {16}
    warnings = [m for m in served.bot.chat(2222) if " expires in " in m.text]
    assert len(warnings) == 3 and all(m.buttons for m in warnings)


@pytest.mark.asyncio
async def test_hot_path_p99_when_requests_come_and_stop_then_it_reads_each_window(
    served: Served,
) -> None:
    reader = served.reader()
    await reader()
    async with aiohttp.ClientSession() as session:
        for _ in range(5):  # refused writes are timed too (reads are not the hot path)
            async with session.post(f"{served.url}/api/v1/cards/{WAITING[0]}/approve") as r:
                assert r.status == 401
        async with session.get(f"{served.url}/health") as response:
            assert response.status == 200

    busy = (await reader()).values["hot_path_p99"][API_SUBJECT]
    async with aiohttp.ClientSession() as session, session.get(f"{served.url}/health") as r:
        assert r.status == 200
    quiet = (await reader()).values["hot_path_p99"][API_SUBJECT]

    assert busy > 0 and quiet == 0


@pytest.mark.asyncio
async def test_feed_silent_when_a_live_feed_goes_quiet_in_market_hours_then_fired_and_cleared(
    served: Served,
) -> None:
    last = [datetime.now(UTC) - timedelta(seconds=120)]
    served.app[STATE].feeds = lambda: [FeedStatus("upstox", True, 2, last[0], 40, 0, 9, 9, 0)]
    watch = served.watch(served.reader(), AlertRule("feed-quiet", "feed_silent", D(60)))

    [fired] = await watch.run_once()  # 13:35 IST by the desk: the market is open
    assert await watch.run_once() == []
    last[0] = datetime.now(UTC)  # a frame arrives
    [cleared] = await watch.run_once()
    await served.tell()

    assert isinstance(fired, AlertFired) and fired.subject == "upstox" and fired.observed >= 120
    assert "desk_feed_last_message_age_seconds{upstox}" in fired.evidence
    assert isinstance(cleared, AlertCleared) and cleared.observed < 60
    assert [m.text.split(":")[0] for m in served.bot.chat(1111)] == [
        "ALERT feed-quiet (feed_silent) for upstox",
        "Cleared feed-quiet (feed_silent) for upstox",
    ]


@pytest.mark.asyncio
async def test_metrics_when_a_follower_ran_then_its_lag_breaks_and_daily_loss_are_scraped(
    served: Served,
) -> None:
    """What an alert rule watches is also on /metrics, for a Prometheus-side alert."""
    await served.tell()  # the outbox follows the log: it records its position
    follower = served.desk.store.followers()["notify"]
    auth = {"Authorization": "Bearer console-approver-token-0123456789"}
    async with aiohttp.ClientSession(headers=auth) as session, \
            session.get(f"{served.url}/metrics") as r:
        text = await r.text()

    head = served.desk.store.head()
    lines = set(text.splitlines())
    assert f'desk_worker_lag_events{{worker="notify"}} {head - follower}' in lines
    assert {f'desk_reconciliation_open_breaks{{venue="{v}"}} 0' for v in REMOTE_VENUES} <= lines
    readings = await served.reader()()
    assert {f'desk_daily_loss_limit_used{{account="{a}"}} {used}'
            for a, used in readings.values["daily_loss"].items()} <= lines
    assert "__migration__" not in text
