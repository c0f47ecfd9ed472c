"""Owner-only, append-only journals of what an adapter is about to send to a broker.

Writing a line before an order goes out is what lets an adapter skip the broker's order book
for a fresh client order id: only an id the journal names may have reached the broker before
(a timeout, a crash, a restart), so only such an id is looked up before placing. Each write
appends one JSON line to a file kept open for the session (no rewrite of the whole file, so
the cost per order does not grow with the day), and the line is on disk (fsync, and the
directory's entry too when the file is new) before the request is sent, so it survives the
process crashing and the machine losing power. A torn last line (a crash mid-write) is
skipped on reading. `python -m bench.orders` prints what the fsync costs per order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class AppendLog:
    """JSON lines appended to an owner-only file, read back whole when opened."""

    # Each append is synced to disk before it returns; only the bench turns this off, to
    # measure what the sync costs beside a run without it.
    durable = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def read(self) -> list[Any]:
        """Every readable line written so far (torn or garbled lines are skipped)."""
        if not self.path.exists():
            return []
        found = []
        for number, line in enumerate(self.path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                found.append(json.loads(line))
            except ValueError:
                log.warning("journal_line_unreadable", path=str(self.path), line=number)
        return found

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one record at the end of the file, before the caller acts on it."""
        data = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        fd = self._open()
        os.write(fd, data)
        if self.durable:
            os.fsync(fd)

    def rewrite(self, records: list[Mapping[str, Any]]) -> None:
        """Replace the file's content (once, to convert an older format)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(
                fd,
                "".join(
                    json.dumps(dict(r), separators=(",", ":"), sort_keys=True) + "\n"
                    for r in records
                ).encode(),
            )
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close the file (the next append opens it again)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
            if created and self.durable:
                sync_directory(self.path.parent)  # else a power loss can drop the new name
            self._fd = fd
        return self._fd


def sync_directory(path: Path) -> None:
    """Flush a directory's entries (a file just created in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IntentLog:
    """The desk order ids an adapter has started to send, kept across restarts.

    Without a path nothing is remembered, and every id counts as possibly sent: the adapter
    then looks each one up at the broker, as it must when it cannot know."""

    def __init__(self, path: Path | None) -> None:
        self._log = AppendLog(path) if path is not None else None
        self._sent: set[str] = set()
        if self._log is not None:
            self._sent = {
                str(r["coid"]) for r in self._log.read() if isinstance(r, dict) and r.get("coid")
            }

    def may_have_sent(self, client_order_id: str) -> bool:
        """True when an order under this id may already be at the broker."""
        return self._log is None or client_order_id in self._sent

    def sending(self, client_order_id: str) -> None:
        """Note, before it goes out, that an order under this id is about to be sent."""
        if self._log is None or client_order_id in self._sent:
            return
        self._log.append({"coid": client_order_id})
        self._sent.add(client_order_id)

    def close(self) -> None:
        """Close the journal file."""
        if self._log is not None:
            self._log.close()
