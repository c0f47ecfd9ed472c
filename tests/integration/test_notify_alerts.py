"""Alert rules and expiry warnings through the outbox to a local fake of the Telegram
Bot API (`devtools.telegram_fake`): each rule fires once while its figure stays past the
threshold, clears once when it is back, each a logged event and one message; an undecided
card is warned of once before it expires; restarts repeat nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.eventstore.store import DeskStore
from adapters.notify.telegram import TelegramNotifier
from devtools.telegram_fake import FakeBotApi
from domain.aggregates import Cause, DailyReport
from domain.alerts import KINDS, AlertRule, OpenCard, Readings
from domain.events import AlertCleared, AlertFired, CardExpiring, DailyReportPublished
from domain.ids import report_stream
from streams.notify.alert_watch import AlertWatch
from streams.notify.outbox import Outbox, Recipient
from tests.unit.conftest import T0, TRADE_DATE

ASHA = Recipient("asha", "1111", frozenset({"alerts", "cards"}))
SUBJECTS = {
    "view_lag": "desk",
    "hot_path_p99": "api",
    "feed_silent": "upstox-market",
    "worker_down": "judge",
    "reconciliation_break": "kite",
    "daily_loss": "acc-1",
}
HIGH = {
    "view_lag": D(5000),
    "hot_path_p99": D(1000),
    "feed_silent": D(300),
    "worker_down": D(900),
    "reconciliation_break": D(1),
    "daily_loss": D("0.85"),
}
MARKET_OPEN = T0  # 09:30 IST on a Monday


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DeskStore]:
    yield DeskStore(f"sqlite:///{tmp_path / 'alerts.db'}")


class Figures:
    """The desk's figures as the watch reads them, set by the test step by step."""

    def __init__(self) -> None:
        self.at = MARKET_OPEN
        self.values: dict[str, dict[str, D]] = {}
        self.cards: list[OpenCard] = []
        self.market_open = True

    async def __call__(self) -> Readings:
        return Readings(self.at, self.at, self.market_open, self.values, self.cards)

    def step(self, seconds: int, **values: D) -> None:
        self.at += timedelta(seconds=seconds)
        self.values = {kind: {SUBJECTS[kind]: v} for kind, v in values.items()}


def _rule(kind: str, hold: int = 30) -> AlertRule:
    threshold = {"daily_loss": D("0.8"), "reconciliation_break": D(0)}.get(kind, D(100))
    return AlertRule(f"{kind}-rule", kind, threshold, hold)


def _watch(store: DeskStore, figures: Figures, *rules: AlertRule) -> AlertWatch:
    return AlertWatch(store, rules, figures, lambda: MARKET_OPEN)


async def _told(store: DeskStore, notifier: TelegramNotifier) -> None:
    await Outbox(store, notifier, (ASHA,), lambda: MARKET_OPEN).drain()


def _logged(store: DeskStore) -> list[object]:
    kinds = (AlertFired, AlertCleared, CardExpiring)
    return [r.event.payload for r in store.read_all() if isinstance(r.event.payload, kinds)]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_rule_when_its_figure_stays_past_the_threshold_then_it_fires_and_clears_once(
    kind: str,
    store: DeskStore,
    bot: FakeBotApi,
    notifier: TelegramNotifier,
) -> None:
    figures = Figures()
    watch = _watch(store, figures, _rule(kind))
    low = {"daily_loss": D("0.1")}.get(kind, D(0))

    figures.step(0, **{kind: HIGH[kind]})
    assert await watch.run_once() == []  # not yet held for 30 s
    for seconds in (31, 5, 5):
        figures.step(seconds, **{kind: HIGH[kind]})
        await watch.run_once()
    await _told(store, notifier)
    await _watch(store, figures, _rule(kind)).run_once()  # a restart while it still breaches
    figures.step(5, **{kind: low})
    await watch.run_once()
    figures.step(5, **{kind: low})
    await watch.run_once()
    await _told(store, notifier)

    fired, cleared = _logged(store)
    assert isinstance(fired, AlertFired) and isinstance(cleared, AlertCleared)
    assert fired.observed == HIGH[kind] and fired.threshold == _rule(kind).threshold
    assert fired.subject == SUBJECTS[kind] and KINDS[kind].metric in fired.evidence
    assert "(31 s)" in fired.evidence and cleared.observed == low
    texts = [m.text for m in bot.chat(1111)]
    assert len(texts) == 2
    assert texts[0].startswith(f"ALERT {kind}-rule ({kind}) for {SUBJECTS[kind]}")
    assert texts[1].startswith(f"Cleared {kind}-rule ({kind}) for {SUBJECTS[kind]}")


