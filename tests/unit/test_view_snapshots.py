"""A runtime starts from the last snapshot of its view plus the log's tail, and only from
a snapshot that still matches the log: the view always equals the fold of the whole log."""

from __future__ import annotations

import json
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from adapters.eventstore.store import DeskStore, ViewSnapshots
from bench.folds import generate
from projections.codec import encode_view
from projections.desk import DeskView
from streams.embedded import EmbeddedRuntime
from streams.view_snapshots import resume, setup_digest, snapshot_name
from tests.fakes import FakeClock
from tests.unit.conftest import T0

EVENTS = list(generate(400))


def _store(tmp_path: Path, events: int) -> DeskStore:
    store = DeskStore(f"sqlite:///{tmp_path / 'log.db'}")
    _append(store, 0, events)
    return store


def _append(store: DeskStore, start: int, end: int) -> None:
    store.recorder.insert_events([StoredEvent(*e) for e in EVENTS[start:end]])


def _started(store: DeskStore, every: int, sector: str = "") -> EmbeddedRuntime:
    runtime = EmbeddedRuntime(store, {}, FakeClock(T0), snapshot_every=every)
    if sector:  # a view set up before the first event (as bootstrap configures one)
        runtime.view.research.sectors["SYM0001"] = sector
    runtime.start()
    return runtime


FRESH = setup_digest(DeskView())


def test_start_when_a_snapshot_was_saved_then_view_resumes_from_it_and_equals_a_full_fold(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, 300)
    _started(store, every=100)  # folds 300 events, saving the view as it goes
    _append(store, 300, 400)

    resumed = resume(store, "embedded", FRESH)
    runtime = _started(store, every=100)

    assert resumed is not None and resumed.position == 300
    assert runtime.view == _started(store, every=0).view
    assert runtime.view.position == 400


def test_start_when_the_snapshot_s_link_is_not_the_log_s_then_folds_from_the_first_event(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, 300)
    tie = json.dumps({"link": "0" * 64, "setup": FRESH})
    forged = tie + "\n" + encode_view(DeskView(position=300)).decode()
    ViewSnapshots(store).save(snapshot_name("embedded"), 300, forged)

    runtime = _started(store, every=100)

    assert resume(store, "other", FRESH) is None
    assert runtime.view == _started(store, every=0).view
    assert runtime.view.counts["BarClosed"] == 294


def test_start_when_the_view_is_set_up_otherwise_then_the_snapshot_is_not_resumed(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, 300)
    _started(store, every=100)  # a snapshot folded from a plain view

    runtime = _started(store, every=100, sector="IT")

    assert runtime.view.research.sectors == {"SYM0001": "IT"}
    assert runtime.view == _started(store, every=0, sector="IT").view
