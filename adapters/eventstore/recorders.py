"""Event-sourcing library recorders that write the hash chain in the insert transaction.

The library serialises inserts (SQLite's write lock; PostgreSQL's EXCLUSIVE table lock), so
reading the last chain hash and writing the next ones inside that transaction keeps one
unbroken chain in notification order, also with several writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.eventstore.chain import GENESIS, ChainKey, chain_hash
from adapters.eventstore.chain_keys import chain_keyring

CHAIN_TABLE = "event_chain"
_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters


def _signing_key() -> ChainKey | None:
    """The key new links are made with (`DESK_CHAIN_KEY_FILE` / `DESK_CHAIN_KEY`), if any."""
    keyring = chain_keyring()
    return keyring.current if keyring is not None else None


# An event as its table row: (stream id, stream version, topic, stored bytes).
Row = tuple[str, int, str, bytes]


def as_rows(stored_events: Sequence[StoredEvent]) -> list[Row]:
    """The library's stored events as table rows."""
    return [(str(s.originator_id), s.originator_version, s.topic, s.state)
            for s in stored_events]


def _chain_rows(
    previous: str, ids: Sequence[int], rows: Sequence[Row], key: ChainKey | None,
) -> list[tuple[int, str]]:
    links = []
    for notification_id, (stream_id, version, topic, state) in zip(ids, rows, strict=True):
        previous = chain_hash(previous, notification_id, stream_id, version, topic, state, key)
        links.append((notification_id, previous))
    return links


