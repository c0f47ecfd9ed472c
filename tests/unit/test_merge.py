"""Partial views merged: every DeskView field is combined or taken whole, and a desk split
the way the Kafka runtime splits it merges back into the view of the whole log."""

from __future__ import annotations

from dataclasses import fields

from adapters.kafka.topics import MARKET_TOPIC, key_for, topic_for
from domain.events import BarClosed
from projections.desk import DeskView, apply, projections_of, snapshot
from projections.market import LastBar
from projections.merge import COMBINED, WHOLE, merge
from tests.unit.conftest import T0, Log, bar, fold, funded_account, round_trip


def test_merge_when_a_desk_view_field_exists_then_it_is_combined_or_declared_whole() -> None:
    names = {f.name for f in fields(DeskView)}

    forgotten = names - COMBINED - set(WHOLE)
    unknown = (COMBINED | set(WHOLE)) - names

    assert not forgotten, f"DeskView fields neither merged nor declared whole: {forgotten}"
    assert not unknown, f"merged fields DeskView no longer has: {unknown}"
    assert not COMBINED & set(WHOLE), "a field both combined and taken whole"


def test_merge_when_desk_split_by_partition_key_then_equals_the_view_of_the_whole_log() -> None:
    log = Log()
    round_trip(log)
    funded_account(log, "acc-2")
    log.add(bar("530.00", "531.00", "529.00", "530.50", start=T0), "bars-TCS")
    whole = fold(log.events)
    parts: dict[bytes, DeskView] = {}
    market: dict[str, LastBar] = {}
    for position, event in enumerate(log.events, start=1):
        if topic_for(event.type) == MARKET_TOPIC:
            assert isinstance(event.payload, BarClosed)
            b = event.payload
            market[b.symbol] = LastBar(b.start, b.end, b.close, b.volume)
        else:
            apply(parts.setdefault(key_for(event), DeskView()), event, position)

    merged = merge(parts.values(), market, whole.research)

    assert len(parts) == 2, "one part per account"
    assert projections_of(snapshot(merged)) == projections_of(snapshot(whole))
    assert merged.research is whole.research
    assert merged.equity("acc-1") == whole.equity("acc-1")
