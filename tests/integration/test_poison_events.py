"""A poison event in the log (a bar priced 1e30, stored before inputs were checked, or by
another writer) no longer stops the desk: the failing reaction is recorded with its reason,
the accounts concerned are paused, the desk goes on, and a restart passes the event."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.files.sample import SAMPLE_DIR, load_instruments
from domain.aggregates import Cause, InputStream
from domain.events import BarClosed, KillSwitchTripped, ReactionFailed
from domain.ids import bars_stream
from streams.bootstrap import Desk, bootstrap, wall_clock
from streams.feed import day_steps, sample_day
from streams.process_managers.auto_approver import DEMO_POLICY

HUGE = Decimal("1e30")


def _desk(url: str) -> Desk:
    return bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"),
                     approver=DEMO_POLICY, clock=wall_clock)


def _until_an_order_is_live(desk: Desk) -> str:
    """Feed the sample day until some order is working; its symbol."""
    for step in day_steps(desk.runtime, desk.store, sample_day(SAMPLE_DIR), "operator:t",
                          wall_clock):
        step.write()
        live = [s for s, ids in desk.runtime.view.orders.live_by_symbol.items() if ids]
        if live:
            return sorted(live)[0]
    raise AssertionError("no order was ever live in the sample day")


def _store_poison_bar(desk: Desk, symbol: str) -> None:
    """Write a 1e30 bar straight into the log, as an unchecked writer would."""
    as_of = desk.runtime.view.as_of
    assert as_of is not None
    start = as_of + timedelta(minutes=1)
    bar = BarClosed(symbol=symbol, start=start, end=start + timedelta(minutes=1), open=HUGE,
                    high=HUGE, low=HUGE, close=HUGE, volume=100)
    stream_id = bars_stream(symbol, start)
    stream = InputStream.at(stream_id, 1000 + start.minute)
    stream.append(bar, Cause(bar.end, wall_clock(), "feed:bars", stream_id))
    desk.store.commit(stream)


@pytest.fixture
def poisoned(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    desk = _desk(url)
    symbol = _until_an_order_is_live(desk)
    _store_poison_bar(desk, symbol)
    desk.runtime.pump()
    return url, symbol


def test_pump_when_a_bar_priced_1e30_hits_a_live_order_then_failure_recorded_and_account_paused(
    poisoned: tuple[str, str],
) -> None:
    url, _ = poisoned
    log = [r.event for r in _desk(url).store.read_all()]

    failures = [e.payload for e in log if isinstance(e.payload, ReactionFailed)]
    trips = [e.payload for e in log if isinstance(e.payload, KillSwitchTripped)
             and e.payload.metric == "reaction_failure"]
    assert [f.process_manager for f in failures] == ["paper-fills"]
    assert failures[0].trigger_type == "BarClosed" and failures[0].reason
    # The accounts working the bar's symbol are paused, not the whole desk.
    assert failures[0].paused and "desk" not in failures[0].paused
    assert {t.scope for t in trips} == set(failures[0].paused)
    assert all("paper-fills failed on BarClosed" in t.reason for t in trips)


def test_restart_when_the_log_holds_a_poison_event_then_starts_and_records_it_once(
    poisoned: tuple[str, str],
) -> None:
    url, _ = poisoned

    restarted = _desk(url)  # start() pumps from the tracked position: past the poison bar
    restarted.runtime.pump()
    again = _desk(url)

    failures = [r for r in again.store.read_all() if isinstance(r.event.payload, ReactionFailed)]
    assert len(failures) == 1
    assert again.runtime.view.position == again.store.head()