@pytest.mark.asyncio
async def test_rule_when_the_figure_dips_before_the_hold_time_then_nothing_fires(
    store: DeskStore,
) -> None:
    figures = Figures()
    watch = _watch(store, figures, _rule("view_lag"))

    for seconds, lag in ((0, 500), (20, 500), (5, 10), (20, 500), (20, 500)):
        figures.step(seconds, view_lag=D(lag))
        await watch.run_once()

    assert _logged(store) == []


@pytest.mark.asyncio
async def test_feed_silence_when_the_market_closes_then_the_alert_clears_and_stays_quiet(
    store: DeskStore,
) -> None:
    figures = Figures()
    watch = _watch(store, figures, _rule("feed_silent", hold=0))
    figures.step(0, feed_silent=D(900))
    await watch.run_once()

    figures.market_open = False
    for _ in range(3):
        figures.step(60, feed_silent=D(4000))
        await watch.run_once()

    fired, cleared = _logged(store)
    assert isinstance(fired, AlertFired) and isinstance(cleared, AlertCleared)
    assert "outside market hours" in cleared.evidence


def _card(card_id: str, expires_in: timedelta, status: str = "PROPOSED") -> OpenCard:
    return OpenCard(card_id, "acc-1", "TCS", "BUY", 100, MARKET_OPEN + expires_in, status)


@pytest.mark.asyncio
async def test_expiry_warning_when_a_card_nears_its_expiry_then_it_is_warned_of_once(
    store: DeskStore,
    bot: FakeBotApi,
    notifier: TelegramNotifier,
) -> None:
    figures = Figures()
    figures.cards = [
        _card("card-due", timedelta(minutes=8)),
        _card("card-decided", timedelta(minutes=8), status="APPROVED"),
        _card("card-later", timedelta(minutes=40)),
    ]
    watch = _watch(store, figures)

    await watch.run_once()  # 8 minutes left: not yet
    for _ in range(4):
        figures.step(60)  # 7, 6, 5, 4 minutes left
        await watch.run_once()
    await _watch(store, figures).run_once()  # a restarted watch does not warn again
    await _told(store, notifier)
    await _told(store, notifier)

    [warning] = _logged(store)
    assert isinstance(warning, CardExpiring)
    assert warning.card_id == "card-due" and warning.minutes_left == 5
    [message] = bot.chat(1111)
    assert message.text.startswith("Card card-due expires in 5 min (09:38 IST), undecided")
    assert [b[:3] for b in message.buttons] == ["ap:", "rj:"]


@pytest.mark.asyncio
async def test_eod_report_when_the_scheduler_publishes_it_then_subscribers_get_a_summary_once(
    store: DeskStore,
    bot: FakeBotApi,
    notifier: TelegramNotifier,
) -> None:
    report = DailyReport(report_stream(TRADE_DATE))
    report.publish(
        DailyReportPublished(day=TRADE_DATE, as_of_position=7, accounts=()),
        Cause(T0, T0, "scheduler", "eod"),
    )
    store.commit(report)
    reports = Recipient("ravi", "2222", frozenset({"reports"}))

    await Outbox(store, notifier, (ASHA, reports), lambda: T0).drain()
    await Outbox(store, notifier, (ASHA, reports), lambda: T0).drain()

    assert [m.text for m in bot.chat(2222)] == ["EOD report 06 Jan 2025 (0 accounts)"]
    assert bot.chat(1111) == []  # asha is not subscribed to reports
