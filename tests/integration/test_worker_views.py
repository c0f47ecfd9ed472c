"""WorkerViews on a real SQLite store, with the workers' writes to `desk_views` played by
the test: the merge is cached, and the API's own writes show before the workers catch up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.aggregates import Account, Cause
from domain.events import Recorded
from domain.ids import account_stream
from projections.codec import encode_view
from projections.desk import DeskView, apply
from streams.kafka import stack as demo_kafka
from streams.kafka import views as worker_views
from streams.kafka.app import OFFSET_PREFIX, PM_PROGRESS, VIEW_PREFIX
from streams.kafka.views import WorkerViews
from streams.unit_of_work import UnitOfWork

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
    merge = demo_kafka.kafka_view

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
