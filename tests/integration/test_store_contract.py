"""One contract for every event store backend: SQLite (file) and a real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore, ViewSnapshots
from domain.aggregates import Account, Cause, RiskGuard, StaleWrite
from domain.aggregates.inputs import first_events
from domain.events import AccountOpened, Envelope
from replay.verify import verify


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DeskStore:
    if request.param == "sqlite":
        return DeskStore(f"sqlite:///{tmp_path / 'contract.db'}")
    return DeskStore(request.getfixturevalue("postgres_url"))


def _cause(actor: str = "operator:test") -> Cause:
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    return Cause(now, now, actor, "corr-test")


def _open(store: DeskStore, account_id: str, deposit: str = "1000.00") -> Account:
    account = Account(f"account-{account_id}")
    account.open(account_id.title(), _cause())
    account.deposit(Decimal(deposit), "initial", _cause())
    store.commit(account)
    return account


def test_commit_when_aggregate_saved_then_load_rebuilds_it_and_log_is_in_order(
    store: DeskStore,
) -> None:
    _open(store, "alpha", "2500.75")

    loaded = store.load(Account, "account-alpha")
    log = store.read(0)

    assert loaded.version == 2 and loaded.available == Decimal("2500.75")
    assert [r.position for r in log] == [1, 2]
    assert [r.event.type for r in log] == ["AccountOpened", "CashDeposited"]


def test_commit_when_stream_moved_on_then_stale_write_and_nothing_of_it_is_stored(
    store: DeskStore,
) -> None:
    _open(store, "alpha")
    first, second = store.load(Account, "account-alpha"), store.load(Account, "account-alpha")
    first.deposit(Decimal("1.00"), "a", _cause())
    store.commit(first)
    guard = RiskGuard("risk-alpha")
    guard.trip("test", "daily_pnl", Decimal("-5"), Decimal("-1"), _cause())
    second.deposit(Decimal("2.00"), "b", _cause())

    with pytest.raises(StaleWrite, match="account-alpha"):
        store.commit(guard, second)

    assert store.head() == 3
    assert store.stream("risk-alpha") == []


def test_commit_when_tracking_given_then_position_is_recorded_with_the_events(
    store: DeskStore,
) -> None:
    _open(store, "alpha")
    account = store.load(Account, "account-alpha")
    account.deposit(Decimal("5.00"), "sip-1", _cause())

    store.commit(account, tracking=("embedded", 2))

    assert store.tracked("embedded") == 2
    assert store.tracked("someone-else") == 0
    assert store.followers() == {"embedded": 2}  # the library's migration row is no process


def test_commit_when_writers_run_concurrently_then_chain_is_intact_and_gap_free(
    store: DeskStore,
) -> None:
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                _open(store, f"w{n}-{i}")
        except Exception as e:  # pragma: no cover - surfaced by the assert below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    verdict = verify(store)
    assert errors == []
    assert verdict.ok, verdict.problems
    assert verdict.events == store.head() == 4 * 15 * 2


def test_verify_when_a_stored_event_is_edited_then_names_its_position(
    store: DeskStore,
) -> None:
    _open(store, "alpha")
    _open(store, "beta")
    sqlite = store.url.startswith("sqlite")
    table, mark = ("stored_events", "?") if sqlite else ("desk_events", "%s")
    stored = store.recorder.select_notifications(4, 1)[0].state
    with store.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute(f"UPDATE {table} SET state = {mark} "
                  "WHERE originator_id = 'account-beta' AND originator_version = 2",
                  (stored.replace(b"1000.00", b"9999.00"),))

    verdict = verify(store)

    assert not verdict.ok
    assert verdict.first_bad == {"position": 4, "stream_id": "account-beta",
                                 "stream_version": 2}


def test_view_snapshot_when_saved_twice_then_latest_is_loaded(store: DeskStore) -> None:
    views = ViewSnapshots(store)
    views.save("desk", 3, '{"a": 1}')
    views.save("desk", 7, '{"a": 2}')

    assert views.load("desk") == (7, '{"a": 2}')
    assert views.load("missing") is None


@pytest.mark.postgres
def test_store_when_several_processes_open_a_fresh_postgres_at_once_then_all_succeed(
    postgres_url: str,
) -> None:
    errors: list[Exception] = []

    def open_store() -> None:
        try:
            ViewSnapshots(DeskStore(postgres_url))
        except Exception as e:  # surfaced by the assert below
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []


def test_read_documents_when_types_named_then_only_their_stored_json_in_log_order_across_pages(
    store: DeskStore,
) -> None:
    for name in ("alpha", "beta", "gamma"):
        _open(store, name)  # AccountOpened then CashDeposited, three times

    deposits = list(store.read_documents(batch=2, types=("CashDeposited",)))

    assert [p for p, _ in deposits] == [2, 4, 6]
    assert [d["stream_id"] for _, d in deposits] == [
        "account-alpha", "account-beta", "account-gamma"]
    assert {d["payload"]["amount"] for _, d in deposits} == {"1000.00"}


def test_commit_new_when_one_stream_exists_then_stale_write_and_none_stored_else_all_chained(
    store: DeskStore,
) -> None:
    def opened(*names: str) -> list[Envelope]:
        return first_events((f"account-{n}", AccountOpened(account_id=n, name=n.title()),
                             _cause()) for n in names)

    _open(store, "beta")

    with pytest.raises(StaleWrite):
        store.commit_new(opened("alpha", "beta"))
    positions = store.commit_new(opened("alpha", "gamma"))

    after = store.read(2)  # PostgreSQL's sequence may skip the ids the refused batch drew
    assert [r.event.stream_id for r in after] == ["account-alpha", "account-gamma"]
    assert [r.position for r in after] == positions
    assert verify(store).ok
