"""A transport's message only wakes the runtime: the events come from the store, in its order,
and a message's position can never move the view past what the store holds."""

from __future__ import annotations

from domain.events import BarClosed, Envelope
from projections.desk import DeskView
from streams.embedded import EmbeddedRuntime
from streams.unit_of_work import UnitOfWork
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import T0, bar


class _Seen:
    name = "seen"

    def __init__(self) -> None:
        self.closes: list[str] = []

    def handle(self, event: Envelope, view: DeskView, uow: UnitOfWork) -> None:
        assert isinstance(event.payload, BarClosed)
        self.closes.append(str(event.payload.close))


def _runtime(store: InMemoryStore) -> tuple[EmbeddedRuntime, _Seen]:
    seen = _Seen()
    runtime = EmbeddedRuntime(store, {BarClosed: (seen,)}, FakeClock(T0))  # type: ignore[arg-type]
    runtime.start(process=False)
    return runtime, seen


def _bars(store: InMemoryStore, *closes: str) -> None:
    for close in closes:
        store.append(bar(close, close, close, close), "bars-TCS", T0)


def test_wake_when_the_log_reached_a_position_then_the_store_events_up_to_it_are_handled() -> None:
    store = InMemoryStore()
    _bars(store, "500", "501", "502")
    runtime, seen = _runtime(store)

    runtime.wake(2)

    assert seen.closes[:2] == ["500", "501"]
    assert runtime.view.position >= 2


def test_wake_when_the_position_is_beyond_the_store_head_then_the_view_stops_at_the_head() -> None:
    store = InMemoryStore()
    _bars(store, "500")
    runtime, seen = _runtime(store)

    runtime.wake(500)  # a forged or early message claims the log is far ahead

    assert runtime.view.position == store.head() == 1
    _bars(store, "501")  # the real next event is not skipped when its wake-up comes
    runtime.wake(2)
    assert seen.closes == ["500", "501"]


def test_wake_when_the_position_was_handled_already_then_nothing_runs_twice() -> None:
    store = InMemoryStore()
    _bars(store, "500", "501")
    runtime, seen = _runtime(store)
    runtime.wake(2)

    runtime.wake(1)
    runtime.wake(2)

    assert seen.closes == ["500", "501"]
