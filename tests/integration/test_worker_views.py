"""WorkerViews on a real SQLite store, with the workers' writes to `desk_views` played by
the test: the merge is cached, the API's own writes show before the workers catch up, and
an approval re-checks its guardrails on the workers' research as the embedded desk does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore, ViewSnapshots
from adapters.files.sample import SAMPLE_DIR
from domain.aggregates import Account, Cause, TradeCard
from domain.events import AnnouncementArrived, CardRejected, Recorded
from domain.ids import account_stream
from domain.inputs import InputFact
from projections.codec import encode_bar, encode_research, encode_view
from projections.desk import DeskView, apply
from projections.research import Research
from streams.bootstrap import bootstrap, wall_clock
from streams.commands import ApproveCard, handle, recheck
from streams.feed import sample_day
from streams.kafka import views as worker_views
from streams.kafka.rows import BAR_PREFIX, OFFSET_PREFIX, PM_PROGRESS, RESEARCH, VIEW_PREFIX
from streams.kafka.views import WorkerViews
from streams.unit_of_work import UnitOfWork
from tests.served import INSTRUMENTS, WAITING, seed_sample_day

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
ACCOUNT = "sip-aggressive"


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _clock() -> datetime:
    return NOW


def _deposit(uow: UnitOfWork, amount: str, reference: str) -> None:
    account = uow.get(Account, account_stream(ACCOUNT))
    cause = Cause(NOW, NOW, "operator:test", reference)
    if not account.exists:
        account.open("SIP — aggressive", cause)
    account.deposit(Decimal(amount), reference, cause)


def _publish(store: DeskStore, offset: int) -> None:
    """What a worker writes: the account's view of the whole log, and its offsets."""
    view = DeskView()
    for rec in store.read_all():
        apply(view, rec.event, rec.position)
    ViewSnapshots(store).save_many([
        (VIEW_PREFIX + ACCOUNT, view.position, encode_view(view).decode()),
        (OFFSET_PREFIX + "desk.accounts:0", offset, ""),
        (PM_PROGRESS, store.head(), ""),
    ])


@pytest.fixture
def store(tmp_path: Path) -> DeskStore:
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    uow = UnitOfWork(store, _clock)
    _deposit(uow, "1000.00", "initial-deposit")
    uow.commit()
    _publish(store, offset=1)
    return store


def test_view_when_workers_have_not_moved_then_the_merge_is_not_redone(
    store: DeskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    merges: list[int] = []
    merge = worker_views.kafka_view

    def counted(s: DeskStore) -> DeskView:
        merges.append(1)
        return merge(s)

    monkeypatch.setattr(worker_views, "kafka_view", counted)
    ticks = Ticks()
    views = WorkerViews(store, _clock, refresh=0.2, monotonic=ticks)

    assert views.view.cash[ACCOUNT].deposits == Decimal("1000.00")
    ticks.now = 0.1
    assert views.view.position == store.head()
    ticks.now = 0.5  # due for a look, but the workers consumed nothing new
    assert views.view.position == store.head()
    assert len(merges) == 1

    uow = UnitOfWork(store, _clock)
    _deposit(uow, "250.00", "sip-1")
    uow.commit()  # written by someone else: only the workers' views show it
    _publish(store, offset=2)
    ticks.now = 0.6  # within 200 ms of the last look
    assert views.view.cash[ACCOUNT].deposits == Decimal("1000.00")
    ticks.now = 0.8
    assert views.view.cash[ACCOUNT].deposits == Decimal("1250.00")
    assert len(merges) == 2


def test_execute_when_workers_lag_then_the_write_shows_at_once_and_counts_once_after(
    store: DeskStore,
) -> None:
    ticks = Ticks()
    views = WorkerViews(store, _clock, refresh=0.2, monotonic=ticks)
    opened = views.view.position
    uow = UnitOfWork(store, _clock)
    _deposit(uow, "250.00", "sip-1")

    recorded: list[Recorded] = views.execute(uow)

    assert [r.event.type for r in recorded] == ["CashDeposited"]
    assert views.view.cash[ACCOUNT].deposits == Decimal("1250.00")
    ticks.now = 1.0
    ViewSnapshots(store).save(OFFSET_PREFIX + "desk.market:0", 7, "")  # moved, not there yet
    assert views.view.cash[ACCOUNT].deposits == Decimal("1250.00")
    assert views.view.position == opened, "the workers have handled only the opening"
    _publish(store, offset=3)
    ticks.now = 2.0
    assert views.view.cash[ACCOUNT].deposits == Decimal("1250.00")
    assert views.view.position == store.head()


def _publish_whole(store: DeskStore, view: DeskView) -> None:
    """What the workers write for `view`: a part, the last bars, the process managers'
    research and progress."""
    snapshots = ViewSnapshots(store)
    part = replace(view, market={}, research=Research())  # parts fold neither
    snapshots.save_many([
        (VIEW_PREFIX + "all", view.position, encode_view(part).decode()),
        *((BAR_PREFIX + symbol, 0, encode_bar(bar).decode())
          for symbol, bar in view.market.items()),
        (RESEARCH, view.position, encode_research(view.research).decode()),
        (OFFSET_PREFIX + "desk.accounts:0", view.position, ""),
        (PM_PROGRESS, view.position, ""),
    ])


def _results_meeting(symbol: str, at: datetime) -> InputFact:
    """A filing that opens the results blackout for `symbol`."""
    payload = AnnouncementArrived(
        source_id=f"test-results-{symbol}", source="NSE", published_at=at,
        headline="Bajaj Auto Limited - Board Meeting Intimation",
        body="Pursuant to Regulation 29 of the SEBI Listing Regulations, a meeting of the Board "
        "of Directors of Bajaj Auto Limited is scheduled on November 27, 2026, inter alia, to "
        "consider and approve the unaudited financial results for the quarter.",
        symbol=symbol, isin="INE917I01010", category="Board Meeting Intimation",
    )
    return InputFact(f"ann-{payload.source_id}", 1, payload, at, "feed:announcement")


def test_approve_when_results_are_due_then_worker_views_recheck_as_the_embedded_desk_does(
    tmp_path: Path,
) -> None:
    db = seed_sample_day(tmp_path / "desk.db")
    embedded = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    at = sample_day(SAMPLE_DIR).day.replace(hour=13, minute=35, second=30)
    embedded.runtime.ingest([_results_meeting("BAJAJ-AUTO", at)])
    _publish_whole(embedded.store, embedded.runtime.view)
    views = WorkerViews(embedded.store, wall_clock)
    now = at + timedelta(seconds=10)
    uow = UnitOfWork(embedded.store, wall_clock)
    book = embedded.book
    expected = {card_id: recheck(uow.get(TradeCard, card_id), embedded.runtime.view, book, now)
                for card_id in WAITING}

    checked = {card_id: recheck(uow.get(TradeCard, card_id), views.view, book, now)
               for card_id in WAITING}
    card = handle(ApproveCard(actor="operator:amy", at=now, correlation_id="test-approve",
                              card_id=WAITING[0]), uow, views.view, book)
    (recorded,) = views.execute(uow)

    assert embedded.runtime.view.research.results_due.get("BAJAJ-AUTO") is not None
    assert checked == expected
    regimes = [g.detail for results in checked.values() for g in results if g.name == "regime"]
    assert regimes and not any("unknown" in detail for detail in regimes), regimes
    assert card.id == WAITING[0]
    assert isinstance(recorded.event.payload, CardRejected)
    assert "results blackout" in recorded.event.payload.reason
