"""A batch of events written to SQLite in one statement: each event's log position is the
row the database gave it, also when the table no longer hands out rowids in order."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from adapters.eventstore.store import DeskStore
from domain.aggregates import Aggregate, Cause, InputStream
from domain.events import Envelope, TradeImported
from domain.values import Side

AT = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
LAST_ROWID = 2**63 - 1  # once a row holds it, SQLite draws new rowids at random


class _Many(Aggregate):
    def __init__(self, events: list[Envelope]) -> None:
        super().__init__("batch")
        self._pending = events


def _events(first: int, count: int) -> list[Envelope]:
    events = []
    for n in range(first, first + count):
        stream = InputStream.at(f"trade-test-NSE-20261127-{n}", 1)
        stream.append(
            TradeImported(
                account_id="acc",
                broker="test",
                exchange="NSE",
                trade_id=str(n),
                trade_date=AT.date(),
                traded_at=AT,
                symbol="INFY",
                side=Side.BUY,
                quantity=n,
                price="1500.5",
                source=f"test:{n}",
            ),
            Cause(AT, AT, "operator:test", "batch-test"),
        )
        events.extend(stream.collect_events())
    return events


def _rowids(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        return dict(con.execute("SELECT originator_id, rowid FROM stored_events"))


def test_commit_when_a_batch_follows_earlier_events_then_positions_are_their_rows(
    tmp_path: Path,
) -> None:
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    store.commit(_Many(_events(1, 3)))

    recorded = store.commit(_Many(_events(4, 5)))

    rows = _rowids(tmp_path / "desk.db")
    assert [r.position for r in recorded] == [4, 5, 6, 7, 8]
    assert all(rows[r.event.stream_id] == r.position for r in recorded)


def test_commit_when_rowids_are_drawn_at_random_then_positions_are_still_their_rows(
    tmp_path: Path,
) -> None:
    db = tmp_path / "desk.db"
    store = DeskStore(f"sqlite:///{db}")
    store.commit(_Many(_events(1, 2)))
    with sqlite3.connect(db) as con:
        con.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
            " VALUES (?, 'foreign', 1, 'Foreign', x'7b7d')",
            (LAST_ROWID,),
        )

    recorded = store.commit(_Many(_events(3, 6)))

    rows = _rowids(db)
    assert len({r.position for r in recorded}) == 6
    assert all(rows[r.event.stream_id] == r.position for r in recorded)
