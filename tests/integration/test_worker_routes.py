"""The Kafka runtime's process managers route like the embedded desk's: a worker's runtime
places the order of an account linked to a remote broker (`desk broker add`) for that venue
and leaves it for the venue's router, never acknowledging or filling it on paper. Run
here without a Kafka broker: the worker's runtime is woken at each logged position, in order,
as its `process_managers` agent does."""

from __future__ import annotations

from pathlib import Path

from adapters.eventstore.store import DeskStore
from domain.aggregates import TradeCard
from domain.events import OrderAccepted, OrderFilled, OrderPlaced
from streams.kafka.app import WorkerSettings, _runtime_starter
from tests.e2e.linked_desk import Linked, seed_linked
from tests.unit.conftest import T0, cause


def approved_at_worker(tmp_path: Path, broker: str) -> list[object]:
    """acc-1 linked to `broker` approves its card; what the worker's runtime logs."""
    db = seed_linked(tmp_path / "desk.db", Linked("acc-1", broker, {}))
    url = f"sqlite:///{db}"
    runtime = _runtime_starter(WorkerSettings(bootstrap="unused:9092", store_url=url))()
    store = DeskStore(url)
    try:
        head = store.head()
        card = store.load(TradeCard, "card-acc-1")
        card.approve("operator:asha", T0, (), cause())
        store.commit(card)
        for rec in list(store.read_all(head)):
            runtime.wake(rec.position)  # as a desk.log message wakes the worker
        return [r.event.payload for r in store.read_all(head)]
    finally:
        store.close()
        runtime.store.close()


def test_worker_when_the_account_is_linked_to_upstox_then_its_order_waits_for_the_router(
    tmp_path: Path,
) -> None:
    logged = approved_at_worker(tmp_path, "upstox")

    placed = [e for e in logged if isinstance(e, OrderPlaced)]
    assert len(placed) == 1 and placed[0].broker == "upstox"
    assert not [e for e in logged if isinstance(e, OrderAccepted | OrderFilled)]


def test_worker_when_the_account_trades_on_paper_then_paper_acknowledges_in_step(
    tmp_path: Path,
) -> None:
    logged = approved_at_worker(tmp_path, "paper")

    placed = [e for e in logged if isinstance(e, OrderPlaced)]
    assert len(placed) == 1 and placed[0].broker == "paper"
    assert [e for e in logged if isinstance(e, OrderAccepted)]
