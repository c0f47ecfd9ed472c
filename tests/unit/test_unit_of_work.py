"""The unit of work's savepoint, and the runtime's handling of a refused reaction: the
refusing process manager leaves nothing behind, the others' reactions stand, and the
refusal is logged with its reason."""

from __future__ import annotations

from typing import Any

from domain.aggregates import Account, DomainError, RiskGuard
from domain.events import BarClosed, CashDeposited, Envelope, KillSwitchTripped, ReactionRefused
from domain.ids import account_stream, risk_stream
from projections.desk import DeskView
from streams.embedded import EmbeddedRuntime
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import T0, D, bar, cause


def opened(store: InMemoryStore) -> None:
    account = Account(account_stream("acc-1"))
    account.open("Asha Rao", cause())
    account.deposit(D("1000.00"), "neft-1", cause())
    store.commit(account)


def test_discard_when_an_aggregate_changed_since_the_savepoint_then_it_is_as_it_was() -> None:
    store = InMemoryStore()
    opened(store)
    uow = UnitOfWork(store, FakeClock(T0))
    uow.get(Account, account_stream("acc-1")).deposit(D("500.00"), "neft-2", cause())
    uow.savepoint()
    uow.get(Account, account_stream("acc-1")).deposit(D("700.00"), "neft-3", cause())

    uow.discard()

    assert uow.get(Account, account_stream("acc-1")).available == D("1500.00")
    uow.commit()
    assert [e.payload.reference for e in store.stream(account_stream("acc-1"))
            if isinstance(e.payload, CashDeposited)] == ["neft-1", "neft-2"]


def test_discard_when_first_loaded_after_the_savepoint_then_nothing_of_it_commits(
) -> None:
    store = InMemoryStore()
    opened(store)
    uow = UnitOfWork(store, FakeClock(T0))
    uow.savepoint()
    uow.get(RiskGuard, risk_stream("acc-1")).trip("test", "operator", D("0"), D("0"), cause())

    uow.discard()

    assert uow.commit() == []


class _Trips:
    name = "trips"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        uow.get(RiskGuard, risk_stream("acc-1")).trip("bar seen", "test", D("0"), D("0"),
                                                       uow.cause("trips"))


class _DepositsThenRefuses:
    name = "refuses"

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        uow.get(Account, account_stream("acc-1")).deposit(D("9.00"), "half-done",
                                                          uow.cause("refuses"))
        raise DomainError("no such instrument")


def run_bar(store: InMemoryStore, *managers: Any) -> EmbeddedRuntime:
    runtime = EmbeddedRuntime(store, {BarClosed: managers}, FakeClock(T0))  # type: ignore[arg-type]
    runtime.start()
    store.append(bar("500", "501", "499", "500"), "bars-TCS", T0)
    runtime.pump()
    return runtime


def test_runtime_when_a_reaction_refuses_then_its_changes_are_dropped_and_others_commit(
) -> None:
    store = InMemoryStore()
    opened(store)

    run_bar(store, _DepositsThenRefuses(), _Trips())

    assert store.load(Account, account_stream("acc-1")).available == D("1000.00")
    assert [type(e.payload) for e in store.stream("risk-acc-1")] == [KillSwitchTripped]


def test_runtime_when_a_reaction_refuses_then_the_refusal_is_logged_with_its_reason() -> None:
    store = InMemoryStore()
    opened(store)

    runtime = run_bar(store, _DepositsThenRefuses())

    refusals = [r.event.payload for r in store.read_all()
                if isinstance(r.event.payload, ReactionRefused)]
    assert [(r.process_manager, r.reason, r.trigger_type) for r in refusals] == [
        ("refuses", "no such instrument", "BarClosed")]
    assert runtime.view.counts["ReactionRefused"] == 1


def test_get_many_when_some_streams_are_logged_then_those_load_and_the_rest_start_empty() -> None:
    store = InMemoryStore()
    opened(store)
    reads: list[str] = []
    load = store.load
    store.load = lambda cls, stream_id: reads.append(stream_id) or load(cls, stream_id)  # type: ignore[method-assign]
    uow = UnitOfWork(store, FakeClock(T0))
    pending = uow.get(Account, account_stream("acc-2"))
    pending.open("Ravi Menon", cause())

    logged, new, held = uow.get_many(
        Account, [account_stream("acc-1"), account_stream("acc-3"), account_stream("acc-2")])

    assert logged.available == D("1000.00") and logged.version == 2
    assert new.version == 0 and not new.has_pending
    assert held is pending  # what the step already holds is handed back, changes and all
    # Only the logged stream and the one loaded before were read event by event.
    assert reads == [account_stream("acc-2"), account_stream("acc-1")]
    new.open("Meera Iyer", cause())
    uow.commit()
    assert len(store.stream(account_stream("acc-3"))) == 1