class ChainedSQLiteRecorder(SQLiteProcessRecorder):
    """SQLite process recorder (events + tracking) that also appends to the hash chain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain_key = _signing_key()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "notification_id INTEGER PRIMARY KEY, hash TEXT NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        rows = as_rows(stored_events)
        ids = self._insert_chained(c, rows)
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(c, tracking)
        return ids

    def insert_rows(self, rows: Sequence[Row]) -> list[int]:
        """Insert these table rows and their chain links in one transaction: what
        `insert_events` does for the same events, without an object per event."""
        with self.datastore.transaction(commit=True) as c:
            return self._insert_chained(c, rows)

    def _insert_chained(self, c: SQLiteCursor, rows: Sequence[Row]) -> list[int]:
        # The library inserts one statement per event; a batch here is one executemany.
        ids = self._insert_rows(c, rows)
        if ids:
            c.execute(
                f"SELECT hash FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
            links = _chain_rows(row["hash"] if row else GENESIS, ids, rows, self.chain_key)
            c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?)", links)
        return ids

    def _insert_rows(self, c: SQLiteCursor, rows: Sequence[Row]) -> list[int]:
        """Insert the events in order; their notification ids (rowids), in the same order.

        The write lock is held from the first insert to the commit, so SQLite gives each new
        row the largest rowid so far plus one: the batch ends at the table's largest rowid and
        runs back from it. Only a table whose rowids reached 2^63 - 1 draws them at random;
        the first and last rows are checked, and each row is looked up by its key if they
        are not where that rule puts them."""
        if not rows:
            return []
        c.executemany(self.insert_events_statement, rows)
        c.execute(f"SELECT MAX(rowid) AS last FROM {self.events_table_name}")
        last = int(c.fetchone()["last"])
        ids = list(range(last - len(rows) + 1, last + 1))
        ends = ((ids[0], rows[0]), (ids[-1], rows[-1]))
        if all(self._rowid(c, r) == n for n, r in ends):
            return ids
        return [self._rowid(c, r) for r in rows]

    def _rowid(self, c: SQLiteCursor, row: Row) -> int:
        c.execute(
            f"SELECT rowid FROM {self.events_table_name} "
            "WHERE originator_id = ? AND originator_version = ?",
            row[:2],
        )
        return int(c.fetchone()["rowid"])

    def states(self, start: int, limit: int, topics: Sequence[str] = ()
               ) -> list[tuple[int, bytes]]:
        """(notification id, stored bytes) of up to `limit` events from id `start` on, of
        `topics` only when given: the library's `select_notifications` without an object
        and a name lookup per row (a fold of 100,000 events reads them all)."""
        where = f" AND topic IN ({', '.join('?' * len(topics))})" if topics else ""
        with self.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples for this cursor only
            c.execute(
                f"SELECT rowid, state FROM {self.events_table_name} "
                f"WHERE rowid >= ?{where} ORDER BY rowid LIMIT ?",
                (start, *topics, limit),
            )
            return c.fetchall()  # type: ignore[no-any-return]

    def chain(self, start: int, end: int) -> list[tuple[int, str]]:
        """Chain rows with notification ids from `start` to `end` (inclusive), in order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {CHAIN_TABLE} "
                "WHERE notification_id >= ? AND notification_id <= ? ORDER BY notification_id",
                (start, end),
            )
            return [(r["notification_id"], r["hash"]) for r in c.fetchall()]

    def stream_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """The last version of each of these streams that has one (primary-key lookups)."""
        found: dict[str, int] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(stream_ids):
                c.execute(
                    "SELECT originator_id, MAX(originator_version) AS version "
                    f"FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({', '.join('?' * len(chunk))}) "
                    "GROUP BY originator_id",
                    chunk,
                )
                found.update((r["originator_id"], r["version"]) for r in c.fetchall())
        return found

    def followers(self) -> dict[str, int]:
        """Every process that has recorded a log position here, with its latest one (the
        library's own table-migration row is not a process)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT application_name AS name, MAX(notification_id) AS position "
                      "FROM tracking WHERE application_name <> ? GROUP BY application_name",
                      (self.table_migration_identifier,))
            return {r["name"]: int(r["position"]) for r in c.fetchall()}


class ChainedPostgresRecorder(PostgresProcessRecorder):
    """PostgreSQL process recorder (events + tracking) that also appends to the hash chain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain_key = _signing_key()
        self.chain_table = Identifier(self.datastore.schema, f"{self.events_table_name}_chain")
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} ("
                "notification_id bigint PRIMARY KEY, hash text NOT NULL)"
            ).format(self.chain_table)
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            curs.execute(
                SQL("SELECT hash FROM {0} ORDER BY notification_id DESC LIMIT 1").format(
                    self.chain_table
                )
            )
            row = curs.fetchone()
            links = _chain_rows(row["hash"] if row else GENESIS, ids, as_rows(stored_events),
                                self.chain_key)
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s, %s)").format(self.chain_table), links
            )
        return ids

    def insert_rows(self, rows: Sequence[Row]) -> list[int]:
        """Insert these table rows and their chain links in one transaction (the library's
        own insert, which takes its table lock)."""
        ids = self.insert_events([StoredEvent(*row) for row in rows])
        return list(ids or ())

    def states(self, start: int, limit: int, topics: Sequence[str] = ()
               ) -> list[tuple[int, bytes]]:
        """(notification id, stored bytes) of up to `limit` events from id `start` on, of
        `topics` only when given."""
        return [(n.id, n.state) for n in self.select_notifications(start, limit, topics=topics)]

    def chain(self, start: int, end: int) -> list[tuple[int, str]]:
        """Chain rows with notification ids from `start` to `end` (inclusive), in order."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, hash FROM {0} WHERE notification_id >= %s "
                    "AND notification_id <= %s ORDER BY notification_id"
                ).format(self.chain_table),
                (start, end),
            )
            return [(r["notification_id"], r["hash"]) for r in curs.fetchall()]

    def stream_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """The last version of each of these streams that has one (primary-key lookups)."""
        found: dict[str, int] = {}
        statement = SQL(
            "SELECT originator_id, MAX(originator_version) AS version FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            for chunk in _chunks(stream_ids):
                curs.execute(statement, (chunk,))
                found.update((r["originator_id"], r["version"]) for r in curs.fetchall())
        return found

    def followers(self) -> dict[str, int]:
        """Every process that has recorded a log position here, with its latest one (the
        library's own table-migration row is not a process)."""
        statement = SQL(
            "SELECT application_name AS name, MAX(notification_id) AS position FROM {0}.{1} "
            "WHERE application_name <> %s GROUP BY application_name"
        ).format(Identifier(self.datastore.schema), Identifier(self.tracking_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (self.table_migration_identifier,))
            return {r["name"]: int(r["position"]) for r in curs.fetchall()}


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i:i + _IDS_PER_QUERY] for i in range(0, len(unique), _IDS_PER_QUERY)]
