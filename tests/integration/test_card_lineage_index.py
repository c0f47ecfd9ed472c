"""Card detail from the lineage index: the same trace `desk replay trace` gives, for every
card of the sample day, and it follows events logged after the index was built."""

from __future__ import annotations

import pytest

from adapters.eventstore.store import DeskStore
from api import operator
from projections.card_lineage import LineageIndex, index_event, lineage_positions
from projections.lineage import trace
from streams.bootstrap import bootstrap, wall_clock
from tests.served import INSTRUMENTS, WAITING, seed_sample_day


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> DeskStore:
    """The sample day to 13:35 with its three waiting cards approved (so orders exist)."""
    db = seed_sample_day(tmp_path_factory.mktemp("lineage") / "desk.db")
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    now = operator.desk_clock(desk)
    for card_id in WAITING:
        operator.approve(desk, now(), card_id, "operator:amy")
    desk.store.close()
    return DeskStore(f"sqlite:///{db}")


def test_lineage_when_read_from_the_index_then_the_same_events_as_a_log_scan(
    store: DeskStore,
) -> None:
    log = list(store.read_all())
    index = LineageIndex()
    for rec in log:
        index_event(index, rec)
    cards = sorted({r.event.stream_id for r in log if r.event.stream_id.startswith("card-")})
    orders = sorted({r.event.stream_id for r in log if r.event.stream_id.startswith("order-")})

    assert len(cards) > 20 and orders
    for ident in (*cards, *orders):
        assert lineage_positions(index, ident) == [r.position for r in trace(log, ident)], ident


def test_lineage_when_the_id_is_unknown_then_empty(store: DeskStore) -> None:
    index = LineageIndex()
    for rec in store.read_all():
        index_event(index, rec)

    assert lineage_positions(index, "card-no-such-card") == []


def test_index_when_fed_the_same_events_twice_then_unchanged(store: DeskStore) -> None:
    once, twice = LineageIndex(), LineageIndex()
    for rec in store.read_all():
        index_event(once, rec)
        index_event(twice, rec)
        index_event(twice, rec)

    assert once == twice
